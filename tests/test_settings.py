"""Settings as data: one row per setting, the environment read at the front door, the server's only when serving."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from helpers_store import EXAMPLES

from kg_builder.cli import EXIT_OK, EXIT_USAGE, build_parser, main
from kg_builder.errors import UsageError
from kg_builder.settings import SETTINGS, ServerSettings, Settings, packaged, setting


def test_every_dataclass_field_has_its_row_and_every_row_a_field() -> None:
    fields = {f.name for cls in (Settings, ServerSettings) for f in dataclasses.fields(cls)} - {"server"}
    assert fields == {row.name for row in SETTINGS if row.name}
    for row in SETTINGS:
        assert row.help and row.type and (row.env or row.name)
        assert row.server == (row.name in {f.name for f in dataclasses.fields(ServerSettings)})


def test_defaults_come_from_the_rows_and_ignore_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KG_BUILDER_BASE", "http://env.example/")
    monkeypatch.setenv("KG_BUILDER_TIMEOUT", "7")
    assert Settings().base == setting("base").default == "https://w3id.org/kg-builder/id/"
    assert ServerSettings().timeout == setting("timeout").default == 30.0
    assert Settings().shapes_dir == packaged("shapes") and (Settings().shapes_dir / "study.ttl").is_file()
    assert Settings.from_env().base == "http://env.example/"
    assert ServerSettings.from_env().timeout == 7.0
    assert Settings.from_env(base="http://option.example/").base == "http://option.example/"  # options win


@pytest.mark.parametrize(("variable", "text", "field", "value"), [
    ("KG_BUILDER_TIMEOUT", "2.5", "timeout", 2.5),
    ("KG_BUILDER_MAX_ROWS", "0", "max_rows", 0),
    ("KG_BUILDER_CORS", "", "cors_origins", ()),
    ("KG_BUILDER_CORS", "https://a.example, https://b.example", "cors_origins",
     ("https://a.example", "https://b.example")),
    ("KG_BUILDER_ALLOW_SERVICE", "https://x.example/sparql https://y.example/sparql", "allow_service",
     ("https://x.example/sparql", "https://y.example/sparql")),
    ("KG_BUILDER_TOKEN", "", "token", None),
    ("KG_BUILDER_WORKERS", "", "workers", setting("workers").default_value()),
])
def test_environment_values_are_parsed_by_their_row(variable: str, text: str, field: str, value: object) -> None:
    assert getattr(ServerSettings.from_env({variable: text}), field) == value


@pytest.mark.parametrize(("variable", "text"), [
    ("KG_BUILDER_TIMEOUT", "abc"), ("KG_BUILDER_MAX_ROWS", "1.5"), ("KG_BUILDER_WORKERS", "-1"),
    ("KG_BUILDER_TIMEOUT", "0"),
])
def test_bad_server_values_are_usage_errors(variable: str, text: str) -> None:
    with pytest.raises(UsageError, match=variable if text != "0" else "timeout"):
        ServerSettings.from_env({variable: text})


def test_a_build_does_not_read_the_server_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("KG_BUILDER_TIMEOUT", "abc")
    store = tmp_path / "s"
    assert main(["build", str(EXAMPLES / "ctgov-json" / "NCT04129320.json"), "--store", str(store),
                 "--quiet"]) == EXIT_OK
    assert main(["serve", "--store", str(store)]) == EXIT_USAGE
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: KG_BUILDER_TIMEOUT='abc' is not a number "
                   "(hint: set it to a number, or unset it for the default (30))"]


def test_writes_need_a_token(tmp_path: Path) -> None:
    from kg_builder.server import create_app

    with pytest.raises(UsageError, match="token"):
        create_app(tmp_path, Settings(server=ServerSettings(allow_update=True)))


def test_option_help_comes_from_the_rows() -> None:
    parser = build_parser()
    serve = next(a for a in parser._actions if a.dest == "command").choices["serve"]
    helps = {a.dest: a.help for a in serve._actions}
    for name in ("timeout", "max_rows", "workers", "threads", "max_body", "token", "allow_service"):
        assert helps[name] == setting(name).cli_help()
    assert "KG_BUILDER_TIMEOUT" in helps["timeout"] and "default 30" in helps["timeout"]
