"""The native engine's plans for ``sh:sparql`` constraints on constructed graphs, against the SPARQL engine.

``test_shapes_cases.py`` and ``test_shapes_generated.py`` check the shipped shapes. These shapes are
made to reach the plan steps the shipped ones reach seldom or never, over data whose
answer depends on which graph a node is typed in: ``?x rdf:type <class>`` read from the
nodes typed with the class (as the first pattern, and as a lookup once the study graph is
bound) and read by subject (which indexes ``rdf:type`` by subject).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, Store

from kg_builder.validation.engines import StudyValidator, validate

EX = "http://example.org/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
INTEGER = "http://www.w3.org/2001/XMLSchema#integer"

_SHAPE = """
ex:{name} a sh:NodeShape ;
    sh:targetClass ex:Thing ;
    sh:name "{name}" ;
    sh:message "{name} {{?value}}" ;
    sh:sparql [ a sh:SPARQLConstraint ; sh:select \"\"\"{select}\"\"\" ] .
"""

# each SELECT finds the things whose link is not typed ex:Target in the thing's own graph, or whose owner is
SELECTS = {
    # rdf:type with a constant class as the first pattern: every typed node of the batch
    "first": """SELECT $this ?value WHERE {
        $this a <http://example.org/Thing> .
        $this <http://example.org/link> ?value .
        FILTER NOT EXISTS { ?value a <http://example.org/Target> } }""",
    # as a lookup once the graph is bound: the typed nodes of that graph only
    "bound-graph": """SELECT $this ?value WHERE {
        $this <http://example.org/link> ?value .
        ?owner a <http://example.org/Owner> .
        ?owner <http://example.org/owns> $this . }""",
    # a first pattern with a constant object, an IRI or a literal (matched as a store keeps it: "01" is 1)
    "constant-iri": """SELECT $this ?value WHERE {
        $this <http://example.org/flag> <http://example.org/on> .
        $this <http://example.org/link> ?value . }""",
    "constant-literal": """SELECT $this ?value WHERE {
        $this <http://example.org/level> 1 .
        $this <http://example.org/link> ?value . }""",
    # by subject (the subject is bound): rdf:type is indexed by subject for this plan
    "by-subject": """SELECT $this ?value WHERE {
        $this <http://example.org/link> ?value .
        ?value a <http://example.org/Target> . }""",
}


def _shapes(tmp_path: Path, names: list[str]) -> Path:
    directory = tmp_path / "shapes"
    directory.mkdir(parents=True)
    text = "@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix ex: <http://example.org/> .\n"
    text += "".join(_SHAPE.format(name=name, select=SELECTS[name]) for name in names)
    (directory / "shapes.ttl").write_text(text, encoding="utf-8")
    return directory


def _store() -> Store:
    """Two study graphs: a thing's link and owner typed in its own graph, in the other graph, or nowhere."""
    g1, g2 = NamedNode(EX + "graph/1"), NamedNode(EX + "graph/2")

    def q(s: str, p: str, o: str, g: NamedNode) -> Quad:
        return Quad(NamedNode(EX + s), NamedNode(p if ":" in p else EX + p), NamedNode(EX + o), g)

    store = Store()
    store.bulk_extend([
        q("t1", RDF_TYPE, "Thing", g1), q("t1", "link", "v1", g1), q("t1", "link", "v2", g1),
        q("v1", RDF_TYPE, "Target", g1), q("v2", RDF_TYPE, "Target", g2),
        q("o1", RDF_TYPE, "Owner", g1), q("o1", "owns", "t1", g1),
        q("t2", RDF_TYPE, "Thing", g2), q("t2", "link", "v1", g2), q("t2", "link", "v3", g2),
        q("o2", RDF_TYPE, "Owner", g1), q("o2", "owns", "t2", g2), q("o3", RDF_TYPE, "Owner", g2),
        q("t3", RDF_TYPE, "Other", g2), q("t3", "link", "v2", g2),  # not a focus node
        q("t1", "flag", "on", g1), q("t1", "flag", "on", g2), q("t2", "flag", "off", g2),
        Quad(NamedNode(EX + "t2"), NamedNode(EX + "level"), Literal("01", datatype=NamedNode(INTEGER)), g2),
        Quad(NamedNode(EX + "t1"), NamedNode(EX + "level"), Literal("2", datatype=NamedNode(INTEGER)), g1),
    ])
    return store


@pytest.mark.parametrize("name", list(SELECTS))
def test_plan_reports_what_the_query_reports(tmp_path: Path, name: str) -> None:
    shapes = _shapes(tmp_path, [name])
    store = _store()
    expected = validate(store, shapes, engine="sparql")
    native = validate(store, shapes, engine="native")
    assert native.engine == "native" and expected.engine == "sparql"
    assert expected.results, "the data must make the constraint report something"
    assert [r.comparable() for r in native.results] == [r.comparable() for r in expected.results]


def test_rdf_type_is_indexed_by_subject_only_for_a_plan_that_reads_it_so(tmp_path: Path) -> None:
    """A constant class is read from the typed nodes; only a plan reading a bound subject's types needs them
    indexed by subject (a step whose table is missing fails loudly rather than finding nothing)."""
    by_class = StudyValidator(_shapes(tmp_path / "a", ["first", "bound-graph"]))
    assert by_class.native is not None and not by_class.native.unplanned
    steps = {kind for _c, plan in by_class.native.plans for bgp in plan.root.bgps() for kind, _p in bgp.steps}
    assert "class" in steps
    assert RDF_TYPE not in by_class.native.routes
    by_subject = StudyValidator(_shapes(tmp_path / "b", ["by-subject"]))
    assert by_subject.native is not None and RDF_TYPE in by_subject.native.routes
