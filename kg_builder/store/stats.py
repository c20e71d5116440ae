"""Statistics of a store: studies, triples, and instances per main class."""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import Store

from kg_builder.store.statistics import STATISTICS_GRAPH
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


@dataclass(frozen=True)
class StoreStats:
    """Studies, named graphs (the vocabulary's and the build's statistics left out), quads (all of them) and
    instances per main class."""

    studies: int
    graphs: int
    triples: int
    classes: dict[str, int]

    def as_dict(self) -> dict[str, object]:
        return {"studies": self.studies, "graphs": self.graphs, "triples": self.triples, "classes": self.classes}

    def to_text(self) -> str:
        lines = [f"studies: {self.studies}", f"named graphs: {self.graphs}", f"triples (quads): {self.triples}"]
        return "\n".join(lines + [f"  {name}: {count}" for name, count in self.classes.items()]) + "\n"


def store_stats(store: Store) -> StoreStats:
    graphs = sum(1 for g in store.named_graphs() if g not in (VOCABULARY_GRAPH, STATISTICS_GRAPH))
    counts = {c: 0 for c in _CLASSES}
    for row in store.query(_QUERY, use_default_graph_as_union=True):
        counts[row["class"].value.rsplit("#", 1)[1]] = int(row["n"].value)
    return StoreStats(counts["ClinicalTrial"], graphs, len(store), counts)
