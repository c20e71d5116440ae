"""The validation child's loop (``kg_builder.validation.worker.serve``) over in-memory pipes.

The build's own tests run it as a process; these feed it batches directly: each answered in
order with what :class:`StudyValidator` finds in-process, a batch it cannot parse answered
with an error and the next one still read from its start, a batch cut short (the parent gone)
left unanswered, and a batch read from the pipe as it is parsed, never whole.
"""

from __future__ import annotations

import gc
import io
import pickle
import signal

import pytest
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, serialize

from kg_builder.validation import worker
from kg_builder.validation.engines import StudyValidator

KG = "https://w3id.org/kg-builder/ontology#"
ID = "https://w3id.org/kg-builder/id/"


def _batch(number: int, *, broken: bool = False) -> bytes:
    """A study graph whose trial lacks most of what its shapes ask for (so it has results to report)."""
    graph = NamedNode(f"{ID}graph/NCT0{number:07d}")
    trial = NamedNode(f"{ID}trial/NCT0{number:07d}")
    quads = [Quad(trial, NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), NamedNode(KG + "ClinicalTrial"),
                  graph),
             Quad(trial, NamedNode(KG + "briefTitle"), Literal(f"Study {number} " + "x" * 20_000), graph)]
    data = serialize(quads, None, RdfFormat.N_QUADS)
    return data + b"this is not N-Quads\n" if broken else data


class _Pipe(io.BytesIO):
    """A pipe's read end: notes the size of every read."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.sizes: list[int] = []

    def read(self, size: int | None = -1) -> bytes:
        self.sizes.append(-1 if size is None else size)
        return super().read(size)


def _frames(*payloads: bytes, cut: int = 0) -> bytes:
    data = b"".join(worker._LENGTH.pack(len(p)) + p for p in payloads)
    return data[:len(data) - cut]


def _answers(out: bytes) -> list[tuple]:
    stream, found = io.BytesIO(out), []
    while (payload := worker._receive(stream)) is not None:
        found.append(pickle.loads(payload))
    return found


@pytest.fixture
def serve(monkeypatch: pytest.MonkeyPatch):
    """``worker.serve`` without what it does to its own process (signals, the collector's settings)."""
    monkeypatch.setattr(signal, "signal", lambda *_args: None)
    monkeypatch.setattr(gc, "freeze", lambda: None)
    monkeypatch.setattr(gc, "set_threshold", lambda *_args: None)

    def run(data: bytes) -> tuple[list[tuple], _Pipe]:
        pipe, out = _Pipe(data), io.BytesIO()
        worker.serve(pipe, out, None, None)
        return _answers(out.getvalue()), pipe

    return run


def test_batches_are_answered_in_order_and_an_unreadable_one_with_an_error(serve) -> None:
    first, second = _batch(1), _batch(2)
    answers, _pipe = serve(_frames(first, _batch(3, broken=True), second))
    assert [status for status, _value in answers] == ["ok", "error", "ok"]
    assert "SyntaxError" in answers[1][1]
    expected = StudyValidator()
    assert answers[0][1] == expected.validate_serialized(first)
    assert answers[2][1] == expected.validate_serialized(second)
    assert any(study.results for study in answers[0][1].values())


def test_a_batch_cut_short_is_not_answered(serve) -> None:
    answers, _pipe = serve(_frames(_batch(1), _batch(2), cut=10))
    assert [status for status, _value in answers] == ["ok"]


def test_a_batch_is_read_as_it_is_parsed_never_whole(serve) -> None:
    payload = _batch(1) * 20  # the same study graph 20 times over: ~400 kB
    answers, pipe = serve(_frames(payload))
    assert [status for status, _value in answers] == ["ok"]
    assert max(pipe.sizes) < len(payload) // 4
