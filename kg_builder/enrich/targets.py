"""Molecular targets named in text, only where the text says the drug acts on them.

"anti-HER2", "HER2 ADC", "targeting B7-H3", "PD-1 X LAG-3 bispecific" name targets;
"HER2-positive", "HER2 expression" describe patients and do not.
"""

from __future__ import annotations

import re
from functools import lru_cache

from kg_builder.enrich.lexicon import target_alias_regex, target_for_alias

_BEFORE = re.compile(
    r"(?:\banti[- ]?|(?:targeting|targets|target|against|binds(?: to)?|binding(?: to)?|specific for|"
    r"directed (?:against|at))(?:\s+(?:the|human|both))*\s*"
    r"(?:[\w.\-/]+(?:,\s*(?:and/or|and|or)?|\s+and/or|\s+and|\s+or)\s*)*)$",
    re.IGNORECASE,
)
_AFTER = re.compile(
    r"^(?:[- ](?:targeting|targeted|directed|specific|ADC|antibod|antibody-drug|mAb|monoclonal|bispecific|"
    r"CAR|UCAR|CART|inhibitor|TKI|blocker|receptor antagonist|immunoconjugate|conjugate)|"
    r"\s*(?:[xX×/]|and)\s*[A-Za-z0-9-]+\s+bispecific|\s*[xX×]\s)",
    re.IGNORECASE,
)
_NOT_TARGET = re.compile(r"^[- ]?(?:positive|negative|low|high|expression|expressing|status|mutat|amplif|\+)",
                         re.IGNORECASE)


@lru_cache(maxsize=1)
def _alias_re() -> re.Pattern[str]:
    return re.compile(target_alias_regex())


@lru_cache(maxsize=32768)
def find_targets(text: str) -> tuple[tuple[str, str], ...]:
    """(HGNC symbol, phrase) for each target the text says something acts on."""
    if not text:
        return ()
    found: dict[str, str] = {}
    for match in _alias_re().finditer(text):
        after = text[match.end(): match.end() + 40]
        if _NOT_TARGET.match(after):
            continue
        before = text[max(0, match.start() - 160): match.start()]
        if _BEFORE.search(before) or _AFTER.match(after):
            symbol = target_for_alias(match.group(1))
            if symbol:
                start = max(0, match.start() - 12)
                found.setdefault(symbol, text[start: match.end() + 12].strip())
    return tuple(found.items())
