"""Export the store (or one graph of it) in any RDF syntax pyoxigraph writes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from pyoxigraph import NamedNode, Quad, RdfFormat, Store, Triple, serialize

from kg_builder.errors import UsageError
from kg_builder.vocab import PREFIXES

EXPORT_FORMATS: dict[str, RdfFormat] = {
    "turtle": RdfFormat.TURTLE,
    "ntriples": RdfFormat.N_TRIPLES,
    "nquads": RdfFormat.N_QUADS,
    "trig": RdfFormat.TRIG,
    "jsonld": RdfFormat.JSON_LD,
    "rdfxml": RdfFormat.RDF_XML,
}


def _triples(store: Store, graph: NamedNode | None) -> Iterator[Triple]:
    """The union of all graphs (or one) as triples; a triple stated in several graphs repeats,
    which every RDF parser folds back into one."""
    for quad in store.quads_for_pattern(None, None, None, graph):
        yield Triple(quad.subject, quad.predicate, quad.object)


def _quads(store: Store, graph: NamedNode | None) -> Iterator[Quad]:
    return store.quads_for_pattern(None, None, None, graph)


def export_store(store: Store, output: IO[bytes], format: str, *, graph: str | None = None,
                 context: Path | None = None) -> None:
    """Write ``store`` (or only its named ``graph``) to ``output`` in ``format`` (one of :data:`EXPORT_FORMATS`).

    JSON-LD is compacted with the JSON-LD ``context`` file when there is one.
    """
    if format not in EXPORT_FORMATS:
        raise UsageError(f"unknown export format {format!r}", hint=f"use one of: {', '.join(EXPORT_FORMATS)}")
    rdf_format = EXPORT_FORMATS[format]
    node = _named_graph(store, graph) if graph is not None else None
    if format == "jsonld":
        _compact_jsonld(list(_quads(store, node)), output, context)
    elif rdf_format.supports_datasets:
        serialize(_quads(store, node), output, rdf_format)
    else:
        serialize(_triples(store, node), output, rdf_format, prefixes=PREFIXES)


def _named_graph(store: Store, graph: str) -> NamedNode:
    """The named graph ``graph`` of ``store``; UsageError when it is not an IRI or not in the store."""
    try:
        node = NamedNode(graph)
    except ValueError:
        example = "https://w3id.org/kg-builder/id/graph/NCT04129320"
        raise UsageError(f"--graph {graph!r} is not an IRI", hint=f"give a graph's full IRI, e.g. {example}") from None
    if not store.contains_named_graph(node):
        raise UsageError(f"no graph <{graph}> in the store",
                         hint="list them with: kg-builder query --store DIR 'SELECT DISTINCT ?g { GRAPH ?g {} }'")
    return node


def _compact_jsonld(quads: list[Quad], output: IO[bytes], context_file: Path | None) -> None:
    """JSON-LD compacted with ``ontology/context.jsonld``, so it reads as plain JSON (``"phase"``,
    ``"leadSponsor"``) rather than full IRIs; rdflib does the compaction (pyoxigraph writes expanded form)."""
    import rdflib

    if context_file is None or not context_file.is_file():
        serialize(quads, output, RdfFormat.JSON_LD)
        return
    normalize, rdflib.NORMALIZE_LITERALS = rdflib.NORMALIZE_LITERALS, False  # keep lexical forms as built
    try:
        graph = rdflib.Dataset()
        graph.parse(data=serialize(quads, format=RdfFormat.N_QUADS), format="nquads")
    finally:
        rdflib.NORMALIZE_LITERALS = normalize
    context = json.loads(context_file.read_text(encoding="utf-8"))["@context"]
    output.write(graph.serialize(format="json-ld", context=context, auto_compact=True, encoding="utf-8"))
