"""Outcome-cell failure classes, on entries written for each class (not copied from records).

An entry is ``title, description, time frame`` joined by ", " with absent parts left out, and
every part may hold commas: time frames that are lists or schedules, descriptions that are
lists, titles that end in a list, lower-case descriptions, entries that only make sense next
to their neighbours in the cell, and true ambiguity (a warning, not a silent guess).
"""

from __future__ import annotations

import pytest

from kg_builder.model import Outcome
from kg_builder.sources.flat_record import parse_flat_text
from kg_builder.sources.outcome_text import split_outcome, split_outcome_cell


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        # Time frames that are visit lists, "A)" lists, schedules, durations, "up to", study completion.
        ("HbA1c, Glycated haemoglobin measured by the central laboratory., Baseline, Delivery, "
         "Within one week after discharge, 6 weeks",
         ("HbA1c", "Glycated haemoglobin measured by the central laboratory.",
          "Baseline, Delivery, Within one week after discharge, 6 weeks")),
        ("Pain score, Visual analogue scale from 0 to 10., A) Day 1, B) Day 7, C) Day 30",
         ("Pain score", "Visual analogue scale from 0 to 10.", "A) Day 1, B) Day 7, C) Day 30")),
        ("Exposure, Plasma levels of the drug., Day 1 of Cycles 1, 2, and 4 (each cycle is 21 days)",
         ("Exposure", "Plasma levels of the drug.", "Day 1 of Cycles 1, 2, and 4 (each cycle is 21 days)")),
        ("Weight change, Change in body weight from baseline., Weekly for 12 weeks",
         ("Weight change", "Change in body weight from baseline.", "Weekly for 12 weeks")),
        ("Tumour response, Assessed by the investigator per RECIST 1.1., Every 8 weeks until progression, "
         "assessed up to 3 years",
         ("Tumour response", "Assessed by the investigator per RECIST 1.1.",
          "Every 8 weeks until progression, assessed up to 3 years")),
        ("Quality of life, EORTC QLQ-C30 global score., through study completion, an average of 18 months",
         ("Quality of life", "EORTC QLQ-C30 global score.", "through study completion, an average of 18 months")),
        ("Viral load, Copies per mL in plasma. Measured centrally., 90 days, 6 months, 12 months, 18 months",
         ("Viral load", "Copies per mL in plasma. Measured centrally.", "90 days, 6 months, 12 months, 18 months")),
        ("PK, Plasma concentration of the study drug, Samples collected pre-dose, and 1, 2, 4 hours post-dose",
         ("PK", "Plasma concentration of the study drug", "Samples collected pre-dose, and 1, 2, 4 hours post-dose")),
        ("Symptom diary, Patient-reported nasal symptoms, daily for 2 weeks before Week 0, and at Weeks 4, 8",
         ("Symptom diary", "Patient-reported nasal symptoms", "daily for 2 weeks before Week 0, and at Weeks 4, 8")),
        ("Overall survival, Up to 5 years", ("Overall survival", None, "Up to 5 years")),
        ("Cord blood zinc, at birth", ("Cord blood zinc", None, "at birth")),
        ("Response rate, Proportion of responders., Assessed every 6 weeks up to 1 year",
         ("Response rate", "Proportion of responders.", "Assessed every 6 weeks up to 1 year")),
        ("Time to relapse, From randomisation until relapse, withdrawal, or death (whichever occurs first), "
         "(approximately up to 4 years)",
         ("Time to relapse", None, "From randomisation until relapse, withdrawal, or death (whichever occurs "
          "first), (approximately up to 4 years)")),
        # A description that is itself a list.
        ("Immune cell subsets, CD19, CD20, CD27, IgD, 12 weeks",
         ("Immune cell subsets", "CD19, CD20, CD27, IgD", "12 weeks")),
        # Titles ending in a list, or going on in lower case.
        ("Rates of AE, SAE, and AESI, Events graded by CTCAE v5.0., Up to 30 days after the last dose",
         ("Rates of AE, SAE, and AESI", "Events graded by CTCAE v5.0.", "Up to 30 days after the last dose")),
        ("Change in FEV1, FVC, and FEV1/FVC, Weeks 4, 8, and 12",
         ("Change in FEV1, FVC, and FEV1/FVC", None, "Weeks 4, 8, and 12")),
        ("Response rate, defined as complete or partial response, Response per RECIST 1.1 read centrally., "
         "Up to 2 years",
         ("Response rate, defined as complete or partial response", "Response per RECIST 1.1 read centrally.",
          "Up to 2 years")),
        ("Abnormal laboratory values, including haematology, chemistry, and urinalysis., 26 weeks",
         ("Abnormal laboratory values, including haematology, chemistry, and urinalysis.", None, "26 weeks")),
        # A description that restates its title.
        ("Serum ferritin, transferrin, Serum ferritin, transferrin and iron measured fasting., Week 24",
         ("Serum ferritin, transferrin", "Serum ferritin, transferrin and iron measured fasting.", "Week 24")),
        # Lower-case descriptions.
        ("Trough level, the concentration just before the morning dose., Day 14",
         ("Trough level", "the concentration just before the morning dose.", "Day 14")),
    ],
)
def test_entry_classes(entry: str, expected: tuple[str, str | None, str | None]) -> None:
    outcome = split_outcome(entry, "primary")
    assert outcome is not None
    assert (outcome.measure, outcome.description, outcome.time_frame) == expected


def test_neighbours_decide_a_repeated_title() -> None:
    cell = ("Biomarkers, levels of CD3+ and CD8+ cells, 1 year|Biomarkers, expression of PD-1, LAG-3 and TIM-3, "
            "1 year|Biomarkers, frequency of regulatory cells, in tumour lesions, 1 year")
    got = [(o.measure, o.description, o.time_frame) for o in split_outcome_cell(cell, "secondary")]
    assert got == [("Biomarkers", "levels of CD3+ and CD8+ cells", "1 year"),
                   ("Biomarkers", "expression of PD-1, LAG-3 and TIM-3", "1 year"),
                   ("Biomarkers", "frequency of regulatory cells, in tumour lesions", "1 year")]


def test_a_truly_ambiguous_entry_is_a_warning() -> None:
    warnings: list[str] = []
    (outcome,) = split_outcome_cell("Adverse event incidence, from the start of dosing to day 15 after "
                                    "infusion, 15 days", "primary", warnings)
    assert outcome.measure == "Adverse event incidence"
    assert len(warnings) == 1 and "uncertain" in warnings[0] and "Adverse event incidence" in warnings[0]


def test_clear_entries_give_no_warning() -> None:
    warnings: list[str] = []
    split_outcome_cell("Overall survival, Death from any cause., Up to 5 years|PFS, Up to 3 years", "primary",
                       warnings)
    assert warnings == []


def test_many_pieces_stay_linear() -> None:
    # The scoring tries a bounded number of title ends and time-frame starts.
    entry = "T, " + ", ".join(["CD4"] * 50000) + ", Week 4"
    outcome = split_outcome(entry)
    assert outcome is not None and outcome.measure == "T" and outcome.time_frame == "Week 4"


def test_flat_record_outcomes_are_primary_and_an_observational_record_builds() -> None:
    text = ("A Cohort Study of Sleep in Night-shift Nurses\n"
            "This cohort follows nurses for one year.\n\nSleep is recorded with wrist devices.\n"
            "Sleep Disorder|Shift-Work Sleep Disorder\n"
            "\n"
            "Total sleep time, Minutes of sleep per night., 12 months|Sleep efficiency, 12 months\n")
    study = parse_flat_text(text, "cohort.txt", "0")
    assert not hasattr(study, "reason"), study
    assert study.brief_summary == "This cohort follows nurses for one year.\n\nSleep is recorded with wrist devices."
    assert study.conditions == ["Sleep Disorder", "Shift-Work Sleep Disorder"]
    assert study.interventions == []
    assert study.outcomes == [Outcome("primary", "Total sleep time", "Minutes of sleep per night.", "12 months"),
                              Outcome("primary", "Sleep efficiency", None, "12 months")]


def test_observational_flat_record_builds_detected_or_forced(tmp_path) -> None:
    from kg_builder.build import build

    text = ("Sleep in Night-shift Nurses\nThis cohort follows nurses for one year and records their sleep.\n"
            "Sleep Disorder\n\nTotal sleep time, Minutes of sleep per night., 12 months\n")
    path = tmp_path / "cohort.txt"
    path.write_text(text, encoding="utf-8")
    for forced in (None, "flat-record"):
        report = build([path], tmp_path / f"store-{forced}", format=forced, validate=False)
        assert (report.read, report.built, report.rejected) == (1, 1, 0), report.rejects
