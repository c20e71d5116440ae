"""The ontology and code lists, loaded from ``ontology/`` into one vocabulary graph of the store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pyoxigraph import NamedNode, Quad, RdfFormat, parse

from kg_builder.errors import InputError

VOCABULARY_GRAPH = NamedNode("https://w3id.org/kg-builder/graph/vocabulary")


def ontology_files(directory: Path) -> list[Path]:
    """Every Turtle file of the ontology directory, in a stable order."""
    if not directory.is_dir():
        raise InputError(f"ontology directory {directory} not found", hint="set KG_BUILDER_ONTOLOGY")
    return sorted(directory.rglob("*.ttl"))


def ontology_quads(directory: Path, graph: NamedNode = VOCABULARY_GRAPH) -> Iterator[Quad]:
    """The triples of every ontology file, placed in ``graph``."""
    for path in ontology_files(directory):
        try:
            for triple in parse(path=str(path), format=RdfFormat.TURTLE):
                yield Quad(triple.subject, triple.predicate, triple.object, graph)
        except SyntaxError as exc:
            raise InputError(f"{path}: invalid Turtle: {exc}") from exc
