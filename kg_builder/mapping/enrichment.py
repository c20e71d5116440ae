"""Quads for the facts derived by :mod:`kg_builder.enrich` (drug classes, targets, doses, …).

Placeholder until the enrichment layer lands: it derives nothing yet.
"""

from __future__ import annotations

from collections.abc import Iterator

from pyoxigraph import Quad

from kg_builder.mapping.context import MappingContext
from kg_builder.model import Study


def map_enrichment(study: Study, ctx: MappingContext) -> Iterator[Quad]:
    return iter(())
