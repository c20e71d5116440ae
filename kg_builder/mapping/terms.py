"""Literal and IRI constructors shared by the mapping modules (typed, never string-built)."""

from __future__ import annotations

from functools import lru_cache

from pyoxigraph import Literal, NamedNode

from kg_builder.external_ids import local_id
from kg_builder.model import PartialDate
from kg_builder.vocab import MESH, XSD

_DATE_TYPES = {"day": XSD.date, "month": XSD.gYearMonth, "year": XSD.gYear}


def text(value: str) -> Literal:
    return Literal(value)


def date(value: PartialDate) -> Literal:
    """``xsd:date``, ``xsd:gYearMonth`` or ``xsd:gYear`` by the date's own precision."""
    return Literal(value.value, datatype=_DATE_TYPES[value.precision])


@lru_cache(maxsize=4096)  # positions and small counts: terms are immutable, one object serves every quad
def integer(value: int) -> Literal:
    return Literal(str(int(value)), datatype=XSD.integer)


@lru_cache(maxsize=4096)
def non_negative(value: int) -> Literal:
    return Literal(str(int(value)), datatype=XSD.nonNegativeInteger)


def decimal(value: float) -> Literal:
    as_text = repr(float(value))
    if "e" in as_text or "E" in as_text:
        as_text = f"{float(value):.10f}".rstrip("0").rstrip(".")
    if "." not in as_text:
        as_text += ".0"
    return Literal(as_text, datatype=XSD.decimal)


@lru_cache(maxsize=4)
def boolean(value: bool) -> Literal:
    return Literal("true" if value else "false", datatype=XSD.boolean)


def datetime(value: str) -> Literal:
    return Literal(value, datatype=XSD.dateTime)


def iri(value: str) -> NamedNode:
    return NamedNode(value)


def mesh(descriptor: str) -> NamedNode | None:
    """The MeSH descriptor's IRI, minted only from a MeSH identifier's own form (``D012712``);
    None for anything else (a record's odd text must become a warning, not an invalid IRI)."""
    local = local_id("mesh", descriptor)
    return None if local is None else MESH[local]
