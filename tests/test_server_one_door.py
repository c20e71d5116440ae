"""The one protocol door as clients meet it: CORS, HEAD, the body limit, duplicate parameters, the order of
checks (syntax before format), predeclared prefixes and the base IRI, the service description, OpenAPI and
/docs, the access log. A live server on 127.0.0.1, as ``serve`` runs it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlencode

import httpx
import pytest
import rdflib

from kg_builder.server.testing import LiveServer, nct, write_store
from kg_builder.vocab import DEFAULT_BASE, PREFIXES

COUNT = "SELECT (COUNT(?t) AS ?n) WHERE { ?t a kg:ClinicalTrial }"  # kg: is predeclared
TRIAL = f"{DEFAULT_BASE}trial/{nct(3)}"
DIRECT = {"Content-Type": "application/sparql-query"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Accept": "application/sparql-results+json"}
MAX_BODY = 4096
CLF = re.compile(r'^(\S+) - - \[\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] '
                 r'"(\w+) (\S+) HTTP/1\.1" (\d{3}) (\d+|-)$')


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("store")
    write_store(path, 12)
    return path


@pytest.fixture(scope="module", params=["open", "one-origin", "no-cors"])
def server(request, store) -> Iterator[LiveServer]:
    cors = {"open": {}, "one-origin": {"cors_origins": ["https://a.example"]},
            "no-cors": {"cors_origins": []}}[request.param]
    with LiveServer(store, max_rows=20, max_body=MAX_BODY, workers=1, **cors) as live:
        yield live


def send(server: LiveServer, method: str, target: str, headers: dict | None = None,
         body: bytes | None = None) -> httpx.Response:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        return client.request(method, target, headers=headers, content=body, follow_redirects=False)


def test_cors_head_and_caps_on_queries(server) -> None:
    cors = server.options.get("cors_origins")
    for target in ("/sparql?" + urlencode({"query": COUNT}), f"/queries/trial-overview?nct={nct(3)}"):
        answer = send(server, "GET", target, {"Origin": "https://a.example"})
        assert answer.status_code == 200
        if cors is None:
            assert answer.headers["access-control-allow-origin"] == "*"
        elif cors:
            assert answer.headers["access-control-allow-origin"] == "https://a.example"
            assert "Origin" in answer.headers["vary"]
        else:
            assert "access-control-allow-origin" not in answer.headers
        head = send(server, "HEAD", target)
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-type"] == answer.headers["content-type"]
    capped = send(server, "POST", "/sparql", DIRECT, b"SELECT ?s { ?s ?p ?o }")
    assert capped.headers["x-sparql-maxrows"] == "20" and capped.headers["x-result-truncated"] == "true"
    assert len(capped.json()["results"]["bindings"]) == 20
    if cors == ["https://a.example"]:  # a preflight is the middleware's
        preflight = send(server, "OPTIONS", "/sparql", {"Origin": "https://a.example",
                                                         "Access-Control-Request-Method": "POST"})
        assert preflight.status_code == 200 and "POST" in preflight.headers["access-control-allow-methods"]


def test_head_everywhere(server) -> None:
    for target in ("/sparql", "/health", "/queries", "/.well-known/void", "/openapi.json", "/docs",
                   "/rdf-graphs?graph=" + DEFAULT_BASE + "graph/" + nct(3), "/resource?iri=" + TRIAL):
        get, head = send(server, "GET", target, {"Accept": "text/turtle"}), send(server, "HEAD", target,
                                                                                {"Accept": "text/turtle"})
        assert head.status_code == get.status_code == 200, target
        assert head.content == b"" and head.headers["content-type"] == get.headers["content-type"], target


def test_body_limit_by_length_and_while_streaming(server) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"ASK {} #"
        for _ in range(8):
            yield b"x" * 1024

    assert send(server, "POST", "/sparql", DIRECT, b"ASK {} #" + b"x" * MAX_BODY).status_code == 413
    with httpx.Client(base_url=server.url, timeout=30) as client:
        refused = client.post("/sparql", headers=DIRECT, content=chunks())
    assert refused.status_code == 413 and refused.json()["error"]["code"] == "body-too-large"


@pytest.mark.parametrize(("method", "target", "headers", "body", "status"), [
    ("GET", "/sparql?query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D", {}, None, 400),
    ("POST", "/sparql?query=ASK%20%7B%7D", DIRECT, b"ASK {}", 400),  # one in the URL, one in the body
    ("POST", "/sparql", FORM, b"query=ASK%20%7B%7D&update=CLEAR%20ALL", 400),
    ("POST", "/sparql", FORM, b"update=CLEAR%20ALL&update=CLEAR%20ALL", 400),
    ("GET", "/sparql?update=CLEAR%20ALL", {}, None, 405),
    ("PUT", "/sparql", DIRECT, b"ASK {}", 405),
    ("POST", "/sparql", {"Content-Type": "text/plain"}, b"ASK {}", 415),
    ("POST", "/sparql", {}, b"ASK {}", 415),
    ("POST", "/sparql", {"Content-Type": "application/sparql-query; charset=UTF-16"},
     "ASK {}".encode("utf-16"), 415),
    ("POST", "/sparql", DIRECT, "ASK { ?s ?p 'caf\u00e9' }".encode("latin-1"), 400),
    ("POST", "/sparql", FORM, b"nothing=here", 400),
    ("GET", "/sparql?query=SELEC%20nonsense", JSON, None, 400),  # a syntax error, never a 406
    ("GET", "/sparql?query=SELEC%20nonsense", {"Accept": "text/turtle"}, None, 400),
    ("GET", "/sparql?" + urlencode({"query": COUNT}), {"Accept": "image/png"}, None, 406),
    ("GET", "/sparql?" + urlencode({"query": f"DESCRIBE <{TRIAL}>", "format": "csv"}), {}, None, 406),
    ("GET", "/sparql?" + urlencode({"query": "INSERT DATA { <a:b> <a:c> <a:d> }"}), {}, None, 400),
    ("GET", f"/queries/trial-overview?nct={nct(3)}&nct={nct(4)}", {}, None, 400),
    ("GET", "/queries/trial-overview", {}, None, 400),
    ("GET", "/queries/trial-overview?nct=x&bogus=1", {}, None, 400),
    ("GET", "/queries/no-such-query", {}, None, 404),
    ("POST", f"/queries/trial-overview?nct={nct(3)}", {}, None, 405),
])
def test_refusals(server, method, target, headers, body, status) -> None:
    answer = send(server, method, target, headers, body)
    assert answer.status_code == status, answer.text
    if status != 405 or method != "OPTIONS":
        error = answer.json()["error"]
        assert error["status"] == status and error["message"]


def test_prefixes_base_and_text_wildcard(server) -> None:
    count = send(server, "GET", "/sparql?" + urlencode({"query": COUNT, "format": "csv"}))
    assert count.text.split() == ["n", "12"]  # kg: predeclared, as in `kg-builder query`
    relative = send(server, "GET", "/sparql?" + urlencode({"query": f"ASK {{ <trial/{nct(3)}> ?p ?o }}"}), JSON)
    assert relative.json()["boolean"] is True  # relative IRIs resolve against the base
    csv = send(server, "GET", "/sparql?" + urlencode({"query": COUNT}), {"Accept": "text/*"})
    assert csv.headers["content-type"].startswith("text/csv")
    turtle = send(server, "GET", "/sparql?" + urlencode({"query": f"DESCRIBE <{TRIAL}>"}), {"Accept": "text/*"})
    assert turtle.headers["content-type"].startswith("text/turtle")


def test_service_description_is_truthful(server) -> None:
    answer = send(server, "GET", "/sparql", {"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=answer.text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    service = next(graph.subjects(rdflib.RDF.type, sd.Service))
    assert (service, sd.feature, sd.BasicFederatedQuery) not in graph  # SERVICE is refused here
    assert (service, sd.supportedLanguage, sd.SPARQL11Update) not in graph  # read-only
    declared = {str(graph.value(d, sh.prefix)): str(graph.value(d, sh.namespace))
                for d in graph.objects(service, sh.declare)}
    assert declared == PREFIXES
    page = send(server, "GET", "/sparql", {"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")


def test_openapi_validates_and_docs_load_offline(server) -> None:
    from openapi_spec_validator import validate

    schema = send(server, "GET", "/openapi.json").json()
    validate(schema)
    operations = [op["operationId"] for item in schema["paths"].values() for op in item.values()]
    assert len(operations) == len(set(operations))
    assert {"/sparql", "/queries/{name}", "/queries", "/rdf-graphs", "/resource", "/health"} <= set(schema["paths"])
    docs = send(server, "GET", "/docs")
    assert docs.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert assets and all(a.startswith("/") and not a.startswith("//") for a in assets)
    for asset in assets:
        assert send(server, "GET", asset).status_code == 200, asset
    assert "cdn" not in docs.text.lower()


def test_access_log_in_common_log_format(store, capfd) -> None:
    with LiveServer(store, workers=1, log_level="warning") as live:
        send(live, "GET", "/sparql?query=ASK%20%7B%7D")
        send(live, "POST", "/sparql", {"Content-Type": "text/plain"}, b"x")
        send(live, "GET", "/health")
    lines = [CLF.match(line) for line in capfd.readouterr().err.splitlines()]
    logged = [(m.group(2), m.group(3), m.group(4)) for m in lines if m]
    assert ("GET", "/sparql?query=ASK%20%7B%7D", "200") in logged
    assert ("POST", "/sparql", "415") in logged
    assert ("GET", "/health", "200") in logged


def test_timeout_is_503_with_retry_after(store) -> None:
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    with LiveServer(store, timeout=1.0, workers=1) as live:
        answer = send(live, "GET", "/sparql?" + urlencode({"query": runaway}))
        assert answer.status_code == 503 and answer.headers["retry-after"] == "1"
        assert answer.json()["error"]["code"] == "timeout"
        assert send(live, "POST", "/sparql", DIRECT, b"ASK {}").json()["boolean"] is True


def test_serve_has_no_second_door(monkeypatch, store) -> None:
    import inspect

    import uvicorn

    from kg_builder.server import serve
    from kg_builder.server.door import SparqlDoor

    assert "fast_path" not in inspect.signature(serve).parameters
    served: list[object] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **_: served.append(app))
    serve(store, access_log=False)
    layer, doors = served[0], 0
    while layer is not None:  # one door, one body limit, one CORS layer
        doors += isinstance(layer, SparqlDoor)
        layer = getattr(layer, "app", None)
    assert doors == 1


def test_the_access_log_writes_straight_to_serves_handler_and_through_logging_otherwise() -> None:
    import asyncio
    import io
    import logging

    from kg_builder.server.access_log import AccessLog, line_handler

    async def app(scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    def one_request(logger: logging.Logger) -> None:
        scope = {"type": "http", "method": "GET", "path": "/x", "raw_path": b"/x", "query_string": b"a=%22",
                 "client": ("10.0.0.1", 5), "http_version": "1.1"}

        async def send(message) -> None:
            pass

        asyncio.run(AccessLog(app, logger)(scope, None, send))

    logger = logging.getLogger("kg_builder.access.test")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    stream = io.StringIO()
    logger.addHandler(line_handler(stream))  # as serve() sets it up: the line goes straight to the stream
    records: list[logging.LogRecord] = []
    try:
        one_request(logger)
        assert CLF.match(stream.getvalue().strip()).groups()[1:4] == ("GET", "/x?a=%22", "204")
        logger.addFilter(lambda record: records.append(record) or True)  # a filter: every line is a record
        one_request(logger)
        assert len(records) == 1 and CLF.match(records[0].getMessage())
        assert len(stream.getvalue().splitlines()) == 2  # and the handler still writes it
    finally:
        logger.handlers.clear()
        logger.filters.clear()
