"""The W3C SPARQL 1.1 Protocol test suite, run against a read-only server and an ``--allow-update --token`` one.

The tests are data (tests/data/w3c/sparql11-protocol.json, translated from the suite's
manifest, with its attribution). Every test passes, or is listed there with the protocol
clause that allows our answer, and then our answer must be exactly the one listed: an
exception is checked too, never skipped. On the update server every request carries the
bearer token (a deployment detail the suite leaves open: §2.2 says nothing of
authentication).
"""

from __future__ import annotations

import json
import xml.dom.minidom
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
import rdflib
from pyoxigraph import NamedNode, Quad

from kg_builder.server.testing import LiveServer
from kg_builder.store.generations import writing

SUITE = json.loads((Path(__file__).parent / "data" / "w3c" / "sparql11-protocol.json").read_text(encoding="utf-8"))
TESTS = {t["id"]: t for t in SUITE["tests"]}
TOKEN = "w3c-suite-token"
FOAF_DOCUMENT = NamedNode("http://xmlns.com/foaf/0.1/Document")
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RESULTS_TYPES = ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                 "text/tab-separated-values")
RDF_TYPES = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld",
             "application/rdf+xml": "xml"}


def graph_quads(numbers: list[str]) -> list[Quad]:
    return [Quad(NamedNode(iri), RDF_TYPE, FOAF_DOCUMENT, NamedNode(iri))
            for number, iri in SUITE["graph_data"].items() if number in numbers]


@pytest.fixture(scope="module")
def servers(tmp_path_factory) -> Iterator[dict[str, LiveServer]]:
    stores = {kind: tmp_path_factory.mktemp(kind) for kind in ("read-only", "update")}
    for store in stores.values():
        with writing(store, fresh=True) as writer:
            writer.store.extend(graph_quads(list(SUITE["graph_data"])))
    with LiveServer(stores["read-only"], workers=1) as read_only, \
            LiveServer(stores["update"], workers=1, allow_update=True, token=TOKEN) as update:
        yield {"read-only": read_only, "update": update}


def status_class(status: int) -> str:
    return f"{status // 100}xx"


def boolean_of(response: httpx.Response) -> bool | None:
    media = response.headers.get("content-type", "").split(";")[0]
    if media == "application/sparql-results+json":
        return response.json().get("boolean")
    if media == "application/sparql-results+xml":
        found = xml.dom.minidom.parseString(response.content).getElementsByTagName("boolean")
        return found[0].firstChild.data == "true" if found else None
    return None


def meets(response: httpx.Response, expect: dict) -> str | None:
    """None when ``response`` is what the manifest expects, else what differs."""
    if status_class(response.status_code) not in expect["status"]:
        return f"status {response.status_code}, expected {expect['status']}: {response.text[:200]}"
    media = response.headers.get("content-type", "").split(";")[0]
    fmt = expect.get("format")
    if fmt in ("boolean", "tabular") and media not in RESULTS_TYPES:
        return f"media type {media} for {fmt} results"
    if fmt == "boolean" and boolean_of(response) is None:
        return "no boolean in the answer"
    if "boolean" in expect and boolean_of(response) is not expect["boolean"]:
        return f"boolean {boolean_of(response)}, expected {expect['boolean']}"
    if fmt == "RDF":
        if media not in RDF_TYPES:
            return f"media type {media} for RDF"
        rdflib.Graph().parse(data=response.text, format=RDF_TYPES[media])
    if "expectation" in expect:  # update_base_uri: one result, ?o an IRI other than <test>
        rows = response.json()["results"]["bindings"]
        if len(rows) != 1 or rows[0]["o"]["type"] != "uri" or rows[0]["o"]["value"] == "test":
            return f"{expect['expectation']}: got {rows}"
    return None


def exception_for(test_id: str, kind: str) -> dict | None:
    listed = SUITE["exceptions"].get(test_id)
    while listed is not None and kind not in listed["kinds"]:
        listed = listed.get("and_also")
    return listed


def send(server: LiveServer, kind: str, request: dict) -> httpx.Response:
    headers = dict(request.get("headers", {}))
    if kind == "update":
        headers["authorization"] = f"Bearer {TOKEN}"
    body = request["body"].encode(request["encoding"]) if "body" in request else None
    if request.get("encoding") == "UTF-16":
        assert body is not None and body[:2] in (b"\xff\xfe", b"\xfe\xff")  # with a BOM, as the manifest says
    with httpx.Client(base_url=server.url, timeout=30) as client:
        return client.request(request["method"], request["path"], headers=headers, content=body,
                              follow_redirects=False)


@pytest.mark.parametrize("kind", ["read-only", "update"])
@pytest.mark.parametrize("test_id", list(TESTS))
def test_w3c_protocol(servers, kind, test_id) -> None:
    test, server = TESTS[test_id], servers[kind]
    if kind == "update" and test["graph_data"]:  # the suite's set-up: its graphs, as its update tests insert them
        loaded = " ".join(f"GRAPH <{i}> {{ <{i}> a <{FOAF_DOCUMENT.value}> }}"
                          for n, i in SUITE["graph_data"].items() if n in test["graph_data"])
        setup = send(server, kind, {"method": "POST", "path": "/sparql",
                                    "headers": {"content-type": "application/sparql-update"},
                                    "body": f"INSERT DATA {{ {loaded} }}", "encoding": "UTF-8"})
        assert setup.status_code == 204
    listed = exception_for(test_id, kind)
    for request in test["requests"]:
        response = send(server, kind, request)
        differs = meets(response, request["expect"])
        if differs is None:
            continue
        assert listed is not None, f"{test_id} on the {kind} server: {differs}"
        # an exception: our answer must be exactly the one listed, with its clause
        assert response.status_code == listed["status"], response.text
        if "code" in listed:
            assert response.json()["error"]["code"] == listed["code"]
        if "boolean" in listed:
            assert boolean_of(response) is listed["boolean"]
        return
    assert listed is None, f"{test_id} passes on the {kind} server: drop its exception"


def test_every_exception_names_a_test_and_a_clause() -> None:
    for test_id, listed in SUITE["exceptions"].items():
        assert test_id in TESTS
        while listed is not None:
            assert listed["clause"].startswith("SPARQL 1.1") and listed["kinds"]
            listed = listed.get("and_also")


def test_base_iri_of_updates(servers) -> None:
    """What update_base_uri means to check, on a graph that exists: a relative IRI resolves, to an IRI."""
    server = servers["update"]
    update = ("INSERT DATA { GRAPH <http://example.org/protocol-base-test/> "
              "{ <http://example.org/s> <http://example.org/p> <test> } }")
    assert send(server, "update", {"method": "POST", "path": "/sparql", "body": update, "encoding": "UTF-8",
                                   "headers": {"content-type": "application/sparql-update"}}).status_code == 204
    query = "SELECT ?o WHERE { GRAPH <http://example.org/protocol-base-test/> { <http://example.org/s> ?p ?o } }"
    answer = send(server, "update", {"method": "GET", "path": "/sparql?" + urlencode({"query": query}),
                                     "headers": {"accept": "application/sparql-results+json"}})
    rows = answer.json()["results"]["bindings"]
    assert len(rows) == 1 and rows[0]["o"]["type"] == "uri" and rows[0]["o"]["value"].endswith("/test")
    assert rows[0]["o"]["value"] != "test"
