"""A build killed with SIGKILL leaves the last good generation current; the next build cleans up after it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from pyoxigraph import NamedNode

from kg_builder.build import build
from kg_builder.store.generations import current_generation, open_read_only, remove_unfinished

RECORDS = Path(__file__).parent / "data" / "link" / "records"


def _graphs(store: Path) -> set[str]:
    return {g.value for g in open_read_only(store).named_graphs() if isinstance(g, NamedNode)}


def _generations(store: Path) -> list[str]:
    return sorted(p.name for p in (store / "generations").iterdir())


def _kill_a_build_half_way(store: Path, tmp_path: Path) -> None:
    """Start ``kg-builder build`` in a child process and SIGKILL it once its new generation holds data.

    Its last input is a FIFO nobody writes to, so it cannot finish before the kill: the kill
    always lands mid-build, after the records before the FIFO were read.
    """
    fifo = tmp_path / f"never-{time.monotonic_ns()}.json"
    os.mkfifo(fifo)
    before = set(_generations(store))
    child = subprocess.Popen(
        [sys.executable, "-m", "kg_builder.cli", "build", str(RECORDS), str(fifo), "--store", str(store),
         "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            new = set(_generations(store)) - before
            if new and any((store / "generations" / name).iterdir() for name in new):
                break
            assert child.poll() is None, "the build ended before it could be killed"
            time.sleep(0.05)
        time.sleep(0.5)  # let it read and map the records before the FIFO
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL


def test_a_killed_build_keeps_the_last_good_store_and_the_next_build_removes_its_leftover(tmp_path: Path):
    store = tmp_path / "store"
    records = sorted(RECORDS.glob("*.json"))
    build(records[:3], store, validate=False)
    first = current_generation(store)
    graphs = _graphs(store)

    _kill_a_build_half_way(store, tmp_path)
    assert current_generation(store) == first  # the kill changed nothing readers see
    assert _graphs(store) == graphs
    leftovers = [name for name in _generations(store) if name != first.name]
    assert leftovers, "the killed build should have left its half-written generation"

    _kill_a_build_half_way(store, tmp_path)  # a second kill: it starts by removing the first one's leftover
    assert len(_generations(store)) == 2 and current_generation(store) == first

    build(records[3:5], store, validate=False)
    second = current_generation(store)
    assert second != first
    assert _generations(store) == sorted([first.name, second.name])  # leftovers gone, the previous kept
    assert len(_graphs(store)) == len(graphs) + 2


def test_cleanup_never_touches_current_or_older_generations(tmp_path: Path):
    store = tmp_path / "store"
    records = sorted(RECORDS.glob("*.json"))
    build(records[:1], store, validate=False)
    build(records[1:2], store, validate=False)
    kept = _generations(store)
    reader = open_read_only(store)  # a reader holds the current generation
    leftover = store / "generations" / "g999999"
    leftover.mkdir()
    (leftover / "000001.sst").write_bytes(b"x" * 1000)
    assert remove_unfinished(store) == [leftover]
    assert _generations(store) == kept
    assert len(list(reader.named_graphs())) >= 2
