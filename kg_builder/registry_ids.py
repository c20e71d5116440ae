"""Trial registry identifiers: find them in free text and IRIs, and write them one canonical way.

Records, graphs and people write the same id many ways (``NCT 0700-3074``,
``nct07003074``, ``…/clinicaltrials:NCT07003074``, ``ISRCTN 12345678``). Every
comparison of study ids goes through :func:`normalize_registry_id` or
:func:`find_registry_ids`, so two spellings of one id always compare equal.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import unquote

# One pattern per registry, written to tolerate spaces, hyphens and underscores inside the id.
# Longer forms come first: a CTIS number (2023-501234-12-00) contains a EudraCT-shaped prefix.
_SEP = r"[\s_\-]*"
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("nct", re.compile(rf"(?<![A-Za-z0-9])NCT{_SEP}(\d{{4}}){_SEP}(\d{{4}})(?!\d)", re.I)),
    ("ctis", re.compile(r"(?<![\d-])(20\d\d)-(5\d{5})-(\d{2})-(\d{2})(?!\d)")),
    ("eudract", re.compile(r"(?<![\d-])((?:19|20)\d\d)-(\d{6})-(\d{2})(?![\d-])")),
    ("isrctn", re.compile(rf"(?<![A-Za-z0-9])ISRCTN{_SEP}(\d{{8}})(?!\d)", re.I)),
    ("chictr", re.compile(rf"(?<![A-Za-z0-9])ChiCTR{_SEP}((?:[A-Z]{{2,4}}{_SEP})?\d{{8,10}})(?!\d)", re.I)),
    ("actrn", re.compile(rf"(?<![A-Za-z0-9])ACTRN{_SEP}(\d{{14}})(?!\d)", re.I)),
    ("drks", re.compile(rf"(?<![A-Za-z0-9])DRKS{_SEP}(\d{{8}})(?!\d)", re.I)),
    ("ctri", re.compile(r"(?<![A-Za-z0-9])CTRI/(\d{4})/(\d{2,3})/(\d{6})(?!\d)", re.I)),
    ("jrct", re.compile(rf"(?<![A-Za-z0-9])jRCT{_SEP}([a-z]?\d{{9,10}})(?!\d)", re.I)),
)


# Words a record may put before an id that has no letters of its own ("EudraCT 2011-…").
_LABEL = re.compile(r"^(?:eudract|eu\s*ct|ctis|euct)(?:\s*(?:number|no\.?|n°|#))?\s*[:#]?\s*", re.I)


@dataclass(frozen=True, slots=True, order=True)
class RegistryId:
    registry: str  # nct / ctis / eudract / isrctn / chictr / actrn / drks / ctri / jrct
    value: str  # canonical form, e.g. NCT07003074, 2011-001234-56, ISRCTN12345678

    def __str__(self) -> str:
        return self.value


def _canonical(registry: str, match: re.Match[str]) -> str:
    groups = match.groups()
    if registry == "nct":
        return "NCT" + "".join(groups)
    if registry in ("ctis", "eudract"):
        return "-".join(groups)
    if registry == "chictr":
        letters, digits = re.match(r"([A-Z]*)\W*_*(\d+)", groups[0].upper()).groups()
        return f"ChiCTR-{letters}-{digits}" if letters else f"ChiCTR{digits}"
    if registry == "ctri":
        return "CTRI/" + "/".join(groups)
    if registry == "jrct":
        return "jRCT" + groups[0].lower()
    return registry.upper() + groups[0]


def _width_folded(text: str) -> str:
    """Width-folded (full-width digits and letters), percent-decoded text."""
    return unicodedata.normalize("NFKC", unquote(text))


def find_registry_ids(text: str) -> list[RegistryId]:
    """Every registry id in ``text`` (a literal, a title, an IRI), in canonical form, first seen first."""
    folded = _width_folded(text)
    found: list[RegistryId] = []
    taken: list[tuple[int, int]] = []
    for registry, pattern in _PATTERNS:
        for match in pattern.finditer(folded):
            if any(start <= match.start() < end for start, end in taken):
                continue  # inside a longer id already found (a EudraCT number inside a CTIS number)
            taken.append(match.span())
            found.append(RegistryId(registry, _canonical(registry, match)))
    ordered = sorted(zip(taken, found, strict=True))
    unique: dict[RegistryId, None] = {}
    for _, rid in ordered:
        unique.setdefault(rid, None)
    return list(unique)


def normalize_registry_id(text: str) -> RegistryId | None:
    """The id when ``text`` is one registry id and nothing else (punctuation around it allowed)."""
    folded = _LABEL.sub("", _width_folded(text).strip(" \t\r\n.,;:()[]<>\"'"))
    ids = find_registry_ids(folded)
    if len(ids) != 1:
        return None
    leftover = re.sub(r"[\s_\-/]", "", folded).upper()
    wanted = re.sub(r"[\s_\-/]", "", ids[0].value).upper()
    return ids[0] if leftover == wanted else None


def registry_id_at_end(iri: str) -> RegistryId | None:
    """The id an IRI ends with (``http://bio2rdf.org/clinicaltrials:NCT…``, ``…/trial/nct…``).

    Only the IRI's last segment counts: ``…/trial/NCT…/arm/1`` names an arm, not the study.
    """
    folded = _width_folded(iri).rstrip("/")
    last = re.split(r"[/#?=]", folded)[-1]
    # Bio2RDF-style ``prefix:LOCAL``: the local part after the last colon
    candidates = [last, last.rsplit(":", 1)[-1]]
    for candidate in candidates:
        rid = normalize_registry_id(candidate)
        if rid is not None:
            return rid
    return None
