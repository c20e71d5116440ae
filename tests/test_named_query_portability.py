"""Named queries on an external store (``serve --backend``): sent as standard SPARQL 1.1.

A named query's own text may use Oxigraph's ``LATERAL`` (SEP-0006) or the statistics the build keeps; an
external endpoint may know neither. Such a query has a plain join in ``queries/direct/``, which
:func:`~kg_builder.store.named_queries.text_for` sends to a :class:`RemoteStore`. These tests check that the
plain joins are standard, that they are the ones sent, and that they give the same rows, in the same order,
on the real records.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pyoxigraph import Store

from kg_builder.build import build
from kg_builder.remote.endpoint import RemoteStore
from kg_builder.settings import Settings
from kg_builder.store.generations import open_read_only
from kg_builder.store.named_queries import NamedQuery, execute_named, load_named_queries, text_for

QUERIES = Settings().queries_dir
NAMED = load_named_queries(QUERIES)
DIRECT = load_named_queries(QUERIES / "direct")

_IRI = re.compile(r"<[^<>\"{}|^`\\\s]*>")
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'')
_COMMENT = re.compile(r"#[^\n]*")


def _words(text: str) -> set[str]:
    """The words of a query outside its IRIs, strings and comments, upper-cased."""
    bare = _COMMENT.sub(" ", _STRING.sub(" ", _IRI.sub(" ", text)))
    return {word.upper() for word in re.findall(r"[A-Za-z_]+", bare)}


def test_words_are_read_outside_comments_iris_and_strings() -> None:
    assert "LATERAL" in _words("SELECT * WHERE { ?s ?p ?o LATERAL { OPTIONAL { ?o ?q ?r } } }")
    assert "LATERAL" in _words("select * where { ?s ?p ?o lateral { ?o ?q ?r } }")
    assert "LATERAL" not in _words('# LATERAL here\nSELECT * WHERE { ?s <http://x/LATERAL> "LATERAL" }')


@pytest.mark.parametrize("name", sorted(NAMED))
def test_a_query_using_an_extension_has_a_standard_plain_join(name: str) -> None:
    query = NAMED[name]
    if "LATERAL" in _words(query.text) or "graph/statistics" in query.text:
        assert query.direct, f"{name} uses LATERAL or the statistics: queries/direct/{name}.rq must say it plainly"
    if query.direct:
        assert "LATERAL" not in _words(query.direct), name
        assert "graph/statistics" not in query.direct, name


def test_an_external_store_is_sent_the_plain_join() -> None:
    remote = RemoteStore("http://127.0.0.1:9/sparql")  # nothing listens: asking it anything would fail
    try:
        assert text_for(remote, "SELECT * { LATERAL { ?s ?p ?o } }", "SELECT * { ?s ?p ?o }") == "SELECT * { ?s ?p ?o }"
        assert text_for(remote, "SELECT * { ?s ?p ?o }", None) == "SELECT * { ?s ?p ?o }"
    finally:
        remote.close()


def test_the_embedded_store_with_statistics_is_sent_the_query_itself(real_store: Store) -> None:
    for name, query in NAMED.items():
        if query.direct:
            assert query.text_for(real_store) == query.text, name


@pytest.fixture(scope="module")
def real_store(shared_data: Path, tmp_path_factory) -> Store:
    directory = tmp_path_factory.mktemp("portable") / "store"
    build(sorted((shared_data / "ctgov-json").glob("NCT*.json")), directory, fresh=True, validate=False)
    return open_read_only(directory)


def _rows(store: Store, query: NamedQuery, values: dict[str, str]) -> list[tuple[str, ...]]:
    return [tuple(str(value) for value in row) for row in execute_named(store, query, values)]


def _value(store: Store, query: NamedQuery) -> dict[str, str]:
    """A parameter value the store has rows for (its most used drug or condition name)."""
    if not query.params:
        return {}
    parameter = query.params[0].name
    pattern = {"drug": "?arm kg:armDrug/rdfs:label ?v", "condition": "?t kg:conditionName ?v"}[parameter]
    found = store.query("PREFIX kg: <https://w3id.org/kg-builder/ontology#> "
                        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
                        f"SELECT ?v (COUNT(*) AS ?n) WHERE {{ {pattern} }} GROUP BY ?v ORDER BY DESC(?n) ?v LIMIT 1",
                        use_default_graph_as_union=True)
    return {parameter: next(iter(found))["v"].value}


@pytest.mark.parametrize("name", sorted(DIRECT))
def test_the_plain_join_gives_the_same_rows_in_the_same_order(name: str, real_store: Store) -> None:
    named, direct = NAMED[name], DIRECT[name]
    values = _value(real_store, named)
    rows = _rows(real_store, named, values)
    assert rows == _rows(real_store, direct, values)
    if name.startswith(("adc-", "adverse-events-of-drug", "drugs", "trials-for-condition")):
        assert rows, f"{name}: no rows on the real records, nothing compared"
