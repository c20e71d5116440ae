"""A list of quads for one study's named graph, with the few shapes of statement mapping needs."""

from __future__ import annotations

import re
from functools import lru_cache

from pyoxigraph import Literal, NamedNode, Quad

from kg_builder.mapping.entities import EntityLedger, EntitySink
from kg_builder.vocab import RDF_TYPE, RDFS, concept

_CODE_RE = re.compile(r"^[A-Za-z0-9_]+$")
# a few hundred registry codes, named by every study: one immutable term each
_concept = lru_cache(maxsize=4096)(concept)


class QuadSink:
    """Collects the quads of one study's named graph; every mapping module writes through one.

    ``entities`` collects what shared things are, for the entity graph (see
    :mod:`kg_builder.mapping.entities`): never write a shared node's own facts into ``quads``.
    """

    __slots__ = ("entities", "graph", "quads", "warnings")

    def __init__(self, graph: NamedNode, entities: EntitySink | EntityLedger | None = None) -> None:
        self.graph = graph
        self.quads: list[Quad] = []
        self.warnings: list[str] = []
        self.entities = entities if isinstance(entities, EntitySink) else EntitySink(entities)

    def add(self, subject: NamedNode, predicate: NamedNode, obj: NamedNode | Literal) -> None:
        self.quads.append(Quad(subject, predicate, obj, self.graph))

    def text(self, subject: NamedNode, predicate: NamedNode, value: str | None) -> None:
        """A plain string literal, skipped when the value is missing or blank."""
        if value and not value.isspace():  # not missing, not blank (the same test as strip(), no copy)
            self.quads.append(Quad(subject, predicate, Literal(value), self.graph))

    def typed(self, subject: NamedNode, *classes: NamedNode) -> None:
        for cls in classes:
            self.quads.append(Quad(subject, RDF_TYPE, cls, self.graph))

    def label(self, subject: NamedNode, value: str | None) -> None:
        self.text(subject, RDFS.label, value)

    def code(self, subject: NamedNode, predicate: NamedNode, scheme: str, code: str | None) -> None:
        """Link to the concept for a registry code; a code that cannot be an IRI segment is a warning."""
        if not code:
            return
        if not _CODE_RE.match(code):
            self.warnings.append(f"{scheme}: code {code!r} is not a registry code; left out")
            return
        self.quads.append(Quad(subject, predicate, _concept(scheme, code), self.graph))
