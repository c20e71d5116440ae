"""Validation of built stores: the seeds, hand-corrupted graphs, all real records, and the build path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pyoxigraph import Store

from kg_builder.build import build
from kg_builder.cli import main as validate_main
from kg_builder.graph import KnowledgeGraph
from kg_builder.store.generations import current_generation, open_read_only
from kg_builder.validation.engines import StudyValidator, study_graphs

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SHAPES = "https://w3id.org/kg-builder/shapes#"
KG = "https://w3id.org/kg-builder/ontology#"


@pytest.fixture(scope="module")
def seeds_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("seeds") / "store"
    build([EXAMPLES / "seeds"], store, fresh=True)
    return store


def test_seeds_conform_and_each_is_flagged_for_what_its_layout_lacks(seeds_store: Path, capsys) -> None:
    assert validate_main(["validate", "--store", str(seeds_store)]) == 0
    out = capsys.readouterr().out
    # The flat record (000) has no registry id; the page (003) shows no outcome measures. The flat
    # record's outcome line is the "Primary Outcome Measures" column, so its outcomes are primary.
    for rule, flagged, not_flagged in (("registry id stated", "000_f1fdf13170af0f92.txt", "003_"),
                                       ("primary or secondary outcomes stated", "003_c8558dee60771390.txt", "000_")):
        section = out.split(rule, 1)[1].split("\n\n", 1)[0]
        assert out.split(rule, 1)[0].rsplit("\n", 1)[-1].startswith("WARNING")
        assert flagged in section and not_flagged not in section


def _corrupt(store_dir: Path, update: str) -> None:
    store = Store(str(current_generation(store_dir)))
    store.update(update)
    store.flush()
    del store


def test_hand_corrupted_store_fails_naming_each_problem(tmp_path: Path, capsys) -> None:
    store_dir = tmp_path / "store"
    build([EXAMPLES / "seeds"], store_dir, fresh=True)
    assert validate_main(["validate", "--store", str(store_dir)]) == 0
    capsys.readouterr()
    g = "<https://w3id.org/kg-builder/id/graph/NCT07003074>"
    t = "<https://w3id.org/kg-builder/id/trial/NCT07003074>"
    site = open_read_only(store_dir).query(
        "SELECT ?site WHERE { GRAPH ?g { ?t <https://w3id.org/kg-builder/ontology#site> ?site } } LIMIT 1")
    site_iri = next(iter(site))["site"].value
    drug = open_read_only(store_dir).query(
        "SELECT ?g ?d WHERE { GRAPH ?g { ?d a <https://w3id.org/kg-builder/ontology#Drug> } } LIMIT 1")
    drug_row = next(iter(drug))
    dg, d = drug_row["g"].value, drug_row["d"].value
    _corrupt(store_dir, f"""
        PREFIX kg: <https://w3id.org/kg-builder/ontology#>
        PREFIX kgv: <https://w3id.org/kg-builder/vocab/>
        INSERT DATA {{ GRAPH {g} {{ {t} kg:phase kgv:phase\\/PHASE1 }} }} ;
        DELETE {{ GRAPH {g} {{ {t} kg:enrollment ?n }} }} WHERE {{ GRAPH {g} {{ {t} kg:enrollment ?n }} }} ;
        INSERT DATA {{ GRAPH {g} {{ {t} kg:enrollment -5 }} }} ;
        DELETE {{ GRAPH ?g {{ <{site_iri}> kg:country ?c }} }} WHERE {{ GRAPH ?g {{ <{site_iri}> kg:country ?c }} }} ;
        DELETE {{ GRAPH <{dg}> {{ <{d}> kg:drugClass ?k }} }} WHERE {{ GRAPH <{dg}> {{ <{d}> kg:drugClass ?k }} }} ;
        INSERT DATA {{ GRAPH <{dg}> {{ <{d}> kg:drugClass kgv:drug-class\\/WONDER_DRUG }} }}
    """)
    report_file = tmp_path / "report.ttl"
    assert validate_main(["validate", "--store", str(store_dir), "--report", str(report_file)]) == 1
    out = capsys.readouterr().out
    for problem in ("phase combination", "Phases PHASE1 and PHASE3 cannot be combined", "enrollment",
                    "site country stated", "drug class", "does not conform"):
        assert problem in out, problem
    assert "sh:conforms false" in report_file.read_text(encoding="utf-8")
    assert validate_main(["validate", "--store", str(store_dir), "--format", "json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    shapes = {r["shape"].removeprefix(SHAPES) for r in payload["results"] if r["severity"] == "Violation"}
    assert {"Study-phase-pair", "Study-enrollment", "Site-country-missing", "Drug-class"} <= shapes


def test_hand_corrupted_results_fail_naming_each_problem(shared_data: Path, tmp_path: Path, capsys) -> None:
    """A real record with results, then: more affected than at risk, a p-value of 1.7, a measurement for a
    group the study does not have. Each is reported under its own shape."""
    store_dir = tmp_path / "store"
    build([shared_data / "ctgov-json" / "NCT03064438.json"], store_dir, fresh=True)
    assert validate_main(["validate", "--store", str(store_dir)]) == 0
    capsys.readouterr()
    g = "<https://w3id.org/kg-builder/id/graph/NCT03064438>"
    t = "https://w3id.org/kg-builder/id/trial/NCT03064438"
    _corrupt(store_dir, f"""
        PREFIX kg: <https://w3id.org/kg-builder/ontology#>
        DELETE {{ GRAPH {g} {{ <{t}/adverse-event/1/count/1> kg:affected ?n }} }}
        WHERE {{ GRAPH {g} {{ <{t}/adverse-event/1/count/1> kg:affected ?n }} }} ;
        INSERT {{ GRAPH {g} {{ <{t}/adverse-event/1/count/1> kg:affected ?more }} }}
        WHERE {{ GRAPH {g} {{ <{t}/adverse-event/1/count/1> kg:atRisk ?r }} BIND (?r + 1 AS ?more) }} ;
        DELETE {{ GRAPH {g} {{ ?a kg:pValue ?p }} }} INSERT {{ GRAPH {g} {{ ?a kg:pValue 1.7 }} }}
        WHERE {{ GRAPH {g} {{ ?a kg:pValue ?p FILTER (STR(?a) = "{t}/result/1/analysis/1") }} }} ;
        DELETE {{ GRAPH {g} {{ <{t}/result/1/value/1> kg:forGroup ?group }} }}
        INSERT {{ GRAPH {g} {{ <{t}/result/1/value/1> kg:forGroup <{t}/group/99> }} }}
        WHERE {{ GRAPH {g} {{ <{t}/result/1/value/1> kg:forGroup ?group }} }}
    """)
    assert validate_main(["validate", "--store", str(store_dir), "--format", "json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    shapes = {r["shape"].removeprefix(SHAPES) for r in payload["results"] if r["severity"] == "Violation"}
    assert shapes == {"AdverseEventCount-affected-within-at-risk", "StatisticalAnalysis-pValue",
                      "Measurement-group", "Measurement-group-of-study"}


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert validate_main(["validate", "--store", str(tmp_path / "none")]) == 2
    with pytest.raises(SystemExit) as exit_info:
        validate_main(["validate"])
    assert exit_info.value.code == 2


@pytest.mark.slow
def test_all_real_records_have_no_violations(shared_data: Path, tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    build([shared_data, EXAMPLES], store_dir, fresh=True)
    report = KnowledgeGraph(store_dir).validate()
    violations = [r for r in report.results if r.severity == "Violation"]
    assert violations == []
    # the build's native engine reports exactly what the compiled SPARQL engine reports, warnings included
    native = KnowledgeGraph(store_dir).validate(engine="native")
    assert native.engine == "native"
    assert native.results == report.results


def test_build_path_finds_what_store_validation_finds(seeds_store: Path) -> None:
    store = open_read_only(seeds_store)
    quads = [q for g in study_graphs(store) for q in store.quads_for_pattern(None, None, None, g)]
    per_study = StudyValidator().validate_batch(quads)
    from_batch = sorted(r for study in per_study.values() for r in study.results)
    assert from_batch == KnowledgeGraph(seeds_store).validate().results
    assert from_batch, "000 is incomplete: the seeds must give warnings for this test to compare anything"
    assert all(study.conforms for study in per_study.values())
    assert StudyValidator(engine="sparql").validate_batch(quads) == per_study


def test_native_engine_gives_the_same_answers_when_its_cache_is_cleared(seeds_store: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Values decided by SPARQL are cached between batches; clearing the cache mid-build changes nothing."""
    store = open_read_only(seeds_store)
    graphs = study_graphs(store)
    per_graph = [list(store.quads_for_pattern(None, None, None, g)) for g in graphs]
    everything = [q for quads in per_graph for q in quads]
    expected_first = StudyValidator().validate_batch(per_graph[0])
    expected_all = StudyValidator().validate_batch(everything)
    monkeypatch.setattr("kg_builder.validation.native._CACHE_LIMIT", 1)
    validator = StudyValidator()
    # the second batch repeats values the first decided and brings new ones: the cache is cleared in between
    assert validator.validate_batch(per_graph[0]) == expected_first
    assert validator.validate_batch(everything) == expected_all
    assert validator.validate_batch(everything) == expected_all
    assert len(graphs) == 3 and validator.native is not None and validator.native._decided  # 2 studies, entities
