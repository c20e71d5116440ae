"""The statistics the build keeps give the same answers as the plain joins they stand for, after every write.

Each named query that reads the statistics graph or uses Oxigraph's LATERAL (``queries/NAME.rq``) has its plain
join in standard SPARQL 1.1 next to it (``queries/direct/NAME.rq``); both are run on stores built, rebuilt
with changed records, with a study removed (Graph Store DELETE, SPARQL Update, prune), with a study rejected
by ``--strict``, and on a store
whose statistics are missing (built before they existed): the named queries answer with their plain joins
until its next build counts them. A query with a parameter (a condition, a drug) is run with every
spelling of it the store holds, in three cases, and with ids, IRIs and a miss.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers_store import minimal_study, write_json
from pyoxigraph import NamedNode, Store

from kg_builder.build import build
from kg_builder.graph import KnowledgeGraph
from kg_builder.server import execute
from kg_builder.settings import Settings
from kg_builder.store import statistics
from kg_builder.store.generations import current_generation, open_read_only, writing
from kg_builder.store.named_queries import execute_named, load_named_queries

QUERIES = Settings().queries_dir
DIRECT = load_named_queries(QUERIES / "direct")
NAMED = load_named_queries(QUERIES)
GRAPH = "https://w3id.org/kg-builder/id/graph/"


_PREFIXES = "PREFIX kg: <https://w3id.org/kg-builder/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
# what a parameter may be given, read from the store: every spelling a case-insensitive lookup can match
_SPELLINGS = {
    "condition": """SELECT DISTINCT ?v WHERE {
                      { ?t kg:conditionName ?v } UNION { ?t kg:condition/rdfs:label ?v }
                      UNION { ?t kg:condition/kg:baseCondition/rdfs:label ?v }
                      UNION { ?t kg:conditionMesh/rdfs:label ?v } }""",
    "drug": "SELECT DISTINCT ?v WHERE { ?arm kg:armDrug/rdfs:label ?v }",
}
_OTHERS = {  # values matched otherwise: a MeSH id, a drug's IRI
    "condition": """SELECT DISTINCT ?v WHERE { ?t kg:conditionMesh ?m
                    BIND (STRAFTER(STR(?m), "http://id.nlm.nih.gov/mesh/") AS ?v) }""",
    "drug": "SELECT DISTINCT (STR(?d) AS ?v) WHERE { ?arm kg:armDrug ?d }",
}


def _values(store: Store, parameter: str) -> list[str]:
    """Each spelling as written, upper- and lower-cased; each id or IRI as written and lower-cased; a miss."""
    def read(query: str) -> list[str]:
        return sorted(row["v"].value for row in store.query(_PREFIXES + query, use_default_graph_as_union=True))

    values = {v for spelling in read(_SPELLINGS[parameter]) for v in (spelling, spelling.upper(), spelling.lower())}
    values |= {v for other in read(_OTHERS[parameter]) for v in (other, other.lower())}
    return sorted(values | {"nothing", ""})


def _rows(store: Store, query) -> list[tuple[str, ...]]:
    """The query's rows; for a query with a parameter, those for each value :func:`_values` gives it."""
    if not query.params:
        return sorted(tuple(str(v) for v in row) for row in execute_named(store, query, {}))
    parameter = query.params[0].name
    return [(value, *row) for value in _values(store, parameter)
            for row in sorted(tuple(str(v) for v in row) for row in execute_named(store, query, {parameter: value}))]


def _assert_statistics_answer_as_the_joins(path: Path) -> dict[str, list]:
    store = open_read_only(path)
    assert statistics.version(store) == statistics.VERSION
    answers = {}
    for name, direct in DIRECT.items():
        expected = _rows(store, direct)
        assert _rows(store, NAMED[name]) == expected, name
        answers[name] = expected
    return answers


@pytest.fixture(scope="module")
def records(shared_data: Path, tmp_path_factory) -> list[Path]:
    """24 real API v2 records, each in a file of its own (so that a test can change one); three of them test an
    antibody-drug conjugate (the first 24 do not), at places each test builds, changes or removes."""
    folder = tmp_path_factory.mktemp("records")
    sources = sorted((shared_data / "ctgov-json").glob("NCT*.json"))[:24]
    for index, adc in zip((1, 5, 11), ("NCT05123482", "NCT05327530", "NCT06426680"), strict=True):
        sources[index] = shared_data / "ctgov-json" / f"{adc}.json"
    return [Path(shutil.copy(source, folder / source.name)) for source in sources]


def _changed(record: Path, folder: Path, index: int) -> Path:
    """The record with another lead sponsor, phases, status, start year, site countries and drug names."""
    data = json.loads(record.read_text(encoding="utf-8"))
    protocol = data["protocolSection"]
    protocol.setdefault("sponsorCollaboratorsModule", {})["leadSponsor"] = {
        "name": f"Changed Sponsor {index % 2}", "class": ["INDUSTRY", "NIH"][index % 2]}
    protocol.setdefault("designModule", {})["phases"] = [["PHASE3"], ["PHASE1", "PHASE2"], []][index % 3]
    protocol.setdefault("statusModule", {})["overallStatus"] = "TERMINATED"
    protocol["statusModule"]["startDateStruct"] = {"date": f"{2001 + index}-03"}
    for location in protocol.get("contactsLocationsModule", {}).get("locations", [])[::2]:
        location["country"] = "Japan"
    for intervention in protocol.get("armsInterventionsModule", {}).get("interventions", [])[:1]:
        intervention["name"] = ["trastuzumab deruxtecan", "pembrolizumab", "placebo"][index % 3]
    return write_json(folder / record.name, data)


def test_a_build_keeps_statistics_equal_to_the_joins(tmp_path: Path, records: list[Path]) -> None:
    build(records[:16], tmp_path / "s", validate=False)
    answers = _assert_statistics_answer_as_the_joins(tmp_path / "s")
    # every statistic has counts to compare (the plain joins of LATERAL queries: tests/test_named_query_portability.py)
    assert all(answers[name] for name in answers if "graph/statistics" in NAMED[name].text)


def test_a_rebuild_with_changed_records_updates_them(tmp_path: Path, records: list[Path]) -> None:
    build(records[:16], tmp_path / "s", validate=False)
    changed = tmp_path / "changed"
    changed.mkdir()
    rebuilt = [_changed(record, changed, index) for index, record in enumerate(records[4:10])]
    build([*rebuilt, *records[16:20]], tmp_path / "s", validate=False)
    answers = _assert_statistics_answer_as_the_joins(tmp_path / "s")
    assert any(row[0] == '"Changed Sponsor 1"' for row in answers["sponsors"])
    # the same records built at once into a fresh store give the same answers
    build([*records[:4], *rebuilt, *records[10:20]], tmp_path / "fresh", validate=False)
    assert _assert_statistics_answer_as_the_joins(tmp_path / "fresh") == answers


def test_removals_update_them(tmp_path: Path, records: list[Path]) -> None:
    build(records[:12], tmp_path / "s", validate=False)
    first, second = (GRAPH + record.stem for record in records[:2])
    with writing(tmp_path / "s") as writer:  # a Graph Store Protocol DELETE
        writer.remove_graph(NamedNode(first))
    _assert_statistics_answer_as_the_joins(tmp_path / "s")
    assert execute.update(str(tmp_path / "s"), text=f"DROP GRAPH <{second}>").status == 204  # SPARQL Update
    answers = _assert_statistics_answer_as_the_joins(tmp_path / "s")
    KnowledgeGraph(tmp_path / "s").prune()
    assert _assert_statistics_answer_as_the_joins(tmp_path / "s") == answers
    build(records[2:12], tmp_path / "fresh", validate=False)
    assert _assert_statistics_answer_as_the_joins(tmp_path / "fresh") == answers


def test_a_strict_build_counts_only_what_it_keeps(tmp_path: Path, records: list[Path]) -> None:
    good = write_json(tmp_path / "good.json", minimal_study("NCT09000009"))
    build([*records[:6], good], tmp_path / "s", strict=True)
    before = _assert_statistics_answer_as_the_joins(tmp_path / "s")
    backwards = minimal_study("NCT09000009")  # completed before it started: violates the shapes
    backwards["protocolSection"]["statusModule"]["completionDateStruct"] = {"date": "2020-01-15"}
    backwards["protocolSection"]["sponsorCollaboratorsModule"]["leadSponsor"]["name"] = "Rejected Sponsor"
    new = minimal_study("NCT09000010")
    new["protocolSection"]["statusModule"]["completionDateStruct"] = {"date": "2020-01-15"}
    report = build([write_json(tmp_path / "good.json", backwards), write_json(tmp_path / "new.json", new)],
                   tmp_path / "s", strict=True)
    assert len(report.rejects) == 2
    assert _assert_statistics_answer_as_the_joins(tmp_path / "s") == before


def test_a_store_without_statistics_gets_them_on_its_next_build(tmp_path: Path, records: list[Path]) -> None:
    build(records[:10], tmp_path / "s", validate=False)
    expected = _assert_statistics_answer_as_the_joins(tmp_path / "s")
    old = Store(str(current_generation(tmp_path / "s")))  # as a store built before the statistics existed
    old.clear_graph(statistics.STATISTICS_GRAPH)
    old.flush()
    del old
    store = open_read_only(tmp_path / "s")
    assert not statistics.current(store)  # the named queries fall back to their plain joins meanwhile
    assert {name: _rows(store, NAMED[name]) for name in DIRECT} == expected
    assert NAMED["sponsors"].text_for(store) == DIRECT["sponsors"].text != NAMED["sponsors"].text
    del store
    build(records[9:10], tmp_path / "s", validate=False)  # any build counts them in full
    assert _assert_statistics_answer_as_the_joins(tmp_path / "s") == expected
