"""One broken graph per rule (tests/data/shapes/cases/*.ru), each caught with its message, by every engine.

A case is a SPARQL Update applied to the valid study in ``base.trig``; its header lists
what must be reported, one ``# expect: SEVERITY SHAPE MESSAGE-FRAGMENT`` line per result
kind. Nothing else may be reported, and the compiled SPARQL engine and the native
engine must report exactly what pyshacl reports.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, Store

from kg_builder.settings import Settings
from kg_builder.store.vocabulary import ontology_quads
from kg_builder.validation.engines import validate

DATA = Path(__file__).parent / "data" / "shapes"
CASES = sorted((DATA / "cases").glob("*.ru"))
SHAPES = "https://w3id.org/kg-builder/shapes#"
_EXPECT = re.compile(r"^# expect: (Violation|Warning|Info) (\S+) (.+)$")


def _store(update: str | None = None) -> Store:
    store = Store()
    store.bulk_extend(ontology_quads(Settings().ontology_dir))
    store.load(path=str(DATA / "base.trig"), format=RdfFormat.TRIG)
    if update:
        store.update(update)
    return store


def _expectations(text: str) -> list[tuple[str, str, str]]:
    found = [m.groups() for line in text.splitlines() if (m := _EXPECT.match(line))]
    assert found, "a case must say what it expects"
    return found


def test_base_graph_is_clean() -> None:
    for engine in ("sparql", "native", "pyshacl"):
        assert validate(_store(), engine=engine).results == []


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_case(case: Path) -> None:
    text = case.read_text(encoding="utf-8")
    expected = _expectations(text)
    store = _store(text)
    report = validate(store, engine="sparql")
    reference = validate(store, engine="pyshacl")
    native = validate(store, engine="native")
    assert native.engine == "native"
    assert sorted(r.comparable() for r in report.results) == sorted(r.comparable() for r in reference.results)
    assert sorted(r.comparable() for r in native.results) == sorted(r.comparable() for r in reference.results)
    found = {(r.severity, r.shape.removeprefix(SHAPES)) for r in report.results}
    assert found == {(severity, shape) for severity, shape, _ in expected}
    for severity, shape, fragment in expected:
        messages = [r.message for r in report.results if r.shape == SHAPES + shape and r.severity == severity]
        assert any(fragment in m for m in messages), (fragment, messages)
    assert report.conforms == (not any(s == "Violation" for s, _, _ in expected))
