"""Orphans of the entity graph: shared facts that no study supports any more.

A shared thing (a country, a drug …) is described in the entity graph once, for every
study that names it. When a study graph is rebuilt or removed, the things only it named
lose their support; :func:`prune_orphans` removes their facts. It looks only at the
candidates it is given (the things the replaced graphs named) — a build passes exactly
those, so its cost follows what changed, never the size of the store — or, without
candidates, at every shared thing (``kg-builder prune``, after graphs were removed some
other way, e.g. through the Graph Store Protocol).

A thing is supported while a graph other than the entity, vocabulary and statistics graphs names it
(a study graph, or the alignment graph ``kg-builder link`` writes), or while a supported
shared thing names it (a place names its country).
"""

from __future__ import annotations

from collections.abc import Iterable

from pyoxigraph import NamedNode, Quad, Store

from kg_builder.store.statistics import STATISTICS_GRAPH
from kg_builder.store.vocabulary import VOCABULARY_GRAPH
from kg_builder.vocab import ENTITY_GRAPH


def named_things(store: Store, graph: NamedNode) -> set[NamedNode]:
    """Every IRI ``graph`` names as an object: the candidates when it is replaced or removed."""
    return {q.object for q in store.quads_for_pattern(None, None, None, graph) if isinstance(q.object, NamedNode)}


def _supported(store: Store, thing: NamedNode, removed: set[NamedNode]) -> bool:
    for quad in store.quads_for_pattern(None, None, thing, None):
        graph = quad.graph_name
        if graph == ENTITY_GRAPH:
            if quad.subject != thing and quad.subject not in removed:
                return True
        elif graph not in (VOCABULARY_GRAPH, STATISTICS_GRAPH):  # counters are derived: they support nothing
            return True
    return False


def prune_orphans(store: Store, candidates: Iterable[NamedNode] | None = None) -> int:
    """Remove the entity-graph facts of every unsupported candidate (default: every shared thing),
    and of the things only they named; the number of quads removed."""
    if candidates is None:
        candidates = {q.subject for q in store.quads_for_pattern(None, None, None, ENTITY_GRAPH)
                      if isinstance(q.subject, NamedNode)}
    queue = list(candidates)
    removed: set[NamedNode] = set()
    count = 0
    while queue:
        thing = queue.pop()
        if thing in removed:
            continue
        facts: list[Quad] = list(store.quads_for_pattern(thing, None, None, ENTITY_GRAPH))
        if not facts or _supported(store, thing, removed):
            continue
        removed.add(thing)
        for quad in facts:
            store.remove(quad)
            if isinstance(quad.object, NamedNode):
                queue.append(quad.object)  # a thing only this one named loses its support too
        count += len(facts)
    return count
