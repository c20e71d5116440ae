"""The flattened line-per-field seed layout."""

from __future__ import annotations

from pathlib import Path

import pytest
from parser_helpers import doc_from_bytes, doc_from_path, parse_all, parse_one

from kg_builder.model import Reject, Study
from kg_builder.sources.flat_record import iter_records

SEED = "000_f1fdf13170af0f92.txt"
PK_DESCRIPTION = (
    "According to the detection of the serum concentration of B003 in plasma sample, the diagram of drug "
    "concentration-time for individual and each dose group could be concluded."
)
TWO_YEARS = "through study completion, an average of 2 years"
TWO_YEAR = "through study completion, an average of 2 year"
EFFICACY_AB = (
    "from date of start from the infusion of the first subject until the date after two treatments of the "
    "last subject, assessed up to 14 months."
)
EFFICACY_CD = (
    "from the date when he patient has CR or PR to the first evaluation until the date when the patient has "
    "disease progression or death, assessed up to 14 months."
)
EXPECTED = [
    ("Maximum Tolerated Dose", TWO_YEARS),
    ("Dose-Limiting Toxicity", "From day 1 to day 21 of treatment"),
    ("Immunogenicity assessment", TWO_YEARS),
    ("Titer of ADA positive sample", TWO_YEARS),
    ("Pharmacokinetics measurement A", TWO_YEAR),
    ("Pharmacokinetics measurement B", TWO_YEAR),
    ("Pharmacokinetics measurement C", TWO_YEAR),
    ("Pharmacokinetics measurement D", TWO_YEAR),
    ("Pharmacokinetics measurement E", TWO_YEAR),
    ("Pharmacokinetics measurement F", TWO_YEAR),
    ("Pharmacokinetics measurement G", TWO_YEAR),
    ("Therapeutic Efficacy A", EFFICACY_AB),
    ("Therapeutic Efficacy B", EFFICACY_AB),
    ("Therapeutic Efficacy C", EFFICACY_CD),
    ("Therapeutic Efficacy D", EFFICACY_CD),
]


@pytest.fixture(scope="module")
def study() -> Study:
    path = Path(__file__).resolve().parents[1] / "examples" / "seeds" / SEED
    return parse_one(iter_records, doc_from_path(path))


def test_title_summary_condition(study: Study) -> None:
    assert study.brief_title == "B003 in Patients With HER2-positive Recurrent or Metastatic Breast Cancer"
    assert study.brief_summary is not None
    assert study.brief_summary.startswith("To assess the safety and tolerability characteristics of B003")
    assert study.brief_summary.endswith("the maximum tolerated dose (MTD) is explored.")
    assert study.conditions == ["HER2-positive Breast Cancer"]
    assert study.registry_id is None  # the layout has none
    assert study.provenance.format == "flat-record"


def test_intervention_keeps_registered_name_and_code_name(study: Study) -> None:
    # The name stays as registered (same value as the JSON/XML/CSV of this study would give);
    # the R&D code is an other name, so "B003" is still found.
    (item,) = study.interventions
    assert item.type == "BIOLOGICAL"
    assert (
        item.name
        == "Recombinant anti-HER2 humanized monoclonal antibody conjugate for injection.R&D code: B003."
    )
    assert item.other_names == ("B003",)


def test_all_fifteen_outcomes_titles_and_time_frames(study: Study) -> None:
    assert [(o.measure, o.time_frame) for o in study.outcomes] == EXPECTED
    assert {o.kind for o in study.outcomes} == {"primary"}  # the "Primary Outcome Measures" column


def test_descriptions(study: Study) -> None:
    by_title = {o.measure: o for o in study.outcomes}
    assert by_title["Maximum Tolerated Dose"].description == (
        "The maximum tolerated dose (MTD) is operationally defined in toxicology as the highest daily dose "
        "of a chemical that does not cause overt toxicity in subjects"
    )
    assert by_title["Dose-Limiting Toxicity"].description == (
        "Some of the major toxic side effects are the main reasons limiting the continued increase in the "
        "dose of chemotherapy drugs, which are the dose-limiting toxicity of chemotherapy drugs."
    )
    # The blank-line-separated paragraph naming the PK parameter belongs to the description.
    assert (
        by_title["Pharmacokinetics measurement A"].description
        == PK_DESCRIPTION + "\n\nPeak Plasma Time (Tmax)"
    )
    assert (
        by_title["Pharmacokinetics measurement G"].description == PK_DESCRIPTION + "\n\nclearance rate(CL/F)"
    )
    assert all(o.description for o in study.outcomes)


def test_trailing_summary_line_creates_no_junk(study: Study) -> None:
    # The file's last line repeats the summary; it must not leak into the last outcome.
    assert study.outcomes[-1].time_frame == EFFICACY_CD
    assert all("To assess the safety" not in (o.description or "") for o in study.outcomes)
    assert study.notes == [] and study.warnings == []


def test_multi_line_summary_does_not_shift_columns() -> None:
    text = (
        b"Title\nSummary one.\n\nSummary two.\nCond A|Cond B\nDRUG: X|DRUG: Y\nOS, Survival, up to 5 years\n"
    )
    study = parse_one(iter_records, doc_from_bytes(text))
    assert study.brief_summary == "Summary one.\n\nSummary two."
    assert study.conditions == ["Cond A", "Cond B"]
    assert [i.name for i in study.interventions] == ["X", "Y"]
    assert study.outcomes[0].time_frame == "up to 5 years"


@pytest.mark.parametrize("data", [b"", b"\n\n", b"just one line", b"a\nb\nc\nd\ne"])
def test_not_a_flat_record_is_rejected_with_reason(data: bytes) -> None:
    (result,) = parse_all(iter_records, doc_from_bytes(data))
    assert isinstance(result, Reject) and result.reason and result.format == "flat-record"
