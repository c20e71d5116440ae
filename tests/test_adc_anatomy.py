"""ADC anatomy: payload and payload class from the INN's second word or the record's words, on the drug
node (decided from the drug itself) or the study's mention (what one record says), and the
`adc-landscape` query over constructed records."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import Store

from kg_builder.enrich.drugs import analyse
from kg_builder.enrich.inn import classify_inn
from kg_builder.enrich.lexicon import data_rows
from kg_builder.enrich.payloads import inn_payload, text_payload
from kg_builder.enrich.profile import drug_profile
from kg_builder.iris import IriMinter
from kg_builder.mapping.study import map_study
from kg_builder.model import Intervention, Provenance, Study
from kg_builder.store.named_queries import execute_named, load_named_queries
from kg_builder.store.vocabulary import ontology_quads
from kg_builder.validation.engines import validate
from kg_builder.vocab import KG

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("row", [r for r in data_rows("payloads.csv") if r["kind"] == "inn"],
                         ids=lambda r: r["term"])
def test_every_payload_word_makes_an_adc_with_its_class(row: dict[str, str]) -> None:
    name = f"zortuzumab {row['term']}"  # an invented antibody carrying the payload
    assert classify_inn(name)[0] == "ADC"
    profile = drug_profile(name)
    assert profile.drug_class == "ADC" and profile.payload is not None
    assert profile.payload.payload_class == row["payload_class"] and row["source"] in profile.payload.evidence


@pytest.mark.parametrize(("word", "payload_class"), [
    ("tolmotecan", "TOPOISOMERASE_I_INHIBITOR"), ("perdotin", "AURISTATIN"),
    ("vamtansine", "MAYTANSINOID"), ("labulin", "TUBULIN_INHIBITOR")])
def test_unlisted_payload_words_take_their_class_from_the_inn_stem(word: str, payload_class: str) -> None:
    payload = inn_payload(word)
    assert payload is not None and payload.payload_class == payload_class and "stem" in payload.evidence


@pytest.mark.parametrize(("name", "cls"), [
    ("nivolumab irinotecan", "MONOCLONAL_ANTIBODY"),  # two drugs side by side: irinotecan is no payload word
    ("moxetumomab pasudotox", "OTHER_BIOLOGIC"),  # immunotoxin
    ("ibritumomab tiuxetan", "RADIOPHARMACEUTICAL"),  # radioconjugate
    ("certolizumab pegol", "MONOCLONAL_ANTIBODY"),
])
def test_second_words_that_are_not_payloads(name: str, cls: str) -> None:
    assert classify_inn(name)[0] == cls
    assert drug_profile(name).payload is None


def test_record_words_name_a_payload_or_only_its_class() -> None:
    named = text_payload("An ADC linking a HER2 antibody to MMAE through a cleavable linker")
    assert (named.name, named.payload_class) == ("vedotin (monomethyl auristatin E)", "AURISTATIN")
    only_class = text_payload("a TROP2 ADC with a topoisomerase I inhibitor payload")
    assert (only_class.name, only_class.payload_class) == (None, "TOPOISOMERASE_I_INHIBITOR")
    assert text_payload("a HER2 antibody") is None


def test_a_code_named_adc_gets_target_and_payload_from_its_description() -> None:
    (component,) = analyse(Intervention(
        "XYZ-5 for injection", "DRUG",
        "XYZ-5 is an anti-HER2 antibody-drug conjugate carrying a DXd-like topoisomerase I inhibitor payload."))
    assert (component.drug_class, component.targets) == ("ADC", ("ERBB2",))
    assert component.payload.payload_class == "TOPOISOMERASE_I_INHIBITOR"
    assert component.profile.drug_class == "UNKNOWN" and component.profile.payload is None  # the code says nothing


def test_the_inn_payload_is_the_drugs_own() -> None:
    profile = drug_profile("trastuzumab deruxtecan")
    assert (profile.drug_class, profile.targets) == ("ADC", ("ERBB2",))
    assert profile.payload.payload_class == "TOPOISOMERASE_I_INHIBITOR"


# --- in the graph -------------------------------------------------------------------------------

def _study(nct: str, phase: str, *interventions: Intervention) -> Study:
    return Study(Provenance(f"{nct}.json", "ctgov-json", "1", "0" * 64), registry_id=nct, brief_title=f"Trial {nct}",
                 overall_status="RECRUITING", phases=[phase], interventions=list(interventions))


_XYZ5_ADC = Intervention("XYZ-5", "DRUG", "XYZ-5 is a HER2-directed ADC with a topoisomerase I inhibitor payload.")
STUDIES = [
    _study("NCT90000001", "PHASE3", Intervention("Trastuzumab deruxtecan", "DRUG")),
    _study("NCT90000002", "PHASE3", _XYZ5_ADC),
    _study("NCT90000003", "PHASE1", Intervention("XYZ-6", "DRUG", "XYZ-6 is a HER2 ADC conjugated to MMAE.")),
    _study("NCT90000004", "PHASE2", Intervention("XYZ-5", "DRUG", "Given every 3 weeks.")),
    _study("NCT90000005", "PHASE3", Intervention("Datopotamab deruxtecan", "DRUG", "An anti-TROP2 ADC.")),
]


def _quads(study: Study) -> list:
    return map_study(study, IriMinter(), build_time="2025-01-01T00:00:00Z")[1]


@pytest.fixture(scope="module")
def store() -> Store:
    store = Store()
    store.extend(list(ontology_quads(ROOT / "ontology")))
    for study in STUDIES:
        store.extend(_quads(study))
    return store


def _rows(store: Store, name: str) -> list[dict[str, str | None]]:
    result = execute_named(store, load_named_queries(ROOT / "queries")[name], {})
    names = [v.value for v in result.variables]
    return [{n: (row[n].value if row[n] is not None else None) for n in names} for row in result]


def test_the_landscape_answers_her2_topoisomerase_adcs_in_phase_3(store: Store) -> None:
    rows = _rows(store, "adc-landscape")
    assert {tuple(r) for r in rows} and set(rows[0]) == {"drug", "target", "payload", "payloadClass", "trials",
                                                       "phases"}
    answer = {r["drug"] for r in rows if r["target"] == "HER2 (ERBB2)"
              and r["payloadClass"] == "topoisomerase I inhibitor" and "PHASE3" in (r["phases"] or "").split("|")}
    assert answer == {"trastuzumab deruxtecan", "XYZ-5"}
    auristatin = [r for r in rows if r["drug"] == "XYZ-6"]
    assert [(r["payload"], r["payloadClass"]) for r in auristatin] == [
        ("vedotin (monomethyl auristatin E)", "auristatin")]
    dato = [r for r in rows if r["drug"] == "datopotamab deruxtecan"]
    assert [(r["target"], r["payloadClass"]) for r in dato] == [("TROP2 (TACSTD2)", "topoisomerase I inhibitor")]


def test_a_drug_node_says_the_same_whichever_record_names_it() -> None:
    minter = IriMinter()
    drug = minter.drug("XYZ-5")
    said_adc, said_nothing = (
        {(q.subject, q.predicate, q.object) for q in _quads(s) if q.subject == drug} for s in STUDIES[1::2][:2])
    assert said_adc == said_nothing and said_adc  # the node's facts come from the code alone
    classes = {(q.object.value.rsplit("/", 1)[-1]) for q in _quads(STUDIES[1])
               if q.predicate == KG.drugClass and q.subject != drug}
    assert "ADC" in classes  # the mention and the intervention carry what the record says


def test_counting_trials_by_class_reads_the_mentions(store: Store) -> None:
    counts = {r["class"]: int(r["trials"]) for r in _rows(store, "trials-by-drug-class")}
    assert counts["ADC"] == 4 and counts["UNKNOWN"] == 1  # the record that says nothing about XYZ-5


def test_the_constructed_adc_graphs_pass_the_shapes(store: Store) -> None:
    report = validate(store)
    assert [r for r in report.results if r.severity == "Violation"] == []
