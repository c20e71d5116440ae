"""The Locations section of the registry page: sites, with or without a status line.

A site is a facility line (the registry may have none) and a place line
``City[, State][, Zip], Country``, then ``Site Status X`` — but only while the study
recruits: a completed or terminated study's sites have no status line, so lines cannot be
grouped by the status lines. Each line is read for what it is instead:

* a **place line** ends in a country name (by name, never a two-letter code: "…, PA" is a
  facility in Pennsylvania, not Panama);
* anything else is a **facility line**, waiting for its place line;
* a place-shaped line with no facility waiting, followed by another place-shaped line, is
  either a site without a facility (old records have many) or a facility whose name ends
  in a country ("… Zhejiang University, China"): its own parts decide — a state that is a
  subdivision of that country says place, an institution word ("Hospital", "University",
  "Clinic" …) or too many parts say facility.

A facility whose place line is missing or names no known country is kept as written with a
warning; nothing is dropped and no facility borrows another site's city.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

import pycountry

from kg_builder.enrich.places import INSTITUTION_WORDS as _INSTITUTION
from kg_builder.enrich.places import country_code, trailing_country
from kg_builder.model import Site, Study
from kg_builder.sources.values import to_code

_STATUS = "Site Status"


def _parts(line: str) -> list[str]:
    return [part.strip() for part in line.split(",") if part.strip()]


@lru_cache(maxsize=512)
def _subdivisions(code: str) -> frozenset[str]:
    try:
        found = pycountry.subdivisions.get(country_code=code) or ()
    except (KeyError, LookupError):
        found = ()
    return frozenset(" ".join(sub.name.split()).casefold() for sub in found)


def _says_place(line: str, code: str) -> bool:
    """Whether a place-shaped line reads as a place rather than a facility name ending in a
    country: a state part that is a subdivision of that country says place; an institution
    word or more parts than ``City, State, Zip, Country`` say facility."""
    parts = _parts(line)
    states = _subdivisions(code)
    if any(part.casefold() in states for part in parts[1:-1]):
        return True
    return len(parts) <= 4 and not _INSTITUTION.search(line)


def _site(facility: str | None, place: str | None) -> Site:
    if place is None:
        return Site(facility=facility)
    parts = _parts(place)
    country = parts[-1] if parts else None
    if len(parts) > 1 and country_code(country) is None and country_code(f"{parts[-2]}, {country}"):
        country = f"{parts.pop(-2)}, {country}"
    middle = parts[1:-1]
    zip_code = next((part for part in middle if re.search(r"\d", part)), None)
    state = ", ".join(part for part in middle if part != zip_code) or None
    return Site(facility=facility, city=parts[0] if len(parts) > 1 else None, state=state, zip=zip_code,
                country=country)


def read_sites(study: Study, lines: list[str]) -> None:
    """Every site of the Locations section's non-blank ``lines`` into ``study.sites``."""
    codes = [None if line.startswith(_STATUS) else trailing_country(line) for line in lines]
    facility: str | None = None
    open_site = False  # the last line closed a site that may still take a status line

    def add(place: str | None) -> None:
        nonlocal facility, open_site
        study.sites.append(_site(facility, place))
        facility, open_site = None, True

    for index, line in enumerate(lines):
        following = codes[index + 1] if index + 1 < len(lines) else None
        if line.startswith(_STATUS):
            status = to_code(line.removeprefix(_STATUS))
            if open_site and study.sites[-1].status is None:
                study.sites[-1] = replace(study.sites[-1], status=status)
            else:
                study.warnings.append(f"Locations: {line!r} follows no site; status left out")
            open_site = False
            continue
        code = codes[index]
        if code is not None and (facility is not None or following is None or _says_place(line, code)):
            add(line)
        elif facility is None:
            facility, open_site = line, False
        elif following is not None:
            # Two facility lines in a row: the first one's place line is missing.
            study.warnings.append(f"Locations: no place line for facility {facility!r}; kept without a place")
            add(None)
            facility, open_site = line, False
        else:
            study.warnings.append(f"Locations: place {line!r} names no known country; kept as written")
            add(line)
    if facility is not None:
        study.warnings.append(f"Locations: no place line for facility {facility!r}; kept without a place")
        add(None)
