"""Pure parts of the server, as tables: content negotiation, request analysis, result writers, CBD."""

from __future__ import annotations

import json

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Store

from kg_builder.server import execute
from kg_builder.server import negotiation as neg
from kg_builder.server.sparql import analyze, syntax_error_details, with_using
from kg_builder.server.writers import to_csv, to_json, to_tsv, to_xml
from kg_builder.vocab import XSD

R, G = neg.RESULT_FORMATS, neg.GRAPH_FORMATS


@pytest.mark.parametrize(
    ("accept", "offers", "default", "expected"),
    [
        (None, R, neg.RESULTS_JSON, "json"),
        ("", G, neg.TURTLE, "turtle"),
        ("*/*", R, neg.RESULTS_JSON, "json"),
        ("*/*", G, neg.TURTLE, "turtle"),
        ("application/sparql-results+xml", R, neg.RESULTS_JSON, "xml"),
        ("text/csv", R, neg.RESULTS_JSON, "csv"),
        ("text/tab-separated-values", R, neg.RESULTS_JSON, "tsv"),
        ("application/json", R, neg.RESULTS_JSON, "json"),
        ("application/json", G, neg.TURTLE, "jsonld"),
        ("application/n-triples", G, neg.TURTLE, "ntriples"),
        ("application/rdf+xml", G, neg.TURTLE, "rdfxml"),
        ("application/ld+json;q=0.5, text/turtle;q=0.9", G, neg.TURTLE, "turtle"),
        ("application/ld+json;q=0.9, text/turtle;q=0.5", G, neg.TURTLE, "jsonld"),
        ("text/*", R, neg.RESULTS_JSON, "csv"),  # a wildcard names a format's own type: not XML as text/xml
        ("text/*", G, neg.TURTLE, "turtle"),
        ("text/*;q=0.5, application/sparql-results+json;q=0.4", R, neg.RESULTS_JSON, "csv"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", R, neg.RESULTS_JSON, "xml"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", neg.ENTITY_FORMATS, neg.TURTLE, "html"),
        ("text/turtle, */*;q=0.1", neg.ENTITY_FORMATS, neg.TURTLE, "turtle"),
        ("*/*, text/csv;q=0", R, neg.RESULTS_JSON, "json"),
        ("image/png", R, neg.RESULTS_JSON, None),
        ("text/csv", G, neg.TURTLE, None),
        ("application/sparql-results+json;q=0", R, neg.RESULTS_JSON, None),
        ("garbage", R, neg.RESULTS_JSON, "json"),  # a malformed range is disregarded (RFC 9110 §12.5.1)
        ("a/b/c, text/csv", R, neg.RESULTS_JSON, "csv"),
        ("TEXT/CSV", R, neg.RESULTS_JSON, "csv"),
    ],
)
def test_negotiate(accept, offers, default, expected) -> None:
    chosen = neg.negotiate(accept, offers, default)
    assert (chosen.name if chosen else None) == expected


@pytest.mark.parametrize(
    ("override", "offers", "expected"),
    [
        ("csv", R, "csv"), ("TSV", R, "tsv"), ("json", R, "json"), ("xml", R, "xml"),
        ("ttl", G, "turtle"), ("n3", G, "turtle"), ("nt", G, "ntriples"), ("json", G, "jsonld"),
        ("json-ld", G, "jsonld"), ("rdf+xml", G, "rdfxml"), ("application/n-triples", G, "ntriples"),
        ("csv", G, None), ("yaml", R, None),
    ],
)
def test_format_override(override, offers, expected) -> None:
    chosen = neg.choose("text/csv", override, offers, offers[0])
    assert (chosen.name if chosen else None) == expected


@pytest.mark.parametrize(
    ("text", "form", "update", "dataset"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "SELECT", False, False),
        ("PREFIX ex: <http://ex/>\n# CONSTRUCT in a comment\nask { ?s ?p 'SELECT' }", "ASK", False, False),
        ("# INSERT in a comment ended by a carriage return\rSELECT * {}", "SELECT", False, False),
        ("BASE <http://b/> DESCRIBE <x>", "DESCRIBE", False, False),
        ('CONSTRUCT { ?s ?p "FROM <http://x/>" } WHERE { ?s ?p ?o }', "CONSTRUCT", False, False),
        ("SELECT * FROM <http://g> WHERE { ?s ?p ?o }", "SELECT", False, True),
        ("SELECT * FROM <http://g/\\u0061> WHERE { ?s ?p ?o }", "SELECT", False, True),
        ("INSERT DATA { <a> <b> <c> }", None, True, False),
        ("LOAD <http://remote/data.ttl> INTO GRAPH <g>", None, True, False),
        ("PREFIX ex: <http://ex/> DELETE WHERE { ?s ex:p ?o }", None, True, False),
    ],
)
def test_analyze(text, form, update, dataset) -> None:
    analysis = analyze(text)
    assert (analysis.form, analysis.is_update, analysis.has_dataset) == (form, update, dataset)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("INSERT { ?s a <k> } WHERE { ?s ?p ?o }", "INSERT { ?s a <k> } USING <http://g/1> USING NAMED <http://g/2> "
                                                   "WHERE { ?s ?p ?o }"),
        ("CLEAR ALL ; INSERT DATA { <a:b> <a:c> 'WHERE' } ; DELETE { ?s ?p ?o } INSERT { ?o ?p ?s } # WHERE\r"
         "WHERE { { SELECT * WHERE { ?s ?p ?o } } }",
         "CLEAR ALL ; INSERT DATA { <a:b> <a:c> 'WHERE' } ; DELETE { ?s ?p ?o } INSERT { ?o ?p ?s } # WHERE\r"
         "USING <http://g/1> USING NAMED <http://g/2> WHERE { { SELECT * WHERE { ?s ?p ?o } } }"),
        ("WITH <http://g/0> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", ValueError),
        ("DELETE { ?s ?p ?o } using <http://g/0> WHERE { ?s ?p ?o }", ValueError),
        ("DELETE WHERE { ?s ?p ?o }", ValueError),
    ],
)
def test_protocol_dataset_of_an_update(text, expected) -> None:
    if expected is ValueError:
        with pytest.raises(ValueError):
            with_using(text, ["http://g/1"], ["http://g/2"])
    else:
        assert with_using(text, ["http://g/1"], ["http://g/2"]) == expected


def test_syntax_error_position() -> None:
    message, position = syntax_error_details("error at 2:28: expected one of ABS")
    assert position == {"line": 2, "column": 28}
    assert "expected one of ABS" in message
    assert syntax_error_details("something else") == ("something else", None)


ROWS = [
    [NamedNode("http://ex/a"), Literal('say "hi", then\nleave'), None],
    [BlankNode("b0"), Literal("3", datatype=XSD.integer), Literal("chat", language="fr")],
]


def test_result_writers() -> None:
    doc = json.loads(to_json(["s", "o", "x"], ROWS))
    assert doc["head"]["vars"] == ["s", "o", "x"]
    first, second = doc["results"]["bindings"]
    assert first == {"s": {"type": "uri", "value": "http://ex/a"},
                     "o": {"type": "literal", "value": 'say "hi", then\nleave'}}
    assert second["o"]["datatype"] == XSD.integer.value
    assert second["x"] == {"type": "literal", "value": "chat", "xml:lang": "fr"}
    assert to_csv(["s", "o", "x"], ROWS).decode().splitlines()[:2] == ["s,o,x", 'http://ex/a,"say ""hi"", then']
    tsv = to_tsv(["s", "o", "x"], ROWS).decode().splitlines()
    assert tsv[0] == "?s\t?o\t?x"
    assert tsv[1] == '<http://ex/a>\t"say \\"hi\\", then\\nleave"\t'
    assert tsv[2] == '_:b0\t"3"^^<http://www.w3.org/2001/XMLSchema#integer>\t"chat"@fr'
    xml = to_xml(["s", "o", "x"], ROWS).decode()
    assert '<binding name="x"><literal xml:lang="fr">chat</literal></binding>' in xml
    assert "&quot;" not in xml and "say \"hi\", then" in xml


def test_row_cap_and_cbd() -> None:
    store = Store()
    s, p, g = NamedNode("http://ex/s"), NamedNode("http://ex/p"), NamedNode("http://ex/g")
    node = BlankNode()
    store.extend([Quad(s, p, Literal(str(i)), g) for i in range(5)])
    store.extend([Quad(s, p, node, g), Quad(node, p, Literal("inner"), g)])
    reply = execute.run_query(store, query="SELECT ?o { ?s ?p ?o }", formats={"results": "json", "graph": None},
                              max_rows=3)
    assert len(json.loads(reply.body)["results"]["bindings"]) == 3
    assert reply.headers[execute.TRUNCATED_HEADER] == "3"
    triples, truncated = execute.cbd_triples(store, "http://ex/s", 0)
    assert len(triples) == 7 and not truncated  # the blank node's own triple is part of the CBD
    assert execute.describe(store, iri="http://ex/nothing", format="turtle", max_rows=0).status == 404
    bad = execute.run_query(store, query="SELECT * {", formats={"results": "json"}, max_rows=0)
    assert bad.status == 400 and bad.error["position"] == {"line": 1, "column": 11}
