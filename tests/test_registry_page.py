"""The registry web-page seed layout."""

from __future__ import annotations

from pathlib import Path

import pytest
from parser_helpers import doc_from_bytes, doc_from_path, parse_all, parse_one

from kg_builder.model import Age, Design, Enrollment, Note, Organization, PartialDate, Reject, Study
from kg_builder.sources.registry_page import iter_records

SEED = Path(__file__).resolve().parents[1] / "examples" / "seeds" / "003_c8558dee60771390.txt"


@pytest.fixture(scope="module")
def study() -> Study:
    return parse_one(iter_records, doc_from_path(SEED))


def test_identification_and_status(study: Study) -> None:
    assert study.registry_id == "NCT07003074"
    assert study.org_study_id == "TQB2102-III-06"
    assert study.secondary_ids == []
    assert study.brief_title is not None and study.brief_title.startswith(
        "A Clinical Study of TQB2102 Versus"
    )
    assert study.phases == ["PHASE3"]
    assert study.overall_status == "RECRUITING"
    assert study.study_type == "INTERVENTIONAL"
    assert study.has_results is False  # "Results pending"


def test_enrollment_is_estimated_because_still_recruiting(study: Study) -> None:
    assert study.enrollment == Enrollment(642, "ESTIMATED")


def test_dates(study: Study) -> None:
    assert study.start_date == PartialDate("2025-06-23", "day")
    assert study.completion_date == PartialDate("2030-07-31", "day")
    assert study.last_update_posted_date == PartialDate("2025-06-25", "day")


def test_design(study: Study) -> None:
    assert study.design == Design("RANDOMIZED", "PARALLEL", "TREATMENT", "NONE")


def test_texts_exclude_the_site_explanations(study: Study) -> None:
    assert study.brief_summary is not None and study.brief_summary.startswith("This Phase III trial adopts")
    assert study.detailed_description is None  # empty section: only the site's explanation
    assert study.conditions == ["Breast Cancer"]


def test_arms_linked_to_interventions(study: Study) -> None:
    assert [(a.label, a.type, a.intervention_names) for a in study.arms] == [
        ("TQB2102 for Injection", "EXPERIMENTAL", ("TQB2102 for Injection",)),
        (
            "Docetaxel combined + Trastuzumab +Pertuzumab",
            "ACTIVE_COMPARATOR",
            ("Docetaxel combined + Trastuzumab +Pertuzumab",),
        ),
    ]
    assert study.arms[0].description == "Administer by intravenous infusion, with a 21-day treatment cycle."
    assert study.arms[1].description is not None and study.arms[1].description.startswith(
        "Docetaxel: 75mg/m2"
    )
    assert [(i.name, i.type, i.arm_labels) for i in study.interventions] == [
        ("TQB2102 for Injection", "DRUG", ("TQB2102 for Injection",)),
        (
            "Docetaxel combined + Trastuzumab +Pertuzumab",
            "DRUG",
            ("Docetaxel combined + Trastuzumab +Pertuzumab",),
        ),
    ]
    assert study.interventions[0].description is not None
    assert study.interventions[0].description.startswith("TQB2102 is a next-generation HER2 Antibody-Drug")
    assert study.interventions[1].description == "Positive control."


def test_eligibility(study: Study) -> None:
    elig = study.eligibility
    assert elig is not None
    assert (elig.min_age, elig.max_age) == (Age(18, "years"), Age(75, "years"))
    assert elig.sex == "ALL" and elig.healthy_volunteers is False
    assert elig.criteria_text is not None and elig.criteria_text.startswith("Inclusion Criteria\n")  # as written
    assert "Check the participation requirements" not in elig.criteria_text
    assert "quantification>1.0 g" in elig.criteria_text  # CommonMark escape undone, as in JSON


def test_criteria_split_with_groups(study: Study) -> None:
    elig = study.eligibility
    assert elig is not None
    if not elig.criteria:
        pytest.skip("kg_builder.sources.eligibility_text.split_criteria not available")
    assert len(elig.inclusion) == 8
    assert elig.inclusion[0].text == "Subjects voluntarily enrolled in this study with good compliance"
    groups = [c.group for c in elig.exclusion]
    assert groups.count("Combined diseases and medical history") == 21
    assert groups.count("Tumor related symptoms and treatment") == 4
    assert groups.count("Research treatment related") == 4
    assert len(elig.exclusion) == 3 + 21 + 1 + 4 + 1 + 4 + 1
    assert elig.exclusion[-1].text.startswith("According to the researcher's judgment")


def test_sponsor(study: Study) -> None:
    assert study.lead_sponsor == Organization(
        "Chia Tai Tianqing Pharmaceutical Group Nanjing Shunxin Pharmaceutical Co., Ltd.", "INDUSTRY"
    )
    assert study.collaborators == []


def test_sites_with_their_facility_contacts(study: Study) -> None:
    assert len(study.sites) == 25
    assert len({s.facility for s in study.sites}) == 23
    assert {s.country for s in study.sites} == {"China"}
    first, last = study.sites[0], study.sites[-1]
    assert (first.facility, first.city, first.state, first.status) == (
        "Anhui Provincial Cancer Hospital",
        "Hefei",
        "Anhui",
        "NOT_YET_RECRUITING",
    )
    assert (last.city, last.state) == ("Ürümqi", "Xinjiang")
    hunan = next(s for s in study.sites if s.facility == "Hunan Cancer Hospital")
    assert hunan.status == "RECRUITING"
    assert all(len(s.contacts) == 1 for s in study.sites)
    assert first.contacts[0].name == "Shikai Hong, Doctor"
    assert (first.contacts[0].role, first.contacts[0].phone) == ("primary", "18963789035")
    assert hunan.contacts[0].name == "Quchang OuYang, Doctor"
    assert last.contacts[0].name == "Bing Zhao, Doctor"


def test_central_contacts_kept_by_parser(study: Study) -> None:
    assert [(c.name, c.role, c.phone) for c in study.central_contacts] == [
        ("Zhimin Shao, Doctor", "CONTACT", "18017312288"),
        ("Yongmei Yin, Doctor", "CONTACT", "13951842727"),
    ]


def test_unknown_headings_become_notes(study: Study) -> None:
    assert Note("Responsible Party", "Responsibility Role SPONSOR") in study.notes
    page = SEED.read_text(encoding="utf-8").replace(
        "Sponsors\n", "Funding Details\n\nReview how this study is funded.\n\nGrant 123\n\nSponsors\n", 1
    )
    other = parse_one(iter_records, doc_from_bytes(page.encode("utf-8")))
    assert Note("Funding Details", "Grant 123") in other.notes
    assert other.lead_sponsor == study.lead_sponsor


def test_mismatched_facility_contacts_are_not_attached() -> None:
    page = SEED.read_text(encoding="utf-8").replace("Bing Zhao, Doctor\n\nRole: primary\n\n13899908184", "")
    other = parse_one(iter_records, doc_from_bytes(page.encode("utf-8")))
    assert all(not s.contacts for s in other.sites)
    assert any("facility contacts" in w for w in other.warnings)


def test_page_cut_in_half_still_parses_what_it_has() -> None:
    data = SEED.read_bytes()
    results = parse_all(iter_records, doc_from_bytes(data[: len(data) // 2]))
    assert len(results) == 1
    study = results[0]
    assert isinstance(study, Study) and study.registry_id == "NCT07003074"


@pytest.mark.parametrize("data", [b"", b"hello\nworld\n", "Überschrift\n\nText".encode()])
def test_not_a_page_is_rejected(data: bytes) -> None:
    (result,) = parse_all(iter_records, doc_from_bytes(data))
    assert isinstance(result, Reject) and result.reason
