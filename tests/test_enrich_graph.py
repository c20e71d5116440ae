"""Enrichment in the graph: the seeds through the named queries, every real record classified and
MeSH-linked, and the hand-labelled precision check."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path

import pytest
from pyoxigraph import NamedNode, Store

from kg_builder.enrich.facts import enrich
from kg_builder.external_ids import mesh_id
from kg_builder.iris import IriMinter
from kg_builder.mapping.study import map_study
from kg_builder.model import Study
from kg_builder.sources.detect import detect_format, parser_for
from kg_builder.sources.inputs import iter_documents
from kg_builder.store.named_queries import execute_named, load_named_queries
from kg_builder.store.vocabulary import ontology_quads
from kg_builder.vocab import KG, SKOS

ROOT = Path(__file__).resolve().parents[1]


def _studies(*paths: Path) -> list[Study]:
    found = []
    for doc in iter_documents(paths):
        fmt = detect_format(doc)
        if fmt is not None:
            found.extend(r for r in parser_for(fmt)(doc) if isinstance(r, Study))
    return found


def _store(studies: list[Study]) -> Store:
    store = Store()
    store.extend(list(ontology_quads(ROOT / "ontology")))
    for study in studies:
        store.extend(map_study(study, IriMinter(), build_time="2025-01-01T00:00:00Z")[1])
    return store


def _rows(store: Store, name: str, **params: str) -> list[dict[str, str | None]]:
    query = load_named_queries(ROOT / "queries")[name]
    result = execute_named(store, query, params)
    names = [v.value for v in result.variables]
    return [{n: (row[n].value if row[n] is not None else None) for n in names} for row in result]


@pytest.fixture(scope="module")
def seed_studies(seeds_dir: Path) -> list[Study]:
    studies = _studies(seeds_dir)
    assert len(studies) == 2
    return studies


@pytest.fixture(scope="module")
def seed_store(seed_studies: list[Study]) -> Store:
    return _store(seed_studies)


def test_drugs_of_the_seeds(seed_store: Store) -> None:
    rows = {(r["drug"], r["class"], r["target"]) for r in _rows(seed_store, "drugs")}
    # a code name the lexicon does not know is UNKNOWN on its node, whatever set of records was built;
    # the query then reports what its records' mentions say
    assert rows == {("B003", "ADC", "HER2 (ERBB2)"), ("TQB2102", "ADC", "HER2 (ERBB2)"),
                    ("trastuzumab", "MONOCLONAL_ANTIBODY", "HER2 (ERBB2)"),
                    ("pertuzumab", "MONOCLONAL_ANTIBODY", "HER2 (ERBB2)"), ("docetaxel", "CHEMOTHERAPY", None)}
    # docetaxel is a cytotoxic small molecule: the chemotherapy concept is narrower than small molecule
    broader = list(seed_store.quads_for_pattern(
        NamedNode("https://w3id.org/kg-builder/vocab/drug-class/CHEMOTHERAPY"), SKOS.broader, None))
    assert [q.object.value for q in broader] == ["https://w3id.org/kg-builder/vocab/drug-class/SMALL_MOLECULE"]


def test_a_drug_is_one_row_whatever_trial_names_its_target_and_class() -> None:
    # two trials of one sponsor code: one's words name its target, the other's do not
    from kg_builder.model import Arm, Intervention, Provenance

    def study(nct: str, description: str | None) -> Study:
        return Study(provenance=Provenance(f"{nct}.json", "ctgov-json", "1", nct), registry_id=nct,
                     brief_title="A trial", arms=[Arm("A", "EXPERIMENTAL", None, ("ZQX-4471",))],
                     interventions=[Intervention("ZQX-4471", "DRUG", description, (), ("A",))])

    store = _store([study("NCT09990101", "ZQX-4471 is an anti-HER2 antibody-drug conjugate."),
                    study("NCT09990102", None)])
    # and its class is what a record says of it: the record that says nothing does not list it as UNKNOWN
    rows = [r for r in _rows(store, "drugs") if r["drug"] == "ZQX-4471"]
    assert [(r["class"], r["target"], r["trials"]) for r in rows] == [("ADC", "HER2 (ERBB2)", "2")]


def test_adc_trials_and_comparators(seed_store: Store) -> None:
    adc = _rows(seed_store, "adc-trials")
    assert {(r["drug"], r["target"]) for r in adc} == {("B003", "HER2 (ERBB2)"), ("TQB2102", "HER2 (ERBB2)")}
    assert {r["phase"] for r in adc if r["drug"] == "TQB2102"} == {"PHASE3"}
    pairs = {(r["experimentalDrug"], r["comparatorDrug"]) for r in _rows(seed_store, "comparator-regimens")}
    assert pairs == {("TQB2102", "docetaxel"), ("TQB2102", "trastuzumab"), ("TQB2102", "pertuzumab")}
    classes = {r["class"]: int(r["trials"]) for r in _rows(seed_store, "trials-by-drug-class")}
    assert classes["ADC"] == 2


def test_seed_000_outcome_categories(seed_studies: list[Study]) -> None:
    flat = next(s for s in seed_studies if s.registry_id is None)
    counts = Counter(o.category for _i, o, _t in enrich(flat).outcomes)
    assert counts == {"SAFETY": 2, "IMMUNOGENICITY": 2, "PHARMACOKINETICS": 7, "EFFICACY": 4}


def test_outcomes_and_eligibility_queries(seed_store: Store) -> None:
    (row,) = _rows(seed_store, "eligibility-of-trial", nct="NCT07003074")
    assert (float(row["minAgeYears"]), float(row["maxAgeYears"]), row["sex"]) == (18.0, 75.0, "ALL")
    assert "RECIST 1.1" in row["inclusion"] and "spinal cord" in row["exclusion"]
    assert _rows(seed_store, "outcomes-of-trial", nct="NCT07003074") == []  # the page lists none


def test_seed_003_graph_facts(seed_store: Store, seed_studies: list[Study]) -> None:
    def objects(predicate):
        return {q.object.value for q in seed_store.quads_for_pattern(None, predicate, None)}
    assert {"0", "1"} <= objects(KG.ecogMin) | objects(KG.ecogMax)
    assert "1.1" in objects(KG.recistVersion)
    assert "https://sws.geonames.org/1808722/" in objects(SKOS.exactMatch)  # Hefei
    assert "https://sws.geonames.org/1529102/" in objects(SKOS.exactMatch)  # Ürümqi
    assert {"P21D", "PT1H"} <= objects(KG.doseInterval) | objects(KG.infusionDuration)  # PT60M, canonical
    amounts = {float(v) for v in objects(KG.doseAmount)}
    assert {75.0, 8.0, 6.0, 840.0, 420.0} <= amounts
    facets = {v.rsplit("/", 1)[1] for v in objects(KG.populationFacet)}
    assert {"HER2_POSITIVE", "RECURRENT", "METASTATIC"} <= facets


def test_every_real_intervention_classified_and_every_mesh_linked(shared_data: Path) -> None:
    studies = _studies(shared_data)
    assert len(studies) > 250
    for study in studies:
        ctx, quads, _ = map_study(study, IriMinter(), build_time="2025-01-01T00:00:00Z")
        classified = {q.subject for q in quads if q.predicate == KG.drugClass}
        for index in range(len(study.interventions)):
            assert ctx.intervention(index) in classified, (study.registry_id, study.interventions[index].name)
            mention = ctx.part("intervention", index + 1, "drug", 1)
            assert any(q.subject == mention and q.predicate == KG.classEvidence for q in quads)
        linked = {q.object.value for q in quads}
        for mesh in (*study.condition_meshes, *study.intervention_meshes):
            assert f"http://id.nlm.nih.gov/mesh/{mesh_id(mesh.id)}" in linked, (study.registry_id, mesh)


def test_precision_on_hand_labelled_interventions(shared_data: Path) -> None:
    spec = importlib.util.spec_from_file_location("drug_class_accuracy", ROOT / "bench" / "drug_class_accuracy.py")
    bench = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = bench  # its dataclasses look their module up
    spec.loader.exec_module(bench)
    result = bench.evaluate(ROOT / "tests" / "data" / "intervention_labels.csv", shared_data)
    print(bench.format_report(result))
    assert not result.missing
    assert result.total >= 150
    assert result.accuracy >= 0.95  # both parts, lexicon as shipped
    assert result.adc_called_antibody == []
