"""SERVICE and LOAD: every lexical variant is refused with 403 and the local listener hears nothing.

The refusal decides on the engine's own parse (kg_builder.server.outbound), so each variant
below is one the engine reads as a remote call. Defence in depth: the query workers have no
network (kg_builder.server.sandbox), checked on its own at the end.
"""

from __future__ import annotations

import multiprocessing
import time
from urllib.parse import quote

import pytest

from .conftest import TOKEN

# {E} is the listener's IRI, {H} its http://host:port/ (for prefixes), {U} the same IRI with its last letter
# written as a \u escape (an IRIREF escape the engine decodes)
QUERY_VARIANTS = {
    "plain": "SELECT * WHERE { SERVICE <{E}> { ?s ?p ?o } }",
    "lower case": "select * where { service <{E}> { ?s ?p ?o } }",
    "mixed case": "SeLeCt * WhErE { SeRvIcE <{E}> { ?s ?p ?o } }",
    "silent": "SELECT * WHERE { SERVICE SILENT <{E}> { ?s ?p ?o } }",
    "comment ended by CR": "SELECT * WHERE { # a comment\rSERVICE <{E}> { ?s ?p ?o } }",
    "comment ended by CRLF": "SELECT * WHERE { # a comment\r\nSERVICE <{E}> { ?s ?p ?o } }",
    "comment between keyword and IRI": "SELECT * WHERE { SERVICE # hidden?\r<{E}> { ?s ?p ?o } }",
    "\\u-escaped IRI": "SELECT * WHERE { SERVICE <{U}> { ?s ?p ?o } }",
    "prefixed name": "PREFIX r: <{H}> SELECT * WHERE { SERVICE r:sparql { ?s ?p ?o } }",
    "empty prefix, glued": "PREFIX : <{H}> SELECT * WHERE { SERVICE:sparql { ?s ?p ?o } }",
    "keyword glued to a prefixed name": "PREFIX r: <{H}> SELECT * WHERE { SERVICEr:sparql { ?s ?p ?o } }",
    "no spaces": "SELECT*{SERVICE<{E}>{?s?p?o}}",
    "glued to SILENT": "SELECT * WHERE { SERVICESILENT<{E}> { ?s ?p ?o } }",
    "after a boolean": "SELECT * WHERE { ?s ?p trueSERVICE<{E}> { ?s ?p ?o } }",
    "after a number": "SELECT * WHERE { ?s ?p 1SERVICE<{E}> { ?s ?p ?o } }",
    "after a string": "SELECT * WHERE { ?s ?p 'x'SERVICE<{E}> { ?s ?p ?o } }",
    "< read as an operator before a quote": "SELECT * WHERE { BIND(1 AS ?o) FILTER(?o<'>' || true) "
                                            "SERVICE <{E}> { ?s ?p ?o } FILTER(?o != '' || true) }",
    "invalid prefixed IRI the parser backs off from": "PREFIX ex: <http://x:1> SELECT * WHERE { ?a ?b "
                                                      "ex:SERVICE<{E}> { ?s ?p ?o } }",
    "escaped # in a local name": "PREFIX ex: <http://e/> SELECT * WHERE { BIND(ex:a\\# AS ?x) "
                                 "SERVICE <{E}> { ?s ?p ?o } }",
    "variable endpoint": "SELECT * WHERE { BIND(<{E}> AS ?e) SERVICE ?e { ?s ?p ?o } }",
    "sub-query": "SELECT * WHERE { { SELECT * WHERE { SERVICE <{E}> { ?s ?p ?o } } } }",
    "EXISTS": "ASK { FILTER EXISTS { SERVICE <{E}> { ?s ?p ?o } } }",
    "OPTIONAL in a GRAPH": "SELECT * WHERE { GRAPH ?g { OPTIONAL { SERVICE <{E}> { ?s ?p ?o } } } }",
    "CONSTRUCT": "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <{E}> { ?s ?p ?o } }",
    "keyword in a string too": "SELECT * WHERE { ?s ?p 'SERVICE <http://a.example/>' . SERVICE <{E}> { ?s ?p ?o } }",
}
UPDATE_VARIANTS = {
    "LOAD": "LOAD <{E}/data.ttl>",
    "load, lower case, SILENT, INTO": "load silent <{E}/data.ttl> into graph <http://g.example/>",
    "LOAD after a CR comment": "# nothing here\rLOAD <{E}/data.ttl>",
    "LOAD with a prefixed name": "PREFIX r: <{H}> LOAD r:data.ttl",
    "LOAD as a second operation": "INSERT DATA { <http://a.example/s> <http://a.example/p> 'payload' } ; LOAD <{E}>",
    "INSERT … WHERE { SERVICE }": "INSERT { ?s ?p ?o } WHERE { SERVICE <{E}> { ?s ?p ?o } }",
    "DELETE … WHERE { SERVICE } after a CR comment": "DELETE { ?s ?p ?o } WHERE { #\rSERVICE <{E}> { ?s ?p ?o } }",
    "WITH … SERVICE": "WITH <http://g.example/> DELETE { ?s ?p ?o } WHERE { SERVICE <{E}> { ?s ?p ?o } }",
}


def fill(template: str, listener) -> str:
    iri = f"{listener.url}/sparql"
    escaped = iri[:-1] + f"\\u{ord(iri[-1]):04x}"
    return template.replace("{E}", iri).replace("{H}", listener.url + "/").replace("{U}", escaped)


def quiet(listener) -> None:
    time.sleep(0.2)  # a connection would have been made while the request ran; let the listener see it
    assert listener.connections == [], listener.connections


def refused(response) -> None:
    assert response.status_code == 403, response.text
    assert response.json()["error"]["code"] == "remote-refused"


@pytest.mark.parametrize("name", list(QUERY_VARIANTS))
@pytest.mark.parametrize("how", ["GET", "POST form", "POST direct"])
def test_query_variants_are_refused(any_server, listener, name, how) -> None:
    query = fill(QUERY_VARIANTS[name], listener)
    if how == "GET":
        response = any_server.get("/sparql?query=" + quote(query, safe=""))
    elif how == "POST form":
        response = any_server.post("/sparql", data={"query": query})
    else:
        response = any_server.post("/sparql", content=query.encode(),
                                   headers={"Content-Type": "application/sparql-query"})
    refused(response)
    quiet(listener)


@pytest.mark.parametrize("name", list(UPDATE_VARIANTS))
def test_update_variants_are_refused_to_a_token_holder(writable, listener, name) -> None:
    update = fill(UPDATE_VARIANTS[name], listener)
    direct = writable.post("/sparql", content=update.encode(), headers={
        "Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})
    refused(direct)
    form = writable.post("/sparql", data={"update": update}, headers={"Authorization": f"Bearer {TOKEN}"})
    refused(form)
    quiet(listener)
    # nothing was written: the refused INSERT DATA of a two-operation update did not run either
    asked = writable.get("/sparql?query=" + quote("ASK { ?s ?p 'payload' }"),
                         headers={"Accept": "application/sparql-results+json"})
    assert asked.json()["boolean"] is False


def test_words_that_only_look_like_it_are_served(any_server, listener) -> None:
    for query in ("SELECT ?service WHERE { ?service ?p 'a service' } LIMIT 1",
                  "PREFIX schema: <http://schema.org/> SELECT * WHERE { ?s schema:serviceType ?o } LIMIT 1",
                  "SELECT * WHERE { ?s ?p ?o } LIMIT 1 # SERVICE <http://a.example/>"):
        assert any_server.get("/sparql?query=" + quote(query)).status_code == 200, query
    quiet(listener)


def _try_to_call(port: int, answer) -> None:
    """In a fresh process: leave the network as a query worker does, then let the engine call the listener."""
    from pyoxigraph import Store

    from kg_builder.server.sandbox import cut_network

    why = cut_network()
    if why is not None:
        answer.put(("not-isolated", why))
        return
    try:
        list(Store().query(f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"))
    except Exception as exc:  # the engine cannot connect: no network in here
        answer.put(("failed", type(exc).__name__))
        return
    answer.put(("connected", ""))


def test_workers_without_network_cannot_reach_the_listener(listener) -> None:
    """Defence in depth: even a SERVICE that got past the check makes no connection from a query worker."""
    context = multiprocessing.get_context("spawn")
    answer = context.Queue()
    process = context.Process(target=_try_to_call, args=(listener.port, answer))
    process.start()
    outcome, detail = answer.get(timeout=60)
    process.join(timeout=10)
    if outcome == "not-isolated":
        pytest.skip(f"this system gives no network namespace ({detail}): the documented fallback applies")
    assert outcome == "failed"
    quiet(listener)


def test_health_says_the_workers_have_no_network(read_only) -> None:
    deadline = time.monotonic() + 10
    while "workers starting" in (state := read_only.get("/health").json()["outbound"]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert state.startswith("refused")
