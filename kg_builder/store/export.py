"""Export the store (or one graph of it) in any RDF syntax pyoxigraph writes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from pyoxigraph import NamedNode, Quad, RdfFormat, Store, Triple, serialize

from kg_builder.errors import UsageError
from kg_builder.store.generations import open_read_only
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


def export_store(store: Store, output: IO[bytes], format: str, *, graph: str | None = None) -> None:
    """Write the store to ``output``: quad syntaxes keep the named graphs, triple syntaxes the union."""
    if format not in EXPORT_FORMATS:
        raise UsageError(f"unknown export format {format!r}", hint=f"use one of: {', '.join(EXPORT_FORMATS)}")
    rdf_format = EXPORT_FORMATS[format]
    graph_node = NamedNode(graph) if graph else None
    prefixes = PREFIXES if rdf_format in (RdfFormat.TURTLE, RdfFormat.TRIG, RdfFormat.RDF_XML) else None
    if rdf_format == RdfFormat.JSON_LD:
        _compact_jsonld(list(_quads(store, graph_node)), output)
    elif rdf_format.supports_datasets:
        serialize(_quads(store, graph_node), output, rdf_format, prefixes=prefixes)
    else:
        serialize(_triples(store, graph_node), output, rdf_format, prefixes=prefixes)


def _compact_jsonld(quads: list[Quad], output: IO[bytes]) -> None:
    """JSON-LD compacted with ``ontology/context.jsonld``, so it reads as plain JSON (``"phase"``,
    ``"leadSponsor"``) rather than full IRIs; rdflib does the compaction (pyoxigraph writes expanded form)."""
    import rdflib

    from kg_builder.settings import Settings

    context_file = Settings().ontology_dir / "context.jsonld"
    if not context_file.is_file():
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


def export(store_path: str | Path, output: IO[bytes], format: str, *, graph: str | None = None) -> None:
    """Export the store at ``store_path`` (see :func:`export_store`)."""
    export_store(open_read_only(store_path), output, format, graph=graph)
