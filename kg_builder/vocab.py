"""Namespaces and the one prefix map used by the mapper, queries, exports and server."""

from __future__ import annotations

from pyoxigraph import NamedNode

from kg_builder.settings import DEFAULT_BASE as DEFAULT_BASE  # the setting's default, for the vocabulary's users

ONTOLOGY = "https://w3id.org/kg-builder/ontology#"
VOCAB = "https://w3id.org/kg-builder/vocab/"  # concept schemes (codelists), not base-dependent
# The one named graph of what shared things ARE (countries, places, facilities, organisations,
# conditions, drugs, targets, outcome measures, MeSH descriptors): see kg_builder.mapping.entities.
ENTITY_GRAPH_IRI = "https://w3id.org/kg-builder/graph/entities"

PREFIXES: dict[str, str] = {
    "kg": ONTOLOGY,
    "kgv": VOCAB,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "schema": "http://schema.org/",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "mesh": "http://id.nlm.nih.gov/mesh/",
    "sh": "http://www.w3.org/ns/shacl#",
    "void": "http://rdfs.org/ns/void#",
    "obo": "http://purl.obolibrary.org/obo/",
    "fhir": "http://hl7.org/fhir/",
}


class Namespace:
    """Attribute and item access to the IRIs of one namespace, as pyoxigraph terms."""

    def __init__(self, base: str) -> None:
        self.base = base
        self._cache: dict[str, NamedNode] = {}

    def __getattr__(self, name: str) -> NamedNode:
        if name.startswith("__"):
            raise AttributeError(name)
        node = self[name]
        setattr(self, name, node)  # later lookups skip __getattr__: mapping calls this per triple
        return node

    def __getitem__(self, name: str) -> NamedNode:
        node = self._cache.get(name)
        if node is None:
            node = self._cache[name] = NamedNode(self.base + name)
        return node


KG = Namespace(ONTOLOGY)
RDF = Namespace(PREFIXES["rdf"])
RDFS = Namespace(PREFIXES["rdfs"])
OWL = Namespace(PREFIXES["owl"])
XSD = Namespace(PREFIXES["xsd"])
SKOS = Namespace(PREFIXES["skos"])
SCHEMA = Namespace(PREFIXES["schema"])
PROV = Namespace(PREFIXES["prov"])
DCTERMS = Namespace(PREFIXES["dcterms"])
MESH = Namespace(PREFIXES["mesh"])

RDF_TYPE = RDF.type
ENTITY_GRAPH = NamedNode(ENTITY_GRAPH_IRI)


def concept(scheme: str, code: str) -> NamedNode:
    """The IRI of code ``code`` in concept scheme ``scheme`` (``concept("phase", "PHASE3")``)."""
    return NamedNode(f"{VOCAB}{scheme}/{code}")


def sparql_prefixes() -> str:
    """PREFIX declarations for every prefix in :data:`PREFIXES`."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
