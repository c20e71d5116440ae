"""Every property shape broken every way a value can be wrong, built from the shapes themselves: the native
engine (the build's) reports exactly what the compiled SPARQL engine reports, and both what pyshacl reports
where pyshacl is the reference.

``test_shapes_cases.py`` breaks a valid study one rule at a time and says what each break must
report; it has a case for a quarter of the shapes. This test covers all of them without
saying what must be reported: for each target class it makes focus nodes whose every
property (of that class's shapes) holds one value of a pool of wrong and right terms (no
value, IRIs typed right, typed with a subclass, typed in the entity graph (a shared thing), in
another study graph or not at all,
members of the shape's ``sh:in`` and of other lists, literals of every datatype the shapes
name, bounds and their neighbours, language-tagged strings) or several of them.

pyshacl decides on the well-formed part of the pool, for the property shapes' constraints. It is
not the reference for three things, where the two compiled engines follow the SHACL and SPARQL
specifications instead (and must agree with each other, on the whole pool, ill-typed literals
and blank nodes included):

* ill-typed literals (``"x"^^xsd:nonNegativeInteger``): rdflib converts them to Python values
  and does not check every lexical form; a store keeps them as they are;
* ``sh:minInclusive`` and the like on a value the bound cannot be compared with (a date against
  a number): SPARQL's ``<=`` is an error, so a violation; rdflib's ordering is not;
* ``sh:sparql`` constraints, whose comparisons rdflib evaluates its own way, and which pyshacl
  runs over the study graph and the vocabulary together where the compiled engines read the
  study graph only (a lead sponsor's label that only the vocabulary gives).
"""

from __future__ import annotations

import itertools
import logging
from collections import Counter, defaultdict

import pytest
import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, Store, serialize

from kg_builder.settings import Settings
from kg_builder.store.vocabulary import ontology_quads
from kg_builder.validation.engines import StudyValidator, load_shapes, validate
from kg_builder.validation.terms import ox_key, ox_to_rdflib, rdflib_key
from kg_builder.vocab import ENTITY_GRAPH

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_SUBCLASS = rdflib.RDFS.subClassOf
BASE = "https://w3id.org/kg-builder/id/test-generated/"
GRAPHS = 3  # classes spread over a few study graphs, so that "typed in another graph" exists


def _literals() -> list[Literal]:
    """Literals of every datatype the shapes name, well- and ill-typed, at and around the shapes' bounds."""
    typed = {
        "integer": ["0", "1", "-1", "5", "100", "181", "abc", "1.5"],
        "nonNegativeInteger": ["0", "7", "-3", "x"],
        "positiveInteger": ["0", "2"],
        "decimal": ["0.5", "-0.5", "1.0", "100.0", "1.5", "abc"],
        "double": ["1e3", "-91.0", "-91.5", "180.5", "0.05", "NaN"],
        "float": ["0.5"],
        "boolean": ["true", "false", "1", "yes"],
        "date": ["2020-01-01", "2020-13-45", "2020-02-30"],
        "gYear": ["2020", "20x0"],
        "gYearMonth": ["2020-01", "2020-1"],
        "dateTime": ["2020-01-01T10:00:00", "2020-01-01T10:00:00Z", "yesterday"],
        "duration": ["P3M", "3 months"],
        "anyURI": ["https://example.org/x", "not a uri"],
        "string": ["text", ""],
    }
    out = [Literal(value, datatype=NamedNode(XSD + name)) for name, values in typed.items() for value in values]
    out += [Literal("text", language="en"), Literal("texte", language="fr"),
            Literal("NCT01234567"), Literal("D001943"), Literal("C000123"), Literal("HGNC:1234"),
            Literal("RECIST 1.1"), Literal("2019-001234-12"), Literal("a\nmulti-line text")]
    return _as_stored(out)


def _as_stored(literals: list[Literal]) -> list[Literal]:
    """The literals whose form a store gives back and rdflib keeps alike (a store answers ``"1e3"^^xsd:double``
    as ``"1000"``, rdflib as ``"1000.0"``: the same value, a different report; such forms would compare nothing)."""
    store, subject, predicate = Store(), NamedNode(BASE + "s"), NamedNode(BASE + "p")
    store.bulk_extend(Quad(subject, predicate, literal) for literal in literals)
    kept = [q.object for q in store.quads_for_pattern(None, None, None)
            if ox_key(q.object) == rdflib_key(ox_to_rdflib(q.object))]
    assert len(kept) >= 0.8 * len(literals)
    return sorted(kept, key=ox_key)


def _ox(term: rdflib.term.Node) -> NamedNode | Literal:
    if isinstance(term, rdflib.Literal):
        return Literal(str(term), datatype=NamedNode(str(term.datatype)) if term.datatype else None,
                       language=term.language)
    return NamedNode(str(term))


def _shapes_by_class(shapes: rdflib.Graph) -> dict[str, list[rdflib.term.Node]]:
    by_class: dict[str, list] = defaultdict(list)
    for node_shape, target in shapes.subject_objects(SH.targetClass):
        by_class[str(target)] += list(shapes.objects(node_shape, SH.property))
    return {cls: sorted(set(found)) for cls, found in by_class.items()}


def _path(shapes: rdflib.Graph, shape) -> tuple[str, bool]:
    path = shapes.value(shape, SH.path)
    if isinstance(path, rdflib.BNode):
        return str(shapes.value(path, SH.inversePath)), True
    return str(path), False


def _well_formed(term) -> bool:
    """Not a blank node nor a literal rdflib or Oxigraph finds ill-typed (see the module's docstring)."""
    if isinstance(term, BlankNode):
        return False
    if not isinstance(term, Literal) or term.language or term.datatype.value == XSD + "string":
        return True
    if ox_to_rdflib(term).ill_typed:
        return False
    try:  # rdflib does not check every lexical form (xsd:gYearMonth "2020-1"); Oxigraph's cast does
        return bool(Store().query(f"ASK {{ FILTER (COALESCE(isLiteral(<{term.datatype.value}>(STR({term}))), "
                                  "false)) }"))
    except RuntimeError:  # a datatype Oxigraph does not cast to (xsd:anyURI)
        return True


_COMPARISONS = {"MinInclusiveConstraintComponent", "MaxInclusiveConstraintComponent",
                "MinExclusiveConstraintComponent", "MaxExclusiveConstraintComponent"}
_NUMERIC = {XSD + name for name in ("integer", "decimal", "double", "float", "nonNegativeInteger",
                                    "positiveInteger", "int", "long")}


def _pyshacl_decides(result: tuple) -> bool:
    """Whether pyshacl is the reference for a result (see the module's docstring): not a comparison of a value
    the bound cannot be compared with, nor an sh:sparql constraint."""
    component, value = result[3], result[6]
    if component == "SPARQLConstraintComponent":
        return False
    return component not in _COMPARISONS or (value.startswith('"') and value.rsplit("^^<", 1)[-1][:-1] in _NUMERIC)


def _generated_store(*, well_formed: bool) -> tuple[Store, list[Quad]]:
    """The vocabulary and, in a few study graphs, focus nodes of every target class holding every kind of value
    (``well_formed``: no ill-typed literal and no blank node)."""
    settings = Settings()
    shapes = load_shapes()
    vocabulary = list(ontology_quads(settings.ontology_dir))
    ontology = rdflib.Graph()
    for quad in vocabulary:
        if quad.predicate.value == str(RDFS_SUBCLASS):
            ontology.add((rdflib.URIRef(quad.subject.value), RDFS_SUBCLASS, rdflib.URIRef(quad.object.value)))
    by_class = _shapes_by_class(shapes)
    classes = sorted(by_class)
    graphs = [NamedNode(f"{BASE}graph/{n}") for n in range(GRAPHS)]
    literals = _literals()
    assert sum(map(_well_formed, literals)) >= 0.6 * len(literals)
    in_lists = sorted(([_ox(m) for m in rdflib.collection.Collection(shapes, members)]
                       for members in shapes.objects(None, SH["in"])), key=lambda members: ox_key(members[0]))
    quads: list[Quad] = []

    def node(kind: str, number: int, graph: NamedNode, *types: str) -> NamedNode:
        term = NamedNode(f"{BASE}{kind}/{graph.value.rsplit('/', 1)[1]}/{number}")
        quads.extend(Quad(term, RDF_TYPE, NamedNode(t), graph) for t in types)
        return term

    for number, cls in enumerate(classes):
        graph, elsewhere = graphs[number % GRAPHS], graphs[(number + 1) % GRAPHS]
        # IRIs each shape's sh:class may ask for: right, by a subclass, in another graph, untyped, wrong
        irisets: list[NamedNode | Literal] = [node("untyped", number, graph)]
        for shape in by_class[cls]:
            for wanted in sorted(shapes.objects(shape, SH["class"])):
                irisets.append(node("typed", len(quads), graph, str(wanted)))
                irisets.append(node("elsewhere", len(quads), elsewhere, str(wanted)))
                irisets.append(node("shared", len(quads), ENTITY_GRAPH, str(wanted)))  # a shared thing
                for sub in itertools.islice(sorted(ontology.subjects(RDFS_SUBCLASS, wanted)), 1):
                    irisets.append(node("subclass", len(quads), graph, str(sub)))
            for members in shapes.objects(shape, SH["in"]):
                irisets.append(_ox(next(iter(rdflib.collection.Collection(shapes, members)))))
        irisets.append(node("other-class", number, graph, classes[(number + 1) % len(classes)]))
        irisets += [lst[-1] for lst in in_lists[number % len(in_lists)::7]]  # members of other code lists
        irisets.append(NamedNode("http://id.nlm.nih.gov/mesh/D001943"))
        irisets.append(NamedNode("https://pubmed.ncbi.nlm.nih.gov/12345/"))
        pool: list = [*irisets, *literals, BlankNode(f"b{number}")]
        if well_formed:
            pool = [term for term in pool if _well_formed(term)]
        # one focus node per value, one with none, and some with two or three values
        holdings = [[]] + [[v] for v in pool] + [pool[i:i + 2] for i in range(0, len(pool) - 1, 5)] + \
                   [pool[i:i + 3] for i in range(1, len(pool) - 2, 9)]
        for n, values in enumerate(holdings):
            focus = node("focus", number * 1000 + n, graph, cls)
            for shape in by_class[cls]:
                predicate, inverse = _path(shapes, shape)
                for value in values:
                    if inverse:
                        if not isinstance(value, Literal):
                            quads.append(Quad(value, NamedNode(predicate), focus, graph))
                    else:
                        quads.append(Quad(focus, NamedNode(predicate), value, graph))
    store = Store()
    store.bulk_extend(vocabulary)
    store.bulk_extend(quads)
    return store, quads


@pytest.fixture(scope="module")
def everything() -> tuple[Store, list[Quad]]:
    return _generated_store(well_formed=False)


@pytest.fixture(scope="module")
def well_formed() -> Store:
    return _generated_store(well_formed=True)[0]


@pytest.fixture(scope="module")
def reference(well_formed: Store) -> list[tuple]:
    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)  # one line per ill-typed literal it converts
    report = validate(well_formed, engine="pyshacl")
    assert report.engine == "pyshacl"
    return sorted(r.comparable() for r in report.results if _pyshacl_decides(r.comparable()))


def _differences(found: list[tuple], expected: list[tuple]) -> tuple[list, list]:
    """What only one side reports (each result counted as often as it is reported)."""
    found_counts, expected_counts = Counter(found), Counter(expected)
    return sorted(found_counts - expected_counts)[:20], sorted(expected_counts - found_counts)[:20]


def test_every_property_shape_and_constraint_kind_is_exercised(reference: list[tuple],
                                                                everything: tuple[Store, list[Quad]]) -> None:
    """Each property shape reports something (a comparison of empty reports would prove nothing)."""
    shapes = load_shapes()
    property_shapes = {str(s) for s in shapes.subjects(rdflib.RDF.type, SH.PropertyShape)}
    assert property_shapes - {r[2] for r in reference} == set()
    kinds = {"MinCount", "MaxCount", "Datatype", "In", "Class", "NodeKind", "Pattern", "MinInclusive",
             "MaxInclusive", "MinExclusive", "Or"}
    assert {r[3] for r in reference} == {kind + "ConstraintComponent" for kind in kinds}
    sparql_shapes = {str(s) for s in shapes.subjects(SH.sparql, None)}
    native = validate(everything[0], engine="native").results
    # most sh:sparql constraints fire on these nodes too (the others need a study's structure: cases/*.ru)
    assert len(sparql_shapes - {r.shape for r in native}) <= len(sparql_shapes) // 2


@pytest.mark.parametrize("engine", ["native", "sparql"])
def test_engine_reports_what_pyshacl_reports(well_formed: Store, reference: list[tuple], engine: str) -> None:
    report = validate(well_formed, engine=engine)
    assert report.engine == engine
    found = sorted(r.comparable() for r in report.results if _pyshacl_decides(r.comparable()))
    assert _differences(found, reference) == ([], [])


def test_native_engine_reports_what_the_sparql_engine_reports_on_ill_formed_values(
        everything: tuple[Store, list[Quad]]) -> None:
    """Ill-typed literals and blank nodes too, through the store and through the build's path (N-Quads bytes
    parsed leniently)."""
    store, quads = everything
    expected = sorted(r.comparable() for r in validate(store, engine="sparql").results)
    assert _differences(sorted(r.comparable() for r in validate(store, engine="native").results), expected) == \
        ([], [])
    batch = StudyValidator().validate_serialized(serialize(quads, None, RdfFormat.N_QUADS))
    found = sorted(r.comparable() for study in batch.values() for r in study.results)
    assert _differences(found, expected) == ([], [])
