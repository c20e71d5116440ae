"""End to end: records in, a stored, exported, queryable graph out."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from helpers_store import EXAMPLES, minimal_study, select, write_json
from pyoxigraph import Dataset, RdfFormat, parse

from kg_builder.build import build, write_rejects
from kg_builder.graph import KnowledgeGraph
from kg_builder.settings import Settings
from kg_builder.sources.ctgov_json import iter_records
from kg_builder.sources.inputs import iter_documents
from kg_builder.store.generations import current_generation, open_read_only


@pytest.fixture(autouse=True)
def _fixed_build_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764028800")


def _overview(store: Path, nct: str) -> dict[str, str]:
    from kg_builder.settings import Settings
    from kg_builder.store.named_queries import execute_named, named_query

    query = named_query(Settings().queries_dir, "trial-overview")
    rows = list(execute_named(open_read_only(store), query, {"nct": nct}))
    assert len(rows) == 1, f"{nct}: {len(rows)} overview rows"
    return {v: rows[0][v].value for v in ("title", "phase", "status", "enrollment", "start", "sponsor")
            if rows[0][v] is not None}


def test_every_shared_json_record_becomes_one_trial_with_its_overview(shared_data: Path, tmp_path: Path) -> None:
    folder = shared_data / "ctgov-json"
    report = build([folder], tmp_path / "store")
    files = sorted(folder.glob("*.json"))
    assert report.built == len(files) and report.rejects == []
    trials = select(tmp_path / "store", "SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { ?t a schema:MedicalTrial }")
    assert int(trials[0]["n"]) == len(files)
    for path in files:
        raw = json.loads(path.read_text(encoding="utf-8"))["protocolSection"]
        nct = raw["identificationModule"]["nctId"]
        row = _overview(tmp_path / "store", nct)
        assert row["title"] == raw["identificationModule"]["briefTitle"].strip()
        assert row["status"] == raw["statusModule"]["overallStatus"]
        assert row.get("phase", "") == "|".join(sorted(raw["designModule"].get("phases", [])))
        if "enrollmentInfo" in raw["designModule"] and "count" in raw["designModule"]["enrollmentInfo"]:
            assert int(row["enrollment"]) == raw["designModule"]["enrollmentInfo"]["count"]
        if "startDateStruct" in raw["statusModule"]:
            assert row["start"] == raw["statusModule"]["startDateStruct"]["date"]
        assert row["sponsor"] == raw["sponsorCollaboratorsModule"]["leadSponsor"]["name"].strip()


def test_study_is_typed_and_identified_for_outside_tools(tmp_path: Path) -> None:
    build([EXAMPLES / "ctgov-json" / "NCT03377387.json"], tmp_path / "s")
    rows = select(tmp_path / "s", """SELECT ?id WHERE { ?t a <http://schema.org/MedicalTrial> ;
                                          <http://schema.org/identifier> ?id }""")
    assert rows == [{"id": "NCT03377387"}]


def test_export_reparses_to_an_isomorphic_dataset(tmp_path: Path) -> None:
    build([EXAMPLES / "ctgov-json"], tmp_path / "s")
    stored = Dataset(open_read_only(tmp_path / "s"))
    for fmt, rdf_format in (("nquads", RdfFormat.N_QUADS), ("trig", RdfFormat.TRIG)):
        out = io.BytesIO()
        KnowledgeGraph(tmp_path / "s").export(out, format=fmt)
        reparsed = Dataset(parse(out.getvalue(), rdf_format))
        reparsed.canonicalize(__import__("pyoxigraph").CanonicalizationAlgorithm.UNSTABLE)
        copy = Dataset(stored)
        copy.canonicalize(__import__("pyoxigraph").CanonicalizationAlgorithm.UNSTABLE)
        assert reparsed == copy, fmt


@pytest.mark.parametrize("fmt", ["turtle", "ntriples", "jsonld", "rdfxml"])
def test_every_export_syntax_parses_back_to_the_same_triples(tmp_path: Path, fmt: str) -> None:
    build([EXAMPLES / "ctgov-json" / "NCT04129320.json"], tmp_path / "s")
    out = io.BytesIO()
    KnowledgeGraph(tmp_path / "s").export(out, format=fmt)
    rdf_format = {"turtle": RdfFormat.TURTLE, "ntriples": RdfFormat.N_TRIPLES, "jsonld": RdfFormat.JSON_LD,
                  "rdfxml": RdfFormat.RDF_XML}[fmt]
    # JSON-LD keeps the named graphs; the triple syntaxes carry their union
    parsed = {(q.subject, q.predicate, q.object) for q in parse(out.getvalue(), rdf_format)}
    stored = {(q.subject, q.predicate, q.object) for q in open_read_only(tmp_path / "s")}
    assert parsed == stored


def _sorted_nquads(store: Path) -> bytes:
    out = io.BytesIO()
    KnowledgeGraph(store).export(out, format="nquads")
    return b"\n".join(sorted(out.getvalue().splitlines()))


def test_same_input_gives_byte_identical_sorted_nquads(tmp_path: Path) -> None:
    inputs = [EXAMPLES / "ctgov-json", EXAMPLES / "seeds"]
    build(inputs, tmp_path / "a")
    build(inputs, tmp_path / "b")
    assert _sorted_nquads(tmp_path / "a") == _sorted_nquads(tmp_path / "b")


TRICKY = 'quote " and \\ backslash\nnew line, > and <tag>, tab\t, 中文 العربية Ελληνικά \u0007 bell 😀'


def test_hard_text_round_trips_exactly(tmp_path: Path) -> None:
    study = minimal_study("NCT09000001", **{"descriptionModule.briefSummary": TRICKY,
                                            "conditionsModule.conditions": ["Krebs \"ä\" <x>"]})
    build([write_json(tmp_path / "s.json", study)], tmp_path / "s")
    for fmt, rdf_format in (("nquads", RdfFormat.N_QUADS), ("turtle", RdfFormat.TURTLE),
                            ("rdfxml", RdfFormat.RDF_XML), ("jsonld", RdfFormat.JSON_LD)):
        out = io.BytesIO()
        KnowledgeGraph(tmp_path / "s").export(out, format=fmt)
        values = {q.object.value for q in parse(out.getvalue(), rdf_format)
                  if q.predicate.value.endswith("#briefSummary")}
        assert values == {TRICKY.strip()}, fmt


def test_bad_records_are_rejected_with_file_position_and_reason(tmp_path: Path) -> None:
    good = [minimal_study(f"NCT0900000{i}") for i in range(3)]
    lines = [json.dumps(good[0]), '{"protocolSection": {"identificationModule": ', json.dumps([1, 2]),
             json.dumps(good[1]), json.dumps({"protocolSection": {"statusModule": {}}}), json.dumps(good[2])]
    jsonl = tmp_path / "mixed.jsonl"
    jsonl.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = build([jsonl], tmp_path / "s")
    assert report.built == 3 and report.outcome == "partial"
    assert [(r.source_file.endswith("mixed.jsonl"), r.position) for r in report.rejects] == [
        (True, "line 2"), (True, "line 3"), (True, "line 5")]
    assert all(r.reason for r in report.rejects)
    write_rejects(report.rejects, tmp_path / "rejects.tsv")
    rows = (tmp_path / "rejects.tsv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "file\tposition\tformat\treason" and len(rows) == 4
    assert all(len(row.split("\t")) == 4 for row in rows)


def test_a_wrongly_typed_field_is_a_warning_and_the_rest_is_built(tmp_path: Path) -> None:
    study = minimal_study("NCT09000002")
    study["protocolSection"]["designModule"]["enrollmentInfo"]["count"] = "abc"
    report = build([write_json(tmp_path / "s.json", study)], tmp_path / "s")
    assert report.built == 1 and report.outcome == "all"
    [warnings] = report.warnings.values()
    assert any("enrollment" in w and "abc" in w for w in warnings)
    rows = select(tmp_path / "s", "SELECT ?e ?s WHERE { ?t kg:registryId 'NCT09000002' ; kg:overallStatus ?s "
                                  "OPTIONAL { ?t kg:enrollment ?e } }")
    assert rows == [{"s": "https://w3id.org/kg-builder/vocab/status/RECRUITING"}]


def test_study_without_registry_id_gets_a_stable_content_iri(tmp_path: Path) -> None:
    study = minimal_study(None)
    path = write_json(tmp_path / "s.json", study)
    build([path], tmp_path / "a")
    build([path], tmp_path / "b")
    query = "SELECT ?t WHERE { ?t a kg:ClinicalTrial }"
    first, second = select(tmp_path / "a", query), select(tmp_path / "b", query)
    assert first == second and first[0]["t"].startswith("https://w3id.org/kg-builder/id/trial/x-")


def test_nothing_built_leaves_the_last_good_store(tmp_path: Path) -> None:
    store = tmp_path / "s"
    build([EXAMPLES / "ctgov-json" / "NCT04129320.json"], store)
    before = current_generation(store)
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json", encoding="utf-8")
    report = build([garbage], store)
    assert report.outcome == "none" and report.rejected == 1
    assert current_generation(store) == before
    assert select(store, "SELECT ?id WHERE { ?t kg:registryId ?id }") == [{"id": "NCT04129320"}]


def test_a_failure_mid_build_leaves_the_store_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "s"
    build([EXAMPLES / "ctgov-json" / "NCT04129320.json"], store)
    before = current_generation(store)

    def explode(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    import kg_builder.build as pipeline

    monkeypatch.setattr(pipeline, "map_study", explode)  # a mapping bug is a per-study reject …
    report = build([EXAMPLES / "ctgov-json"], store)
    assert report.outcome == "none" and current_generation(store) == before
    monkeypatch.undo()
    monkeypatch.setattr(pipeline, "iter_parsed", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):  # … while a store-level failure aborts the whole generation
        build([EXAMPLES / "ctgov-json"], store)
    assert current_generation(store) == before
    assert len(list((store / "generations").iterdir())) == 1


def test_rebuilding_a_study_replaces_its_graph(tmp_path: Path) -> None:
    store = tmp_path / "s"
    first = minimal_study("NCT09000003")
    build([write_json(tmp_path / "a.json", first)], store)
    second = minimal_study("NCT09000003")
    second["protocolSection"]["statusModule"]["overallStatus"] = "COMPLETED"
    build([write_json(tmp_path / "a.json", second)], store)
    rows = select(store, "SELECT ?s WHERE { ?t kg:overallStatus/skos:notation ?s }")
    assert rows == [{"s": "COMPLETED"}]


def test_shared_things_are_one_node_across_studies(tmp_path: Path) -> None:
    a = minimal_study("NCT09000004", **{"conditionsModule.conditions": ["Breast Cancer"]})
    b = minimal_study("NCT09000005", **{"conditionsModule.conditions": ["breast  cancer"]})
    build([write_json(tmp_path / "a.json", a), write_json(tmp_path / "b.json", b)], tmp_path / "s")
    rows = select(tmp_path / "s", "SELECT DISTINCT ?c WHERE { ?t kg:condition ?c }")
    assert len(rows) == 1
    sponsors = select(tmp_path / "s", "SELECT DISTINCT ?o WHERE { ?t kg:leadSponsor ?o }")
    assert len(sponsors) == 1


def test_each_study_lives_in_its_own_graph_with_provenance(tmp_path: Path) -> None:
    build([EXAMPLES / "ctgov-json" / "NCT04129320.json"], tmp_path / "s")
    rows = select(tmp_path / "s", """SELECT ?g ?format ?hash ?time WHERE { GRAPH ?g {
        ?t kg:registryId "NCT04129320" ; prov:wasDerivedFrom ?p .
        ?p kg:sourceFormat ?format ; kg:contentHash ?hash ; prov:generatedAtTime ?time } }""")
    assert rows[0]["g"] == "https://w3id.org/kg-builder/id/graph/NCT04129320"
    assert rows[0]["format"] == "ctgov-json" and len(rows[0]["hash"]) == 64
    assert rows[0]["time"] == "2025-11-25T00:00:00Z"
    [study] = [s for d in iter_documents([EXAMPLES / "ctgov-json" / "NCT04129320.json"]) for s in iter_records(d)]
    assert study.provenance.content_hash == rows[0]["hash"]


def test_base_iri_is_configurable(tmp_path: Path) -> None:
    build([EXAMPLES / "ctgov-json" / "NCT04129320.json"], tmp_path / "s",
          settings=Settings(base="http://example.org/kg/"))
    rows = select(tmp_path / "s", "SELECT ?t WHERE { ?t a kg:ClinicalTrial }")
    assert rows == [{"t": "http://example.org/kg/trial/NCT04129320"}]


def test_mixed_inputs_build_every_good_record_and_reject_the_garbage(shared_data: Path, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(bytes(range(256)) * 4)
    inputs = [shared_data / "ctgov-json" / "NCT03377387.json", shared_data / "ctgov-xml" / "NCT01298141.xml",
              EXAMPLES / "seeds", garbage]
    report = build(inputs, tmp_path / "s")
    assert report.built == 4 and report.outcome == "partial"
    [reject] = report.rejects
    assert reject.source_file == str(garbage) and reject.reason
    formats = select(tmp_path / "s", "SELECT DISTINCT ?f WHERE { ?r kg:sourceFormat ?f } ORDER BY ?f")
    assert [r["f"] for r in formats] == ["ctgov-json", "ctgov-xml", "flat-record", "registry-page"]


def test_seed_facts_visible_through_trial_overview(tmp_path: Path) -> None:
    build([EXAMPLES / "seeds"], tmp_path / "s")
    assert _overview(tmp_path / "s", "NCT07003074") == {
        "title": "A Clinical Study of TQB2102 Versus Docetaxel Plus Trastuzumab and Pertuzumab in the Treatment "
                 "of HER2 Positive Recurrent or Metastatic Breast Cancer",
        "phase": "PHASE3", "status": "RECRUITING", "enrollment": "642", "start": "2025-06-23",
        "sponsor": "Chia Tai Tianqing Pharmaceutical Group Nanjing Shunxin Pharmaceutical Co., Ltd.",
    }


def test_contacts_only_on_request(tmp_path: Path) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?c a kg:Contact }"
    build([EXAMPLES / "seeds"], tmp_path / "a")
    assert select(tmp_path / "a", query) == [{"n": "0"}]
    assert not select(tmp_path / "a", "SELECT ?x WHERE { ?x ?p ?o FILTER(CONTAINS(STR(?o), '18017312288')) }")
    build([EXAMPLES / "seeds"], tmp_path / "b", include_contacts=True)
    assert int(select(tmp_path / "b", query)[0]["n"]) >= 25


def _backwards_study() -> dict:
    study = minimal_study("NCT09000009")
    study["protocolSection"]["statusModule"]["completionDateStruct"] = {"date": "2020-01-15"}
    return study


def test_build_validates_each_study_and_lists_violations(tmp_path: Path) -> None:
    good = write_json(tmp_path / "good.json", minimal_study("NCT09000008"))
    bad = write_json(tmp_path / "bad.json", _backwards_study())
    report = build([good, bad], tmp_path / "s")
    assert report.built == 2 and report.outcome == "all"
    assert list(report.violations) == ["https://w3id.org/kg-builder/id/graph/NCT09000009"]
    assert len(select(tmp_path / "s", "SELECT ?t WHERE { ?t kg:registryId 'NCT09000009' }")) == 1


def test_strict_build_rejects_studies_with_violations(tmp_path: Path) -> None:
    good = write_json(tmp_path / "good.json", minimal_study("NCT09000008"))
    bad = write_json(tmp_path / "bad.json", _backwards_study())
    report = build([good, bad], tmp_path / "s", strict=True)
    assert report.built == 1 and report.outcome == "partial"
    [reject] = report.rejects
    assert reject.source_file == str(bad) and "violates the shapes" in reject.reason
    assert select(tmp_path / "s", "SELECT ?t WHERE { ?t kg:registryId 'NCT09000009' }") == []


def test_strict_rebuild_that_fails_keeps_the_last_good_version(tmp_path: Path) -> None:
    path, other = tmp_path / "study.json", write_json(tmp_path / "other.json", minimal_study("NCT09000010"))
    build([write_json(path, minimal_study("NCT09000009")), other], tmp_path / "s", strict=True)
    report = build([write_json(path, _backwards_study()), other], tmp_path / "s", strict=True)
    assert report.outcome == "partial" and report.built == 1
    rows = select(tmp_path / "s", "SELECT ?t ?d WHERE { ?t kg:registryId 'NCT09000009' "
                                  "OPTIONAL { ?t kg:completionDate ?d } }")
    assert rows == [{"t": "https://w3id.org/kg-builder/id/trial/NCT09000009"}]


def _sorted_nquads(store: Path) -> list[str]:
    from pyoxigraph import serialize

    quads = open_read_only(store).quads_for_pattern(None, None, None, None)
    return sorted(serialize(quads, format=RdfFormat.N_QUADS).decode().splitlines())


def test_checks_in_a_child_process_give_the_same_store_and_reports(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 2 send all but a one-batch build to the background validator: same outcome as in-process."""
    good = [write_json(tmp_path / f"good{i}.json", minimal_study(f"NCT0900010{i}")) for i in range(3)]
    bad = write_json(tmp_path / "bad.json", _backwards_study())
    inputs = [good[0], bad, *good[1:], EXAMPLES / "seeds"]
    in_process = build(inputs, tmp_path / "one", strict=True)
    monkeypatch.setattr("kg_builder.build._BATCH_STUDIES", 2)
    background = build(inputs, tmp_path / "many", strict=True)
    assert (background.built, background.triples, background.outcome) == (5, in_process.triples, "partial")
    assert background.violations == in_process.violations
    assert list(background.violations) == ["https://w3id.org/kg-builder/id/graph/NCT09000009"]
    assert [(r.source_file, r.reason) for r in background.rejects] == [
        (r.source_file, r.reason) for r in in_process.rejects]
    assert _sorted_nquads(tmp_path / "many") == _sorted_nquads(tmp_path / "one")
    lenient = build(inputs, tmp_path / "lenient")
    assert lenient.built == 6 and list(lenient.violations) == list(background.violations)


def test_a_dead_validation_process_fails_the_build_and_keeps_the_last_good_store(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kg_builder.validation.worker import BackgroundValidator, ValidatorProcessError

    inputs = [write_json(tmp_path / f"s{i}.json", minimal_study(f"NCT0900020{i}")) for i in range(5)]
    build(inputs[:1], tmp_path / "s")
    before = _sorted_nquads(tmp_path / "s")
    real_submit = BackgroundValidator.submit

    def dying_submit(self: BackgroundValidator, data: bytes, token: object) -> None:
        self._process.kill()  # as if the child ran out of memory
        self._process.wait()
        real_submit(self, data, token)

    monkeypatch.setattr(BackgroundValidator, "submit", dying_submit)
    monkeypatch.setattr("kg_builder.build._BATCH_STUDIES", 2)
    with pytest.raises(ValidatorProcessError, match="validation process stopped"):
        build(inputs, tmp_path / "s")
    assert _sorted_nquads(tmp_path / "s") == before
