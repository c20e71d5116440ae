"""The sites of a synthetic study: countries, facilities, cities, coordinates, spellings.

A study has a home country and, when it is large, a few more (about one per six sites);
each site draws a facility from its country's heavy-tailed catalogue (:mod:`corpus_names`),
so big hospitals recur across many studies while most facilities appear in one or two.
An industry sponsor may name its sites its own way ("Research Site"), so one facility name
stands in many cities. Now and then a site writes its facility or city in another case or
with other hyphens or spacing, as registries do (``SPELLING_VARIANTS``).
"""

from __future__ import annotations

import random
from functools import lru_cache

from corpus_names import Catalogues, Sponsor
from corpus_vocab import cities_by_country

SPELLING_VARIANTS = 0.03  # sites whose facility or city is written in another case/hyphen/spacing


def draw_sites(rng: random.Random, cats: Catalogues, n: int, sponsor: Sponsor) -> tuple[list[dict], list[str]]:
    """``n`` site records and the ISO codes of the study's countries."""
    if n == 0:
        return [], []
    home = cats.country(rng)
    codes = [home]
    if n >= 4:  # large trials go abroad: about one more country per 6 sites, as in the records
        for _ in range(rng.randint(0, n // 6 + 1)):
            if (code := cats.country(rng)) not in codes:
                codes.append(code)
    spellings = {code: cats.country_spelling(code, rng) for code in codes}
    style = sponsor.site_style if rng.random() < 0.7 else None
    sites, seen = [], set()
    for k in range(n * 2):
        if len(sites) >= n:
            break
        code = home if k == 0 or rng.random() < 0.5 else rng.choice(codes)
        facility = cats.facility(rng, code)
        name = style or facility.name if facility else None
        if facility is None or (name, facility.city) in seen:
            continue
        seen.add((name, facility.city))
        site: dict = {}
        if rng.random() < 0.97:
            site["facility"] = _variant(rng, name)
        site["city"] = _variant(rng, facility.city)
        if facility.state:
            site["state"] = facility.state
        if rng.random() < 0.8:
            site["zip"] = f"{rng.randint(10000, 99999)}"
        site["country"] = spellings[code]
        if status := cats.cal.mixes["site status"].draw(rng):
            site["status"] = status
        point = (facility.lat, facility.lon) if facility.lat is not None else _city_point(code, facility.city)
        if point:
            site["geoPoint"] = {"lat": point[0], "lon": point[1]}
        sites.append(site)
    return sites, codes


def _variant(rng: random.Random, name: str) -> str:
    """Now and then another spelling of the same name: case, hyphens or spacing (registries vary)."""
    if rng.random() >= SPELLING_VARIANTS:
        return name
    how = rng.randrange(4)
    if how == 0:
        return name.upper()
    if how == 1:
        return name.replace("-", " ") if "-" in name else name.replace(" ", "-", 1)
    if how == 2:
        return name.replace(" ", "  ", 1)
    return name.lower()


@lru_cache(maxsize=200_000)
def _city_point(code: str, city: str) -> tuple[float, float] | None:
    for name, _state, lat, lon in cities_by_country().get(code, ((), ()))[0]:
        if name == city:
            return lat, lon
    return None
