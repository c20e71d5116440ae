"""When a generation is compacted in full at close: after a build that changed much of the store, never
after a rebuild of a few studies (a full compaction rewrites every file of the store)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers_store import EXAMPLES

from kg_builder.build import build
from kg_builder.store import generations
from kg_builder.store.generations import current_generation, open_read_only

RECORDS = sorted((EXAMPLES / "ctgov-json").glob("*.json"))


@pytest.fixture(autouse=True)
def _fixed_build_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764028800")


@pytest.fixture
def optimized(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One item per full compaction, appended as they happen."""
    calls: list[int] = []
    real = generations._optimize

    def spy(store) -> None:
        calls.append(1)
        real(store)

    monkeypatch.setattr(generations, "_optimize", spy)
    return calls


def _files(generation: Path) -> dict[int, str]:
    return {os.stat(p).st_ino: p.name for p in generation.glob("*.sst")}


def test_a_fresh_build_and_a_full_rebuild_are_compacted(tmp_path: Path, optimized: list[int]) -> None:
    store = tmp_path / "store"
    build(RECORDS, store, validate=False)
    assert len(optimized) == 1
    build(RECORDS, store, validate=False)  # every study again: as much as the store holds
    assert len(optimized) == 2


def test_a_one_study_rebuild_does_not_rewrite_the_store(
        tmp_path: Path, optimized: list[int], shared_data: Path) -> None:
    """The 129 real JSON records, then one of them rebuilt: the new generation keeps the files it was copied
    from (hard links), but for what the rebuild's loads merged."""
    records = sorted((shared_data / "ctgov-json").glob("*.json"))
    store = tmp_path / "store"
    built = build(records, store, validate=False)
    before = current_generation(store)
    again = build(records[:1], store, validate=False)
    after = current_generation(store)
    assert len(optimized) == 1  # the fresh build only
    kept = _files(before).keys() & _files(after).keys()  # the same inodes: files not rewritten
    assert len(kept) >= len(_files(before)) // 2, (sorted(_files(before).values()), sorted(_files(after).values()))
    assert again.triples == built.triples == len(open_read_only(store))


def test_a_full_recount_of_the_statistics_is_compacted(
        tmp_path: Path, optimized: list[int], monkeypatch: pytest.MonkeyPatch, shared_data: Path) -> None:
    """A store whose statistics are of another version gets them counted afresh by its next build, however
    small: the rewritten statistics graph is compacted with it (the named queries read it)."""
    from kg_builder.store import statistics

    records = sorted((shared_data / "ctgov-json").glob("*.json"))
    store = tmp_path / "store"
    build(records, store, validate=False)
    assert len(optimized) == 1
    build(records[:1], store, validate=False)  # current statistics, one study of 129: no compaction
    assert len(optimized) == 1
    monkeypatch.setattr(statistics, "VERSION", statistics.VERSION + 1)
    build(records[:1], store, validate=False)  # the statistics counted in full
    assert len(optimized) == 2
    assert statistics.version(open_read_only(store)) == statistics.VERSION
