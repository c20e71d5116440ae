"""The registry's CSV download (ctg-studies.csv)."""

from __future__ import annotations

from pathlib import Path

import pytest
from parser_helpers import doc_from_bytes, doc_from_path, parse_all

from kg_builder.model import Design, Enrollment, Note, Organization, PartialDate, Reject, Site, Study
from kg_builder.sources.ctgov_csv import iter_records

FIRST = "spikar__llama_parser__ctg-studies.csv"
SECOND = "spikar__llama_parser__ctg-studies2.csv"


def _studies(shared_data: Path, name: str) -> list[Study]:
    results = parse_all(iter_records, doc_from_path(shared_data / "csv" / name))
    assert all(isinstance(r, Study) for r in results), [r for r in results if isinstance(r, Reject)]
    return results  # type: ignore[return-value]


def test_row_counts(shared_data: Path) -> None:
    assert len(_studies(shared_data, FIRST)) == 43
    assert len(_studies(shared_data, SECOND)) == 44


def test_first_row(shared_data: Path) -> None:
    study = _studies(shared_data, FIRST)[0]
    assert study.registry_id == "NCT05249127"
    assert study.provenance.position == "row 2"
    assert study.acronym == "COBRA"
    assert study.org_study_id == "CLP06"
    assert study.overall_status == "COMPLETED"
    assert study.phases == ["PHASE1", "PHASE2"]
    assert study.enrollment == Enrollment(52, None)  # completed: the download does not say
    assert study.design == Design("NA", "SINGLE_GROUP", "DIAGNOSTIC", "NONE")
    assert study.lead_sponsor == Organization("Clarity Pharmaceuticals Ltd", "INDUSTRY")
    assert study.start_date == PartialDate("2022-04-11", "day")
    assert study.has_results is True
    assert [(i.type, i.name) for i in study.interventions] == [("DRUG", "64Cu-SAR-bisPSMA")]
    assert study.sites[0] == Site("Tower Urology", "Los Angeles", "California", "90048", "United States")
    assert len(study.sites) == 5
    assert study.eligibility is not None
    assert (study.eligibility.sex, study.eligibility.std_ages) == ("MALE", ("ADULT", "OLDER_ADULT"))
    primary = [o for o in study.outcomes if o.kind == "primary"]
    assert (primary[0].measure, primary[0].time_frame) == (
        "Safety and Tolerability",
        "up to 7 days post injection",
    )
    assert primary[1].time_frame == "Day 0 (1- 4 hours) post injection"
    assert any(o.kind == "secondary" for o in study.outcomes)
    assert any(n.heading == "Study Documents" for n in study.notes)


def test_spreadsheet_dates_and_extra_columns(shared_data: Path) -> None:
    study = _studies(shared_data, SECOND)[0]
    assert study.registry_id == "NCT03343093"
    assert study.start_date == PartialDate("2019-01-01", "day")  # written 1/1/2019
    assert study.org_study_id == "SPH-2018-26507"
    assert [s.id for s in study.secondary_ids] == ["1R01CA218657-01"]
    assert study.design is not None and study.design.masking == "SINGLE"
    studies = _studies(shared_data, SECOND)
    # Unnamed trailing columns keep their content as notes.
    assert any(n.heading.startswith("column ") for s in studies for n in s.notes)


def test_recruiting_study_has_estimated_enrollment(shared_data: Path) -> None:
    recruiting = [s for s in _studies(shared_data, FIRST) if s.overall_status == "RECRUITING"]
    assert recruiting and all(s.enrollment and s.enrollment.type == "ESTIMATED" for s in recruiting)


HEADER = "Study Title,Conditions,NCT Number,Interventions,Primary Outcome Measures,Locations,Mystery\n"


def test_columns_found_by_name_entities_and_multiline_cells() -> None:
    row = (
        '"Aspirin &amp; Vitamin D","A|B",NCT01234567,"DRUG: X|BIOLOGICAL: Y","OS, Survival\n\nover time, '
        'up to 5 years|PFS, From randomization to progression","Clinic, Paris, 75013, France",42\n'
    )
    (study,) = parse_all(iter_records, doc_from_bytes((HEADER + row).encode()))
    assert isinstance(study, Study)
    assert study.brief_title == "Aspirin & Vitamin D"
    assert study.conditions == ["A", "B"]
    assert [(i.type, i.name) for i in study.interventions] == [("DRUG", "X"), ("BIOLOGICAL", "Y")]
    assert [(o.measure, o.description, o.time_frame) for o in study.outcomes] == [
        ("OS", "Survival\n\nover time", "up to 5 years"),
        ("PFS", None, "From randomization to progression"),
    ]
    assert study.sites == [Site("Clinic", "Paris", None, "75013", "France")]
    assert study.notes == [Note("Mystery", "42")]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "no CSV header"),
        (b"a,b,c\n1,2,3\n", "no CSV header"),
        (HEADER.encode() + b",,,,,,\n,A|B,,,,,\n", "neither"),
    ],
)
def test_bad_content_is_rejected(data: bytes, reason: str) -> None:
    results = parse_all(iter_records, doc_from_bytes(data))
    rejects = [r for r in results if isinstance(r, Reject)]
    assert rejects and reason in rejects[0].reason


def test_bad_nct_number_is_a_warning() -> None:
    (study,) = parse_all(iter_records, doc_from_bytes((HEADER + "T,,NCT123,,,,\n").encode()))
    assert isinstance(study, Study) and study.registry_id is None
    assert any("NCT Number" in w for w in study.warnings)


def test_a_country_name_with_a_comma_stays_whole() -> None:
    from kg_builder.sources.ctgov_csv import _site

    site = _site("Seoul National University Hospital, Seoul, 03080, Korea, Republic of")
    assert (site.facility, site.city, site.zip, site.country) == (
        "Seoul National University Hospital", "Seoul", "03080", "Korea, Republic of")
