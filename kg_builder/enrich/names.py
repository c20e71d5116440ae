"""Intervention names → the component names they list, each with its head and bracketed aliases.

"Docetaxel 75 mg/m2 + Trastuzumab (Herceptin)" lists two drugs; "GPC3, Mesothelin … targeting
CAR-T cells" and "Surgery or Treatment by Heart Catheter" list one thing each. Splitting rules:

- ``+`` with a space on one side always splits ("hAd5-S+N" is one name);
- words ("and", "plus", "with", "followed by" …) and commas split only when every piece names
  something (a drug, a placebo, a class phrase, a code name, a named regimen);
- a cell or gene therapy's name describes one product: its parts ("4-1BB and IL-7Rα signalling
  domain", "secreting IL-15") are construct parts, never drugs of their own;
- a class phrase with a bracketed list ("Chemotherapy (Gemcitabine + Carboplatin)") lists drugs.
"""

from __future__ import annotations

import re
from functools import lru_cache

from kg_builder.enrich import explicit
from kg_builder.enrich.inn import classify_inn
from kg_builder.enrich.lexicon import DrugEntry, lookup_drug, target_for_alias
from kg_builder.enrich.regimens import find_combination
from kg_builder.enrich.text import fold

PLUS_SPLIT = re.compile(r"\s+\+\s*|\s*\+\s+")
WORD_SPLIT = re.compile(
    r"\s*[,;]\s+|\s*[,;](?=[A-Za-z])|\s+&\s+|"
    r"\s+(?:in combination with|combined with|followed by|combined|plus|with|and/or|and|or|vs\.?|versus)\s+",
    re.IGNORECASE,
)
STRONG_SPLIT = re.compile(PLUS_SPLIT.pattern + "|" + WORD_SPLIT.pattern, re.IGNORECASE)
_ALT_SPLIT = re.compile(r"\s*/\s*")
DOSE = re.compile(
    r"\b\d+(?:[.,]\d+)?(?:\s*(?:-|to|~)\s*\d+(?:[.,]\d+)?)?\s*(?:x\s*10\^?\d+\s*)?"
    r"(?:mg|g|µg|μg|ug|mcg|ng|ml|IU|units?|mCi|MBq|GBq|%|particle units|cells)"
    r"(?:\s*/\s*(?:kg|m2|m²|m\^2|day|d|ml))?(?![A-Za-z])",
    re.IGNORECASE,
)
_NOISE = re.compile(
    r"\b(?:for injection|injection|infusion|soft[- ]gel|tablets?|capsules?|oral solution|solution|powder|"
    r"for suspension|suspension|in parenteral dosage form|formulation|lyophili[sz]ed|sterile|"
    r"subcutaneous|intravenous|open[- ]label|monotherapy|continuous|intermittent|"
    r"phase \w+|cohort [\w, ]+|dose level [\w-]+|dose|low|high|standard|usual|study|new|continuation of|"
    r"treatment|therapy|regimen|arm|group|matching|fixed|combination|iv|sc|po)\b",
    re.IGNORECASE,
)
_TRAILER = re.compile(r"\s+(?:administered|given|combination|for|in|to|as|at|-)\b.*$", re.IGNORECASE)
CODE = re.compile(r"^([A-Za-z]{1,7}[- ]?\d{2,}[A-Za-z0-9-]*|[A-Za-z]{2,6}\d[A-Za-z0-9]*-\d+[A-Za-z0-9-]*)")
RD_CODE = re.compile(r"(?:R&D code|code name|code)\s*[:：]\s*([A-Za-z0-9][\w-]*[A-Za-z0-9])", re.IGNORECASE)
PAREN = re.compile(r"\(([^()]*)\)")
# "darunavir/r", "TMC114/RTV": boosted with ritonavir (the HIV treatment guidelines' notation)
_BOOSTED = re.compile(r"(\S)\s*/\s*(?:r|rtv)\b(?!-)", re.IGNORECASE)
SENTENCE = re.compile(r"\b(?:is|are) (?:an?|the)\b", re.IGNORECASE)
# Parts of a cell or gene therapy's construct: receptor domains, co-stimulatory and signalling
# modules, safety switches, what the cells secrete or have knocked down.
_CONSTRUCT_PART = re.compile(
    r"\b(?:signal(?:l)?ing|co-?stimulatory|transmembrane|intracellular|extracellular|hinge|activation|"
    r"binding)\s+(?:domains?|regions?|moiet(?:y|ies)|modules?)\b|\bscFv\b|\bCD3\s*[-]?\s*(?:ζ|zeta)\b|"
    r"\b4-1BB\b|\bCD28\b|\bOX40\b|\bICOS\b|\bDAP1[02]\b|\biCasp9\b|\bsuicide (?:gene|switch)\b|\btEGFR\b|"
    r"\bsecret(?:ing|es|ed)\b|\bknock(?:-?down|-?out|ed)\b|\barmou?red\b|\bexpressing\b|"
    r"\bIL-?\d+\s*R\s*(?:α|a|alpha)?\b",
    re.IGNORECASE,
)


def split_top(text: str, pattern: re.Pattern[str]) -> list[str]:
    """Split on ``pattern`` outside brackets."""
    out, depth, start, i = [], 0, 0, 0
    while i < len(text):
        char = text[i]
        if char in "([（":
            depth += 1
        elif char in ")]）":
            depth = max(0, depth - 1)
        elif depth == 0:
            match = pattern.match(text, i)
            if match and match.end() > i:
                out.append(text[start:i])
                start = i = match.end()
                continue
        i += 1
    out.append(text[start:])
    return [p.strip() for p in out if p.strip()]


def useful(part: str) -> bool:
    return bool(re.search(r"[A-Za-z]{2,}|[A-Za-z]\d", part))


def known(text: str) -> bool:
    return lookup_drug(text) is not None or lookup_drug(head_and_aliases(text)[0]) is not None


def is_construct_part(text: str) -> bool:
    """A molecular part named in a cell therapy's name ("IL-7Rα signalling domain", "CD28"), or a
    bare gene/protein symbol: a thing acted on or built in, not a drug given."""
    head = head_and_aliases(text)[0] or text
    return bool(_CONSTRUCT_PART.search(text)) or (target_for_alias(head) is not None
                                                   and lookup_drug(head) is None)


def recognisable(part: str) -> bool:
    head = head_and_aliases(part)[0] or part
    if is_construct_part(part):
        return False
    return bool(explicit.is_placebo(part) or known(part) or classify_inn(head) or CODE.match(head)
                or explicit.most_specific(part) or lexicon_tokens(head) or find_combination(head))


def unboost(name: str) -> str:
    """"X/r" and "X/RTV" written out: "X + ritonavir"."""
    return _BOOSTED.sub(r"\1 + ritonavir", name)


def split_components(name: str) -> list[str]:
    """The component texts an intervention name lists (the name itself when it lists one thing)."""
    parts: list[str] = []
    pieces = []
    for plus_part in split_top(_squeeze(DOSE.sub(" ", name)), PLUS_SPLIT):
        words = split_top(plus_part, WORD_SPLIT)
        if all(recognisable(w) for w in words):
            pieces.extend(words)
        else:
            pieces.append(plus_part)
    pieces = _rejoin_construct_parts(pieces)
    for strong in pieces:
        if explicit.is_placebo(strong) or known(strong) or find_combination(head_and_aliases(strong)[0]):
            parts.append(strong)
            continue
        alternatives = split_top(strong, _ALT_SPLIT)
        one_drug = "/" not in head_and_aliases(strong)[0]  # "BAY1841788 / darolutamide"
        parts.extend(alternatives if len(alternatives) > 1 and not one_drug
                     and all(recognisable(a) for a in alternatives) else [strong])
    expanded: list[str] = []
    for part in parts:  # "Chemotherapy (Gemcitabine + Carboplatin or Eribulin)": the bracket lists drugs
        inner = PAREN.search(part)
        if inner and explicit.most_specific(part[: inner.start()]):
            listed = [p for p in split_top(inner.group(1), STRONG_SPLIT) if lookup_drug(p)]
            if len(listed) > 1:
                expanded.extend(listed)
                continue
        expanded.append(part)
    return [p for p in expanded if useful(p) and useful(head_and_aliases(p)[0])] or [name]


def _rejoin_construct_parts(pieces: list[str]) -> list[str]:
    """A piece that is a construct part belongs to the cell product before it."""
    out: list[str] = []
    for piece in pieces:
        if out and is_construct_part(piece):
            out[-1] = f"{out[-1]} + {piece}"
        else:
            out.append(piece)
    return out


def _squeeze(text: str) -> str:
    """Runs of white space as one space (what the split and trailer patterns are linear on)."""
    return " ".join(text.split())


def head_and_aliases(text: str) -> tuple[str, tuple[str, ...]]:
    """The component's own name without doses, formulation words and brackets; bracketed aliases
    that name a drug (a lexicon name, a code name, an INN)."""
    aliases = []
    for inner in PAREN.findall(text):
        for alias in re.split(r"\s*[,;]\s*", inner):
            alias = alias.strip()
            if alias and (lookup_drug(alias) or CODE.fullmatch(alias) or _is_inn(alias)):
                aliases.append(alias)
    # Spaces are collapsed after each removal: a pattern led by "\s+" is retried from every space of
    # a run, so the runs a removal leaves ("(a) (a) …", "10 mg 10 mg …") made it quadratic.
    head = _squeeze(PAREN.sub(" ", text))
    head = re.sub(r"\s+-\s+.*$", "", head)  # "Abiraterone - Usual"
    head = _squeeze(DOSE.sub(" ", head))
    head = _TRAILER.sub("", head)
    head = _squeeze(_NOISE.sub(" ", head)).strip(" ,;:-.")
    sides = [side.strip() for side in head.split("/")]
    if len(sides) == 2 and all(sides):  # "BAY1841788 / darolutamide": one drug, its code and its name
        for code, other in (sides, sides[::-1]):
            if CODE.fullmatch(code) and not CODE.match(other) and (lookup_drug(other) or _is_inn(other)):
                return other, (*aliases, code)
    return head, tuple(aliases)


def _is_inn(text: str) -> bool:
    """One or two lower-case words an INN stem classifies ("rilvegostomig", "datopotamab deruxtecan")."""
    words = text.split()
    return 1 <= len(words) <= 2 and all(w.isalpha() for w in words) and classify_inn(text) is not None


@lru_cache(maxsize=65536)
def lexicon_tokens(head: str) -> DrugEntry | None:
    """A lexicon drug named by one or two words of a longer name ("Foster BDP", "High dose Aspirin")."""
    words = fold(head).split()
    found = {lookup_drug(" ".join(words[i:i + n])) for n in (2, 1) for i in range(len(words) - n + 1)}
    found.discard(None)
    return found.pop() if len(found) == 1 else None


def canonical(head: str) -> str:
    code = CODE.match(head)
    if code:
        return code.group(1).strip()
    return head
