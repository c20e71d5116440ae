"""Classic ClinicalTrials.gov XML (<clinical_study>)."""

from __future__ import annotations

from pathlib import Path

import pytest
from parser_helpers import doc_from_bytes, doc_from_path, parse_all, parse_one

from kg_builder.model import Enrollment, Note, Organization, PartialDate, Reject, Study
from kg_builder.sources.ctgov_xml import iter_records
from kg_builder.sources.textblock import unwrap


def _xml(shared_data: Path, nct: str) -> Study:
    return parse_one(iter_records, doc_from_path(shared_data / "ctgov-xml" / f"{nct}.xml"))


def test_every_file_gives_one_study(shared_data: Path) -> None:
    files = sorted((shared_data / "ctgov-xml").glob("*.xml"))
    assert len(files) == 59
    for path in files:
        (study,) = parse_all(iter_records, doc_from_path(path))
        assert isinstance(study, Study), study
        assert study.registry_id == path.stem
        assert not any(w.startswith("parser error") for w in study.warnings)


def test_codes_dates_and_text(shared_data: Path) -> None:
    study = _xml(shared_data, "NCT03377387")
    assert study.phases == ["PHASE1", "PHASE2"]
    assert study.overall_status == "RECRUITING"
    assert study.study_type == "INTERVENTIONAL"
    assert study.start_date == PartialDate("2017-12-13", "day", "ACTUAL")
    assert study.completion_date == PartialDate("2021-12", "month", "ESTIMATED")
    assert study.first_submitted_date == PartialDate("2017-12-14", "day")
    assert study.enrollment == Enrollment(48, "ESTIMATED")  # type="Anticipated"
    assert study.design is not None
    assert (study.design.allocation, study.design.intervention_model, study.design.masking) == (
        "NA",
        "SINGLE_GROUP",
        "NONE",
    )
    assert study.lead_sponsor == Organization("Memorial Sloan Kettering Cancer Center", "OTHER")
    assert study.collaborators == [Organization("Puma Biotechnology, Inc.", "INDUSTRY")]
    # Hard-wrapped textblock unwrapped into one paragraph.
    assert study.brief_summary is not None and "\n" not in study.brief_summary
    assert "the study drug neratinib in combination" in study.brief_summary
    assert study.eligibility is not None and study.eligibility.sex == "FEMALE"
    assert study.eligibility.max_age is None  # "N/A"
    assert study.eligibility.criteria_text is not None
    assert study.eligibility.criteria_text.startswith("Inclusion Criteria:\n\n* Aged ≥18 years")
    assert study.arms[0].intervention_names == (
        "Capecitabine",
        "Neratinib",
        "EORTC QLQ - BR23, EQ-5D-5L, EORTC QLQ-C30",
    )
    assert study.sites[0].contacts[0].name == "Rajani Nadkarni, MD"
    assert study.has_results is False


def test_mesh_terms_without_ids_are_notes(shared_data: Path) -> None:
    study = _xml(shared_data, "NCT03377387")
    assert study.condition_meshes == [] and study.intervention_meshes == []
    assert Note("Condition MeSH terms", "Breast Neoplasms") in study.notes
    assert Note("Intervention MeSH terms", "Capecitabine") in study.notes


def test_month_precision_and_na_phase(shared_data: Path) -> None:
    study = _xml(shared_data, "NCT01220531")
    assert study.start_date == PartialDate("2010-12", "month")
    assert study.overall_status == "AVAILABLE"
    assert study.study_type == "EXPANDED_ACCESS"


def test_redacted_sponsor_is_absent(shared_data: Path) -> None:
    study = _xml(shared_data, "NCT01827488")
    assert study.overall_status == "WITHHELD"
    assert study.lead_sponsor is None
    assert study.phases == ["NA"]
    assert study.study_type is None  # "N/A"
    assert study.start_date == PartialDate("2013-04", "month")


def test_results_and_large_site_list(shared_data: Path) -> None:
    study = _xml(shared_data, "NCT02513394")
    assert len(study.sites) == 233  # this 2020 XML snapshot; the later JSON lists 437


def test_several_studies_in_one_document() -> None:
    one = (
        "<clinical_study><id_info><nct_id>NCT0000000{}</nct_id></id_info>"
        "<brief_title>T{}</brief_title></clinical_study>"
    )
    data = f"<?xml version='1.0'?><search_results>{one.format(1, 1)}{one.format(2, 2)}</search_results>"
    results = parse_all(iter_records, doc_from_bytes(data.encode()))
    assert [(r.registry_id, r.provenance.position) for r in results if isinstance(r, Study)] == [
        ("NCT00000001", "1"),
        ("NCT00000002", "2"),
    ]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<clinical_study><id_info><nct_id>NCT01234567</nct_id>", "not well-formed"),
        (b"<other/>", "no <clinical_study>"),
        (b"<clinical_study><brief_title>x</brief_title></clinical_study>", "nct_id"),
        (b"", "not well-formed"),
    ],
)
def test_bad_documents_are_rejected(data: bytes, reason: str) -> None:
    results = parse_all(iter_records, doc_from_bytes(data))
    assert results and isinstance(results[-1], Reject)
    assert reason in results[-1].reason


def test_unwrap_keeps_paragraphs_and_nested_items() -> None:
    text = """
        Inclusion Criteria:

          -  first item wrapped
             over two lines

          -  second item
             1. nested one
             2. nested two

        A closing paragraph
        wrapped.
    """
    assert unwrap(text, star_bullets=True) == (
        "Inclusion Criteria:\n\n* first item wrapped over two lines\n* second item\n"
        "   1. nested one\n   2. nested two\n\nA closing paragraph wrapped."
    )
    assert unwrap("   ") is None
