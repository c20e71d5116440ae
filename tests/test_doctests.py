"""The examples people read are run: the front door's docstrings and the README's library section."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest
from helpers_store import EXAMPLES

import kg_builder
import kg_builder.graph
import kg_builder.settings

README = Path(__file__).resolve().parents[1] / "README.md"
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE | doctest.IGNORE_EXCEPTION_DETAIL


def _run(test: doctest.DocTest) -> None:
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted > 0, f"{test.name}: no example ran"
    assert result.failed == 0, f"{test.name}: {result.failed} of {result.attempted} examples failed"


@pytest.mark.parametrize("module", [kg_builder, kg_builder.graph, kg_builder.settings],
                         ids=lambda m: m.__name__)
def test_docstring_examples(module, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    finder = doctest.DocTestFinder()
    tests = [t for t in finder.find(module, globs={**vars(module), "tmp": tmp_path, "EXAMPLES": EXAMPLES})
             if t.examples]
    assert tests
    for test in tests:
        _run(test)


def _readme_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


@pytest.fixture
def in_a_checkout_like_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with ``examples/`` as the README assumes (the repository's top)."""
    (tmp_path / "examples").symlink_to(EXAMPLES, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_readme_library_examples_run(in_a_checkout_like_folder: Path) -> None:
    blocks = _readme_blocks("pycon")
    assert len(blocks) >= 2
    parser = doctest.DocTestParser()
    test = parser.get_doctest("\n".join(blocks), {}, "README.md library section", str(README), 0)
    try:
        _run(test)
    finally:
        test.globs.clear()  # closes the store before the folder goes


def test_readme_front_door_block_runs_as_written(in_a_checkout_like_folder: Path,
                                                 capfdbinary: pytest.CaptureFixture) -> None:
    """Issue 15's example, word for word (the README's python block), against a folder like the checkout's."""
    block = _readme_blocks("python")[0]
    assert 'kg = KnowledgeGraph("demo-store", settings=Settings(base="https://example.org/id/"))' in block
    other = Path(__file__).resolve().parent / "data" / "link" / "other-trials.ttl"
    (in_a_checkout_like_folder / "other.ttl").write_bytes(other.read_bytes())
    namespace: dict = {}
    exec(compile(block, "README.md", "exec"), namespace)
    out = capfdbinary.readouterr().out
    assert b"<https://example.org/id/trial/NCT07003074>" in out or b"trial/NCT07003074" in out
    assert namespace["report"].built >= 8  # the six JSON records and the two seeds (examples/README.md aside)
    assert [r["phase"] for r in namespace["rows"].rows()] == ["PHASE3"]
    assert "\n#curie_map:\n" in (in_a_checkout_like_folder / "links.tsv").read_text(encoding="utf-8")
    assert callable(namespace["app"])
