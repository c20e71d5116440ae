"""Qualified eligibility headings: the failure class, on headings written for it.

Headings with a phase, part, cohort or population qualifier before or after the kind, in
parentheses or emphasis, "Key", "non-inclusion" (= exclusion), and sentences that introduce
the criteria all switch the kind; sentences that merely mention criteria do not. No
criterion is dropped.
"""

from __future__ import annotations

import pytest

from kg_builder.sources.eligibility_text import _heading_kind, split_criteria

EXCLUSION = [
    "Part 2 Key Exclusion Criteria:",
    "Dose Expansion Main Exclusion Criteria",
    "Exclusion criteria (healthy volunteers)",
    "Exclusion Criteria \u2013 Dose Escalation Part:",
    "**Exclusion Criteria (Part B):**",
    "(Exclusion criteria)",
    "[Non-inclusion criteria]",
    "Non inclusion criteria:",
    "NON-INCLUSION CRITERIA",
    "Criteria for non-inclusion",
    "Caregiver Exclusion Criteria for the home-care arm",
    "* Exclusion criteria for cohort 3:",
    "Participants will be excluded if they meet any of the following criteria:",
    "Subjects meeting one of these criteria are not eligible:",
    "Key exclusions:",
]
INCLUSION = [
    "Cohort B - Inclusion criteria",
    "KEY INCLUSION CRITERIA",
    "Inclusion Criteria specific to Arm C:",
    "Parent Inclusion Criteria for the paediatric sub-study",
    "Phase 2 (expansion) inclusion criteria:",
    "Patients must meet all of the following inclusion criteria:",
    "Eligibility Criteria for Part 1:",
    "Inclusion:",
]
NOT_HEADINGS = [
    "Meets the inclusion criteria of the parent study",
    "Exclusion criteria of the parent study apply.",
    "Note: Other inclusion and exclusion criteria apply.",
    "Inclusion and exclusion criteria:",
    "Exclusion of patients with a prior transplant",
    "Has any condition listed in the exclusion criteria of protocol X",
    "Eligibility:",
]


@pytest.mark.parametrize("line", EXCLUSION)
def test_exclusion_headings(line: str) -> None:
    assert _heading_kind(line) == ("exclusion", "")


@pytest.mark.parametrize("line", INCLUSION)
def test_inclusion_headings(line: str) -> None:
    assert _heading_kind(line) == ("inclusion", "")


@pytest.mark.parametrize("line", NOT_HEADINGS)
def test_sentences_and_items_are_not_headings(line: str) -> None:
    assert _heading_kind(line) is None


def test_inline_text_after_a_qualified_heading() -> None:
    assert _heading_kind("Cohort A exclusion criteria: prior anti-CD20 therapy") == (
        "exclusion", "prior anti-CD20 therapy")


def test_qualified_headings_file_every_criterion_under_its_kind() -> None:
    text = ("Phase 1a Key Inclusion Criteria:\n\n* Adults\n* Signed consent\n\n"
            "Phase 1a Key Exclusion Criteria:\n\n* Pregnancy\n\n"
            "(Non inclusion criteria for the sibling donors)\n\n1. Active infection\n2. Anaemia\n\n"
            "Sibling Inclusion Criteria - donor cohort:\n\n- HLA match")
    got = [(c.kind, c.text) for c in split_criteria(text)]
    assert got == [("inclusion", "Adults"), ("inclusion", "Signed consent"), ("exclusion", "Pregnancy"),
                   ("exclusion", "Active infection"), ("exclusion", "Anaemia"), ("inclusion", "HLA match")]


def test_a_long_line_is_not_scanned_as_a_heading() -> None:
    line = "Exclusion criteria " + "x " * 200
    assert _heading_kind(line) is None


def test_long_text_after_the_colon_is_the_first_criterion() -> None:
    first = "Adults aged 18 or over " * 12
    assert _heading_kind(f"Inclusion Criteria:{first}") == ("inclusion", first.strip())
