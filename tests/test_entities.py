"""Each fact once: shared things described once in the entity graph, the union of graphs is a set,
every count agrees, a shared node says the same whatever records were built, and no shared fact
outlives the studies that named it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers_store import minimal_study, write_json
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store, parse

from kg_builder.build import build
from kg_builder.cli import EXIT_OK, main
from kg_builder.external_ids import mesh_id
from kg_builder.server.execute import statistics
from kg_builder.store.generations import open_read_only, writing
from kg_builder.vocab import DEFAULT_BASE, ENTITY_GRAPH, KG, PROV, RDF_TYPE, RDFS

DRUG_CLASS = "https://w3id.org/kg-builder/vocab/drug-class/"


def _count_via_cli(store: Path, capsys) -> int:
    capsys.readouterr()
    assert main(["query", "--store", str(store), "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                 "--format", "json"]) == EXIT_OK
    return int(json.loads(capsys.readouterr().out)["results"]["bindings"][0]["n"]["value"])


def _export(store: Path, fmt: str, tmp_path: Path, capsys) -> list[str]:
    out = tmp_path / f"export.{fmt}"
    assert main(["export", "--store", str(store), "--format", fmt, "-o", str(out)]) == EXIT_OK
    return out.read_text(encoding="utf-8").splitlines()


def _counts_agree(store: Path, report_triples: int, tmp_path: Path, capsys) -> int:
    """COUNT(*) through ``kg-builder query`` = distinct triples = stats = build summary = VoID."""
    nquads = _export(store, "nquads", tmp_path, capsys)
    ntriples = _export(store, "ntriples", tmp_path, capsys)
    assert len(nquads) == len(set(nquads)), "the N-Quads export repeats a line"
    assert len(ntriples) == len(set(ntriples)), "the N-Triples export repeats a line"
    distinct = len({(t.subject, t.predicate, t.object) for t in parse("\n".join(ntriples),
                                                                          format=RdfFormat.N_TRIPLES)})
    capsys.readouterr()
    assert main(["stats", "--store", str(store), "--json"]) == EXIT_OK
    stats = json.loads(capsys.readouterr().out)["triples"]
    void = statistics(open_read_only(store), base=DEFAULT_BASE).data["triples"]
    counted = _count_via_cli(store, capsys)
    assert counted == distinct == len(ntriples) == len(nquads) == stats == report_triples == void
    return counted


def test_every_count_agrees_on_the_real_records(shared_data: Path, tmp_path: Path, capsys) -> None:
    store = tmp_path / "store"
    report = build([shared_data / "ctgov-json"], store)
    assert report.built == 129
    _counts_agree(store, report.triples, tmp_path, capsys)
    opened = open_read_only(store)
    # every study keeps its own named graph with its provenance
    for graph in opened.named_graphs():
        if "/graph/" in graph.value and graph.value.startswith(DEFAULT_BASE):
            studies = list(opened.quads_for_pattern(None, RDF_TYPE, KG.ClinicalTrial, graph))
            assert len(studies) == 1, graph
            records = list(opened.quads_for_pattern(studies[0].subject, PROV.wasDerivedFrom, None, graph))
            assert records and list(opened.quads_for_pattern(records[0].object, KG.contentHash, None, graph))
    assert sum(1 for g in opened.named_graphs() if g.value.startswith(DEFAULT_BASE + "graph/")) == 129
    # no triple is stated in two graphs: the union of the graphs is a set
    subjects_elsewhere = {q.subject for q in opened.quads_for_pattern(None, None, None, ENTITY_GRAPH)}
    for subject in list(subjects_elsewhere)[:2000]:
        graphs = {q.graph_name for q in opened.quads_for_pattern(subject, None, None, None)}
        assert graphs == {ENTITY_GRAPH}, (subject, graphs)


def test_counts_agree_after_a_rebuild_and_an_added_record(tmp_path: Path, capsys) -> None:
    records = sorted(Path(__file__).resolve().parents[1].joinpath("examples", "ctgov-json").glob("*.json"))
    store = tmp_path / "store"
    build(records[:3], store)
    report = build(records[2:], store)  # one study rebuilt, the others added
    _counts_agree(store, report.triples, tmp_path, capsys)


def _record(nct: str, description: str, title: str) -> dict:
    return minimal_study(
        nct, **{"armsInterventionsModule.interventions": [
            {"type": "DRUG", "name": "Zorbatamab" if nct.endswith("1") else "zorbatamab",
             "description": description}],
                "identificationModule.briefTitle": title,
                "conditionsModule.conditions": ["Breast Cancer"],
                "contactsLocationsModule.locations": [
                    {"facility": "Shinjuku Medical Center" if nct.endswith("1") else "SHINJUKU-MEDICAL  center",
                     "city": "Shinjuku Ku" if nct.endswith("1") else "Shinjuku-ku", "country": "Japan"}]})


def _node(store: Store, node: NamedNode) -> set[tuple]:
    return {(q.predicate.value, q.object.value, q.graph_name.value) for q in store.quads_for_pattern(node, None, None)}


def test_two_records_that_disagree_about_a_drug(tmp_path: Path) -> None:
    """Built alone and together, the drug node (and the facility and the place) is the same; each study's
    mention node keeps its own reading of the drug."""
    one = write_json(tmp_path / "one.json", _record("NCT09990001", "Zorbatamab is an antibody-drug conjugate.",
                                                   "Zorbatamab in breast cancer"))
    two = write_json(tmp_path / "two.json", _record("NCT09990002", "zorbatamab is a bispecific antibody.",
                                                   "A bispecific antibody in breast cancer"))
    stores = {}
    for name, inputs in (("one", [one]), ("two", [two]), ("both", [one, two])):
        build(inputs, tmp_path / name)
        stores[name] = open_read_only(tmp_path / name)
    drug = NamedNode(DEFAULT_BASE + "drug/zorbatamab")
    facility = next(q.object for q in stores["one"].quads_for_pattern(None, KG.facility, None))
    place = next(q.object for q in stores["one"].quads_for_pattern(None, KG.locatedIn, None))
    for node in (drug, facility, place):
        described = [_node(stores[name], node) for name in ("one", "two", "both")]
        assert described[0] and described[0] == described[1] == described[2], node
        labels = [o for p, o, _g in described[0] if p == RDFS.label.value]
        assert len(labels) == 1, (node, labels)
        assert {g for _p, _o, g in described[0]} == {ENTITY_GRAPH.value}
    drug_facts = _node(stores["both"], drug)
    assert (KG.drugClass.value, DRUG_CLASS + "MONOCLONAL_ANTIBODY", ENTITY_GRAPH.value) in drug_facts  # INN -mab
    assert (RDFS.label.value, "zorbatamab", ENTITY_GRAPH.value) in drug_facts
    readings = {}
    for quad in stores["both"].quads_for_pattern(None, KG.mentionOf, drug):
        mention, graph = quad.subject, quad.graph_name
        classes = {q.object.value for q in stores["both"].quads_for_pattern(mention, KG.drugClass, None, graph)}
        evidence = {q.object.value for q in stores["both"].quads_for_pattern(mention, KG.classEvidence, None, graph)}
        readings[graph.value.rsplit("/", 1)[1]] = (classes, evidence)
    assert readings["NCT09990001"][0] == {DRUG_CLASS + "ADC"}
    assert readings["NCT09990002"][0] == {DRUG_CLASS + "BISPECIFIC_ANTIBODY"}
    assert all(evidence for _classes, evidence in readings.values())


def test_a_rebuilt_or_removed_study_leaves_no_unsupported_shared_fact(tmp_path: Path, capsys) -> None:
    def record(nct: str, drug: str, city: str) -> dict:
        return minimal_study(nct, **{
            "armsInterventionsModule.interventions": [{"type": "DRUG", "name": drug}],
            "contactsLocationsModule.locations": [{"facility": f"{city} Hospital", "city": city,
                                                   "country": "France"}]})

    one = write_json(tmp_path / "one.json", record("NCT09990011", "Cisplatin", "Lyon"))
    two = write_json(tmp_path / "two.json", record("NCT09990012", "Docetaxel", "Paris"))
    store = tmp_path / "store"
    build([one, two], store)
    write_json(one, record("NCT09990011", "Oxaliplatin", "Nantes"))  # the rebuild names other things
    report = build([one], store)
    assert report.orphans_removed > 0
    opened = open_read_only(store)
    labels = {q.object.value for q in opened.quads_for_pattern(None, RDFS.label, None, ENTITY_GRAPH)}
    assert {"oxaliplatin", "docetaxel", "Nantes", "Paris", "France"} <= labels
    assert not labels & {"cisplatin", "Lyon", "Lyon Hospital"}
    _counts_agree(store, report.triples, tmp_path, capsys)
    with writing(store) as writer:  # removing a study (as the Graph Store Protocol's DELETE does)
        writer.remove_graph(NamedNode(DEFAULT_BASE + "graph/NCT09990012"))
    labels = {q.object.value for q in open_read_only(store).quads_for_pattern(None, RDFS.label, None, ENTITY_GRAPH)}
    assert not labels & {"docetaxel", "Paris", "Paris Hospital"} and "France" in labels


def test_prune_command_removes_what_no_study_names(tmp_path: Path, capsys) -> None:
    store = tmp_path / "store"
    build([write_json(tmp_path / "a.json", minimal_study("NCT09990021"))], store)
    stray = NamedNode(DEFAULT_BASE + "country/ZZ")
    with writing(store) as writer:  # a graph removed behind the build's back (e.g. SPARQL Update DROP GRAPH)
        writer.store.add(Quad(stray, RDFS.label, Literal("Nowhere"), ENTITY_GRAPH))
    assert main(["prune", "--store", str(store)]) == EXIT_OK
    assert "1 shared" in capsys.readouterr().out
    assert not list(open_read_only(store).quads_for_pattern(stray, None, None))
    assert list(open_read_only(store).quads_for_pattern(None, RDFS.label, Literal("Test Sponsor")))


@pytest.mark.parametrize(("written", "nlm"), [
    ("D000001943", "D001943"), ("D001943", "D001943"), ("C000500026", "C500026"),
    ("D000067716", "D000067716"), ("C000594389", "C000594389"), ("d000004806", "D004806"),
    ("D000066100", "D000066100"),  # near the 2014 switch: either form is possible, never guessed
])
def test_mesh_ids_in_nlm_form(written: str, nlm: str) -> None:
    assert mesh_id(written) == nlm


def test_one_mesh_node_for_padded_and_nlm_ids(tmp_path: Path, capsys) -> None:
    padded = minimal_study("NCT09990031", **{"conditionsModule.conditions": ["Breast Cancer"]})
    padded["derivedSection"] = {"conditionBrowseModule": {"meshes": [{"id": "D000001943", "term": "Breast Neoplasms"}]}}
    plain = minimal_study("NCT09990032", **{"conditionsModule.conditions": ["Breast Cancer"]})
    plain["derivedSection"] = {"conditionBrowseModule": {"meshes": [{"id": "D001943", "term": "Breast Neoplasms"}]}}
    store = tmp_path / "store"
    build([write_json(tmp_path / "p.json", padded), write_json(tmp_path / "q.json", plain)], store)
    capsys.readouterr()
    assert main(["query", "--store", str(store), "--name", "trials-for-condition", "--param",
                 "condition=D001943", "--format", "csv"]) == EXIT_OK
    found = set(re.findall(r"NCT0999003\d", capsys.readouterr().out))
    assert found == {"NCT09990031", "NCT09990032"}
    meshes = {q.object.value for q in open_read_only(store).quads_for_pattern(None, KG.conditionMesh, None)}
    assert meshes == {"http://id.nlm.nih.gov/mesh/D001943"}
