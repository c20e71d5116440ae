"""``kg-builder link``: align our graph with other trial graphs, as evidence with a method and a score.

Other graphs come as RDF files (any syntax pyoxigraph or rdflib reads) or SPARQL
endpoint URLs. The matching rules are in :mod:`kg_builder.linking.match`. The result
is an alignment graph, stored in its own named graph of the store
(:data:`LINKS_GRAPH_KEY` under the base) so it can be dropped or replaced, and
optionally written as RDF and as an SSSOM TSV (:mod:`kg_builder.linking.sssom`).

Each link is one direct triple (``ours owl:sameAs|skos:exactMatch|skos:closeMatch|
skos:broadMatch|skos:narrowMatch theirs``) plus a mapping node, reified the OWL-axiom way SSSOM/RDF uses
(``owl:annotatedSource/Property/Target``), carrying ``sssom:mapping_justification``
(a semapv term), ``sssom:confidence``, both labels and a comment saying which
identifier or label decided it. Mapping node IRIs are hashes of the triple: no
blank nodes, and rerunning gives the same IRIs.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store, Triple, parse, serialize

from kg_builder.enrich.explicit import is_placebo
from kg_builder.errors import InputError, UsageError
from kg_builder.iris import IriMinter
from kg_builder.linking.match import Profile, Similarity, keys, profiles, tokens
from kg_builder.linking.qualifiers import condition_close, org_hierarchy
from kg_builder.linking.relations import relation_quads
from kg_builder.linking.sssom import write_sssom
from kg_builder.remote.endpoint import RemoteStore
from kg_builder.vocab import OWL, RDF_TYPE, SKOS, XSD, Namespace

SSSOM = Namespace("https://w3id.org/sssom/")
SEMAPV = Namespace("https://w3id.org/semapv/vocab/")
LINKS_GRAPH_KEY = "links"
CLOSE_THRESHOLD = 0.8  # weighted similarity below which two labels are not linked at all
TOOL = "kg-builder link"


@dataclass(frozen=True, slots=True)
class Link:
    subject: NamedNode  # ours
    predicate: NamedNode
    object: NamedNode  # theirs
    justification: str  # semapv local name
    confidence: float
    subject_label: str
    object_label: str
    kind: str
    comment: str


# --- reading the other graphs --------------------------------------------------------------------

# Extensions pyoxigraph does not know: RDF/XML and JSON under their usual names, and the names of
# our own export formats (``kg-builder export --format nquads -o graph.nquads``).
_EXTRA_FORMATS = {"owl": RdfFormat.RDF_XML, "xml": RdfFormat.RDF_XML, "json": RdfFormat.JSON_LD,
                  "turtle": RdfFormat.TURTLE, "ntriples": RdfFormat.N_TRIPLES, "nquads": RdfFormat.N_QUADS,
                  "rdfxml": RdfFormat.RDF_XML}


_HINT_OTHER = "give RDF files (Turtle, N-Triples, RDF/XML, JSON-LD …) or SPARQL endpoint URLs"


def open_other(source: str) -> Store | RemoteStore:
    """A file (any RDF syntax) loaded into memory, or a SPARQL endpoint read remotely."""
    if source.startswith(("http://", "https://")):
        return RemoteStore(source)
    path = Path(source)
    if not path.is_file():
        raise InputError(f"{source}: no such file", hint=_HINT_OTHER)
    suffix = path.suffix.lstrip(".").lower()
    rdf_format = RdfFormat.from_extension(suffix) or _EXTRA_FORMATS.get(suffix)
    store = Store()
    try:
        if rdf_format is not None:
            store.bulk_extend(q if isinstance(q, Quad) else Quad(q.subject, q.predicate, q.object)
                              for q in parse(path=str(path), format=rdf_format))
        else:  # a syntax pyoxigraph does not read: let rdflib guess, then hand over as N-Triples
            import rdflib

            try:  # a dataset, so that a syntax with named graphs keeps them
                graph = rdflib.Dataset().parse(str(path))
            except Exception as exc:  # rdflib's parsers raise their own types (ParserError, BadSyntax …)
                raise SyntaxError(str(exc)) from exc
            store.bulk_extend(parse(graph.serialize(format="nquads", encoding="utf-8"), RdfFormat.N_QUADS))
    except (SyntaxError, ValueError, OSError) as exc:
        raise InputError(f"{source}: cannot read as RDF: {' '.join(str(exc).split())[:200]}", hint=_HINT_OTHER) from exc
    if not len(store):
        raise InputError(f"{source}: no RDF triples in it", hint=_HINT_OTHER)
    return store


# --- matching ------------------------------------------------------------------------------------

def _study_links(ours: list[Profile], theirs: list[Profile]) -> list[Link]:
    by_primary: dict[str, set[str]] = defaultdict(set)
    by_any: dict[str, set[str]] = defaultdict(set)
    by_org: dict[str, set[str]] = defaultdict(set)
    index = {p.node.value: p for p in ours}
    for p in ours:
        for rid in p.registry_ids:
            by_primary[rid].add(p.node.value)
        for rid in p.registry_ids | p.secondary_ids:
            by_any[rid].add(p.node.value)
        for oid in p.org_ids:
            if len(oid) >= 4 and any(c.isdigit() for c in oid):
                by_org[oid].add(p.node.value)
    sim = Similarity(label for p in (*ours, *theirs) for label in p.labels)
    links = []
    for other in theirs:
        if other.kind not in ("study", None):
            continue
        found: dict[str, tuple[float, str, str]] = {}
        for rid in sorted(other.registry_ids | other.secondary_ids):
            primary_hit = rid in other.registry_ids and by_primary.get(rid)
            for node in by_any.get(rid, ()):
                confidence, how = (1.0, "same primary registry id") if primary_hit and node in by_primary[rid] \
                    else (0.95, "registry id listed as a secondary id")
                if node not in found or found[node][0] < confidence:
                    found[node] = (confidence, "MappingChaining", f"{how}: {rid}")
        if not found and other.kind == "study":
            for oid in other.org_ids:
                for node in by_org.get(oid, ()):
                    score = max((sim.score(a, b) for a in index[node].labels for b in other.labels), default=0)
                    if score >= 0.5:
                        found[node] = (0.85, "CompositeMatching", f"org study id {oid} and title similarity "
                                                                 f"{score:.2f}")
        if len(found) == 1:  # an id that points at two of our studies decides nothing
            node, (confidence, method, comment) = next(iter(found.items()))
            ours_p = index[node]
            links.append(Link(ours_p.node, OWL.sameAs, other.node, method, confidence, ours_p.label,
                              other.label, "study", comment))
    return links


def _concept_links(ours: list[Profile], theirs: list[Profile]) -> list[Link]:
    links: list[Link] = []
    by_id: dict[tuple[str, str], list[Profile]] = defaultdict(list)
    by_key: dict[tuple[str, str], list[tuple[Profile, bool]]] = defaultdict(list)
    for p in ours:
        if p.kind in (None, "study") or (p.kind == "drug" and any(map(is_placebo, p.labels))):
            continue
        for ext in p.external:
            by_id[ext].append(p)
        for text, preferred in [(t, True) for t in p.labels] + [(t, False) for t in p.synonyms]:
            for key in keys(text, p.kind):
                by_key[(p.kind, key)].append((p, preferred))
    sim = Similarity(t for p in (*ours, *theirs) if p.kind not in (None, "study") for t in p.labels | p.synonyms)
    by_token: dict[tuple[str, str], set[int]] = defaultdict(set)
    concept_ours = [p for p in ours if p.kind not in (None, "study") and not any(map(is_placebo, p.labels))]
    for i, p in enumerate(concept_ours):
        for text in p.labels | p.synonyms:
            for token in set(tokens(text)):
                by_token[(p.kind, token)].add(i)
    for other in theirs:
        if other.kind == "study" or (other.kind == "drug" and any(map(is_placebo, other.labels))):
            continue  # a placebo is not a drug concept to align
        decided: set[str] = set()
        for ext in sorted(other.external):  # rule 2: a shared external identifier
            for p in by_id.get(ext, ()):
                if p.node.value not in decided and (other.kind in (None, p.kind)):
                    decided.add(p.node.value)
                    links.append(_concept(p, other, 1.0, "MappingChaining", f"shared {ext[0]}:{ext[1]}"))
        if other.kind is None:
            continue
        for text, preferred in [(t, True) for t in other.labels] + [(t, False) for t in other.synonyms]:
            for key in keys(text, other.kind):  # rule 3: an equal normalised name
                for p, ours_preferred in by_key.get((other.kind, key), ()):
                    if p.node.value in decided:
                        continue
                    decided.add(p.node.value)
                    both = preferred and ours_preferred
                    links.append(_concept(p, other, 0.95 if both else 0.9, "LexicalMatching",
                                          f"{'label' if both else 'synonym'} {key!r}"))
        candidates = set()  # rule 4: similar names, common words set aside
        for text in other.labels | other.synonyms:
            for token in set(tokens(text)):
                candidates |= by_token.get((other.kind, token), set())
        for i in sorted(candidates):
            p = concept_ours[i]
            if p.node.value in decided:
                continue
            link = _similar(p, other, sim)
            if link is not None:
                decided.add(p.node.value)
                links.append(link)
    return links


def _similar(p: Profile, other: Profile, sim: Similarity) -> Link | None:
    """Rule 4: similar names. Conditions must agree on their qualifiers (negations, histology, stage);
    an organisation and a school or hospital of it are broader and narrower, never close; other
    organisations with merely similar names are not linked."""
    scored = sorted(((sim.score(a, b), a, b) for a in p.labels | p.synonyms for b in other.labels | other.synonyms),
                    reverse=True)
    if p.kind == "organization":
        for a in sorted(p.labels):
            for b in sorted(other.labels):
                if (side := org_hierarchy(a, b)) != 0:
                    predicate = SKOS.broadMatch if side > 0 else SKOS.narrowMatch
                    part, whole = (a, b) if side > 0 else (b, a)
                    return Link(p.node, predicate, other.node, "LexicalMatching", 0.8, p.label, other.label,
                                p.kind, f"{part!r} names a part of {whole!r}")
        return None
    for score, a, b in scored:
        if score < CLOSE_THRESHOLD:
            return None
        if p.kind == "condition" and not condition_close(a, b)[0]:
            continue
        return _concept(p, other, round(0.9 * score, 3), "LexicalSimilarityThresholdMatching",
                        f"weighted label similarity {score:.2f}", close=True)
    return None


def _concept(p: Profile, other: Profile, confidence: float, method: str, comment: str,
             close: bool = False) -> Link:
    # a study-local node of ours is evidence about a drug, never the drug itself
    predicate = SKOS.closeMatch if close or p.local else SKOS.exactMatch
    if p.local and not close:
        confidence = min(confidence, 0.9)
        comment += "; ours is a trial's intervention"
    return Link(p.node, predicate, other.node, method, confidence, p.label, other.label, p.kind or "", comment)


def align(our_store, other_stores: list, *, min_confidence: float = 0.0) -> list[Link]:
    """Every link between our store and the other graphs, best first per pair, at or above ``min_confidence``."""
    ours = [p for p in profiles(our_store, ours=True).values() if p.kind]
    ours_by_iri = {p.node.value for p in ours}
    links: dict[tuple[str, str], Link] = {}
    for other_store in other_stores:
        theirs = [p for p in profiles(other_store).values() if p.node.value not in ours_by_iri]
        for link in _study_links(ours, theirs) + _concept_links(ours, theirs):
            key = (link.subject.value, link.object.value)
            if link.confidence >= min_confidence and (key not in links or links[key].confidence < link.confidence):
                links[key] = link
    return sorted(links.values(), key=lambda item: (item.kind, item.subject.value, item.object.value))


# --- output --------------------------------------------------------------------------------------

def alignment_quads(links: list[Link], graph: NamedNode, minter: IriMinter) -> list[Quad]:
    quads = []
    for link in links:
        digest = hashlib.sha256("\n".join((link.subject.value, link.predicate.value, link.object.value))
                                .encode()).hexdigest()[:20]
        mapping = NamedNode(f"{minter.base}{LINKS_GRAPH_KEY}/mapping/{digest}")  # no blank nodes
        quads += [
            Quad(link.subject, link.predicate, link.object, graph),
            Quad(mapping, RDF_TYPE, OWL.Axiom, graph),
            Quad(mapping, OWL.annotatedSource, link.subject, graph),
            Quad(mapping, OWL.annotatedProperty, link.predicate, graph),
            Quad(mapping, OWL.annotatedTarget, link.object, graph),
            Quad(mapping, SSSOM.mapping_justification, SEMAPV[link.justification], graph),
            Quad(mapping, SSSOM.confidence, Literal(f"{link.confidence:.3f}", datatype=XSD.double), graph),
            Quad(mapping, SSSOM.subject_label, Literal(link.subject_label), graph),
            Quad(mapping, SSSOM.object_label, Literal(link.object_label), graph),
            Quad(mapping, SSSOM.mapping_tool, Literal(TOOL), graph),
            Quad(mapping, SSSOM.comment, Literal(link.comment), graph),
        ]
    return quads


@dataclass
class LinkReport:
    """An alignment: the links, the graph they go in and its quads (links plus derived relations)."""

    links: list[Link]
    graph: NamedNode
    quads: list[Quad]
    base: str
    stored: bool = False  # set once the store's links graph holds it

    def counts(self) -> dict[str, int]:
        """Links per predicate local name (``sameAs``, ``exactMatch``, ``closeMatch``)."""
        found: dict[str, int] = {}
        for item in self.links:
            name = item.predicate.value.rsplit("#", 1)[-1]
            found[name] = found.get(name, 0) + 1
        return dict(sorted(found.items()))

    def summary(self) -> str:
        counts = ", ".join(f"{n} {name}" for name, n in self.counts().items()) or "no links"
        return f"{len(self.links)} links: {counts}" + (" (stored in the store's links graph)" if self.stored else "")

    def write_rdf(self, path: str | Path) -> None:
        """The alignment graph as RDF, in the syntax of ``path``'s extension (Turtle when unknown)."""
        rdf_format = RdfFormat.from_extension(Path(path).suffix.lstrip(".")) or RdfFormat.TURTLE
        with open(path, "wb") as handle:
            if rdf_format.supports_datasets:
                serialize(self.quads, handle, rdf_format)
            else:
                serialize([Triple(q.subject, q.predicate, q.object) for q in self.quads], handle, rdf_format,
                          prefixes={"owl": OWL.base, "skos": SKOS.base, "sssom": SSSOM.base,
                                    "semapv": SEMAPV.base})

    def write_sssom(self, path: str | Path) -> None:
        """The links as an SSSOM mapping set (:mod:`kg_builder.linking.sssom`)."""
        with open(path, "w", encoding="utf-8", newline="") as handle:
            write_sssom(self.links, handle, self.base, mapping_set_id=f"{self.base}{LINKS_GRAPH_KEY}/sssom",
                        tool=TOOL)


def link(our_store: Store, others: list[str], *, minter: IriMinter, min_confidence: float = 0.0) -> LinkReport:
    """Align ``our_store`` with ``others`` (RDF files or SPARQL endpoint URLs); nothing is written here."""
    if not others:
        raise UsageError("give at least one other graph (RDF file or SPARQL endpoint URL)")
    if not 0.0 <= min_confidence <= 1.0:
        raise UsageError(f"--min-confidence must be between 0 and 1, not {min_confidence}")
    links = align(our_store, [open_other(o) for o in others], min_confidence=min_confidence)
    graph = minter.graph(LINKS_GRAPH_KEY)
    quads = alignment_quads(links, graph, minter) + relation_quads(our_store, minter.base, graph)
    return LinkReport(links, graph, quads, minter.base)
