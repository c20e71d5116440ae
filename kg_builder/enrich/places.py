"""Countries and cities: registry place names to ISO 3166 codes (from pycountry)."""

from __future__ import annotations

from functools import lru_cache

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


@lru_cache(maxsize=4096)
def country_code(name: str | None) -> str | None:
    """ISO 3166-1 alpha-2 code for a registry country name, or None when it is not a country."""
    if not name:
        return None
    key = " ".join(name.split()).casefold()
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
        return None


@lru_cache(maxsize=512)
def country_name(code: str) -> str:
    """The ISO 3166 short name for an alpha-2 code (the label of the shared country node)."""
    found = pycountry.countries.get(alpha_2=code)
    if found is None:
        return code
    return getattr(found, "common_name", None) or found.name
