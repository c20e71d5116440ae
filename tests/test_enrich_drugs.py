"""Drug classification: explicit words, INN stems, lexicon; combinations; targets; MeSH links."""

from __future__ import annotations

import csv
from importlib import resources

import pytest

from kg_builder.enrich.drugs import analyse, intervention_classes, mesh_for
from kg_builder.enrich.inn import classify_inn
from kg_builder.enrich.lexicon import drug_entries, lookup_drug, targets
from kg_builder.enrich.targets import find_targets
from kg_builder.model import Intervention, MeshTerm


def classes(name: str, type_: str = "DRUG", description: str | None = None, others=()) -> tuple[str, ...]:
    return intervention_classes(analyse(Intervention(name, type_, description, tuple(others))))


@pytest.mark.parametrize(("name", "expected"), [
    ("trastuzumab", "MONOCLONAL_ANTIBODY"),
    ("disitamab vedotin", "ADC"),
    ("sacituzumab govitecan", "ADC"),
    ("trastuzumab deruxtecan", "ADC"),
    ("moxetumomab pasudotox", "OTHER_BIOLOGIC"),  # immunotoxin, not an ADC
    ("ibritumomab tiuxetan", "RADIOPHARMACEUTICAL"),  # radioconjugate, not an ADC
    ("certolizumab pegol", "MONOCLONAL_ANTIBODY"),  # PEGylation, not an ADC
    ("rilvegostomig", "BISPECIFIC_ANTIBODY"),  # 2022 stem -mig
    ("lanerkitug", "MONOCLONAL_ANTIBODY"),  # 2022 stem -tug
    ("docetaxel", "CHEMOTHERAPY"),
    ("letrozole", "HORMONAL"),
    ("osimertinib", "SMALL_MOLECULE"),
])
def test_inn_stems(name: str, expected: str) -> None:
    assert classify_inn(name)[0] == expected


def test_adc_letters_alone_name_no_chemical() -> None:
    components = analyse(Intervention("MHB088C for Injection (B7-H3 ADC)", "DRUG"))
    assert [c.name for c in components] == ["MHB088C"]
    assert components[0].drug_class == "ADC" and components[0].targets == ("CD276",)
    assert lookup_drug("ADC") is None


def test_seed_tqb2102_is_a_her2_adc_by_its_description() -> None:
    (component,) = analyse(Intervention(
        "TQB2102 for Injection", "DRUG",
        "TQB2102 is a next-generation HER2 Antibody-Drug Conjugate drug proposed for patients with "
        "HER2 positive Recurrent/Metastatic Breast Cancer."))
    assert (component.name, component.drug_class, component.rule) == ("TQB2102", "ADC", "EXPLICIT_DESCRIPTION")
    assert component.targets == ("ERBB2",)


def test_seed_b003_conjugate_beats_monoclonal_antibody() -> None:
    (component,) = analyse(Intervention(
        "Recombinant anti-HER2 humanized monoclonal antibody conjugate for injection.R&D code: B003.",
        "BIOLOGICAL"))
    assert (component.name, component.drug_class, component.targets) == ("B003", "ADC", ("ERBB2",))


def test_seed_combination_splits_into_lexicon_drugs() -> None:
    components = analyse(Intervention("Docetaxel combined + Trastuzumab +Pertuzumab", "DRUG", "Positive control."))
    assert [(c.name, c.drug_class) for c in components] == [
        ("docetaxel", "CHEMOTHERAPY"), ("trastuzumab", "MONOCLONAL_ANTIBODY"),
        ("pertuzumab", "MONOCLONAL_ANTIBODY")]
    # the lexicon's targets describe the drugs themselves; the record's words named none here
    assert components[1].profile.targets == ("ERBB2",) and components[2].profile.targets == ("ERBB2",)
    assert components[0].profile.targets == () and all(c.targets == () for c in components)


def test_the_lexicon_row_decides_and_a_stem_never_overturns_it() -> None:
    (component,) = analyse(Intervention("zanidatamab", "BIOLOGICAL"))  # -mab, known as bispecific
    assert component.drug_class == "BISPECIFIC_ANTIBODY" and component.rule == "LEXICON"
    # -citabine is the cytotoxic nucleosides' ending; the row knows this one is an antiviral
    (antiviral,) = analyse(Intervention("emtricitabine", "DRUG"))
    assert antiviral.drug_class == "SMALL_MOLECULE"


def test_placebo_and_generic_phrases_name_no_drug() -> None:
    placebo = analyse(Intervention("Placebo to omalizumab", "DRUG"))
    assert [(c.kind, c.name, c.drug_class) for c in placebo] == [("placebo", None, "OTHER")]
    assert classes("Placebo with enzalutamide") == ("HORMONAL",)
    (chemo,) = analyse(Intervention("SOC chemotherapies", "DRUG"))
    assert (chemo.kind, chemo.name, chemo.drug_class) == ("generic", None, "CHEMOTHERAPY")


def test_phrases_listing_targets_are_not_split() -> None:
    (car_t,) = analyse(Intervention("GPC3 and/or TGFβ targeting CAR-T cells", "BIOLOGICAL"))
    assert car_t.drug_class == "CELL_GENE_THERAPY"


def test_every_intervention_gets_a_class() -> None:
    assert classes("Questionnaire", "BEHAVIORAL") == ("OTHER",)
    assert classes("XYZ-9999", "DRUG") == ("UNKNOWN",)


def test_record_context_names_a_code() -> None:
    context = "An Open-label Study of the Effect of Tomivosertib (eFT508) in Patients With CRPC"
    (component,) = analyse(Intervention("eFT508", "DRUG"), context)
    assert (component.drug_class, component.rule) == ("SMALL_MOLECULE", "EXPLICIT_RECORD")


def test_targets_need_an_acting_phrase() -> None:
    assert [s for s, _ in find_targets("anti-HER2 humanized antibody")] == ["ERBB2"]
    assert find_targets("patients with HER2-positive breast cancer") == ()
    assert [s for s, _ in find_targets("PD-1 X LAG-3 bispecific DART protein")] == ["PDCD1", "LAG3"]


def test_intervention_mesh_terms_link_by_name_or_synonym() -> None:
    (component,) = analyse(Intervention("T-DM1", "DRUG"))
    meshes = [MeshTerm("D000068878", "Trastuzumab"), MeshTerm("D000080945", "Ado-Trastuzumab Emtansine")]
    assert [m.id for m in mesh_for(component, meshes)] == ["D000080945"]


def test_lexicon_rows_without_source_carry_no_identifiers() -> None:
    with resources.files("kg_builder.data").joinpath("drug_lexicon.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if not row["source"]:
                assert not any(row[k] for k in ("drugbank", "chebi", "wikidata", "ncit", "atc")), row["name"]
    entries = {e.name: e for e in drug_entries()}
    for name in ("trastuzumab", "pertuzumab", "trastuzumab emtansine", "trastuzumab deruxtecan",
                 "disitamab vedotin", "margetuximab", "zanidatamab", "docetaxel", "paclitaxel",
                 "capecitabine", "vinorelbine", "lapatinib", "neratinib", "pyrotinib", "tucatinib"):
        assert name in entries, name  # the HER2 landscape
    assert targets()["ERBB2"].hgnc_id == "HGNC:3430"
