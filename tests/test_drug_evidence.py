"""Drug classes from the record's own evidence: one test per failure class, on cases written from the
class (invented names where the class is about names), not from the records it was seen on."""

from __future__ import annotations

import pytest

from kg_builder.enrich import explicit
from kg_builder.enrich.drugs import Component, analyse, analyse_study, intervention_classes
from kg_builder.enrich.inn import classify_inn
from kg_builder.enrich.record_evidence import RecordEvidence
from kg_builder.enrich.regimens import combinations, find_combination
from kg_builder.model import Intervention


def _one(name: str, type_: str = "DRUG", description: str | None = None,
         others: tuple[str, ...] = ()) -> Component:
    (component,) = analyse(Intervention(name, type_, description, others))
    return component


def _classes(name: str, type_: str = "DRUG", description: str | None = None) -> tuple[str, ...]:
    return tuple(sorted(intervention_classes(analyse(Intervention(name, type_, description)))))


# --- bispecifics whose INN says so -------------------------------------------------------------

@pytest.mark.parametrize("name", ["xerbotamig", "Pelvotamig", "duvortemig", "ABC-12 (tarnovemig)"])
def test_the_2022_multispecific_stem_names_a_bispecific(name: str) -> None:
    assert _one(name, "BIOLOGICAL").drug_class == "BISPECIFIC_ANTIBODY"


@pytest.mark.parametrize("name", ["bertumaxomab", "Solitumaxomab"])
def test_the_rat_mouse_hybrid_substem_names_a_trifunctional_bispecific(name: str) -> None:
    component = _one(name, "BIOLOGICAL")
    assert component.drug_class == "BISPECIFIC_ANTIBODY" and "-axo-" in component.evidence[0]


@pytest.mark.parametrize("name", ["xerbotamab", "valitug", "corbart", "lozament"])
def test_monospecific_stems_stay_plain_antibodies(name: str) -> None:
    assert classify_inn(name)[0] == "MONOCLONAL_ANTIBODY"


@pytest.mark.parametrize("description", [
    "A DuoBody antibody against CD3 and EGFR.",
    "XYZ-77 is a CD3 x CLDN18.2 T-cell engaging antibody.",
    "PD-1×CTLA-4 IgG1 antibody given every 3 weeks",
    "A humanized bispecific monoclonal antibody",
    "A T cell engager (TCE) redirecting T cells to DLL3",
])
def test_bispecific_formats_in_a_description_beat_the_plain_antibody(description: str) -> None:
    component = _one("XYZ-77", "BIOLOGICAL", description)
    assert component.drug_class == "BISPECIFIC_ANTIBODY", component.evidence


def test_words_ending_in_x_are_no_target_pair() -> None:
    assert explicit.earliest("An antibody against a complex antigen") == ("MONOCLONAL_ANTIBODY", "matched 'antibody'")


# --- allergen immunotherapy is no vaccine ---------------------------------------------------

@pytest.mark.parametrize(("name", "description"), [
    ("Birch pollen allergoid vaccine", None),
    ("Allergy vaccine", "Subcutaneous allergy immunotherapy with a standardised grass extract"),
    ("QW-1 injection", "A subcutaneous vaccine of house dust mite allergen extract, monthly."),
    ("Cat SLIT drops", None),
    ("ABC allergen tablet", None),
])
def test_allergen_products_are_allergen_extracts_not_vaccines(name: str, description: str | None) -> None:
    assert _one(name, "BIOLOGICAL", description).drug_class == "OTHER_BIOLOGIC"


def test_a_real_vaccine_in_an_allergic_population_stays_a_vaccine() -> None:
    description = "Quadrivalent influenza vaccine. Participants have house dust mite allergy."
    assert _one("Flu shot", "BIOLOGICAL", description).drug_class == "VACCINE"


def test_allergen_headings_of_the_index_turn_a_vaccine_heading_into_an_allergen() -> None:
    evidence = RecordEvidence(meshes=(("D1", "Vaccines"), ("D2", "Allergens")))
    (comps,) = analyse_study([Intervention("QW-19", "BIOLOGICAL")], evidence)
    assert comps[0].drug_class == "OTHER_BIOLOGIC" and comps[0].rule == "RECORD_INDEX"


# --- saline placebo is no vaccine -------------------------------------------------------------

@pytest.mark.parametrize(("name", "description"), [
    ("Control", "Saline placebo given as the vaccine, 0.5 mL IM"),
    ("Comparator", "Placebo: sterile 0.9% sodium chloride, injected like the vaccine"),
    ("Sodium chloride 0.9%", "Given intramuscularly at the same visits as the vaccine"),
    ("NaCl 0.9 %", "0.5 mL, matching the vaccine's volume"),
    ("Mock injection", "An inactive substance containing no vaccine antigen"),
])
def test_saline_and_placebo_comparators_are_placebos(name: str, description: str) -> None:
    component = _one(name, "BIOLOGICAL", description)
    assert (component.kind, component.drug_class) == ("placebo", "OTHER")


def test_hypertonic_saline_is_a_treatment_and_a_drug_with_a_placebo_arm_is_the_drug() -> None:
    assert _one("Hypertonic saline 7%", "DRUG").kind != "placebo"
    assert _one("Pembrolizumab", "DRUG", "Pembrolizumab or matching placebo").drug_class == "MONOCLONAL_ANTIBODY"
    assert _one("XYZ-9", "DRUG", "Placebo-controlled period of XYZ-9 tablets").kind != "placebo"


# --- a cell therapy's construct parts are not drugs -----------------------------------------------

@pytest.mark.parametrize("name", [
    "Autologous CD19 CAR-T cells with 4-1BB and IL-7Rα signalling domain",
    "GD2 CAR T cells expressing IL-15, iCasp9 and a CD28 costimulatory domain",
    "B7-H3 CAR-T cells secreting IL-12 and PD-1 scFv",
    "Mesothelin CAR-T with CD3 zeta and 4-1BB",
])
def test_a_cell_therapy_name_is_one_product(name: str) -> None:
    components = analyse(Intervention(name, "BIOLOGICAL"))
    assert [c.drug_class for c in components] == ["CELL_GENE_THERAPY"], [c.text for c in components]


def test_a_cell_therapy_with_its_conditioning_drugs_is_split() -> None:
    components = analyse(Intervention("CD19 CAR-T cells + fludarabine + cyclophosphamide", "BIOLOGICAL"))
    assert [c.drug_class for c in components] == ["CELL_GENE_THERAPY", "CHEMOTHERAPY", "CHEMOTHERAPY"]


# A CAR construct is often named by its target or generation with "CAR" joined on, and its dose
# is counted in "CAR+ cells"; a word that merely holds the letters is no CAR.
@pytest.mark.parametrize("text", ["GPC3CART", "MSLN-2CART injection", "CD22CAR-41BBz", "3SCAR-19",
                                  "CAR.CD30", "2 x 10^6 CAR+ cells/kg", "1e8 CAR+ T cells"])
def test_joined_car_constructs_are_cell_therapies(text: str) -> None:
    found = explicit.most_specific(text)
    assert found is not None and found[0] == "CELL_GENE_THERAPY", found


@pytest.mark.parametrize("text", ["Carboplatin", "CARBOPLATIN AUC 5", "OSCAR-2 cohort", "Scar revision",
                                  "Medicare", "the CAR. The cells", "CAR-3 score"])
def test_words_holding_the_letters_car_are_not(text: str) -> None:
    found = explicit.most_specific(text)
    assert found is None or found[0] != "CELL_GENE_THERAPY", found


@pytest.mark.parametrize("name", ["IL-7Ra", "IL-12Ra signalling", "CD25 IL-2Ra"])
def test_receptor_alpha_chains_are_no_radium(name: str) -> None:
    assert explicit.most_specific(name) is None


# --- regimen acronyms and fixed-dose brands -----------------------------------------------------

@pytest.mark.parametrize(("name", "drugs"), [
    ("FOLFOX", {"leucovorin", "fluorouracil", "oxaliplatin"}),
    ("mFOLFOX6", {"leucovorin", "fluorouracil", "oxaliplatin"}),
    ("modified FOLFIRINOX", {"leucovorin", "fluorouracil", "irinotecan", "oxaliplatin"}),
    ("XELOX", {"capecitabine", "oxaliplatin"}),
    ("R-CHOP-21", {"rituximab", "cyclophosphamide", "doxorubicin", "vincristine", "prednisone"}),
    ("AC→T", {"doxorubicin", "cyclophosphamide", "paclitaxel"}),
    ("dose-dense AC", {"doxorubicin", "cyclophosphamide"}),
    ("Symbicort", {"budesonide", "formoterol"}),
    ("Paxlovid", {"nirmatrelvir", "ritonavir"}),
])
def test_named_combinations_split_into_their_drugs(name: str, drugs: set[str]) -> None:
    components = analyse(Intervention(name, "DRUG"))
    assert {c.name for c in components} == drugs
    assert all(c.rule == "NAMED_COMBINATION" and c.profile is not None for c in components)


def test_a_regimen_among_other_drugs_and_its_supporting_drug() -> None:
    components = analyse(Intervention("mFOLFOX6 + bevacizumab", "DRUG"))
    assert {c.name for c in components} == {"leucovorin", "fluorouracil", "oxaliplatin", "bevacizumab"}
    assert intervention_classes(analyse(Intervention("FOLFOX", "DRUG"))) == ("CHEMOTHERAPY",)  # leucovorin supports
    assert sorted(intervention_classes(analyse(Intervention("R-CHOP", "DRUG")))) == [
        "CHEMOTHERAPY", "HORMONAL", "MONOCLONAL_ANTIBODY"]


@pytest.mark.parametrize("name", ["ACTH", "DHAP", "mTOR", "AC-9012", "Folfoxine"])
def test_look_alike_names_are_no_regimens(name: str) -> None:
    assert find_combination(name) is None


def test_every_combination_row_has_a_source_and_classified_components() -> None:
    rows = combinations()  # the loader raises on a component neither the lexicon nor a stem knows
    assert len(rows) > 40 and all(r.source for r in rows)


def test_a_class_phrase_partner_names_no_drug() -> None:
    components = analyse(Intervention("XYZ-310 plus anti-PD-1 mAb", "DRUG"))
    assert [(c.text, c.kind) for c in components] == [("XYZ-310", "drug"), ("anti-PD-1 mAb", "generic")]
    generic = components[1]
    assert generic.name is None and generic.drug_class == "MONOCLONAL_ANTIBODY" and generic.targets == ("PDCD1",)


def test_a_code_and_the_inn_of_one_drug_are_one_drug_and_ritonavir_boosting_is_a_second() -> None:
    assert [c.name for c in analyse(Intervention("ABC1234 / enzalutamide", "DRUG"))] == ["enzalutamide"]
    assert [c.name for c in analyse(Intervention("darunavir/r", "DRUG"))] == ["darunavir", "ritonavir"]
    assert [c.name for c in analyse(Intervention("XY-99/RTV", "DRUG"))] == ["XY-99", "ritonavir"]


def test_chemical_names_are_small_molecules_but_polymers_are_not() -> None:
    assert _one("Squaric acid dibutyl ester 2%", "DRUG").drug_class == "SMALL_MOLECULE"
    assert _one("Potassium chloride", "DRUG").drug_class == "SMALL_MOLECULE"
    assert _one("Hyaluronic acid gel", "DRUG").drug_class != "SMALL_MOLECULE"


# --- sponsor codes: the record's index and keywords -----------------------------------------------

def _record(interventions: list[Intervention], **evidence: object) -> list[tuple[Component, ...]]:
    return analyse_study(interventions, RecordEvidence(**evidence))


def test_an_index_heading_no_other_drug_explains_goes_to_the_one_unclassified_drug() -> None:
    found = _record([Intervention("XYZ-101", "DRUG"), Intervention("Pembrolizumab", "DRUG")],
                    meshes=(("C1", "pembrolizumab"), ("D018796", "Immunoconjugates")),
                    ancestors=(("D000911", "Antibodies, Monoclonal"), ("D002166", "Camptothecin")))
    assert (found[0][0].drug_class, found[0][0].rule) == ("ADC", "RECORD_INDEX")
    assert "Immunoconjugates" in found[0][0].evidence[0]


def test_two_unclassified_drugs_share_no_heading() -> None:
    found = _record([Intervention("XYZ-101", "DRUG"), Intervention("XYZ-202", "DRUG")],
                    meshes=(("D018796", "Immunoconjugates"),))
    assert [c[0].drug_class for c in found] == ["UNKNOWN", "UNKNOWN"]


def test_headings_another_drug_explains_are_not_given_away() -> None:
    found = _record([Intervention("XYZ-101", "DRUG"), Intervention("Trastuzumab deruxtecan", "DRUG")],
                    meshes=(("C2", "trastuzumab deruxtecan"),),
                    ancestors=(("D018796", "Immunoconjugates"), ("D000911", "Antibodies, Monoclonal")))
    assert found[0][0].drug_class == "UNKNOWN"


def test_disagreeing_headings_decide_nothing() -> None:
    found = _record([Intervention("XYZ-101", "DRUG")],
                    meshes=(("D1", "Cancer Vaccines"), ("D2", "Protein Kinase Inhibitors")))
    assert found[0][0].drug_class == "UNKNOWN"


def test_the_one_term_that_is_the_drug_brings_its_ancestors() -> None:
    found = _record([Intervention("XYZ-55", "BIOLOGICAL"), Intervention("XYZ-66", "DRUG")],
                    meshes=(("C3", "XYZ-55"),), ancestors=(("D1", "Antibodies, Bispecific"),))
    assert [c[0].drug_class for c in found] == ["BISPECIFIC_ANTIBODY", "UNKNOWN"]


def test_keywords_speak_for_the_one_drug_or_for_the_drug_they_name() -> None:
    found = _record([Intervention("XYZ-3", "BIOLOGICAL"), Intervention("Docetaxel", "DRUG")],
                    keywords=("Solid tumor", "bispecific antibody"))
    assert found[0][0].drug_class == "BISPECIFIC_ANTIBODY"
    found = _record([Intervention("XYZ-3", "BIOLOGICAL"), Intervention("XYZ-4", "DRUG")],
                    keywords=("XYZ-4 (a KRAS G12C small-molecule inhibitor)", "XYZ-3: anti-TIGIT antibody"))
    assert [c[0].drug_class for c in found] == ["MONOCLONAL_ANTIBODY", "SMALL_MOLECULE"]
    found = _record([Intervention("XYZ-3", "DRUG"), Intervention("Cisplatin", "DRUG")], keywords=("chemotherapy",))
    assert found[0][0].drug_class == "UNKNOWN"  # a setting, not the drug


def test_the_record_prose_in_brackets_and_the_name_it_gives_a_code() -> None:
    context = "This study tests XYZ-8 (a B7-H3-targeted antibody-drug conjugate) in solid tumours."
    assert _one("XYZ-8").drug_class == "UNKNOWN"
    (component,) = analyse(Intervention("XYZ-8", "DRUG"), context)
    assert (component.drug_class, component.rule) == ("ADC", "EXPLICIT_RECORD")
    (named,) = analyse(Intervention("ABC-77", "DRUG"), "A Study of Vemurafenib (ABC-77) in Melanoma")
    assert named.name == "vemurafenib"


def test_an_intervention_description_decides_for_a_code() -> None:
    component = _one("XYZ-1 for Injection", "DRUG", "XYZ-1 is a next-generation TROP2 antibody-drug conjugate.")
    assert (component.name, component.drug_class, component.targets) == ("XYZ-1", "ADC", ("TACSTD2",))


# --- what a description says of a code: taken by mouth, degraders, hormone receptors, neoantigens ------

@pytest.mark.parametrize(("description", "cls"), [
    ("XYZ-2 is an oral, selective KAT6 inhibitor.", "SMALL_MOLECULE"),
    ("An orally bioavailable menin inhibitor given as tablets", "SMALL_MOLECULE"),
    ("XYZ-2 is a PROTAC degrader of BRD9", "SMALL_MOLECULE"),
    ("XYZ-2 is an oral selective estrogen receptor degrader (SERD)", "HORMONAL"),
    ("A PROTAC targeting the androgen receptor", "HORMONAL"),
    ("A next-generation androgen receptor antagonist", "HORMONAL"),
    ("An individualized neoantigen therapy encoded by mRNA", "VACCINE"),
    ("An oral anti-PD-L1 antibody", "MONOCLONAL_ANTIBODY"),
])
def test_descriptions_of_code_named_drugs(description: str, cls: str) -> None:
    assert _one("XYZ-2", "DRUG", description).drug_class == cls
