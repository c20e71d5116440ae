"""CSV download failure classes, on rows written for each class.

A design cell cut short names no code; a ``|`` inside a facility name must not split a site
into a bogus one whose "country" is half a facility name; a country that resolves to nothing
is a warning. Country names in typographic spellings resolve.
"""

from __future__ import annotations

import csv
import io

import pytest

from kg_builder.enrich.places import country_code, trailing_country
from kg_builder.model import Study
from kg_builder.sources.base import SourceDocument
from kg_builder.sources.ctgov_csv import iter_records

HEADER = ["NCT Number", "Study Title", "Study Design", "Locations"]


def _row(design: str = "", locations: str = "") -> Study:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerow(["NCT09990003", "A CSV case", design, locations])
    data = out.getvalue().encode()
    (study,) = iter_records(SourceDocument("cases.csv", lambda: io.BytesIO(data)))
    assert isinstance(study, Study), study
    return study


@pytest.mark.parametrize("cut", ["Time Perspective: p", "Time Perspective: PROSP", "Time Perspective: "])
def test_design_code_cut_short_is_left_out_with_a_warning(cut: str) -> None:
    study = _row(design=f"Observational Model: COHORT|{cut}")
    assert study.design is not None
    assert study.design.observational_model == "COHORT"
    assert study.design.time_perspective is None
    if cut.split(":")[1].strip():
        assert any("no time-perspective code" in w for w in study.warnings)


def test_design_labels_and_codes_still_read() -> None:
    study = _row(design="Allocation: RANDOMIZED|Masking: DOUBLE (PARTICIPANT, INVESTIGATOR)|"
                        "Time Perspective: Retrospective")
    assert study.design is not None
    assert (study.design.allocation, study.design.masking, study.design.time_perspective) == (
        "RANDOMIZED", "DOUBLE", "RETROSPECTIVE")
    assert study.warnings == []


def test_bar_inside_a_facility_name_keeps_one_site() -> None:
    study = _row(locations="Clinic North | Infusion Unit, Lyon, 69003, France|"
                           "Harbour Hospital, Department A|B, Porto, Porto District, 4000, Portugal|"
                           "Site 7, Kyiv, Ukraine")
    assert [(s.facility, s.city, s.country) for s in study.sites] == [
        ("Clinic North | Infusion Unit", "Lyon", "France"),
        ("Harbour Hospital, Department A|B", "Porto", "Portugal"),
        ("Site 7", "Kyiv", "Ukraine"),
    ]
    assert study.warnings == []


def test_unknown_country_is_kept_with_a_warning_not_merged_into_the_next_site() -> None:
    study = _row(locations="Site 1, Poseidonia, Atlantis|Site 2, Graz, Styria, Austria")
    assert [(s.facility, s.country) for s in study.sites] == [("Site 1", "Atlantis"), ("Site 2", "Austria")]
    assert any("names no known country" in w for w in study.warnings)


@pytest.mark.parametrize(("name", "code"), [
    ("C\u00f4te d\u2019Ivoire", "CI"), ("Cote d\u2019Ivoire", "CI"),
    ("Korea, Democratic People\u2019s Republic of", "KP"),
    ("Guinea\u2011Bissau", "GW"), ("Timor\u2013Leste", "TL"), ("Bosnia & Herzegovina", "BA"),
    ("\uff26\uff52\uff41\uff4e\uff43\uff45", "FR"), ("United\u00a0States", "US"), ("Reunion", "RE"), ("Curacao", "CW"),
])
def test_unicode_variants_of_country_names_resolve(name: str, code: str) -> None:
    assert country_code(name) == code


def test_trailing_country_is_a_name_never_a_code() -> None:
    assert trailing_country("Harrisburg, Pennsylvania, United States") == "US"
    assert trailing_country("Seoul, Korea, Republic of") == "KR"
    assert trailing_country("Riverbend Family Practice, PA") is None
    assert trailing_country("Jane Roe, MD") is None
    assert country_code("Narnia") is None


# A site is "Facility, City, State, Zip, Country" with the facility, state and zip optional and
# commas inside facility names: which parts are the city and the state is read from the words.
@pytest.mark.parametrize(("cell", "expected"), [
    # a facility with a comma, no state: the part before the city is the facility's
    ("Klinikum Nord, Abteilung Onkologie, Graz, 8010, Austria",
     ("Klinikum Nord, Abteilung Onkologie", "Graz", None, "8010", "Austria")),
    ("Harbour Hospital, Research Unit, Lisbon, Portugal",
     ("Harbour Hospital, Research Unit", "Lisbon", None, None, "Portugal")),
    # a city GeoNames knows, then a state
    ("Clinica Sur, Unit 2, Valencia, Valencian Community, 46001, Spain",
     ("Clinica Sur, Unit 2", "Valencia", "Valencian Community", "46001", "Spain")),
    ("River Clinic, Hangzhou, Zhejiang, 310000, China", ("River Clinic", "Hangzhou", "Zhejiang", "310000", "China")),
    # a subdivision that is also the city ("Cork", "Madrid") after a facility's part is the city
    ("Old Mill Building,, Cork, Ireland", ("Old Mill Building,", "Cork", None, None, "Ireland")),
    # US sites always carry a state; without a facility, two parts are the city and the state
    ("Springfield, Illinois, 62701, United States", (None, "Springfield", "Illinois", "62701", "United States")),
    ("Lakeside Oncology, Suite 4, Springfield, Illinois, 62701, United States",
     ("Lakeside Oncology, Suite 4", "Springfield", "Illinois", "62701", "United States")),
    # two parts elsewhere: a facility and its city
    ("Centro Medico Sur, Madrid, Spain", ("Centro Medico Sur", "Madrid", None, None, "Spain")),
    ("Site 0042, Kyiv, Ukraine", ("Site 0042", "Kyiv", None, None, "Ukraine")),
    # a city with a number is no postal code; a postal code may hold short words
    ("Poliklinika Jih, Praha 4, Czechia", ("Poliklinika Jih", "Praha 4", None, None, "Czechia")),
    ("Site 12, Paris Cedex 10, France", ("Site 12", "Paris Cedex 10", None, None, "France")),
    ("Coast Research Programme, Mombasa, P.O. Box 230 - 80100, Kenya",
     ("Coast Research Programme", "Mombasa", None, "P.O. Box 230 - 80100", "Kenya")),
    # the facility as the cell writes it
    ("Memorial Hospital,North Wing, Taipei, Taiwan", ("Memorial Hospital,North Wing", "Taipei", None, None, "Taiwan")),
])
def test_site_parts_are_read_from_their_words(cell: str, expected: tuple) -> None:
    study = _row(locations=cell)
    assert [(s.facility, s.city, s.state, s.zip, s.country) for s in study.sites] == [expected]
