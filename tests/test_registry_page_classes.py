"""Registry page failure classes, on pages written for each class (not copies of real records).

Sites: a completed study's sites have no status line; each facility must keep its own
place, none may be lost, and what cannot be read is a warning. Arms: descriptions and
interventions' repeated descriptions must not be read as labels. Criteria headings stay as
written.
"""

from __future__ import annotations

from kg_builder.enrich.facts import arm_links
from kg_builder.model import Study
from kg_builder.sources.registry_page import parse_page_text

_EXPLAIN = {
    "Basic Information": "Get a concise snapshot of the trial, including recruitment status.",
    "Study Groups": "Review each arm or cohort in the study, along with the interventions.",
    "Interventions": "Learn about the drugs, procedures, or behavioral strategies being tested in this trial.",
    "Eligibility Criteria": "Check the participation requirements, including inclusion and exclusion rules.",
    "Locations": "Explore where the study is taking place and check the recruitment status at each site.",
    "Brief Summary": "Review the sponsor-provided synopsis that highlights what the study is about.",
    "Detailed Description": "Dive into the extended narrative that explains the study in greater depth.",
    "Conditions": "See the medical conditions and disease areas that this research is targeting.",
    "Study Design": "Understand how the trial is structured, including allocation methods.",
}


def page(**sections: list[str]) -> Study:
    """A page with the given sections (heading → its non-blank lines), read back."""
    out = ["A Made-up Study of Something", "NCT ID: NCT09999999", "Basic Information",
           _EXPLAIN["Basic Information"], "Recruitment Status", "COMPLETED"]
    for key, lines in sections.items():
        heading = key.replace("_", " ")
        out += [heading, _EXPLAIN[heading], *lines]
    study = parse_page_text("\n\n".join(out) + "\n", "page.txt", "0")
    assert isinstance(study, Study), study
    return study


def places(study: Study) -> list[tuple[str | None, str | None, str | None, str | None]]:
    return [(s.facility, s.city, s.country, s.status) for s in study.sites]


def test_sites_without_status_lines_each_keep_their_own_city() -> None:
    study = page(Locations=["North Valley Clinic", "Springfield, Ohio, United States",
                            "Lakeside Medical Centre", "Lyon, France",
                            "Hospital Universitario Sur", "Sevilla, Andalusia, Spain",
                            "Ostkrankenhaus", "Dresden, Saxony, Germany"])
    assert places(study) == [
        ("North Valley Clinic", "Springfield", "United States", None),
        ("Lakeside Medical Centre", "Lyon", "France", None),
        ("Hospital Universitario Sur", "Sevilla", "Spain", None),
        ("Ostkrankenhaus", "Dresden", "Germany", None),
    ]
    assert study.sites[0].state == "Ohio"
    assert study.warnings == []


def test_status_lines_on_some_sites_only() -> None:
    study = page(Locations=["Site One Hospital", "Ghent, Belgium", "Site Status RECRUITING",
                            "Site Two Hospital", "Leuven, Belgium",
                            "Site Three Hospital", "Namur, Belgium", "Site Status WITHDRAWN"])
    assert places(study) == [("Site One Hospital", "Ghent", "Belgium", "RECRUITING"),
                             ("Site Two Hospital", "Leuven", "Belgium", None),
                             ("Site Three Hospital", "Namur", "Belgium", "WITHDRAWN")]


def test_sites_without_a_facility_line() -> None:
    # Old records name only the place; several such sites may follow each other.
    study = page(Locations=["Tartu, Estonia", "Parnu, Estonia", "Riverside Oncology Institute",
                            "Tallinn, Estonia", "Narva, Estonia"])
    assert places(study) == [(None, "Tartu", "Estonia", None), (None, "Parnu", "Estonia", None),
                             ("Riverside Oncology Institute", "Tallinn", "Estonia", None),
                             (None, "Narva", "Estonia", None)]


def test_facility_name_ending_in_a_country_before_its_place() -> None:
    study = page(Locations=["First Teaching Hospital, Medical School, Some University, Norway",
                            "Bergen, Vestland, Norway", "Coastal Clinic", "Oslo, Norway"])
    assert places(study) == [
        ("First Teaching Hospital, Medical School, Some University, Norway", "Bergen", "Norway", None),
        ("Coastal Clinic", "Oslo", "Norway", None),
    ]


def test_state_or_degree_abbreviation_is_not_a_country() -> None:
    # "PA" and "MD" are also ISO codes (Panama, Moldova): a place line names its country in full.
    study = page(Locations=["Riverbend Family Practice, PA", "Harrisburg, Pennsylvania, United States",
                            "Jane Roe, MD", "Annapolis, Maryland, United States"])
    assert places(study) == [("Riverbend Family Practice, PA", "Harrisburg", "United States", None),
                             ("Jane Roe, MD", "Annapolis", "United States", None)]


def test_unreadable_place_and_missing_place_are_warnings_not_drops() -> None:
    study = page(Locations=["Atlantis General Hospital", "Poseidonia, Atlantis", "Site Status COMPLETED",
                            "Orphan Facility Without Place", "Kind Hospital", "Graz, Austria",
                            "Site Status RECRUITING", "Site Status RECRUITING"])
    assert places(study) == [("Atlantis General Hospital", "Poseidonia", "Atlantis", "COMPLETED"),
                             ("Orphan Facility Without Place", None, None, None),
                             ("Kind Hospital", "Graz", "Austria", "RECRUITING")]
    assert len(study.warnings) == 3
    assert any("names no known country" in w for w in study.warnings)
    assert any("no place line for facility 'Orphan Facility Without Place'" in w for w in study.warnings)
    assert any("follows no site" in w for w in study.warnings)


def test_typographic_apostrophe_country_is_a_place() -> None:
    study = page(Locations=["Centre Hospitalier Est", "Abidjan, C\u00f4te d\u2019Ivoire"])
    assert places(study) == [("Centre Hospitalier Est", "Abidjan", "C\u00f4te d\u2019Ivoire", None)]
    assert study.warnings == []  # the country resolves, so the line is a place, not a guess


GROUPS = [
    "Low dose", "Participants receive the study drug at the low dose.", "Second paragraph of the low arm.",
    "Group Type EXPERIMENTAL",
    "Zentamab", "Intervention Type BIOLOGICAL", "Zentamab 1 mg/kg every 3 weeks.",
    "Comparator", "Intervention Type DRUG", "Standard care drug.", "Given as labelled.",
    "High dose", "Group Type EXPERIMENTAL",
    "Zentamab", "Intervention Type BIOLOGICAL", "Zentamab 3 mg/kg every 3 weeks.",
    "Zentamab", "Intervention Type DRUG", "An oral tablet of the same name.",
    "Control", "Usual care only.", "Group Type ACTIVE_COMPARATOR",
    "Comparator", "Intervention Type DRUG", "Standard care drug.", "Given as labelled.",
]
INTERVENTIONS = [
    "Zentamab", "Zentamab 1 mg/kg every 3 weeks.", "Intervention Type BIOLOGICAL",
    "Zentamab", "Zentamab 3 mg/kg every 3 weeks.", "Intervention Type BIOLOGICAL",
    "Zentamab", "An oral tablet of the same name.", "Intervention Type DRUG",
    "Comparator", "Standard care drug.", "Given as labelled.", "Intervention Type DRUG",
]


def test_arms_with_paragraphs_and_repeated_interventions() -> None:
    study = page(Interventions=INTERVENTIONS, Study_Groups=GROUPS)
    assert [(a.label, a.type, a.description) for a in study.arms] == [
        ("Low dose", "EXPERIMENTAL",
         "Participants receive the study drug at the low dose.\n\nSecond paragraph of the low arm."),
        ("High dose", "EXPERIMENTAL", None),
        ("Control", "ACTIVE_COMPARATOR", "Usual care only."),
    ]
    assert len(study.interventions) == 4  # nothing added: every arm's intervention was recognised
    # Each dose arm links to its own "Zentamab"; the same name of another type only where listed.
    assert sorted(arm_links(study)) == [(0, 0), (0, 3), (1, 1), (1, 2), (2, 3)]
    assert study.warnings == []


def test_untyped_groups_of_an_observational_study() -> None:
    study = page(Study_Groups=["Cohort 1", "Adults with the condition", "Cohort 2",
                               "Healthy adults of the same age.", "Cohort 3"])
    assert [(a.label, a.type, a.description) for a in study.arms] == [
        ("Cohort 1", None, "Adults with the condition"),
        ("Cohort 2", None, "Healthy adults of the same age."),
        ("Cohort 3", None, None),
    ]


def test_untyped_group_description_with_a_list_keeps_its_items() -> None:
    study = page(Study_Groups=["Registry cohort", "Everyone seen at the clinic since it opened. Criteria:",
                               "1. A confirmed diagnosis", "2. Samples kept", "Comparison cohort",
                               "Patients seen elsewhere, who had:", "- the same diagnosis", "- no samples"])
    assert [(a.label, a.description) for a in study.arms] == [
        ("Registry cohort", "Everyone seen at the clinic since it opened. Criteria:\n\n"
                            "1. A confirmed diagnosis\n\n2. Samples kept"),
        ("Comparison cohort", "Patients seen elsewhere, who had:\n\n- the same diagnosis\n\n- no samples"),
    ]


def test_a_heading_line_inside_a_records_own_text_is_text() -> None:
    # The record's text holds lines that read like the page's headings; the page's own headings
    # are the explained ones, and the bare lines stay in the text they belong to.
    study = page(Brief_Summary=["A short summary.", "Conditions", "Adults with a rash."],
                 Detailed_Description=["Background paragraph.", "Study Design",
                                       "An open-label, single-site design.", "Eligibility Criteria",
                                       "Adults who meet the criteria below.", "Locations", "One site."],
                 Conditions=["Chronic urticaria"],
                 Study_Design=["Allocation Method", "NA", "Primary Study Purpose", "TREATMENT"],
                 Eligibility_Criteria=["Inclusion Criteria:", "* Adults", "Interventions", "* No prior therapy",
                                       "Minimum Eligible Age", "18 Years"],
                 Locations=["North Clinic", "Oslo, Norway"])
    assert study.brief_summary == "A short summary.\n\nConditions\n\nAdults with a rash."
    assert study.detailed_description is not None
    assert study.detailed_description.split("\n\n") == [
        "Background paragraph.", "Study Design", "An open-label, single-site design.", "Eligibility Criteria",
        "Adults who meet the criteria below.", "Locations", "One site."]
    assert study.conditions == ["Chronic urticaria"]
    assert study.design is not None and (study.design.allocation, study.design.primary_purpose) == ("NA", "TREATMENT")
    assert study.eligibility is not None and "Interventions" in (study.eligibility.criteria_text or "")
    assert study.eligibility.min_age is not None
    assert [(s.facility, s.city) for s in study.sites] == [("North Clinic", "Oslo")]
    assert study.notes == [] and study.warnings == []


def test_value_line_followed_by_an_imperative_sentence_is_not_a_heading() -> None:
    study = page(Interventions=["Active coil", "Compare the active coil with the sham coil.",
                                "Intervention Type DEVICE"],
                 Study_Groups=["Active", "Group Type ACTIVE_COMPARATOR", "Active coil", "Intervention Type DEVICE",
                               "Compare the active coil with the sham coil.", "Sham", "Group Type SHAM_COMPARATOR"])
    assert [a.label for a in study.arms] == ["Active", "Sham"]
    assert sorted(arm_links(study)) == [(0, 0)]


def test_criteria_headings_kept_as_written() -> None:
    study = page(Eligibility_Criteria=["key INCLUSION criteria", "* Adults", "Exclusion criteria -- part B",
                                       "* Pregnancy", "Minimum Eligible Age", "18 Years"])
    assert study.eligibility is not None
    assert study.eligibility.criteria_text == (
        "key INCLUSION criteria\n\n* Adults\n\nExclusion criteria -- part B\n\n* Pregnancy"
    )
    assert [(c.kind, c.text) for c in study.eligibility.criteria] == [("inclusion", "Adults"),
                                                                      ("exclusion", "Pregnancy")]


def test_criteria_that_cannot_be_split_are_kept_as_text_with_a_warning() -> None:
    study = page(Eligibility_Criteria=["* Adults", "* Not pregnant; exclusion applies to lactation too",
                                       "Minimum Eligible Age", "18 Years"])
    assert study.eligibility is not None and study.eligibility.criteria == ()
    assert study.eligibility.criteria_text is not None and "Adults" in study.eligibility.criteria_text
    assert any("kept as text only" in w for w in study.warnings)
