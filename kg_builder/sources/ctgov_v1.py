"""Legacy ClinicalTrials.gov API v1 JSON: recognised and rejected, study by study, saying so.

API v1 (retired in 2024) wrote ``{"FullStudiesResponse": {"FullStudies": [{"Study":
{"ProtocolSection": …}}]}}`` (or ``StudyFieldsResponse`` / a bare ``{"Study": …}``) with
PascalCase keys and lists wrapped in ``…List`` objects; its fields do not map one to one to
API v2's (dates, lists, codes and whole modules differ), so reading it as v2 would lose
fields silently. Instead every study it holds becomes a reject naming its NCT id, the API
version and how many studies the file held, so the rejects file says what to fetch again.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kg_builder.model import Reject

_RESPONSES = ("FullStudiesResponse", "StudyFieldsResponse", "FullStudyResponse")
_LISTS = ("FullStudies", "StudyFields", "FullStudy")


def is_v1(obj: Any) -> bool:
    """Whether a decoded JSON value is an API v1 response or v1 study."""
    if not isinstance(obj, dict):
        return False
    if any(key in obj for key in _RESPONSES):
        return True
    study = obj.get("Study", obj)
    return isinstance(study, dict) and "ProtocolSection" in study and "protocolSection" not in study


def _studies(obj: dict[str, Any]) -> tuple[str, list[Any]]:
    """(the key that lists them, the studies) of a v1 value."""
    response = next((obj[key] for key in _RESPONSES if isinstance(obj.get(key), dict)), None)
    if response is None:
        return "", [obj]
    key = next((key for key in _LISTS if key in response), "FullStudies")
    found = response.get(key, [])
    return key, found if isinstance(found, list) else [found]


def _nct(item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    study = item.get("Study", item)
    ident = (study.get("ProtocolSection") or {}).get("IdentificationModule") if isinstance(study, dict) else None
    value = ident.get("NCTId") if isinstance(ident, dict) else item.get("NCTId")
    if isinstance(value, list):  # StudyFields wraps every value in a list
        value = value[0] if value else None
    return value if isinstance(value, str) else None


def rejects(obj: dict[str, Any], source: str, format: str, *, position: str = "1") -> Iterator[Reject]:
    """One Reject per study of an API v1 value (one for the file when it holds none); a
    response's studies are at ``FullStudies[i]``, a bare v1 study at ``position``."""
    key, studies = _studies(obj)
    held = f"the file holds {len(studies)} API v1 {'study' if len(studies) == 1 else 'studies'}"
    if not studies:
        yield Reject(source, position, f"ClinicalTrials.gov API v1 response (retired 2024) with no study in it; "
                     f"{held}", format)
        return
    bare = not key
    for index, item in enumerate(studies):
        nct = _nct(item)
        what = f"study {nct}" if nct else "a study"
        yield Reject(
            source, position if bare else f"{key}[{index}]",
            f"ClinicalTrials.gov API v1 record (retired 2024), not API v2: {what} not read ({held}); "
            "download it again from API v2",
            format,
        )
