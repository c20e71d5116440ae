"""How a generation's writer uses the machine: RocksDB's background threads yield while it loads, and the full
compaction at close runs beside the statistics without losing its errors."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad

from kg_builder.store import generations
from kg_builder.store.generations import current_generation, open_read_only, writing
from kg_builder.store.system import _LOWEST_PRIORITY, _may_raise_to, _rocksdb_threads

P = NamedNode("https://example.org/p")
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="thread names and priorities: Linux")


def _graph(name: str, *values: str) -> tuple[NamedNode, list[Quad]]:
    graph = NamedNode(f"https://example.org/graph/{name}")
    return graph, [Quad(NamedNode(f"https://example.org/{name}"), P, Literal(v), graph) for v in values]


def _niceness() -> dict[int, int]:
    return {tid: os.getpriority(os.PRIO_PROCESS, tid) for tid in _rocksdb_threads()}


@linux_only
def test_rocksdb_threads_run_at_the_lowest_priority_while_a_generation_loads(tmp_path: Path) -> None:
    with writing(tmp_path) as writer:
        graph, quads = _graph("a", "x")
        writer.replace_graphs([graph], quads)
        writer.wait_idle()  # a load ended: the threads RocksDB started for it are found too
        during = _niceness()
        own = os.getpriority(os.PRIO_PROCESS, 0)  # this thread's, as the threads had before
        # lowered only where the priority can be given back at close (a privilege, or RLIMIT_NICE)
        assert during and set(during.values()) == ({_LOWEST_PRIORITY} if _may_raise_to(own) else {own})
    assert set(_niceness().values()) == {own}
    assert [q.object.value for q in open_read_only(tmp_path).quads_for_pattern(None, P, None)] == ["x"]


def test_a_failed_compaction_at_close_fails_the_build_and_keeps_the_last_good_store(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    graph, quads = _graph("a", "kept")
    with writing(tmp_path) as writer:
        writer.replace_graphs([graph], quads)
    good = current_generation(tmp_path)

    def broken(store) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(generations, "_optimize", broken)
    with pytest.raises(OSError, match="disk full"), writing(tmp_path, fresh=True) as writer:  # compacted at close
        writer.replace_graphs([graph], _graph("a", *(f"lost {i}" * 20 for i in range(5000)))[1])
    assert current_generation(tmp_path) == good
    assert [q.object.value for q in open_read_only(tmp_path).quads_for_pattern(None, P, None)] == ["kept"]
    assert len(list((tmp_path / "generations").iterdir())) == 1
