"""The README tells the truth: every command, option group, setting and named query appears in it."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from kg_builder.cli import build_parser
from kg_builder.settings import Settings, settings_table
from kg_builder.store.named_queries import load_named_queries

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_first_screen_gives_exactly_the_two_setup_commands() -> None:
    first_block = re.search(r"```sh\n(.*?)```", README, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]


def test_every_command_and_option_is_documented() -> None:
    for name, sub in _subcommands().items():
        assert f"kg-builder {name}" in README, name
        for action in sub._actions:
            if action.help == argparse.SUPPRESS or not action.option_strings or action.dest == "help":
                continue
            documented = [o for o in action.option_strings if re.search(re.escape(o) + r"\b", README)]
            assert documented, f"kg-builder {name} {action.option_strings[-1]} is not in the README"


def test_the_settings_table_is_the_settings_rows() -> None:
    """The README's table of environment variables is generated from kg_builder.settings.SETTINGS, row for row."""
    lines = README.splitlines()
    start = lines.index(settings_table()[0])
    assert lines[start:start + len(settings_table())] == settings_table()
    assert not lines[start + len(settings_table())].startswith("|"), "a README row no setting declares"


def test_every_named_query_is_documented_with_its_columns() -> None:
    for name in load_named_queries(Settings().queries_dir):
        assert f"| `{name}` |" in README, name


def test_makefile_targets_named_in_readme_exist() -> None:
    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text(encoding="utf-8")
    for target in ("demo", "test"):
        assert re.search(rf"^{target}:", makefile, re.M), target
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci
