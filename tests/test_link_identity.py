"""Linking by a shared identifier reads only identifiers: an IRI the other graph relates a thing
to (its MeSH ancestors, SKOS broader/narrower terms, browse branches, close matches, a record's
index terms) is another thing, not a name of it."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, Store, parse

from kg_builder.linking.align import align, open_other

PREFIXES = """
@prefix kg: <https://w3id.org/kg-builder/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix mesh: <http://id.nlm.nih.gov/mesh/> .
@prefix ex: <https://other.example/id/> .
"""
OURS = PREFIXES + """
<https://w3id.org/kg-builder/id/condition/hypersensitivity> a kg:Condition ; rdfs:label "Hypersensitivity" ;
    skos:exactMatch mesh:D006967 .
<https://w3id.org/kg-builder/id/condition/asthma> a kg:Condition ; rdfs:label "Asthma" ;
    skos:exactMatch mesh:D001249 .
"""


def _ours() -> Store:
    store = Store()
    store.bulk_extend(parse(OURS.encode(), RdfFormat.TURTLE, base_iri="https://w3id.org/kg-builder/id/"))
    return store


@pytest.mark.parametrize("relation", [
    "kg:meshAncestor", "kg:conditionAncestor", "skos:broader", "skos:broadMatch", "skos:narrower",
    "skos:relatedMatch", "kg:conditionBrowseBranch", "rdfs:subClassOf", "kg:conditionMesh", "rdfs:seeAlso",
])
def test_a_related_iri_is_not_an_identifier(relation: str, tmp_path: Path) -> None:
    other = tmp_path / "other.ttl"
    other.write_text(PREFIXES + f"""
ex:asthma a kg:Condition ; rdfs:label "Bronchial asthma" ; skos:exactMatch mesh:D001249 ;
    {relation} mesh:D006967 .
""", encoding="utf-8")
    links = {(link.subject.value.rsplit("/", 1)[-1], link.object.value) for link in
             align(_ours(), [open_other(str(other))])}
    assert ("asthma", "https://other.example/id/asthma") in links  # by the shared MeSH id
    assert not any(subject == "hypersensitivity" for subject, _ in links), links


def test_an_identity_predicate_still_links(tmp_path: Path) -> None:
    other = tmp_path / "other.ttl"
    other.write_text(PREFIXES + """
ex:allergy a kg:Condition ; rdfs:label "Allergy" ; skos:exactMatch mesh:D006967 .
""", encoding="utf-8")
    links = {(link.subject.value.rsplit("/", 1)[-1], link.object.value) for link in
             align(_ours(), [open_other(str(other))])}
    assert links == {("hypersensitivity", "https://other.example/id/allergy")}


@pytest.mark.parametrize("name", ["other.nquads", "other.nq", "other.trig", "other.turtle", "other.ntriples",
                                  "other.rdfxml", "other.n3"])
def test_the_other_graph_is_read_whole_under_export_format_names(name: str, tmp_path: Path) -> None:
    # kg-builder export --format nquads -o x.nquads: named graphs and all, whatever the extension says
    from kg_builder.store.export import EXPORT_FORMATS

    store = Store()
    store.bulk_extend(parse(OURS.encode(), RdfFormat.TURTLE))
    syntax = {"nquads": "nquads", "nq": "nquads", "trig": "trig", "turtle": "turtle", "ntriples": "ntriples",
              "rdfxml": "rdfxml", "n3": "turtle"}[name.split(".")[1]]
    quads = [q for q in store] if syntax in ("nquads", "trig") else [q.triple for q in store]
    if syntax in ("nquads", "trig"):  # the statements in a named graph, as a study graph is
        from pyoxigraph import NamedNode, Quad
        graph = NamedNode("https://other.example/id/graph/1")
        quads = [Quad(q.subject, q.predicate, q.object, graph) for q in store]
    from pyoxigraph import serialize
    (tmp_path / name).write_bytes(serialize(quads, format=EXPORT_FORMATS[syntax]))
    assert len(open_other(str(tmp_path / name))) == len(store) == 6
