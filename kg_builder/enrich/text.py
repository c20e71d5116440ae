"""Text folding shared by the enrich modules (no RDF here: enrich/ stays library-free)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACES = re.compile(r"\s+")
_SPACED_DASH = re.compile(r" ?- ?")
# CommonMark escapes the registry writes into free text ("\>= 18", "m\^2", "\[anti-TIGIT\]").
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>^~|=])")
_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
                         "\u2212": "-", "\u2019": "'", "\u00ae": "", "\u2122": "", "\u00a0": " "})


def clean(text: str) -> str:
    """NFKC, CommonMark escapes removed, dashes unified, ®/™ dropped, spaces collapsed.

    ®/™ go before NFKC (which would spell ™ as "TM") and leave no space: "XmAb®7195" is "XmAb7195".
    """
    text = unicodedata.normalize("NFKC", text.translate(_DASHES))
    text = _MD_ESCAPE.sub(r"\1", text)
    return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lookup key: cleaned, case-folded, punctuation other than +/-/. turned into spaces."""
    folded = clean(text).casefold()
    folded = _SPACES.sub(" ", re.sub(r"[^\w+.\-/ ]", " ", folded))
    # Spaces collapsed first: "\s*-\s*" retried every start of a long run of spaces (quadratic).
    return _SPACED_DASH.sub("-", folded).strip(" .,;:-")


def compact(text: str) -> str:
    """Lookup key insensitive to spaces and hyphens ("DS-8201a" = "DS 8201A" = "ds8201a")."""
    return re.sub(r"[\s\-_.]", "", fold(text))


def alternatives(patterns: list[re.Pattern[str]]) -> re.Pattern[str]:
    """One pattern for "the earliest match of any of ``patterns``, ties to the earlier one": group
    ``_<i>`` of its match names the pattern that matched.

    Searching ``a|b|c`` stops at the first position where an alternative matches and takes the
    first alternative (in order) that matches there, which is exactly what searching each pattern
    and keeping the earliest match (ties to the earlier pattern) finds, in one scan of the text
    instead of one per pattern. Each pattern keeps its own case flag; a pattern with a group of
    its own (a back-reference would be renumbered) or another flag is refused.
    """
    parts = []
    for index, pattern in enumerate(patterns):
        if pattern.groups or pattern.flags & ~(re.IGNORECASE | re.UNICODE):
            raise ValueError(f"pattern {pattern.pattern!r} has a group or a flag alternatives() cannot keep")
        flag = "i" if pattern.flags & re.IGNORECASE else "-i"
        parts.append(f"(?P<_{index}>(?{flag}:{pattern.pattern}))")
    return re.compile("|".join(parts))
