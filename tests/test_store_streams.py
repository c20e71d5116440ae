"""How batches reach the store: streamed into bulk loads that end before a graph they hold is replaced.

The store writer streams many batches into one bulk load and starts a new one past a
size; a bulk load's data is only in the database once it ends. These tests force a new
stream after every batch (and batches of two studies), so every path runs on tiny
inputs: the result must be the same store as one stream gives.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers_store import EXAMPLES, minimal_study, write_json
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, serialize

from kg_builder.build import build
from kg_builder.errors import StoreError
from kg_builder.store import generations
from kg_builder.store.generations import current_generation, open_read_only, writing

RECORDS = sorted((EXAMPLES / "ctgov-json").glob("*.json"))
P = NamedNode("https://example.org/p")


@pytest.fixture(autouse=True)
def _fixed_build_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764028800")


def _sorted_nquads(store: Path) -> list[str]:
    quads = open_read_only(store).quads_for_pattern(None, None, None, None)
    return sorted(serialize(quads, format=RdfFormat.N_QUADS).decode().splitlines())


def _graph(name: str, *values: str) -> tuple[NamedNode, list[Quad]]:
    graph = NamedNode(f"https://example.org/graph/{name}")
    return graph, [Quad(NamedNode(f"https://example.org/{name}"), P, Literal(v), graph) for v in values]


@pytest.mark.parametrize("stream_bytes", [1, 1 << 30], ids=["a stream per batch", "one stream"])
def test_builds_and_rebuilds_give_the_same_store_whatever_the_streams(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stream_bytes: int) -> None:
    assert len(RECORDS) >= 4
    reference = tmp_path / "reference"
    first = build(RECORDS[:3], reference, validate=False)
    rebuilt = build(RECORDS[1:], reference, validate=False)  # two studies rebuilt, the others added

    monkeypatch.setattr(generations, "_STREAM_BYTES", stream_bytes)
    monkeypatch.setattr("kg_builder.build._BATCH_STUDIES", 2)
    store = tmp_path / "streamed"
    assert build(RECORDS[:3], store, validate=False).triples == first.triples
    again = build(RECORDS[1:], store, validate=False)
    assert (again.built, again.triples, again.orphans_removed) == (rebuilt.built, rebuilt.triples,
                                                                     rebuilt.orphans_removed)
    assert _sorted_nquads(store) == _sorted_nquads(reference)


@pytest.mark.parametrize("stream_bytes", [1, 1 << 30], ids=["ended stream", "open stream"])
def test_a_graph_replaced_twice_in_one_generation_keeps_the_second_version(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stream_bytes: int) -> None:
    monkeypatch.setattr(generations, "_STREAM_BYTES", stream_bytes)
    graph, old = _graph("a", "old", "both")
    _, new = _graph("a", "new", "both")
    other, others = _graph("b", "b")
    with writing(tmp_path) as writer:
        writer.replace_graphs([graph], old)
        writer.replace_graphs([graph], new)
        writer.replace_graphs([other], others)
    stored = open_read_only(tmp_path)
    assert sorted(q.object.value for q in stored.quads_for_pattern(None, None, None, graph)) == ["both", "new"]
    assert len(list(stored.quads_for_pattern(None, P, None))) == 3


def test_what_is_queued_is_in_the_database_before_a_direct_removal(tmp_path: Path) -> None:
    graph, quads = _graph("a", "x", "y")
    with writing(tmp_path) as writer:
        writer.replace_graphs([graph], quads)
        writer.remove_graph(graph)  # ends the stream first: the graph is there to remove
        assert not writer.store.contains_named_graph(graph)
        other, others = _graph("b", "z")
        writer.replace_graphs([other], others)
    assert [q.object.value for q in open_read_only(tmp_path).quads_for_pattern(None, P, None)] == ["z"]


def test_a_failed_bulk_load_fails_the_build_and_keeps_the_last_good_store(tmp_path: Path) -> None:
    graph, quads = _graph("a", "kept")
    with writing(tmp_path) as writer:
        writer.replace_graphs([graph], quads)
    good = current_generation(tmp_path)
    with pytest.raises(StoreError, match="writing the store failed"), writing(tmp_path) as writer:
        writer.replace_graphs([graph], _graph("a", "lost")[1])
        writer.replace_serialized([], b"<not n-quads\n" + b"padding" * 100_000)
        writer.wait()
    assert current_generation(tmp_path) == good
    assert [q.object.value for q in open_read_only(tmp_path).quads_for_pattern(None, P, None)] == ["kept"]
    assert len(list((tmp_path / "generations").iterdir())) == 1


def test_rebuilding_real_records_in_one_build_with_many_streams(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same record given twice is one study (a duplicate); its graph is written once."""
    monkeypatch.setattr(generations, "_STREAM_BYTES", 1)
    study = write_json(tmp_path / "s.json", minimal_study("NCT09000301"))
    report = build([study, study, *RECORDS[:2]], tmp_path / "store", validate=False)
    assert (report.built, report.duplicates) == (3, 1)
    assert report.triples == len(open_read_only(tmp_path / "store"))
