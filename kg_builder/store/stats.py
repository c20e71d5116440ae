"""Statistics of a store: studies, triples, and instances per main class."""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import Store

from kg_builder.store.generations import open_read_only
from kg_builder.store.vocabulary import VOCABULARY_GRAPH

_CLASSES = (
    "ClinicalTrial", "Arm", "Intervention", "Drug", "Condition", "Outcome", "Criterion",
    "Organization", "Facility", "Site", "Place", "Country",
)

_QUERY = (
    "PREFIX kg: <https://w3id.org/kg-builder/ontology#>\n"
    "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {\n"
    "  VALUES ?class { " + " ".join(f"kg:{c}" for c in _CLASSES) + " }\n"
    "  ?s a ?class\n"
    "} GROUP BY ?class"
)


def store_stats(store: Store) -> dict[str, object]:
    """``{"studies", "graphs", "triples", "classes": {name: count}}``."""
    graphs = sum(1 for g in store.named_graphs() if g != VOCABULARY_GRAPH)
    triples = len(store)
    counts = {c: 0 for c in _CLASSES}
    for row in store.query(_QUERY, use_default_graph_as_union=True):
        counts[row["class"].value.rsplit("#", 1)[1]] = int(row["n"].value)
    return {"studies": counts["ClinicalTrial"], "graphs": graphs, "triples": triples, "classes": counts}


def stats(store_path: str | Path) -> dict[str, object]:
    return store_stats(open_read_only(store_path))
