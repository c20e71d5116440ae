"""Interventions → the drugs they name, each classified with the rule that decided it.

Evidence, strongest first: (1) class words in the intervention's own name or other
names, (2) WHO INN stems, (3) the curated lexicon, (4) class words in its description,
(5) the intervention type. A later rule may only *refine* an earlier one within the
same family (an ``-mab`` the lexicon knows as bispecific; a small molecule it knows
as cytotoxic), never overturn it. Every intervention gets a class, "UNKNOWN" at worst.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kg_builder.enrich import explicit
from kg_builder.enrich.inn import classify_inn
from kg_builder.enrich.lexicon import DrugEntry, lookup_drug
from kg_builder.enrich.targets import find_targets
from kg_builder.enrich.text import clean, compact, fold
from kg_builder.model import Intervention, MeshTerm

# Rule codes (concepts in ontology/codelists/class-rule.ttl).
EXPLICIT_NAME, INN, LEXICON = "EXPLICIT_NAME", "INN_STEM", "LEXICON"
EXPLICIT_DESCRIPTION = "EXPLICIT_DESCRIPTION"
EXPLICIT_RECORD = "EXPLICIT_RECORD"
PLACEBO, INTERVENTION_TYPE, NO_EVIDENCE = "PLACEBO", "INTERVENTION_TYPE", "NO_EVIDENCE"

_REFINES = {
    "MONOCLONAL_ANTIBODY": frozenset({"ADC", "BISPECIFIC_ANTIBODY", "RADIOPHARMACEUTICAL", "OTHER_BIOLOGIC"}),
    "SMALL_MOLECULE": frozenset({"CHEMOTHERAPY", "HORMONAL"}),
}
_DRUG_TYPES = frozenset({"DRUG", "BIOLOGICAL", "COMBINATION_PRODUCT", "GENETIC", "DIETARY_SUPPLEMENT"})
_NON_DRUG_TYPES = frozenset({"DEVICE", "PROCEDURE", "BEHAVIORAL", "RADIATION", "DIAGNOSTIC_TEST"})

# Component separators at bracket depth 0. "+" (with a space on one side: "hAd5-S+N" is one name)
# always splits; words and commas split only when every piece names something ("GPC3, Mesothelin …
# targeting CAR-T cells" is one product, "Surgery or Treatment by Heart Catheter" one procedure).
_PLUS_SPLIT = re.compile(r"\s+\+\s*|\s*\+\s+")
_WORD_SPLIT = re.compile(
    r"\s*[,;]\s+|\s*[,;](?=[A-Za-z])|\s+&\s+|"
    r"\s+(?:in combination with|combined with|followed by|combined|plus|with|and/or|and|or|vs\.?|versus)\s+",
    re.IGNORECASE,
)
_STRONG_SPLIT = re.compile(_PLUS_SPLIT.pattern + "|" + _WORD_SPLIT.pattern, re.IGNORECASE)
_ALT_SPLIT = re.compile(r"\s*/\s*")
_DOSE = re.compile(
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
_CODE = re.compile(r"^([A-Za-z]{1,7}[- ]?\d{2,}[A-Za-z0-9-]*|[A-Za-z]{2,6}\d[A-Za-z0-9]*-\d+[A-Za-z0-9-]*)")
_RD_CODE = re.compile(r"(?:R&D code|code name|code)\s*[:：]\s*([A-Za-z0-9][\w-]*[A-Za-z0-9])", re.IGNORECASE)
_PAREN = re.compile(r"\(([^()]*)\)")
_SENTENCE = re.compile(r"\b(?:is|are) (?:an?|the)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Component:
    """One drug (or placebo, or class phrase) named by an intervention."""

    text: str  # as written in the intervention
    name: str | None  # canonical drug name; None when it names no drug (placebo, "chemotherapy")
    kind: str  # drug / placebo / generic / unrecognised / non-drug
    drug_class: str
    rule: str
    evidence: tuple[str, ...]
    targets: tuple[str, ...] = ()
    target_evidence: tuple[str, ...] = ()
    entry: DrugEntry | None = None


def intervention_classes(components: tuple[Component, ...]) -> tuple[str, ...]:
    """The intervention's class(es): its drugs' classes; placebo only when nothing else."""
    active = [c.drug_class for c in components if c.kind != "placebo"]
    chosen = active or [c.drug_class for c in components]
    return tuple(dict.fromkeys(chosen))


def analyse(intervention: Intervention, context: str | None = None) -> tuple[Component, ...]:
    """The drugs of one intervention; ``context`` is the record's title/summary text, read for
    what it says about a drug the intervention itself leaves unexplained."""
    return _analyse(intervention.name, intervention.type, intervention.description,
                    tuple(intervention.other_names), context)


@lru_cache(maxsize=32768)
def _analyse(name: str, type_: str | None, description: str | None,
             other_names: tuple[str, ...], context: str | None = None) -> tuple[Component, ...]:
    name = clean(name)
    description = clean(description) if description else None
    others = tuple(clean(o) for o in other_names if o and o.strip())
    code = _RD_CODE.search(name)
    sentence = _SENTENCE.search(name)  # "GEN1044 is an IgG1 bispecific antibody targeting CD3 and 5T4."
    parts = [name] if _known(name) or code or sentence else _split_components(name)
    single = len(parts) == 1
    components: list[Component] = []
    seen: set[str] = set()
    for part in parts:
        component = _component(part, type_, description if single else None, others if single else (),
                               code.group(1) if code else None, description, context)
        key = component.name or component.text
        if key in seen:
            continue
        seen.add(key)
        components.append(component)
    return tuple(components)


def _known(text: str) -> bool:
    return lookup_drug(text) is not None or lookup_drug(_head_and_aliases(text)[0]) is not None


def _recognisable(part: str) -> bool:
    head = _head_and_aliases(part)[0] or part
    return bool(explicit.is_placebo(part) or _known(part) or classify_inn(head) or _CODE.match(head)
                or explicit.most_specific(part) or _lexicon_tokens(head))


def _split_components(name: str) -> list[str]:
    parts: list[str] = []
    pieces = []
    for plus_part in _split_top(_squeeze(_DOSE.sub(" ", name)), _PLUS_SPLIT):
        words = _split_top(plus_part, _WORD_SPLIT)
        pieces.extend(words if all(_recognisable(w) for w in words) else [plus_part])
    for strong in pieces:
        if explicit.is_placebo(strong) or _known(strong):
            parts.append(strong)
            continue
        alternatives = _split_top(strong, _ALT_SPLIT)
        parts.extend(alternatives if len(alternatives) > 1 and all(_recognisable(a) for a in alternatives)
                     else [strong])
    expanded: list[str] = []
    for part in parts:  # "Chemotherapy (Gemcitabine + Carboplatin or Eribulin)": the bracket lists drugs
        inner = _PAREN.search(part)
        if inner and explicit.most_specific(part[: inner.start()]):
            listed = [p for p in _split_top(inner.group(1), _STRONG_SPLIT) if lookup_drug(p)]
            if len(listed) > 1:
                expanded.extend(listed)
                continue
        expanded.append(part)
    return [p for p in expanded if _useful(p) and _useful(_head_and_aliases(p)[0])] or [name]


def _useful(part: str) -> bool:
    return bool(re.search(r"[A-Za-z]{2,}|[A-Za-z]\d", part))


def _split_top(text: str, pattern: re.Pattern[str]) -> list[str]:
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


def _component(text: str, type_: str | None, description: str | None, others: tuple[str, ...],
               code: str | None, whole_description: str | None = None,
               context: str | None = None) -> Component:
    if explicit.is_placebo(text):
        return Component(text, None, "placebo", "OTHER", PLACEBO, (f"placebo: {text!r}",))
    head, aliases = _head_and_aliases(text)
    head = head or text
    if description is None and whole_description:  # "AZD8205 is an antibody drug conjugate …"
        description = _sentence_about(head, whole_description)
    entry = _lexicon(head, aliases, others, text)
    candidates: list[tuple[str, str, str]] = []  # (class, rule, evidence) in priority order
    for source in (text, *others):
        found = explicit.most_specific(source)
        if found:
            where = "name" if source is text else "other name"
            candidates.append((found[0], EXPLICIT_NAME, f"{found[1]} in {where}"))
            break
    # other names are often brands ("CellCept" is no -cept fusion protein): read only without a lexicon hit
    for source in (head, *aliases, *(others if entry is None else ())):
        found = classify_inn(source)
        if found:
            candidates.append((found[0], INN, found[1]))
            break
    if entry is not None:
        candidates.append((entry.drug_class, LEXICON, f"lexicon: {entry.name}"))
    if description and (type_ is None or type_ in _DRUG_TYPES):
        found = explicit.earliest(description)
        if found:
            candidates.append((found[0], EXPLICIT_DESCRIPTION, f"{found[1]} in description"))
    if not candidates and context and type_ in _DRUG_TYPES:
        candidates.extend(_from_record(code or head, context))
    drug_class, rule, evidence = _decide(candidates)
    kind = _kind(head, entry, candidates, drug_class, rule, type_)
    if rule == NO_EVIDENCE and type_ in _NON_DRUG_TYPES:
        drug_class, rule, evidence = "OTHER", INTERVENTION_TYPE, (f"intervention type {type_}",)
    name = None
    if kind == "drug":
        name = entry.name if entry else (code or _canonical(head))
    targets, target_evidence = _targets(entry, drug_class, text, others, description)
    return Component(text, name, kind, drug_class, rule, evidence, targets, target_evidence, entry)


def _decide(candidates: list[tuple[str, str, str]]) -> tuple[str, str, tuple[str, ...]]:
    if not candidates:
        return "UNKNOWN", NO_EVIDENCE, ("no rule matched",)
    cls, rule, first = candidates[0]
    evidence = [first]
    for later_cls, _later_rule, later_evidence in candidates[1:]:
        if later_cls == cls:
            evidence.append(later_evidence)
        elif later_cls in _REFINES.get(cls, ()):
            cls = later_cls
            evidence.append(f"refined by {later_evidence}")
    return cls, rule, tuple(dict.fromkeys(evidence))


def _kind(head: str, entry: DrugEntry | None, candidates: list[tuple[str, str, str]], drug_class: str,
          rule: str, type_: str | None) -> str:
    if entry is not None or any(r == INN for _c, r, _e in candidates):
        return "drug"
    if type_ in _NON_DRUG_TYPES:
        return "non-drug"
    if _CODE.match(head):
        return "drug"
    if rule == EXPLICIT_NAME and explicit.is_generic_class(drug_class):
        return "generic"
    if rule == EXPLICIT_NAME or (type_ in _DRUG_TYPES and len(head.split()) <= 2 and _useful(head)):
        return "drug"
    return "unrecognised"


def _squeeze(text: str) -> str:
    """Runs of white space as one space (what the split and trailer patterns are linear on)."""
    return " ".join(text.split())


def _head_and_aliases(text: str) -> tuple[str, tuple[str, ...]]:
    """The component's own name without doses, formulation words and brackets; bracketed aliases."""
    aliases = []
    for inner in _PAREN.findall(text):
        for alias in re.split(r"\s*[,;]\s*", inner):
            if (alias and lookup_drug(alias)) or _CODE.fullmatch(alias.strip()):
                aliases.append(alias.strip())
    # Spaces are collapsed after each removal: a pattern led by "\s+" is retried from every space of
    # a run, so the runs a removal leaves ("(a) (a) …", "10 mg 10 mg …") made it quadratic.
    head = _squeeze(_PAREN.sub(" ", text))
    head = re.sub(r"\s+-\s+.*$", "", head)  # "Abiraterone - Usual"
    head = _squeeze(_DOSE.sub(" ", head))
    head = _TRAILER.sub("", head)
    head = _squeeze(_NOISE.sub(" ", head)).strip(" ,;:-.")
    return head, tuple(aliases)


@lru_cache(maxsize=65536)
def _lexicon_tokens(head: str) -> DrugEntry | None:
    """A lexicon drug named by one or two words of a longer name ("Foster BDP", "High dose Aspirin")."""
    words = fold(head).split()
    found = {lookup_drug(" ".join(words[i:i + n])) for n in (2, 1) for i in range(len(words) - n + 1)}
    found.discard(None)
    return found.pop() if len(found) == 1 else None


def _lexicon(head: str, aliases: tuple[str, ...], others: tuple[str, ...],
             text: str = "") -> DrugEntry | None:
    for candidate in (head, *aliases):
        entry = lookup_drug(candidate)
        if entry:
            return entry
    entry = _lexicon_tokens(head) or _lexicon_tokens(" ".join(_PAREN.findall(text)))
    if entry:
        return entry
    for other in others:  # other names: brand or INN of a code-named drug
        entry = lookup_drug(other)
        if entry:
            return entry
    return None


def _from_record(head: str, context: str) -> list[tuple[str, str, str]]:
    """What the record's title and summaries say about a drug: "tomivosertib (eFT508)",
    "HS-20093 is a … antibody-drug conjugate", "the CD73 inhibitor LY3475070"."""
    if len(head) < 3 or head.casefold() not in context.casefold():
        return []
    name = re.escape(head)
    # The alias starts a word and its letters are taken whole (possessive): tried at every letter of a
    # long run of letters, "[A-Za-z][a-z]{5,}" rescanned the run each time (quadratic).
    for pattern in (rf"\b([A-Za-z][a-z]{{5,}}+)\s*\(\s*{name}\s*\)",
                    rf"{name}\s*\(\s*([A-Za-z][a-z]{{5,}})\s*\)"):
        for alias in re.findall(pattern, context, re.IGNORECASE):
            entry = lookup_drug(alias)
            found = (entry.drug_class, f"lexicon: {entry.name}") if entry else classify_inn(alias)
            if found:
                return [(found[0], EXPLICIT_RECORD, f"record calls it {alias!r}; {found[1]}")]
    clause = _sentence_about(head, context)
    if clause is None:
        match = re.search(rf"{name},\s+(?:an?|the)\s+[^.;,]+", context, re.IGNORECASE)
        clause = match.group(0) if match else None
    if clause:
        found = explicit.earliest(clause)
        if found:
            return [(found[0], EXPLICIT_RECORD, f"{found[1]} about {head!r} in the record")]
    # Words start after a space and are taken whole: "\S+" tried from every letter of a long word was n².
    match = re.search(rf"(?<!\S)((?:\S++\s+){{1,3}}){name}\b", context, re.IGNORECASE)
    if match:
        found = explicit.most_specific(match.group(1))
        if found and found[0] not in ("CHEMOTHERAPY", "HORMONAL"):
            return [(found[0], EXPLICIT_RECORD, f"{found[1]} before {head!r} in the record")]
    return []


def _sentence_about(head: str, description: str) -> str | None:
    """The "<name> is a …" clause of a description shared by several drugs, if it has one."""
    if len(head) < 3:
        return None
    match = re.search(re.escape(head) + r"\s*(?:\([^)]*\))?\s+(?:is|are)\s+(?:an?|the)\s+[^.;]+",
                      description, re.IGNORECASE)
    return match.group(0) if match else None


def _canonical(head: str) -> str:
    code = _CODE.match(head)
    if code:
        return code.group(1).strip()
    return head


def _targets(entry: DrugEntry | None, drug_class: str, text: str, others: tuple[str, ...],
             description: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if entry is not None and entry.targets:
        return entry.targets, tuple(f"lexicon: {entry.name}" for _ in entry.targets)
    if drug_class in ("CHEMOTHERAPY", "HORMONAL", "OTHER"):
        return (), ()
    found: dict[str, str] = {}
    for source, where in ((text, "name"), *((o, "other name") for o in others),
                          ((description, "description") if description else ("", ""))):
        for symbol, phrase in find_targets(source):
            found.setdefault(symbol, f"matched {phrase!r} in {where}")
    return tuple(found), tuple(found.values())


def mesh_for(component: Component, meshes: list[MeshTerm]) -> list[MeshTerm]:
    """The record's intervention MeSH terms that name this drug (name or lexicon synonym)."""
    if component.name is None:
        return []
    keys = {compact(component.name), compact(component.text)}
    if component.entry is not None:
        keys.update(compact(s) for s in (component.entry.name, *component.entry.synonyms))
    out = []
    for mesh in meshes:
        if compact(mesh.term) in keys:
            out.append(mesh)
            continue
        entry = lookup_drug(mesh.term)
        if entry is not None and component.entry is entry:
            out.append(mesh)
    return out
