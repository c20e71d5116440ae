"""The work a query worker does against one opened store: run, cap, serialise.

Runs inside a worker process (see :mod:`kg_builder.server.worker`) and is plain
functions of a pyoxigraph Store, so tests can call it in-process. Every function
returns a :class:`Reply`; failures the client caused are Replies with an error.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Store,
    Triple,
    serialize,
)

from kg_builder.errors import QueryError, StoreError
from kg_builder.server import outbound
from kg_builder.server.negotiation import GRAPH_FORMATS, RESULT_FORMATS
from kg_builder.server.sparql import syntax_error_details
from kg_builder.server.writers import WRITERS
from kg_builder.store.named_queries import text_for
from kg_builder.vocab import PREFIXES, XSD

RDF_FORMATS = {
    "turtle": RdfFormat.TURTLE,
    "ntriples": RdfFormat.N_TRIPLES,
    "jsonld": RdfFormat.JSON_LD,
    "rdfxml": RdfFormat.RDF_XML,
}
_BOOLEAN_FORMATS = {
    "json": QueryResultsFormat.JSON,
    "xml": QueryResultsFormat.XML,
    "csv": QueryResultsFormat.CSV,
    "tsv": QueryResultsFormat.TSV,
}
_SOLUTION_FORMATS = _BOOLEAN_FORMATS  # the same four formats; capped answers use kg_builder.server.writers
TRUNCATED_HEADER = "X-SPARQL-MaxRows"


@dataclass(slots=True)
class Reply:
    """A worker's answer; ``error`` set (status, code, message, hint, position) when it failed."""

    status: int = 200
    format: str | None = None  # a negotiation.Format name
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    error: dict | None = None
    data: object = None  # structured answers (entity pages, statistics)
    body_follows: bool = False  # set by the worker when the body travels as a separate message

    @classmethod
    def failure(cls, status: int, code: str, message: str, **extra: object) -> Reply:
        return cls(status=status, error={"code": code, "message": message, **extra})


def run_query(
    store: Store,
    *,
    query: str,
    formats: dict[str, str | None],
    max_rows: int,
    union: bool = True,
    default_graphs: list[str] | None = None,
    named_graphs: list[str] | None = None,
    substitutions: dict | None = None,
    prefixes: dict[str, str] | None = PREFIXES,
    base_iri: str | None = None,
    allow_service: tuple[str, ...] = (),
    fallback: str | None = None,
) -> Reply:
    """Run a SPARQL query and serialise it in ``formats[kind]`` (kind ``results`` or ``graph``).

    ``fallback``: a named query's plain join in standard SPARQL 1.1, run instead where its text cannot run (a
    store without the statistics it reads, an external endpoint): :func:`~kg_builder.store.named_queries.text_for`.

    ``prefixes`` are predeclared (the project's, as in ``kg-builder query``: not sent with every job),
    ``base_iri`` resolves relative IRIs; a SERVICE call to an endpoint not in
    ``allow_service`` is refused before anything runs (:mod:`kg_builder.server.outbound`).
    """
    refused = outbound.check(query, update=False, allowed=allow_service, prefixes=prefixes, base_iri=base_iri)
    if refused is not None:
        return refusal(refused)
    query = text_for(store, query, fallback)
    options: dict = {"prefixes": prefixes, "base_iri": base_iri}
    if default_graphs:
        options["default_graph"] = [DefaultGraph() if g == "" else NamedNode(g) for g in default_graphs]
    elif union:
        options["use_default_graph_as_union"] = True
    if named_graphs:
        options["named_graphs"] = [NamedNode(g) for g in named_graphs]
    if substitutions:
        options["substitutions"] = substitutions  # pyoxigraph terms pickle across the process boundary
    try:
        result = store.query(query, **options)
        kind = "graph" if not isinstance(result, QuerySolutions | QueryBoolean) else "results"
        fmt = formats.get(kind)
        if fmt is None:
            offers = RESULT_FORMATS if kind == "results" else GRAPH_FORMATS
            return Reply.failure(406, "not-acceptable", f"cannot answer a {kind} query in the asked format",
                                 hint="acceptable: " + ", ".join(f.media_type for f in offers))
        if isinstance(result, QueryBoolean):
            return Reply(format=fmt, body=result.serialize(format=_BOOLEAN_FORMATS[fmt]))
        if isinstance(result, QuerySolutions):
            if max_rows <= 0 and fmt in _SOLUTION_FORMATS:
                # no cap: Oxigraph writes the whole answer as it evaluates it, without a Python object per term
                # (a listing of 25,000 rows at 50k: ~0.2 s of CPU less than the writers below)
                return Reply(format=fmt, body=result.serialize(format=_SOLUTION_FORMATS[fmt]))
            variables = [v.value for v in result.variables]
            rows = _take(map(tuple, result), max_rows)  # a solution iterates its values in variable order
            return _capped(Reply(format=fmt), WRITERS[fmt](variables, rows[0]), rows[1], max_rows)
        triples = _take(result, max_rows)
        body = serialize(triples[0], format=RDF_FORMATS[fmt], prefixes=_prefixes_for(fmt))
        return _capped(Reply(format=fmt), body, triples[1], max_rows)
    except SyntaxError as exc:
        message, position = syntax_error_details(str(exc))
        return Reply.failure(400, "syntax-error", message, position=position)
    except (OSError, ValueError, TypeError, RuntimeError) as exc:
        # evaluation errors: a failed SERVICE call, a bad substitution, a type error (the engine's message only)
        return Reply.failure(400, "query-failed", f"the query failed: {exc}")
    except QueryError as exc:  # serve --backend: the external endpoint refused the query (its syntax error)
        return Reply.failure(400, "query-failed", exc.message)
    except StoreError as exc:  # serve --backend: the external endpoint is unreachable or failed
        return Reply.failure(502, "backend-failed", exc.message, hint="the external SPARQL endpoint did not answer")


def refusal(refused: outbound.Refusal) -> Reply:
    shown = f"<{refused.target}>" if refused.target else "an endpoint not written as a full <IRI>"
    return Reply.failure(403, "remote-refused", f"{refused.keyword} {shown} refused: this endpoint makes no "
                         "outbound requests", hint="the operator can allow an endpoint with --allow-service IRI "
                         "(the query must then name it as a full <IRI>)")


def _take(items, max_rows: int) -> tuple[list, bool]:
    """Up to ``max_rows`` items (all when 0) and whether more were left."""
    if max_rows <= 0:
        return list(items), False
    taken = list(itertools.islice(items, max_rows + 1))
    return taken[:max_rows], len(taken) > max_rows


def _capped(reply: Reply, body: bytes, truncated: bool, max_rows: int) -> Reply:
    reply.body = body
    if truncated:
        reply.headers[TRUNCATED_HEADER] = str(max_rows)
        reply.headers["X-Result-Truncated"] = "true"
    return reply


def _prefixes_for(fmt: str) -> dict[str, str] | None:
    return PREFIXES if fmt in ("turtle", "rdfxml") else None


def cbd_triples(store: Store, iri: str, limit: int) -> tuple[list[Triple], bool]:
    """The Concise Bounded Description of ``iri`` over all graphs, deduplicated."""
    seen: set[Triple] = set()
    out: list[Triple] = []
    todo: list[NamedNode | BlankNode] = [NamedNode(iri)]
    visited: set = set()
    while todo:
        node = todo.pop()
        if node in visited:
            continue
        visited.add(node)
        for quad in store.quads_for_pattern(node, None, None, None):
            triple = quad.triple
            if triple in seen:
                continue
            if limit and len(out) >= limit:
                return out, True
            seen.add(triple)
            out.append(triple)
            if isinstance(triple.object, BlankNode):
                todo.append(triple.object)
    return out, False


def describe(store: Store, *, iri: str, format: str, max_rows: int) -> Reply:
    triples, truncated = cbd_triples(store, iri, max_rows)
    if not triples and not _mentioned(store, iri):
        return Reply.failure(404, "not-found", f"nothing is known about <{iri}>")
    body = serialize(triples, format=RDF_FORMATS[format], prefixes=_prefixes_for(format))
    return _capped(Reply(format=format), body, truncated, max_rows)


def _mentioned(store: Store, iri: str) -> bool:
    node = NamedNode(iri)
    return any(True for _ in store.quads_for_pattern(None, None, node, None)) or store.contains_named_graph(
        node)


def graph(store: Store, *, graph: str | None, format: str, max_rows: int) -> Reply:
    """Graph Store Protocol read: one named graph, or the default graph (the union of all)."""
    if graph is not None:
        name = NamedNode(graph)
        if not store.contains_named_graph(name):
            return Reply.failure(404, "not-found", f"no graph <{graph}> in the store",
                                 hint="list graphs with SELECT DISTINCT ?g { GRAPH ?g {} }")
        triples = (q.triple for q in store.quads_for_pattern(None, None, None, name))
    else:
        triples = _unique(q.triple for q in store.quads_for_pattern(None, None, None, None))
    taken, truncated = _take(triples, max_rows)
    body = serialize(taken, format=RDF_FORMATS[format], prefixes=_prefixes_for(format))
    return _capped(Reply(format=format), body, truncated, max_rows)


def _unique(triples):
    seen: set[Triple] = set()
    for triple in triples:
        if triple not in seen:
            seen.add(triple)
            yield triple


def update(store_path: str, *, text: str | None = None, graph_op: tuple | None = None,
           prefixes: dict[str, str] | None = PREFIXES, base_iri: str | None = None,
           allow_service: tuple[str, ...] = ()) -> Reply:
    """Write a new store generation with a SPARQL Update or a Graph Store write applied.

    A LOAD or SERVICE to an endpoint not in ``allow_service`` is refused before the store is touched.
    """
    from pyoxigraph import Quad, parse

    from kg_builder.store import generations as store_module

    if text is not None:
        refused = outbound.check(text, update=True, allowed=allow_service, prefixes=prefixes, base_iri=base_iri)
        if refused is not None:
            return refusal(refused)
    try:
        with store_module.writing(store_path) as writer:
            if text is not None:
                writer.store.update(text, prefixes=prefixes, base_iri=base_iri)
                writer.statistics.recount()  # an update cannot say which studies it changed
            elif graph_op is not None:
                method, name, data, media_type = graph_op
                target = NamedNode(name) if name else DefaultGraph()
                if method in ("PUT", "DELETE"):
                    if name:
                        writer.remove_graph(target)
                    else:
                        writer.store.clear_graph(target)
                if method in ("PUT", "POST") and data:
                    parsed = parse(data, format=RdfFormat.from_media_type(media_type) or RdfFormat.TURTLE)
                    writer.store.extend(Quad(t.subject, t.predicate, t.object, target) for t in parsed)
                    writer.statistics.recount()
    except SyntaxError as exc:
        message, position = syntax_error_details(str(exc))
        return Reply.failure(400, "syntax-error", message, position=position)
    except (OSError, ValueError, RuntimeError) as exc:  # e.g. CLEAR GRAPH of a graph the store does not hold
        return Reply.failure(400, "update-failed", f"the update failed: {exc}")
    return Reply(status=204)


def _first_label(store: Store, node: NamedNode) -> str | None:
    for predicate in (_RDFS_LABEL, _SKOS_PREF, _SCHEMA_NAME):
        for quad in store.quads_for_pattern(node, predicate, None, None):
            if isinstance(quad.object, Literal):
                return quad.object.value
    return None


_RDFS_LABEL = NamedNode(PREFIXES["rdfs"] + "label")
_SKOS_PREF = NamedNode(PREFIXES["skos"] + "prefLabel")
_SCHEMA_NAME = NamedNode(PREFIXES["schema"] + "name")
_RDF_TYPE = NamedNode(PREFIXES["rdf"] + "type")


def _term_view(store: Store, term: object, labels: dict) -> dict:
    if isinstance(term, NamedNode):
        if term.value not in labels:
            labels[term.value] = _first_label(store, term)
        return {"kind": "iri", "value": term.value, "label": labels[term.value]}
    if isinstance(term, BlankNode):
        return {"kind": "bnode", "value": term.value}
    if isinstance(term, Literal):
        datatype = term.datatype.value if term.datatype else None
        return {"kind": "literal", "value": term.value, "language": term.language,
                "datatype": None if datatype == XSD.string.value else datatype}
    return {"kind": "other", "value": str(term)}


def entity(store: Store, *, iri: str, limit: int = 500) -> Reply:
    """Everything an HTML entity page shows, as plain data: properties, neighbours, graphs."""
    node = NamedNode(iri)
    labels: dict[str, str | None] = {}
    outgoing, seen, graphs = [], set(), set()
    for quad in store.quads_for_pattern(node, None, None, None):
        graphs.add(quad.graph_name.value if isinstance(quad.graph_name, NamedNode) else "")
        key = (quad.predicate, quad.object)
        if key in seen:
            continue
        seen.add(key)
        if len(outgoing) >= limit:
            break
        outgoing.append((_term_view(store, quad.predicate, labels), _term_view(store, quad.object, labels)))
    incoming, seen_in = [], set()
    for quad in store.quads_for_pattern(None, None, node, None):
        key = (quad.subject, quad.predicate)
        if key in seen_in or quad.predicate == _RDF_TYPE:
            continue
        seen_in.add(key)
        if len(incoming) >= limit:
            break
        incoming.append((_term_view(store, quad.subject, labels), _term_view(store, quad.predicate, labels)))
    graph_size = None
    if store.contains_named_graph(node):
        graph_size = sum(1 for _ in itertools.islice(store.quads_for_pattern(None, None, None, node), 100_000))
    if not outgoing and not incoming and graph_size is None:
        return Reply.failure(404, "not-found", f"nothing is known about <{iri}>")
    data = {
        "iri": iri,
        "label": _first_label(store, node),
        "outgoing": outgoing,
        "incoming": incoming,
        "graphs": sorted(graphs),
        "graph_size": graph_size,
        "limit": limit,
    }
    return Reply(data=data)


_STATS = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?n)
"""
_LINKS_OUT = """
SELECT ?p ?target (COUNT(*) AS ?n) WHERE {
  ?s ?p ?o .
  FILTER(isIRI(?o) && ?p != <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>
         && !STRSTARTS(STR(?o), BASE_IRI) && !STRSTARTS(STR(?o), "https://w3id.org/kg-builder/"))
  BIND(REPLACE(STR(?o), "^([a-z]+://[^/#]+[/#]?(?:[^/#]+[/#])?).*$", "$1") AS ?target)
} GROUP BY ?p ?target ORDER BY DESC(?n)
"""


def statistics(store: Store, *, base: str) -> Reply:
    """Dataset statistics for VoID: quads, graphs, class partitions, and links out by predicate and target."""
    union = {"use_default_graph_as_union": True}
    classes = [(s["class"].value, int(s["n"].value)) for s in store.query(_STATS, **union)
               if isinstance(s["class"], NamedNode)]
    # the base is the operator's setting, validated by IriMinter: quoted as a literal, not a user value
    links_query = _LINKS_OUT.replace("BASE_IRI", str(Literal(base)))
    links = [(s["p"].value, s["target"].value, int(s["n"].value)) for s in store.query(links_query, **union)]
    data = {
        "triples": len(store),  # quads = distinct triples: every triple lives in one graph only
        "graphs": sum(1 for _ in store.named_graphs()),
        "classes": classes,
        "links": links,
    }
    return Reply(data=data)
