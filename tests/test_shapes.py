"""The shapes themselves: valid SHACL, named and explained, code lists in step with the ontology."""

from __future__ import annotations

from pathlib import Path

import pyshacl
import pytest
import rdflib
from pyoxigraph import Store

from kg_builder.settings import Settings
from kg_builder.sources.detect import FORMATS
from kg_builder.store.vocabulary import VOCABULARY_GRAPH, ontology_quads
from kg_builder.validation.engines import load_shapes
from kg_builder.validation.sparql import compile_shapes

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
SKOS = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")
VOCAB = "https://w3id.org/kg-builder/vocab/"
SHACL_SHACL = Path(pyshacl.__file__).parent / "assets" / "shacl-shacl.ttl"


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return load_shapes()


def test_shapes_are_valid_shacl(shapes: rdflib.Graph) -> None:
    conforms, _graph, text = pyshacl.validate(shapes, shacl_graph=str(SHACL_SHACL), inference="none")
    assert conforms, text


def _shapes_of(shapes: rdflib.Graph) -> set:
    nodes = set(shapes.subjects(rdflib.RDF.type, SH.NodeShape)) | set(shapes.subjects(rdflib.RDF.type,
                                                                                      SH.PropertyShape))
    return nodes | set(shapes.objects(None, SH.property))


def test_every_shape_has_a_name_and_a_message(shapes: rdflib.Graph) -> None:
    for shape in _shapes_of(shapes):
        assert isinstance(shape, rdflib.URIRef), f"results name their shape: {shape} must be an IRI"
        assert shapes.value(shape, SH.name), f"{shape} has no sh:name"
        assert shapes.value(shape, SH.message), f"{shape} has no sh:message"


def test_every_shape_is_used(shapes: rdflib.Graph) -> None:
    listed = set(shapes.objects(None, SH.property))
    for shape in shapes.subjects(rdflib.RDF.type, SH.PropertyShape):
        assert shape in listed, f"{shape} is not attached to a node shape"


def _codelists() -> dict[str, set[str]]:
    vocabulary = rdflib.Graph()
    for path in sorted((Settings().ontology_dir / "codelists").glob("*.ttl")):
        vocabulary.parse(path)
    schemes: dict[str, set[str]] = {}
    for concept, scheme in vocabulary.subject_objects(SKOS.inScheme):
        schemes.setdefault(str(scheme).removeprefix(VOCAB), set()).add(str(concept))
    return schemes


def test_sh_in_lists_equal_their_code_lists(shapes: rdflib.Graph) -> None:
    codelists = _codelists()
    checked = 0
    for shape, members_node in shapes.subject_objects(SH["in"]):
        members = {str(m) for m in rdflib.collection.Collection(shapes, members_node)}
        if all(m.startswith(VOCAB) for m in members):
            schemes = {m.removeprefix(VOCAB).split("/")[0] for m in members}
            assert len(schemes) == 1, f"{shape} mixes code lists"
            assert members == codelists[schemes.pop()], f"{shape}: sh:in differs from its code list"
            checked += 1
        elif shape.endswith("SourceRecord-format"):
            assert members == set(FORMATS)
    assert checked >= 15


def test_shapes_compile_to_sparql(shapes: rdflib.Graph) -> None:
    store = Store()
    store.bulk_extend(ontology_quads(Settings().ontology_dir))
    constraints = compile_shapes(shapes, store, VOCABULARY_GRAPH)
    assert len(constraints) > 100
