"""Text folding shared by the enrich modules (no RDF here: enrich/ stays library-free)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

try:  # the engine's own reading of a pattern (first_characters); private, so only a speed-up
    from re import _constants, _parser
except ImportError:  # pragma: no cover - a Python without them searches without the look-ahead
    _parser = None

_SPACES = re.compile(r"\s+")
_SPACED_DASH = re.compile(r" ?- ?")
# CommonMark escapes the registry writes into free text ("\>= 18", "m\^2", "\[anti-TIGIT\]").
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>^~|=])")
_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
                         "\u2212": "-", "\u2019": "'", "\u00ae": "", "\u2122": "", "\u00a0": " "})


@lru_cache(maxsize=8192)  # one description is cleaned by the drug, dose and target readers alike
def clean(text: str) -> str:
    """NFKC, CommonMark escapes removed, dashes unified, ®/™ dropped, spaces collapsed.

    ®/™ go before NFKC (which would spell ™ as "TM") and leave no space: "XmAb®7195" is "XmAb7195".
    """
    text = unicodedata.normalize("NFKC", text.translate(_DASHES))
    text = _MD_ESCAPE.sub(r"\1", text)
    return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=16384)  # 88.3% of calls hit, unbounded 88.9% (bench/caches.py, 20k studies)
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
    combined = "|".join(parts)
    first = first_characters(re.compile(combined))
    # Without a literal start, the engine tries every alternative at every position of the text; a
    # look-ahead for the characters a match can start with skips most positions at one test each
    # (1.3-1.6x on registry descriptions). It matches exactly where the alternation does.
    return re.compile(combined if first is None else f"(?=(?i:{first}))(?:{combined})")


def first_characters(pattern: re.Pattern[str]) -> str | None:
    """A character class holding every character a match of ``pattern`` can start with (case
    aside: the class is meant to be used case-insensitively, a superset), or None when that cannot
    be told from the pattern's parts (a match may be empty, start with ``.`` or a negated class)."""
    if _parser is None:  # pragma: no cover
        return None
    first = _first_of(_parser.parse(pattern.pattern, pattern.flags))
    if first is None or first[1] or not first[0]:
        return None
    return "[" + "".join(sorted(first[0])) + "]"


_CATEGORIES = {_constants.CATEGORY_DIGIT: r"\d", _constants.CATEGORY_NOT_DIGIT: r"\D",
               _constants.CATEGORY_WORD: r"\w", _constants.CATEGORY_NOT_WORD: r"\W",
               _constants.CATEGORY_SPACE: r"\s", _constants.CATEGORY_NOT_SPACE: r"\S"} if _parser else {}
_First = tuple[set[str], bool] | None  # (class members a match can start with, whether it can be empty)


def _first_of(items) -> _First:
    """What a match of the sequence ``items`` can start with; None when any character may."""
    found: set[str] = set()
    for op, av in items:
        first = _first_item(op, av)
        if first is None:
            return None
        found |= first[0]
        if not first[1]:
            return found, False
    return found, True


def _first_item(op, av) -> _First:
    c = _constants
    if op is c.LITERAL:
        return {re.escape(chr(av))}, False
    if op is c.IN:
        members = set()
        for kind, value in av:
            if kind is c.LITERAL:
                members.add(re.escape(chr(value)))
            elif kind is c.RANGE:
                members.add(f"{re.escape(chr(value[0]))}-{re.escape(chr(value[1]))}")
            elif kind is c.CATEGORY and value in _CATEGORIES:
                members.add(_CATEGORIES[value])
            else:  # a negated class, or one this reading does not know
                return None
        return members, False
    if op is c.SUBPATTERN:
        return _first_of(av[3])
    if op is c.BRANCH:
        found, empty = set(), False
        for branch in av[1]:
            first = _first_of(branch)
            if first is None:
                return None
            found |= first[0]
            empty = empty or first[1]
        return found, empty
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
        first = _first_of(av[2])
        return None if first is None else (first[0], first[1] or av[0] == 0)
    if op in (c.AT, c.ASSERT, c.ASSERT_NOT):  # \b, ^, look-arounds: they read no character of the match
        return set(), True
    return None  # ., a back-reference, a conditional: any character may start it
