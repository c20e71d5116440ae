"""Doses, outcome categories, time frames, condition facets, ECOG/RECIST and GeoNames."""

from __future__ import annotations

import pytest

from kg_builder.enrich.conditions import analyse_condition, mesh_matches
from kg_builder.enrich.doses import doses_in
from kg_builder.enrich.eligibility import ecog_range, recist
from kg_builder.enrich.outcomes import classify_outcome
from kg_builder.enrich.places import geonames_city
from kg_builder.enrich.time_frames import parse_time_frame
from kg_builder.model import MeshTerm

SEED_ARM = (
    "Docetaxel: 75mg/m2, administered once every 3 weeks, intravenous infusion for 60 minutes, for a total "
    "of 6 cycles; Trastuzumab: The initial loading dose is 8mg/kg, and 6mg/kg is administered every 3 weeks "
    "thereafter; Pertuzumab: initial loading dose of 840mg, intravenous infusion for 60 minutes; Afterwards, "
    "administer 420mg every 3 weeks. After each infusion of pertuzumab, it is recommended to observe for "
    "30-60 minutes. After the observation, trastuzumab or chemotherapy can be continued."
)


def test_seed_doses() -> None:
    names = {"docetaxel": "docetaxel", "trastuzumab": "trastuzumab", "pertuzumab": "pertuzumab"}
    got = [(d.drug, d.amount, d.basis, d.phase, d.interval, d.cycles, d.route, d.infusion_duration)
           for d in doses_in(SEED_ARM, names)]
    assert got == [
        ("docetaxel", 75.0, "BODY_SURFACE_AREA", None, "P21D", 6, "INTRAVENOUS", "PT60M"),
        ("trastuzumab", 8.0, "BODY_WEIGHT", "LOADING", None, None, None, None),
        ("trastuzumab", 6.0, "BODY_WEIGHT", "MAINTENANCE", "P21D", None, None, None),
        ("pertuzumab", 840.0, "FLAT", "LOADING", None, None, "INTRAVENOUS", "PT60M"),
        ("pertuzumab", 420.0, "FLAT", "MAINTENANCE", "P21D", None, None, None),
    ]
    assert doses_in(SEED_ARM, names)[0].text.startswith("Docetaxel: 75mg/m2")


def test_regimen_without_amount_and_auc_dose() -> None:
    (dose,) = doses_in("Administer by intravenous infusion, with a 21-day treatment cycle.", {"TQB2102": "TQB2102"})
    assert (dose.amount, dose.route, dose.cycle_length) == (None, "INTRAVENOUS", "P21D")
    doses = doses_in("Carboplatin (AUC 5 mg/mL/min; Q3W)", {"carboplatin": "carboplatin"})
    assert [(d.amount, d.unit, d.interval) for d in doses] == [(5.0, "AUC", "P21D")]


@pytest.mark.parametrize(("title", "description", "category", "measure"), [
    ("Maximum Tolerated Dose", "highest daily dose that does not cause overt toxicity", "SAFETY", "MTD"),
    ("Immunogenicity assessment", "positive rate of Anti-drug antibody(ADA)", "IMMUNOGENICITY", "ADA"),
    ("Pharmacokinetics measurement A",
     "According to the serum concentration of B003 … concentration-time.\n\nPeak Plasma Time (Tmax)",
     "PHARMACOKINETICS", "TMAX"),
    ("Therapeutic Efficacy C", "Duration of response(DOR): … until disease progression or death.", "EFFICACY", "DOR"),
    ("Therapeutic Efficacy D", "Progression-free survival:to be defined as …", "EFFICACY", "PFS"),
    ("Overall Survival (OS)", None, "EFFICACY", "OS"),
    ("Change in EORTC QLQ-C30 global health status", None, "QUALITY_OF_LIFE", "QOL"),
    ("Number of participants with treatment-emergent adverse events", None, "SAFETY", "AE"),
    ("Feasibility of recruitment", None, "OTHER", None),
])
def test_outcome_categories(title, description, category, measure) -> None:
    facts = classify_outcome(title, description)
    assert (facts.category, facts.measure) == (category, measure)


@pytest.mark.parametrize(("text", "duration", "qualifier", "start", "end"), [
    ("through study completion, an average of 2 years", "P2Y", "AVERAGE", None, "study completion"),
    ("From day 1 to day 21 of treatment", "P21D", "EXACT", "day 1", "day 21"),
    ("from the date when he patient has CR or PR to the first evaluation until the date when the patient has "
     "disease progression or death, assessed up to 14 months.", "P14M", "UP_TO", None, None),
    ("Baseline, Week 4, Week 8, Week 12", "P84D", "LAST_TIMEPOINT", "baseline", None),
    ("Up to approximately 1.5 years", "P18M", "UP_TO", None, None),
])
def test_time_frames(text, duration, qualifier, start, end) -> None:
    frame = parse_time_frame(text)
    assert (frame.duration, frame.qualifier) == (duration, qualifier)
    if start is not None:
        assert frame.start == start
    if end is not None:
        assert frame.end == end
    assert frame.text == text


def test_condition_facets_and_base() -> None:
    facts = analyse_condition("HER2 Positive Recurrent or Metastatic Breast Cancer")
    assert facts.base == "breast cancer"
    assert set(facts.facets) == {"HER2_POSITIVE", "RECURRENT", "METASTATIC"}
    assert analyse_condition("Breast Tumours").canonical == "breast tumors"
    assert mesh_matches("Breast Cancer", [MeshTerm("D001943", "Breast Neoplasms")]) == [
        (MeshTerm("D001943", "Breast Neoplasms"), False)]


def test_ecog_and_recist() -> None:
    ecog = ecog_range("Age: 18-75 years old; Eastern Cooperative Oncology Group Performance Status "
                      "(ECOG PS) score: 0-1")
    assert (ecog.minimum, ecog.maximum) == (0, 1)
    assert (ecog_range("ECOG performance status ≤ 2").maximum) == 2
    assert recist("Have at least one measurable lesion according to RECIST 1.1 criteria;").version == "1.1"
    assert recist("No prior chemotherapy") is None


def test_geonames_cities() -> None:
    assert geonames_city("Hefei", "CN") == (1808722, "Hefei")
    assert geonames_city("Changsha", "CN")[0] == 1815577  # the prefecture city, not the town of that name
    assert geonames_city("Ürümqi", "CN")[0] == 1529102
    assert geonames_city("Nowhere-on-Nothing", "CN") is None
