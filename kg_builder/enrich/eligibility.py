"""Structured facts in eligibility criteria: ECOG performance-status ranges, measurable disease per RECIST."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kg_builder.enrich.text import clean

_ECOG = re.compile(r"\bECOG\b|Eastern Cooperative Oncology Group|\bWHO performance status", re.IGNORECASE)
_AT_MOST = re.compile(r"(?:≤|<=|=<|less than or equal to|no (?:more|greater|higher) than|maximum of|up to|"
                      r"of at most)\s*([0-4])\b", re.IGNORECASE)
_BELOW = re.compile(r"(?:<|less than)\s*([1-5])\b", re.IGNORECASE)
_DIGITS = re.compile(r"(?<![\d.])([0-5])(?![\d.%])")
_RECIST = re.compile(
    r"measurable (?:disease|lesions?|tumou?rs?)[^.;]{0,100}?\bRECIST\b\s*(?:v(?:ersion)?\.?\s*)?(\d\.\d)?|"
    r"\bRECIST\b\s*(?:v(?:ersion)?\.?\s*)?(\d\.\d)?[^.;]{0,80}?measurable (?:disease|lesions?)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Ecog:
    minimum: int
    maximum: int
    text: str


@dataclass(frozen=True, slots=True)
class Recist:
    version: str | None
    text: str


@lru_cache(maxsize=65536)
def ecog_range(text: str) -> Ecog | None:
    """The ECOG range an inclusion criterion allows ("ECOG PS score: 0-1" → 0..1)."""
    text = clean(text)
    match = _ECOG.search(text)
    if not match:
        return None
    window = re.split(r"[.;](?:\s|$)", text[match.end(): match.end() + 90])[0]
    window = re.sub(r"\(ECOG\)|\bPS\b|\(PS\)", " ", window)
    at_most = _AT_MOST.search(window)
    if at_most:
        return Ecog(0, int(at_most.group(1)), text)
    below = _BELOW.search(window)
    if below:
        return Ecog(0, int(below.group(1)) - 1, text)
    digits = [int(d) for d in _DIGITS.findall(window)][:4]
    if not digits:
        return None
    return Ecog(min(digits), max(digits), text)


@lru_cache(maxsize=65536)
def recist(text: str) -> Recist | None:
    """"measurable disease per RECIST 1.1" and its variants."""
    match = _RECIST.search(clean(text))
    if not match:
        return None
    return Recist(match.group(1) or match.group(2), clean(text))
