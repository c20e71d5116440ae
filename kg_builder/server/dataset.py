"""Self-descriptions: the SPARQL 1.1 Service Description and the VoID description of the dataset."""

from __future__ import annotations

from pyoxigraph import BlankNode, Literal, NamedNode, Triple, serialize

from kg_builder.server.execute import RDF_FORMATS
from kg_builder.server.negotiation import GRAPH_FORMATS, RESULT_FORMATS
from kg_builder.vocab import PREFIXES, XSD

SD = "http://www.w3.org/ns/sparql-service-description#"
SH = "http://www.w3.org/ns/shacl#"
VOID = PREFIXES["void"]
DCTERMS = PREFIXES["dcterms"]
_TYPE = NamedNode(PREFIXES["rdf"] + "type")
_PREFIXES = {**PREFIXES, "sd": SD, "sh": SH}

# W3C format IRIs (https://www.w3.org/ns/formats/) for sd:resultFormat
_FORMAT_IRIS = {
    "json": "SPARQL_Results_JSON",
    "xml": "SPARQL_Results_XML",
    "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV",
    "turtle": "Turtle",
    "ntriples": "N-Triples",
    "jsonld": "JSON-LD",
    "rdfxml": "RDF_XML",
}


def _n(iri: str) -> NamedNode:
    return NamedNode(iri)


def _int(value: int) -> Literal:
    return Literal(str(value), datatype=XSD.integer)


def service_description(endpoint: str, void_url: str, *, allow_update: bool, allow_service: bool,
                        prefixes: dict[str, str], base: str, fmt: str) -> bytes:
    """What the endpoint does, truthfully: federation (SERVICE) only when the operator allows an endpoint,
    updates only with --allow-update, and the prefixes predeclared in every query (``sh:declare``)."""
    service = _n(endpoint)
    dataset, default_graph = BlankNode(), BlankNode()
    triples = [
        Triple(service, _TYPE, _n(SD + "Service")),
        Triple(service, _n(SD + "endpoint"), service),
        Triple(service, _n(SD + "supportedLanguage"), _n(SD + "SPARQL11Query")),
        Triple(service, _n(SD + "feature"), _n(SD + "UnionDefaultGraph")),
        Triple(service, _n(SD + "defaultDataset"), dataset),
        Triple(dataset, _TYPE, _n(SD + "Dataset")),
        Triple(dataset, _n(SD + "defaultGraph"), default_graph),
        Triple(default_graph, _TYPE, _n(SD + "Graph")),
        Triple(default_graph, _TYPE, _n(VOID + "Dataset")),
        Triple(default_graph, _n(DCTERMS + "description"),
               Literal("the union of every study's named graph and the vocabulary graph")),
        Triple(default_graph, _n(PREFIXES["rdfs"] + "seeAlso"), _n(void_url)),
    ]
    if allow_update:
        triples.append(Triple(service, _n(SD + "supportedLanguage"), _n(SD + "SPARQL11Update")))
    if allow_service:
        triples.append(Triple(service, _n(SD + "feature"), _n(SD + "BasicFederatedQuery")))
    triples.append(Triple(service, _n(DCTERMS + "description"), Literal(
        "Every query and update has these prefixes predeclared (sh:declare), as `kg-builder query` does; "
        f"relative IRIs resolve against the base IRI {base}")))
    for prefix, namespace in prefixes.items():
        declaration = BlankNode()
        triples += [Triple(service, _n(SH + "declare"), declaration),
                    Triple(declaration, _n(SH + "prefix"), Literal(prefix)),
                    Triple(declaration, _n(SH + "namespace"), Literal(namespace, datatype=XSD.anyURI))]
    for f in (*RESULT_FORMATS, *GRAPH_FORMATS):
        triples.append(Triple(service, _n(SD + "resultFormat"), _n("http://www.w3.org/ns/formats/"
                                                                   + _FORMAT_IRIS[f.name])))
    return serialize(triples, format=RDF_FORMATS[fmt], prefixes=_PREFIXES if fmt == "turtle" else None)


def void_description(stats: dict, *, dataset_iri: str, endpoint: str, base: str, fmt: str) -> bytes:
    """VoID for ``stats`` (from :func:`kg_builder.server.execute.statistics`)."""
    ds = _n(dataset_iri)
    document = dataset_iri.split("#")[0]
    v = VOID
    triples = [
        Triple(ds, _TYPE, _n(v + "Dataset")),
        Triple(ds, _n(DCTERMS + "title"), Literal("kg_builder clinical-trial knowledge graph")),
        Triple(ds, _n(v + "sparqlEndpoint"), _n(endpoint)),
        Triple(ds, _n(v + "uriSpace"), Literal(base)),
        Triple(ds, _n(v + "triples"), _int(stats["triples"])),
        Triple(ds, _n(v + "classes"), _int(len(stats["classes"]))),
        Triple(ds, _n(v + "rootResource"), _n(base)),
    ]
    for f in GRAPH_FORMATS:
        triples.append(Triple(ds, _n(v + "feature"), _n("http://www.w3.org/ns/formats/" + _FORMAT_IRIS[f.name])))
    for index, (cls, count) in enumerate(stats["classes"]):
        partition = _n(f"{document}#class-{index}")
        triples += [
            Triple(ds, _n(v + "classPartition"), partition),
            Triple(partition, _n(v + "class"), _n(cls)),
            Triple(partition, _n(v + "entities"), _int(count)),
        ]
    for index, (predicate, target, count) in enumerate(stats["links"]):
        linkset = _n(f"{document}#links-{index}")
        triples += [
            Triple(ds, _n(v + "subset"), linkset),
            Triple(linkset, _TYPE, _n(v + "Linkset")),
            Triple(linkset, _n(v + "linkPredicate"), _n(predicate)),
            Triple(linkset, _n(v + "subjectsTarget"), ds),
            Triple(linkset, _n(v + "objectsTarget"), _n(target)),
            Triple(linkset, _n(v + "triples"), _int(count)),
        ]
    studies = dict(stats["classes"]).get(PREFIXES["kg"] + "ClinicalTrial", 0)
    triples.append(Triple(ds, _n(DCTERMS + "description"), Literal(
        f"{studies} studies in {stats['graphs']} named graphs (one per study, plus the vocabulary and the "
        "shared entities)")))
    return serialize(triples, format=RDF_FORMATS[fmt], prefixes=PREFIXES if fmt == "turtle" else None)
