"""split_criteria and unescape_commonmark on real and hand-written eligibility text."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg_builder.model import Criterion
from kg_builder.sources.eligibility_text import split_criteria, unescape_commonmark

SEED = "003_c8558dee60771390.txt"


def _seed_criteria(shared_data: Path) -> str:
    path = shared_data.parent / "seeds" / SEED
    if not path.is_file():
        pytest.skip(f"seed {path} not found")
    text = path.read_text(encoding="utf-8")
    start = text.index("Inclusion Criteria\n")
    end = text.index("Minimum Eligible Age")
    return unescape_commonmark(text[start:end])


def test_seed_counts_and_groups(shared_data: Path) -> None:
    criteria = split_criteria(_seed_criteria(shared_data))
    inclusion = [c for c in criteria if c.kind == "inclusion"]
    exclusion = [c for c in criteria if c.kind == "exclusion"]
    assert len(inclusion) == 8
    assert all(c.group is None for c in inclusion)
    assert inclusion[0].text == "Subjects voluntarily enrolled in this study with good compliance"
    # 3 top-level + 21 under "Combined…" + 1 + 4 + 1 + 4 + final item = 35
    assert len(exclusion) == 35
    top = [c.text for c in exclusion if c.group is None]
    assert top == [
        "It is known that there is spinal cord compression or active central nervous system metastasis;",
        "Subjects with only skin and/or brain lesions as target lesions",
        "Combined diseases and medical history",
        "Tumor related symptoms and treatment",
        "Research treatment related",
        "According to the researcher's judgment, there are situations that seriously endanger the safety of "
        "the subjects or affect their ability to complete the study.",
    ]
    groups = {g: sum(c.group == g for c in exclusion) for g in top}
    assert groups["Combined diseases and medical history"] == 21
    assert groups["Tumor related symptoms and treatment"] == 4
    assert groups["Research treatment related"] == 4
    combined = [c for c in exclusion if c.group == "Combined diseases and medical history"]
    assert combined[0].text.startswith("Have had or currently have other malignant tumors")
    assert combined[-1].text.startswith("Individuals with a history of abuse of psychotropic drugs")
    # escapes undone before splitting: "\>1.0 g" reads ">1.0 g"
    assert any(c.text.endswith("quantification>1.0 g") for c in combined)


def test_headings_vary() -> None:
    text = (
        "Key Inclusion Criteria:\n\n* a\n* b\n\nKEY EXCLUSION CRITERIA\n\n- c\n\n"
        "Inclusion criteria:\n\n• d\n\nExclusion Criteria for all groups:\n\n1) e\n2) f"
    )
    got = [(c.kind, c.text) for c in split_criteria(text)]
    assert got == [
        ("inclusion", "a"), ("inclusion", "b"), ("exclusion", "c"),
        ("inclusion", "d"), ("exclusion", "e"), ("exclusion", "f"),
    ]


def test_heading_with_bullet_and_inline_text() -> None:
    assert split_criteria("* INCLUSION CRITERIA:\n* a\n\nEXCLUSION CRITERIA:\n\n- b") == (
        Criterion("inclusion", "a"), Criterion("exclusion", "b"),
    )
    assert split_criteria("Inclusion Criteria:Age 1-13\n\nExclusion Criteria:No drug.\n\n-") == (
        Criterion("inclusion", "Age 1-13"), Criterion("exclusion", "No drug."),
    )


def test_item_mentioning_criteria_is_not_a_heading() -> None:
    got = split_criteria("Inclusion Criteria:\n* Other protocol defined inclusion criteria may apply\n"
                         "Exclusion Criteria:\n* Other protocol defined exclusion criteria may apply")
    assert [c.kind for c in got] == ["inclusion", "exclusion"]


def test_indented_nesting_and_continuations() -> None:
    text = (
        "Inclusion Criteria:\n\n"
        "* Age<60 years with any of the following:\n\n"
        "  * Secondary AML\n"
        "  * Poor risk\n    cytogenetics\n"
        "* ECOG 0-2\n"
        "continued lazily\n\n"
        "  still the same item\n"
        "Exclusion Criteria:\n\n"
        "1. Pregnancy\n"
        "   a. nursing\n"
    )
    assert split_criteria(text) == (
        Criterion("inclusion", "Age<60 years with any of the following:"),
        Criterion("inclusion", "Secondary AML", "Age<60 years with any of the following:"),
        Criterion("inclusion", "Poor risk cytogenetics", "Age<60 years with any of the following:"),
        Criterion("inclusion", "ECOG 0-2 continued lazily still the same item"),
        Criterion("exclusion", "Pregnancy"),
        Criterion("exclusion", "nursing", "Pregnancy"),
    )


def test_intro_paragraph_groups_items_and_is_not_a_criterion() -> None:
    text = (
        "Inclusion Criteria:\n\nFor parent participants:\n\n* a\n* b\n\n"
        "Exclusion Criteria:\n\nPregnant women"
    )
    assert split_criteria(text) == (
        Criterion("inclusion", "a", "For parent participants"),
        Criterion("inclusion", "b", "For parent participants"),
        Criterion("exclusion", "Pregnant women"),
    )


def test_crlf_and_preamble() -> None:
    text = "Check the requirements below.\r\n\r\nInclusion Criteria:\r\n\r\n* a\r\n* b\r\n"
    assert split_criteria(text) == (Criterion("inclusion", "a"), Criterion("inclusion", "b"))


def test_no_headings() -> None:
    assert split_criteria("Patients aged 18+\n\nSigned consent") == (
        Criterion("inclusion", "Patients aged 18+"), Criterion("inclusion", "Signed consent"),
    )
    # Kinds cannot be told apart when the text talks about exclusion without headings.
    assert split_criteria("* Adults\n* Pregnancy is an exclusion") == ()
    assert split_criteria("") == ()
    assert split_criteria("   \n\n") == ()


def test_all_real_records_split(shared_data: Path) -> None:
    import json

    files = sorted((shared_data / "ctgov-json").glob("*.json"))
    with_both = 0
    for path in files:
        module = json.loads(path.read_bytes())["protocolSection"].get("eligibilityModule", {})
        text = unescape_commonmark(module.get("eligibilityCriteria", ""))
        criteria = split_criteria(text)
        assert all(c.text and c.text == c.text.strip() for c in criteria), path.name
        if {c.kind for c in criteria} == {"inclusion", "exclusion"}:
            with_both += 1
    assert with_both >= len(files) - 10


@pytest.mark.parametrize(
    ("escaped", "plain"),
    [
        (r"Age \>= 18", "Age >= 18"),
        (r"450 mg/m\^2", "450 mg/m^2"),
        (r"\[a\] \*b\* \_c\_ \# \\ \<", r"[a] *b* _c_ # \ <"),
        (r"C:\path\to \d", r"C:\path\to \d"),  # backslash before a letter is no escape
        ("≥ 1.0 g\\≥", "≥ 1.0 g\\≥"),  # nor before non-ASCII punctuation
        ("no escapes", "no escapes"),
    ],
)
def test_unescape_commonmark(escaped: str, plain: str) -> None:
    assert unescape_commonmark(escaped) == plain
