"""Answers written by Oxigraph where nothing is cut: an uncapped SELECT on the server, and a named query's answer
without its parameter columns; both give the same solutions as the Python paths they bypass."""

from __future__ import annotations

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, QueryResultsFormat, Store, parse_query_results

from kg_builder.server import execute
from kg_builder.store.named_queries import execute_named, parse_named_query

EX = "http://ex/"
_FORMATS = {"json": QueryResultsFormat.JSON, "xml": QueryResultsFormat.XML, "csv": QueryResultsFormat.CSV,
            "tsv": QueryResultsFormat.TSV}


def _store() -> Store:
    """Terms that are hard to write: tabs, line breaks, quotes, commas, a language tag, a datatype, a blank node."""
    store = Store()
    texts = [Literal("tab\there"), Literal('line\nbreak, "quoted"'), Literal("Grüße", language="de"),
             Literal("7", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#integer")), BlankNode("b1")]
    for index, text in enumerate(texts):
        subject = NamedNode(f"{EX}s{index}")
        store.add(Quad(subject, NamedNode(f"{EX}kind"), Literal("thing"), NamedNode(f"{EX}g")))
        store.add(Quad(subject, NamedNode(f"{EX}text"), text, NamedNode(f"{EX}g")))
    store.add(Quad(NamedNode(f"{EX}s9"), NamedNode(f"{EX}kind"), Literal("thing"), NamedNode(f"{EX}g")))  # no text
    return store


_QUERY = f"SELECT ?kind ?s ?t WHERE {{ ?s <{EX}kind> ?kind OPTIONAL {{ ?s <{EX}text> ?t }} }} ORDER BY ?s"


def _solutions(body: bytes, fmt: str) -> list[tuple]:
    return [tuple(row) for row in parse_query_results(body, _FORMATS[fmt])]


def test_an_uncapped_answer_has_the_solutions_of_a_capped_one() -> None:
    store = _store()
    for fmt in _FORMATS:
        whole = execute.run_query(store, query=_QUERY, formats={"results": fmt}, max_rows=0)
        capped = execute.run_query(store, query=_QUERY, formats={"results": fmt}, max_rows=100)
        assert whole.error is None and capped.error is None
        if fmt == "csv":  # CSV cannot be read back (it is lossy): the two writers give the same text
            assert whole.body == capped.body
        else:
            assert _solutions(whole.body, fmt) == _solutions(capped.body, fmt), fmt
            assert len(_solutions(whole.body, fmt)) == 6
        # written by Oxigraph itself: the body is its own serialisation of the answer
        assert whole.body == store.query(_QUERY, use_default_graph_as_union=True).serialize(format=_FORMATS[fmt])


def test_a_named_query_loses_only_its_parameter_columns() -> None:
    store = _store()
    query = parse_named_query("q", "# param: kind literal\n" + _QUERY)
    rows = [tuple(row) for row in execute_named(store, query, {"kind": "thing"})]
    expected = [tuple(row)[1:] for row in store.query(_QUERY, use_default_graph_as_union=True)]
    assert rows == expected
    assert len(rows) == 6 and (NamedNode(f"{EX}s9"), None) in rows  # a row whose other column is unbound stays
    answer = execute_named(store, query, {"kind": "thing"})
    assert [v.value for v in answer.variables] == ["s", "t"]
    # a row left with no bound column at all is kept, not read as the end of the answer
    only = parse_named_query("q", "# param: kind literal\n" + _QUERY.replace("SELECT ?kind ?s ?t", "SELECT ?kind ?t"))
    assert len(list(execute_named(store, only, {"kind": "thing"}))) == 6
    assert list(execute_named(store, only, {"kind": "nothing"})) == []
