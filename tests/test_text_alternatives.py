"""One scan for "the earliest match of any pattern" (enrich.text.alternatives) finds what a search
per pattern finds: the same pattern, position and words, ties to the earlier pattern, each pattern
with its own case flag. The drug-class and outcome-measure readers rely on it."""

from __future__ import annotations

import json
import re

import pytest

from kg_builder.enrich import explicit, outcomes
from kg_builder.enrich.text import alternatives


def _earliest_by_search(patterns: list[re.Pattern[str]], text: str) -> tuple[int, int, str] | None:
    """The reference: search each pattern, keep the earliest match, ties to the earlier pattern."""
    best = None
    for index, pattern in enumerate(patterns):
        match = pattern.search(text)
        if match and (best is None or match.start() < best[1]):
            best = (index, match.start(), match.group(0))
    return best


def _earliest_by_alternatives(combined: re.Pattern[str], text: str) -> tuple[int, int, str] | None:
    match = combined.search(text)
    return None if match is None else (int(match.lastgroup[1:]), match.start(), match.group(0))


PATTERNS = [
    re.compile(r"response rate|\bORR\b", re.IGNORECASE),
    re.compile(r"response", re.IGNORECASE),  # same start as the row above: the earlier row wins
    re.compile(r"(?-i:\bOS\b)|overall survival", re.IGNORECASE),  # a case-sensitive part inside
    re.compile(r"\bPET\b"),  # case-sensitive as a whole: "pet" is no match
    re.compile(r"(?<![A-Za-z])\d{2,3}Lu\b"),  # a look-behind sees the text before the match
]


@pytest.mark.parametrize("text", [
    "", "nothing here", "Overall Response Rate at week 12", "response then response rate",
    "os is no abbreviation but OS is", "pet scan; PET scan", "x177Lu and 177Lu", "ORR, OS and overall survival",
    "RESPONSE", "the Response Rate (ORR)",
])
def test_alternatives_find_what_one_search_per_pattern_finds(text: str) -> None:
    assert _earliest_by_alternatives(alternatives(PATTERNS), text) == _earliest_by_search(PATTERNS, text)


def test_alternatives_refuse_what_they_cannot_keep() -> None:
    with pytest.raises(ValueError):
        alternatives([re.compile(r"(a)\1")])  # a group of its own: renumbered
    with pytest.raises(ValueError):
        alternatives([re.compile(r"^a", re.MULTILINE)])  # a flag other than the case flag


def _texts(shared_data) -> list[str]:
    """Every string of the real JSON records, and their halves (matches at other positions)."""
    found: list[str] = []

    def walk(value) -> None:
        if isinstance(value, str):
            found.extend((value, value[len(value) // 2:]))
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for path in sorted((shared_data / "ctgov-json").glob("*.json")):
        walk(json.loads(path.read_text(encoding="utf-8")))
    return sorted(set(found))


def test_drug_class_and_outcome_measure_readers_agree_with_a_search_per_pattern(shared_data) -> None:
    texts = _texts(shared_data)
    class_patterns = [pattern for pattern, _cls, _label in explicit.PATTERNS]
    measure_patterns = [pattern for _code, _label, _category, pattern in outcomes.MEASURES]
    matched = 0
    for text in texts:
        expected = _earliest_by_search(class_patterns, text)
        assert _earliest_by_alternatives(explicit._ANY_CLASS, text) == expected, text
        measure = _earliest_by_search(measure_patterns, text)
        row = outcomes.MEASURES[measure[0]] if measure else None
        assert outcomes._earliest_measure(text) == ((*row[:3], measure[2]) if measure else None), text
        matched += expected is not None
    assert matched > 100  # the records name drug classes: the comparison is not vacuous
