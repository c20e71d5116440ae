"""What makes two similar names name different things: qualifiers a similarity score cannot see.

Conditions: "small cell" and "non-small cell lung cancer" share every uncommon word, yet are
different diseases. Two condition names may be a ``skos:closeMatch`` only when they agree on

- negations ("non-small", "non-squamous", "HER2-negative", "without …");
- histology and subtype words (squamous, adenocarcinoma, small cell, ductal, serous …);
- stage and grade numbers ("stage II" is not "stage III");
- being a disease at all ("Prostate" names an organ, "Prostate cancer" a disease);
- having no distinctive word on one side only ("obstructive sleep apnea" is a kind of "sleep
  apnea", narrower, not close); initialisms of the name's own words ("NSCLC", "TNBC") and
  disease-state words (metastatic, recurrent, advanced …) do not count as such words.

Organisations: a school, department or hospital of a university is not the university.
:func:`org_hierarchy` says which side is the part, for ``skos:broadMatch``/``narrowMatch``.
"""

from __future__ import annotations

import re
import unicodedata

from kg_builder.linking.match import COMMON_WORDS, STOP_WORDS, plain_words

_NEGATIONS = frozenset({"non", "not", "no", "without", "un", "never"})
_POLARITY = frozenset({"negative", "positive", "low", "high", "mutant", "mutated", "wild", "amplified",
                       "deficient", "proficient", "sensitive", "resistant", "dependent", "independent"})
_HISTOLOGY = frozenset({
    "small", "large", "squamous", "adenocarcinoma", "adenosquamous", "ductal", "lobular", "serous",
    "mucinous", "clear", "papillary", "follicular", "medullary", "anaplastic", "transitional", "urothelial",
    "neuroendocrine", "sarcomatoid", "endometrioid", "signet", "basal", "luminal", "triple", "inflammatory",
    "germ", "hodgkin", "myeloid", "lymphoid", "lymphoblastic", "lymphocytic", "myelogenous", "epithelial",
    "stromal", "spindle", "cribriform", "acinar", "hepatocellular", "cholangiocarcinoma", "obstructive",
    "atopic", "allergic", "type",
})
# Abbreviations written out, so that "NSCLC" carries the negation of "non-small cell".
_EXPANSIONS = {
    "nsclc": "non small cell lung cancer", "sclc": "small cell lung cancer", "tnbc": "triple negative breast cancer",
    "sqnsclc": "squamous non small cell lung cancer", "hcc": "hepatocellular carcinoma",
    "escc": "esophageal squamous cell carcinoma", "hnscc": "head neck squamous cell carcinoma",
    "scchn": "squamous cell carcinoma head neck", "aml": "acute myeloid leukemia",
    "cll": "chronic lymphocytic leukemia", "cml": "chronic myeloid leukemia",
}
_STAGE = re.compile(r"\b(stage|grade|type|class|phase)\s+([0iv]+|\d+)([abc]?)\b")
_DISEASE_WORD = re.compile(
    r"(cancer|carcinoma|neoplasm|tumou?r|disease|disorder|syndrome|sarcoma|leuka?emia|lymphoma|myeloma|"
    r"infection|injury|failure|insufficiency|deficiency|oma|itis|emia|osis|pathy|algia|ia|ism|plegia|"
    r"trophy|sis|caries|apnea|apnoea|pain|fever|recurrence|metastas[ie]s|hypersensitivity|allergy|asthma|"
    r"urticaria|diabetes|obesity|hypertension|malaria|covid|depression|anxiety|fracture)s?$")
_VAGUE = re.compile(r"^(other|others|unspecified|miscellaneous|various)\b")
_STATE_WORDS = frozenset({
    "metastatic", "recurrent", "refractory", "relapsed", "advanced", "locally", "unresectable", "early",
    "late", "newly", "diagnosed", "persistent", "progressive", "resectable", "high", "risk", "first", "line",
    "previously", "treated", "untreated", "naive", "de", "novo",
})


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text)
    words: list[str] = []
    for word in plain_words(text).split():
        words.extend(_EXPANSIONS.get(word, word).split())
    return words


def condition_signature(text: str) -> frozenset[str]:
    """The negations, polarities, histology words and stage numbers of a condition name."""
    words = _words(re.sub(r"\([^)]*\)", " ", text)) or _words(text)
    found: set[str] = set()
    for i, word in enumerate(words):
        if word in _NEGATIONS and i + 1 < len(words):
            found.add(f"not-{words[i + 1]}")
        elif word in _POLARITY and i > 0:
            found.add(f"{words[i - 1]}-{word}")
        elif word in _HISTOLOGY and not (i > 0 and words[i - 1] in _NEGATIONS):
            found.add(word)
    for match in _STAGE.finditer(" ".join(words)):
        found.add(f"{match.group(1)}-{match.group(2)}{match.group(3)}")
    return frozenset(found)


def _is_disease(words: list[str]) -> bool:
    return any(_DISEASE_WORD.search(w) for w in words)


def _distinctive(text: str) -> set[str]:
    """Uncommon words of a name, without bracketed parts, initialisms and disease-state words."""
    words = [w for w in _words(re.sub(r"\([^)]*\)", " ", text)) if w not in STOP_WORDS]
    initials = {w[0] for w in words}
    out = set()
    for word in words:
        if word in COMMON_WORDS or word in _STATE_WORDS or word in _NEGATIONS or word.isdigit():
            continue
        if len(word) <= 6 and set(word) <= initials and len(words) > len(word):
            continue  # "mCRPC, Metastatic Castration Resistant Prostate Cancer": the initialism repeats the name
        out.add(word)
    return out


def condition_close(a: str, b: str) -> tuple[bool, str]:
    """Whether two condition names that look alike may be a close match, and why not when not."""
    if _VAGUE.match(plain_words(a)) or _VAGUE.match(plain_words(b)):
        return False, "a vague name ('other …')"
    if _is_disease(_words(a)) != _is_disease(_words(b)):
        return False, "one names a disease, the other a body part or thing"
    sig_a, sig_b = condition_signature(a), condition_signature(b)
    if sig_a != sig_b:
        return False, f"qualifiers differ: {sorted(sig_a ^ sig_b)}"
    da, db = _distinctive(a), _distinctive(b)
    if da != db and (da < db or db < da):
        return False, f"one is narrower: {sorted(da ^ db)}"
    return True, ""


_UNIT_WORDS = frozenset({
    "school", "faculty", "college", "department", "dept", "division", "institute", "center", "centre",
    "hospital", "clinic", "laboratory", "laboratories", "lab", "unit", "program", "programme", "campus",
    "branch", "affiliated",
})
_INSTITUTION_WORDS = frozenset({"university", "universite", "universitat", "universidad", "universita",
                                "college", "hospital", "institute", "school", "system", "network"})


def _org_words(text: str) -> set[str]:
    return {w for w in plain_words(text).split() if w not in STOP_WORDS}


def org_hierarchy(a: str, b: str) -> int:
    """+1 when organisation ``a`` is a part of ``b`` (a school, department or hospital of it), -1 when
    ``b`` is a part of ``a``, 0 when neither name says so."""
    wa, wb = _org_words(a), _org_words(b)
    for part, whole, sign in ((wa, wb, 1), (wb, wa, -1)):
        core = {w for w in whole if w not in COMMON_WORDS and w not in _INSTITUTION_WORDS}
        extra = part - whole
        if core and core <= part and extra & _UNIT_WORDS and extra - _UNIT_WORDS - COMMON_WORDS:
            return sign
    return 0
