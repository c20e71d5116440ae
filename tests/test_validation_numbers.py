"""Numeric tests decided in Python (``kg_builder.validation.numbers``) agree with Oxigraph wherever they answer.

The native engine asks Oxigraph about each value of a ``sh:datatype xsd:decimal`` or a
``sh:minInclusive`` test, unless the quick rule is certain. Here every quick answer on a
pool of forms (plain, signed, padded, exponents, long, ill-formed, other datatypes, IRIs) is
compared with Oxigraph's evaluation of the test's own SPARQL expression, the way the engine
asks it (the value stored in a scratch store, the expression as a FILTER).
"""

from __future__ import annotations

import itertools

import pytest
import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Store

from kg_builder.validation import numbers
from kg_builder.validation.sparql import _datatype_ok, _n3, _to_oxigraph

XSD = "http://www.w3.org/2001/XMLSchema#"
FORMS = ["0", "-0", "5", "-5", "05", "+5", "5.", ".5", "5.0", "-5.25", "-0.0", "00.5", "180", "180.0", "180.5",
         "179.999999999999999", "180.000000000000001", "-180", "-180.0", "-180.5", "90", "90.00", "-90.000001",
         "1e2", "1E2", "abc", "", " 5", "5 ", "999999999999999", "1000000000000000", "123456789012345.123456789012345",
         "0.1234567890123456", "-999999999999999.999999999999999", "NaN", "INF"]
DATATYPES = ["integer", "decimal", "double", "float", "string", "nonNegativeInteger", "int"]
POOL = [Literal(form, datatype=NamedNode(XSD + dt)) for form in FORMS for dt in DATATYPES] + [
    Literal("5", language="en"), NamedNode("http://example.org/5"), BlankNode("b5")]
LIMITS = [rdflib.Literal(lexical, datatype=rdflib.URIRef(XSD + dt)) for lexical, dt in (
    ("-180", "integer"), ("180", "integer"), ("0", "integer"), ("90.5", "decimal"), ("-0.25", "decimal"))]


def _oxigraph_fails(expression: str, values: list) -> list[bool]:
    """The expression (true for a failing ?value) for each value, evaluated as the native engine asks Oxigraph."""
    store, check = Store(), NamedNode("urn:test:value")
    store.bulk_extend(Quad(NamedNode(f"urn:test:item:{i}"), check, value) for i, value in enumerate(values))
    rows = store.query(f"SELECT ?s WHERE {{ ?s <{check.value}> ?value FILTER ({expression}) }}")
    failing = {int(row["s"].value.rsplit(":", 1)[1]) for row in rows}
    return [i in failing for i in range(len(values))]


def _agree(rule: tuple, expression: str) -> int:
    """Assert every quick answer equals Oxigraph's; the number of values answered quickly."""
    expected = _oxigraph_fails(expression, POOL)
    answered = 0
    for value, oxigraph in zip(POOL, expected, strict=True):
        quick = numbers.fails(rule, value)
        if quick is not None:
            answered += 1
            assert quick == oxigraph, (value, expression)
    return answered


@pytest.mark.parametrize("datatype", ["integer", "decimal"])
def test_datatype_answers_agree_with_oxigraph(datatype: str) -> None:
    rule = numbers.datatype_rule(XSD + datatype)
    assert rule is not None
    answered = _agree(rule, f"!{_datatype_ok(XSD + datatype)}")
    assert answered >= 40  # plain forms, strings, IRIs and blank nodes are answered here


@pytest.mark.parametrize(("op", "limit"), list(itertools.product([">=", "<=", ">", "<"], LIMITS)))
def test_comparison_answers_agree_with_oxigraph(op: str, limit: rdflib.Literal) -> None:
    rule = numbers.comparison_rule(op, _to_oxigraph(limit))
    assert rule is not None
    answered = _agree(rule, f"!COALESCE(?value {op} {_n3(limit)}, false)")
    assert answered >= 20  # the plain integers and decimals


def test_no_quick_rule_where_the_answer_is_not_certain() -> None:
    assert numbers.datatype_rule(XSD + "double") is None
    assert numbers.datatype_rule(XSD + "date") is None
    assert numbers.comparison_rule(">=", Literal("1e2", datatype=NamedNode(XSD + "double"))) is None
    assert numbers.comparison_rule(">=", Literal("2020-01-01", datatype=NamedNode(XSD + "date"))) is None
    zero = numbers.comparison_rule(">=", _to_oxigraph(LIMITS[2]))
    assert zero is not None and numbers.fails(zero, Literal("5", datatype=NamedNode(XSD + "double"))) is None
    assert numbers.fails(zero, Literal("5", datatype=NamedNode(XSD + "int"))) is None
