"""Bad IRIs on every endpoint that takes one, and header edge cases: a 4xx in the endpoint's own error
shape, never a 5xx, never internal exception text, never the HTTP layer's plain-text answer."""

from __future__ import annotations

from urllib.parse import quote, urlencode

import pytest

from kg_builder.vocab import DEFAULT_BASE

from .conftest import TOKEN

BAD_IRIS = ["../../etc/passwd", "not an iri", "http://x/a b", "<", "", "http://x/%zz", "http://x/<script>"]
INTERNAL = ("Traceback", "ValueError", "TypeError", "KeyError", "Exception", "pyoxigraph", "File \"")
ASK = "ASK {}"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def bad_iri(response) -> None:
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "bad-iri" and "absolute IRI" in error["message"]
    assert not any(word in response.text for word in INTERNAL), response.text


@pytest.mark.parametrize("value", BAD_IRIS)
def test_bad_iris_on_every_endpoint(any_server, value) -> None:
    bad_iri(any_server.get("/resource?" + urlencode({"iri": value}), headers={"Accept": "text/turtle"}))
    bad_iri(any_server.get("/resource?" + urlencode({"iri": value}), headers={"Accept": "text/html"}))
    bad_iri(any_server.get("/rdf-graphs?" + urlencode({"graph": value})))
    for parameter in ("default-graph-uri", "named-graph-uri"):
        bad_iri(any_server.get("/sparql?" + urlencode({"query": ASK, parameter: value})))
        bad_iri(any_server.post("/sparql", data={"query": ASK, parameter: value}))
        bad_iri(any_server.post("/sparql?" + urlencode({parameter: value}), content=ASK.encode(),
                                headers={"Content-Type": "application/sparql-query"}))


@pytest.mark.parametrize("value", BAD_IRIS)
def test_bad_iris_on_writes(writable, value) -> None:
    for parameter in ("using-graph-uri", "using-named-graph-uri"):
        bad_iri(writable.post("/sparql?" + urlencode({parameter: value}), content=b"CLEAR SILENT GRAPH <http://g/>",
                              headers={"Content-Type": "application/sparql-update", **AUTH}))
    for method in ("PUT", "POST", "DELETE"):
        bad_iri(writable.request(method, "/rdf-graphs?" + urlencode({"graph": value}), content=b"",
                                 headers={"Content-Type": "text/turtle", **AUTH}))


def test_good_iris_still_work(any_server) -> None:
    graph = DEFAULT_BASE + "graph/NCT10000003"
    assert any_server.get("/rdf-graphs?" + urlencode({"graph": graph})).status_code == 200
    assert any_server.get("/sparql?" + urlencode({"query": ASK, "default-graph-uri": graph})).status_code == 200


@pytest.mark.parametrize("accept", ["garbage", "*/*;q=banana", ";;;,,,", "a/b/c/d", "text/html;level=", "x" * 5000,
                                    "application/sparql-results+json;q=0, */*;q=0", "\u00e9/\u00e9"])
def test_odd_accept_headers_get_an_answer_or_our_406(any_server, accept) -> None:
    response = any_server.get("/sparql?" + urlencode({"query": ASK}), headers={"Accept": accept.encode("utf-8")})
    assert response.status_code in (200, 406)
    if response.status_code == 406:
        assert response.json()["error"]["code"] == "not-acceptable"


@pytest.mark.parametrize("header", [b"Accept: \x01\x02garbage", b"Accept: a\x00b", b"Authorization: Bearer \x7f",
                                    b"X-Odd: \r", b"Bad Header Name: x"])
def test_headers_the_http_parser_rejects_get_our_error_shape(any_server, header) -> None:
    answer = any_server.raw(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n" + header
                 + b"\r\nConnection: close\r\n\r\n")
    status, _, rest = answer.partition(b"\r\n")
    assert status.startswith(b"HTTP/1.1 4"), answer[:200]
    assert b"Invalid HTTP request received" not in rest.split(b"\r\n\r\n", 1)[-1][:20]
    assert b'"error"' in rest and b"application/json" in rest.lower()


def test_a_malformed_request_line_gets_our_error_shape(any_server) -> None:
    answer = any_server.raw(b"GET /sparql?query=ASK {} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400") and b'"code": "bad-http-request"' in answer


@pytest.mark.parametrize("target", ["/sparql?query=" + quote("ASK { ?s ?p '\u00e9' }"), "/sparql?query=%ff%fe",
                                    "/queries/trial-overview?nct=%00", "/resource?iri=http%3A%2F%2Fx%2F%00",
                                    "/queries/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/sparql?format=" + "x" * 3000])
def test_odd_query_strings(any_server, target) -> None:
    response = any_server.get(target)
    assert response.status_code < 500
    assert not any(word in response.text for word in INTERNAL)
