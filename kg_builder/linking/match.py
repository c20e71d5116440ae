"""Entity profiles from any trial graph, and the rules that match two sets of profiles.

A profile is what the matcher knows about one node: its kind (study, drug,
condition, organisation), its labels and synonyms, the registry ids and the
external identifiers (``prefix:id``) it carries. :func:`profiles` reads them from
any vocabulary (class and predicate *local names* are the only hints); our own
graph goes through the same reader, so both sides are treated alike.

Rules, strongest first; a pair matched by a rule is not looked at again:

1. studies sharing a registry id (NCT, EudraCT, CTIS, ISRCTN, ChiCTR …) → ``owl:sameAs``;
   an org study id shared with a similar title → ``owl:sameAs`` at lower confidence;
2. concepts sharing an external identifier (DrugBank, ChEBI, MeSH, HGNC …) → ``skos:exactMatch``;
3. concepts of one kind whose normalised label or synonym is equal → ``skos:exactMatch``;
4. concepts of one kind whose labels are similar once common words are set aside →
   ``skos:closeMatch`` with the similarity as confidence (never ``sameAs``).

A study-local node of ours (an intervention, rather than a shared drug node) gets
``skos:closeMatch`` at best: it *uses* the drug, it is not the drug.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from pyoxigraph import BlankNode, Literal, NamedNode, QuerySolutions

from kg_builder.enrich.text import fold
from kg_builder.external_ids import local_id, parse_external, scheme_named
from kg_builder.registry_ids import normalize_registry_id, registry_id_at_end
from kg_builder.vocab import ONTOLOGY

KINDS = ("study", "drug", "condition", "organization")
_KIND_WORDS = (  # class local names → kind (first hit wins; "ClinicalTrial" before "Drug…")
    ("study", re.compile(r"trial|study", re.I)),
    ("drug", re.compile(r"drug|chemical|compound|substance|medication|medicine|pharma\w*product", re.I)),
    ("condition", re.compile(r"condition|disease|disorder|indication|syndrome|neoplasm", re.I)),
    ("organization", re.compile(r"organi[sz]ation|sponsor|agency|institution|company|collaborator", re.I)),
)
_LABEL_PREDICATE = re.compile(r"^(label|preflabel|name|title|brieftitle|officialtitle|term)$", re.I)
_SYNONYM_PREDICATE = re.compile(r"^(altlabel|synonym|othername|alias|brandname|hiddenlabel|exactsynonym)$", re.I)
_PARENTHESIS = re.compile(r"\s*\([^)]*\)")
_BRACKET_SUFFIX = re.compile(r"\s*\[[^\]]*\]\s*$")  # Bio2RDF labels end in "[prefix:id]"
_ORG_SUFFIX = re.compile(r"\b(inc|incorporated|ltd|limited|llc|gmbh|ag|sa|s a|spa|plc|co|corp|corporation|"
                         r"company|kg|bv|nv|pty|srl|ab|as|oy|kk)\b")
_DRUG_NOISE = re.compile(r"\b(hydrochloride|hcl|mesylate|sodium|acetate|citrate|sulfate|phosphate|injection|"
                         r"tablets?|capsules?|infusion|oral|iv)\b")
STOP_WORDS = frozenset([
    "a", "an", "and", "or", "of", "the", "in", "on", "for", "with", "without", "to", "by", "at", "from",
    "vs", "versus", "s",
])
# Words that say what kind of thing a name is, not which one: they weigh little, and never link alone.
COMMON_WORDS = frozenset([
    "cancer", "cancers", "carcinoma", "tumor", "tumour", "tumors", "tumours", "neoplasm", "neoplasms",
    "disease", "diseases", "disorder", "disorders", "syndrome", "syndromes", "advanced", "metastatic",
    "recurrent", "refractory", "relapsed", "locally", "stage", "type", "chronic", "acute", "severe",
    "mild", "moderate", "primary", "secondary", "solid", "cell", "cells", "malignant", "adult",
    "pediatric", "childhood", "drug", "drugs", "therapy", "treatment", "placebo", "injection", "tablet",
    "dose", "oral", "study", "trial", "university", "hospital", "hospitals", "center", "centre",
    "institute", "foundation", "group", "clinic", "clinical", "research", "medical", "pharmaceuticals",
    "pharmaceutical", "pharma", "inc", "ltd", "llc", "co", "corporation", "company", "national",
    "health", "sciences",
])


@dataclass
class Profile:
    node: NamedNode
    kind: str | None = None
    labels: set[str] = field(default_factory=set)  # preferred labels / titles, as written
    synonyms: set[str] = field(default_factory=set)
    registry_ids: set[str] = field(default_factory=set)  # primary: in the node's IRI or a registry-id field
    secondary_ids: set[str] = field(default_factory=set)
    org_ids: set[str] = field(default_factory=set)  # sponsor-issued study ids (not globally unique)
    external: set[tuple[str, str]] = field(default_factory=set)  # (prefix, id)
    local: bool = False  # a study-local node of ours (intervention), not a shared concept

    @property
    def label(self) -> str:
        return min(self.labels or self.synonyms or {self.node.value}, key=lambda t: (len(t), t))


def local_name(iri: str) -> str:
    return re.split(r"[/#:]", iri.rstrip("/#"))[-1]


def _kind_of(type_name: str) -> str | None:
    for kind, pattern in _KIND_WORDS:
        if pattern.search(type_name):
            return kind
    return None


# An IRI object names its subject only under an identity predicate (owl:sameAs, skos:exactMatch, a
# close match, a cross-reference). These relate the subject to another thing: a tree (MeSH ancestors, SKOS broader or
# narrower, browse leaves and branches, subclasses), a related match, or a record's index terms
# (kg:conditionMesh): Asthma's MeSH ancestor Hypersensitivity is not an identifier of Asthma.
_RELATION_PREDICATE = re.compile(
    r"ancestor|broad|narrow|parent|child|subclass|subproperty|browse|leaf|branch|related|seealso"
    r"|mesh$", re.IGNORECASE)


def profiles(store, *, ours: bool = False) -> dict[str, Profile]:
    """Profiles of every IRI subject of ``store`` (a pyoxigraph Store or a RemoteStore), any vocabulary."""
    found: dict[str, Profile] = {}
    result = store.query("SELECT ?s ?p ?o WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }")
    assert isinstance(result, QuerySolutions)
    types: dict[str, list[str]] = defaultdict(list)
    mentions: set[str] = set()  # nodes that mention a drug (a trial's use of it), not the drug
    intervention_types: dict[str, str] = {}
    secondary_edges: list[tuple[str, str]] = []
    for row in result:
        subject, predicate, obj = row["s"], row["p"], row["o"]
        if not isinstance(subject, NamedNode) or isinstance(obj, BlankNode):
            continue
        profile = found.get(subject.value) or found.setdefault(subject.value, Profile(subject))
        pname = local_name(predicate.value)
        if pname == "type" and isinstance(obj, NamedNode):
            types[subject.value].append(local_name(obj.value))
        elif isinstance(obj, Literal):
            _literal(profile, pname, obj.value)
        elif isinstance(obj, NamedNode):
            if pname == "interventionType":
                intervention_types[subject.value] = local_name(obj.value)
            elif pname == "mentionOf":
                mentions.add(subject.value)
            elif pname == "secondaryIdentifier":
                secondary_edges.append((subject.value, obj.value))
            parsed = parse_external(obj.value)
            if parsed and parsed[0] == "clinicaltrials":
                profile.registry_ids.add(parsed[1])
            elif parsed and not _RELATION_PREDICATE.search(pname):
                profile.external.add(parsed)
    for iri, profile in found.items():
        parsed = parse_external(iri)
        if parsed is not None and parsed[0] != "clinicaltrials":
            profile.external.add(parsed)
        rid = registry_id_at_end(iri)
        if rid is not None and not ours:
            profile.registry_ids.add(rid.value)
        for type_name in types.get(iri, ()):
            profile.kind = profile.kind or _kind_of(type_name)
        if ours and "Facility" in types.get(iri, ()):
            profile.kind = None  # a site record (facility in a city), not the organisation itself
        if ours and "OrganizationMention" in types.get(iri, ()):
            profile.kind = None  # one record's spelling of its sponsor: the shared organisation stands for it
        elif iri in mentions or any(t.endswith("Mention") for t in types.get(iri, ())):
            # a trial's mention of a drug (ours or another kg-builder graph's): the drug is the node it
            # mentions; ours may stand in for a drug when a graph has no drug nodes, theirs never does
            profile.kind, profile.local = ("drug", True) if ours else (None, True)
        if ours and "Intervention" in types.get(iri, ()):
            # study-local: a drug only when the registry says so; never more than a close match
            profile.kind = "drug" if intervention_types.get(iri) in ("DRUG", "BIOLOGICAL") else None
            profile.local = True
        if profile.kind is None and not ours:
            profile.kind = _kind_from_ids(profile)
    if ours and any("Drug" in names for names in types.values()):
        # shared drug nodes (enrichment) stand for the drugs: trial-local mentions would only repeat them
        for profile in found.values():
            if profile.local:
                profile.kind = None
    for owner, identifier in secondary_edges:  # our secondary ids sit on their own nodes
        if owner in found and identifier in found:
            found[owner].secondary_ids |= found[identifier].registry_ids | found[identifier].secondary_ids
    return {iri: p for iri, p in found.items()
            if not iri.startswith(ONTOLOGY) and (p.kind or p.external or p.registry_ids)}


def _kind_from_ids(profile: Profile) -> str | None:
    prefixes = {prefix for prefix, _ in profile.external}
    if prefixes & {"drugbank", "chebi", "atc"}:
        return "drug"
    if profile.registry_ids and registry_id_at_end(profile.node.value):
        return "study"
    return None


def _literal(profile: Profile, pname: str, value: str) -> None:
    lowered = pname.casefold()
    if _LABEL_PREDICATE.match(lowered):
        profile.labels.add(value)
        return
    if _SYNONYM_PREDICATE.match(lowered):
        profile.synonyms.add(value)
        return
    if len(value) > 80:
        return
    rid = normalize_registry_id(value)
    if rid is not None:
        (profile.secondary_ids if _is_secondary(lowered) else profile.registry_ids).add(rid.value)
        return
    if lowered in ("orgstudyid", "org_study_id", "sponsorprotocolid", "protocolid", "sponsorid"):
        profile.org_ids.add(plain_words(value))
        return
    scheme = scheme_named(pname)
    if ":" in value and (parsed := _curie(value)) is not None:
        (profile.registry_ids if parsed[0] == "clinicaltrials" else profile.external).add(
            parsed[1] if parsed[0] == "clinicaltrials" else parsed)
    elif scheme and scheme != "clinicaltrials" and (local := local_id(scheme, value)) is not None:
        profile.external.add((scheme, local))


def _is_secondary(pname: str) -> bool:
    return any(word in pname for word in ("secondary", "eudract", "other", "alias", "ctis", "isrctn", "chictr",
                                          "identifiervalue"))


def _curie(value: str) -> tuple[str, str] | None:
    prefix, _, rest = value.strip().partition(":")
    scheme = scheme_named(prefix)
    if scheme is None:
        return None
    local = local_id(scheme, rest) or local_id(scheme, value.strip())
    return (scheme, local) if local else None


# --- text ----------------------------------------------------------------------------------------

def plain_words(text: str) -> str:
    """A name as plain words for matching: :func:`~kg_builder.enrich.text.fold`, then without a trailing
    ``[prefix:id]`` (Bio2RDF labels), accents or punctuation (other graphs write names in ASCII)."""
    folded = fold(_BRACKET_SUFFIX.sub("", unicodedata.normalize("NFKC", text)))
    ascii_form = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode() or folded
    return " ".join(re.sub(r"[^\w+]+", " ", ascii_form).split())


def keys(text: str, kind: str | None) -> set[str]:
    """Normalised forms of a name that count as the same name."""
    base = " ".join(t for t in plain_words(text).split() if t not in STOP_WORDS)
    forms = {base, " ".join(t for t in plain_words(_PARENTHESIS.sub(" ", text)).split() if t not in STOP_WORDS)}
    if kind == "organization":
        forms.add(" ".join(_ORG_SUFFIX.sub(" ", base).split()))
    if kind == "drug":
        forms.add(" ".join(_DRUG_NOISE.sub(" ", base).split()))
    if kind == "condition" and "," in text:
        head, _, tail = _BRACKET_SUFFIX.sub("", text).partition(",")
        forms.add(plain_words(f"{tail} {head}"))  # MeSH's inverted "Dermatitis, Atopic"
    return {f for f in forms if f}


_SAME_WORD = {w: "neoplasm" for w in [
    "cancer", "cancers", "neoplasm", "neoplasms", "tumor", "tumors", "tumour", "tumours",
]}
_COMMON_WEIGHT = 0.6


def tokens(text: str) -> list[str]:
    """Words of a name that can tell it apart, common ones included (they weigh less, see Similarity)."""
    return [_SAME_WORD.get(t, t) for t in plain_words(text).split() if t not in STOP_WORDS]


class Similarity:
    """IDF-weighted token overlap over both graphs' names: rare shared words count, common ones barely."""

    def __init__(self, names: Iterable[str]) -> None:
        df: Counter[str] = Counter()
        total = 0
        for name in names:
            total += 1
            df.update(set(tokens(name)))
        self.idf = {t: math.log((1 + total) / (1 + n)) + 1 for t, n in df.items()}
        self.default = math.log(1 + total) + 1

    def weight(self, token: str) -> float:
        common = token in COMMON_WORDS or token == "neoplasm"
        return self.idf.get(token, self.default) * (_COMMON_WEIGHT if common else 1.0)

    def score(self, a: str, b: str) -> float:
        """Weighted Dice of the two names' words: both must be mostly made of the shared words,
        and at least one shared word must be an uncommon one."""
        ta, tb = set(tokens(a)), set(tokens(b))
        shared = ta & tb
        if not any(t not in COMMON_WORDS and t != "neoplasm" for t in shared):
            return 0.0
        total = sum(map(self.weight, ta)) + sum(map(self.weight, tb))
        return 2 * sum(map(self.weight, shared)) / total
