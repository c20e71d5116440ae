"""The fast path answers SPARQL and named queries exactly as the FastAPI handlers do: status, headers, body.

Each server configuration runs twice on the same store — as ``serve`` runs it (fast path in
front) and with ``fast_path=False`` (every request through FastAPI) — and the same requests
must get the same responses from both, up to the Date header.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from urllib.parse import quote, urlencode

import httpx
import pytest

from kg_builder.server.execute import Reply
from kg_builder.server.fast_path import FastPath
from kg_builder.server.service import Service
from kg_builder.server.testing import LiveServer, nct, write_store
from kg_builder.vocab import DEFAULT_BASE, sparql_prefixes

TRIAL = f"{DEFAULT_BASE}trial/{nct(3)}"
GRAPH = f"{DEFAULT_BASE}graph/{nct(3)}"
COUNT = sparql_prefixes() + "SELECT (COUNT(?t) AS ?n) WHERE { ?t a kg:ClinicalTrial }"
MAX_BODY = 4096
BLANK = re.compile(rb"_:[0-9a-f]+")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
DIRECT = {"Content-Type": "application/sparql-query"}
JSON = {"Accept": "application/sparql-results+json"}

Headers = dict[str, str] | list[tuple[str, str]]
# (method, path and query string, headers, body): queries the fast path answers, and requests it must pass on
REQUESTS: list[tuple[str, str, Headers, bytes | None]] = [
    ("GET", "/sparql?" + urlencode({"query": COUNT}), JSON, None),
    ("GET", "/sparql?" + urlencode({"query": COUNT}), {**JSON, "Origin": "https://a.example"}, None),
    ("GET", "/sparql?" + urlencode({"query": COUNT}), {**JSON, "Origin": "https://elsewhere.example"}, None),
    ("HEAD", "/sparql?" + urlencode({"query": COUNT}), JSON, None),
    ("GET", "/sparql?" + urlencode({"query": COUNT, "format": "csv"}), JSON, None),
    ("GET", "/sparql?" + urlencode({"query": "SELECT ?s { ?s ?p ?o }", "format": "tsv"}), {}, None),  # truncated
    ("GET", "/sparql?" + urlencode([("query", COUNT), ("default-graph-uri", GRAPH), ("default-graph-uri", "")]),
     {"Accept": "text/csv"}, None),
    ("GET", "/sparql?" + urlencode([("query", "SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"),
                                    ("named-graph-uri", GRAPH), ("query", "ASK {}")]), {}, None),  # last query wins
    ("GET", "/sparql?" + urlencode({"query": f"CONSTRUCT WHERE {{ <{TRIAL}> ?p ?o }}"}), {"Accept": "text/turtle"},
     None),
    ("GET", "/sparql?" + urlencode({"query": f"DESCRIBE <{TRIAL}>", "format": "jsonld"}), {}, None),
    ("GET", "/sparql?" + urlencode({"query": "ASK { ?s ?p 'é' }"}), {"Accept": "text/csv"}, None),
    ("GET", "/sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%22%zz%22%20%7D&format=csv", {}, None),  # a malformed escape
    ("GET", "/sparql?" + urlencode({"query": COUNT}), [("Accept", "text/csv"), ("Accept", "application/json"),
                                                      ("Origin", "https://a.example"), ("Origin", "https://b")], None),
    ("GET", "/sparql?" + urlencode({"query": "SELECT * WHERE {\n  ?s ?p \n}"}), JSON, None),  # 400 with position
    ("GET", "/sparql?query=", {}, None),
    ("GET", "/sparql?" + urlencode({"query": COUNT}), {"Accept": "image/png"}, None),  # 406
    ("GET", "/sparql?" + urlencode({"query": f"DESCRIBE <{TRIAL}>", "format": "csv"}), {}, None),  # 406
    ("GET", "/sparql?" + urlencode({"query": "SELECT * { SERVICE <http://127.0.0.1:9/s> { ?s ?p ?o } }"}),
     {"Origin": "https://a.example"}, None),  # 403
    ("GET", "/sparql?" + urlencode({"query": "INSERT DATA { <a:b> <a:c> <a:d> }"}), {}, None),  # update as query
    ("GET", "/sparql?" + urlencode({"update": "CLEAR ALL"}), {}, None),  # 405
    ("GET", "/sparql", {"Accept": "text/turtle"}, None),  # the service description, from the app
    ("GET", "/sparql", {"Accept": "text/html"}, None),  # a redirect to the query page
    ("POST", "/sparql", {**FORM, **JSON}, urlencode({"query": COUNT}).encode()),
    ("POST", "/sparql?format=&default-graph-uri=" + quote(GRAPH, safe=""), {**FORM, "Accept": "text/csv"},
     urlencode({"query": COUNT}).encode()),  # a blank format= in the URL is ignored, as parse_qs does
    ("POST", "/sparql?format=csv", {**FORM, "Origin": "https://a.example"},
     urlencode({"query": COUNT, "format": "xml"}).encode()),  # the body's fields win
    ("POST", "/sparql", {"Content-Type": "application/sparql-query; charset=utf-8", **JSON}, COUNT.encode()),
    ("POST", "/sparql", DIRECT, b"SELECT * {"),
    ("POST", "/sparql", DIRECT, "ASK { ?s ?p 'caf\u00e9' }".encode("latin-1")),  # not UTF-8: 400
    ("POST", "/sparql", FORM, urlencode({"nothing": "here"}).encode()),  # 400 missing query, from the app
    ("POST", "/sparql", FORM, urlencode({"update": "CLEAR ALL"}).encode()),  # 403 read-only, body replayed
    ("POST", "/sparql", {"Content-Type": "application/sparql-update"}, b"CLEAR ALL"),
    ("POST", "/sparql", {"Content-Type": "text/plain"}, b"ASK {}"),  # 415, from the app
    ("POST", "/sparql", DIRECT, b"ASK {} #" + b"x" * MAX_BODY),  # 413 by Content-Length
    ("PUT", "/sparql", DIRECT, b"ASK {}"),  # 405, from the app
    ("OPTIONS", "/sparql", {"Origin": "https://a.example", "Access-Control-Request-Method": "GET"}, None),
    ("GET", "/sparql/?" + urlencode({"query": COUNT}), {}, None),  # not the endpoint's path: a redirect
    ("GET", "/queries/trial-overview?nct=" + nct(3), {"Origin": "https://a.example"}, None),
    ("GET", "/queries/trial-overview?nct=x&format=csv&nct=" + nct(4), {"Accept": "text/turtle"}, None),  # last wins
    ("GET", "/queries/trial-overview?format=&nct=" + nct(3), {"Accept": "text/csv"}, None),
    ("GET", "/queries/trial-overview?" + urlencode({"nct": '" } } ; DROP ALL ; #'}), {}, None),
    ("GET", "/queries/sponsors?format=tsv", {}, None),  # truncated at max_rows
    ("GET", "/queries/trial-overview", {}, None),  # 400: a parameter is missing
    ("GET", "/queries/trial-overview?nct=x&bogus=1", {"Origin": "https://a.example"}, None),  # 400: unknown one
    ("GET", "/queries/trial-overview?nct=x", {"Accept": "image/png"}, None),  # 406
    ("GET", "/queries/no-such-query", {}, None),  # 404
    ("GET", "/queries/trial%20overview", {}, None),  # 404, with the decoded name
    ("GET", "/queries/", {}, None),  # not a named query: the app's 404
    ("GET", "/queries/a/b", {}, None),
    ("GET", "/queries", {}, None),  # the list
    ("HEAD", "/queries/trial-overview?nct=" + nct(3), {}, None),  # 405, from the app
    ("GET", "/health", {}, None),
]


def comparable(response: httpx.Response, server: LiveServer) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers in order but Date, body; made alike: the server's own URL (redirects, service description),
    blank node labels (fresh in each service description), the order of Allow (Starlette lists a set), and so
    Content-Length, once checked against the body."""
    def alike(name: str, value: str) -> str:
        if name == "allow":
            return ", ".join(sorted(value.split(", ")))
        if name == "content-length":
            return "length of the body" if int(value) == len(response.content) else value
        return value.replace(server.url, "http://SERVER")

    headers = [(k, alike(k, v)) for k, v in response.headers.multi_items() if k != "date"]
    body = BLANK.sub(b"_:b", response.content.replace(server.url.encode(), b"http://SERVER"))
    return response.status_code, headers, body


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("store")
    write_store(path, 12)
    return path


CONFIGS = {
    "open": {},
    "one-origin": {"cors_origins": ["https://a.example"]},
    "no-cors": {"cors_origins": []},
}


@pytest.fixture(scope="module", params=list(CONFIGS))
def servers(request, store) -> Iterator[tuple[LiveServer, LiveServer]]:
    options = {"max_rows": 20, "max_body": MAX_BODY, "workers": 1, **CONFIGS[request.param]}
    with LiveServer(store, **options) as fast, LiveServer(store, fast_path=False, **options) as framework:
        yield fast, framework


def send(server: LiveServer, method: str, target: str, headers: Headers, body: bytes | None) -> httpx.Response:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        return client.request(method, target, headers=headers, content=body, follow_redirects=False)


@pytest.mark.parametrize(("method", "target", "headers", "body"), REQUESTS,
                         ids=[f"{i}-{r[0]}" for i, r in enumerate(REQUESTS)])
def test_same_response_both_ways(servers, method, target, headers, body) -> None:
    fast, framework = servers
    assert comparable(send(fast, method, target, headers, body), fast) == comparable(
        send(framework, method, target, headers, body), framework)


def test_what_the_fast_path_answers(servers) -> None:
    """Pinned independently of the framework path: CORS on a query with an Origin, HEAD, the caps."""
    fast, _ = servers
    cors = fast.options.get("cors_origins")
    with_origin = send(fast, "GET", "/sparql?" + urlencode({"query": COUNT}), {"Origin": "https://a.example"}, None)
    assert with_origin.status_code == 200
    assert with_origin.headers["content-type"] == "application/sparql-results+json; charset=utf-8"
    if cors is None:
        assert with_origin.headers["access-control-allow-origin"] == "*"
    elif cors == ["https://a.example"]:
        assert with_origin.headers["access-control-allow-origin"] == "https://a.example"
    else:
        assert "access-control-allow-origin" not in with_origin.headers
    assert with_origin.headers["vary"] == ("Accept" if cors == [] else "Accept, Origin")
    head = send(fast, "HEAD", "/sparql?" + urlencode({"query": COUNT}), {}, None)
    assert head.status_code == 200 and head.content == b""
    capped = send(fast, "POST", "/sparql", DIRECT, b"SELECT ?s { ?s ?p ?o }")
    assert capped.headers["x-sparql-maxrows"] == "20" and capped.headers["x-result-truncated"] == "true"
    assert len(capped.json()["results"]["bindings"]) == 20


def test_body_limit_while_streaming(servers) -> None:
    """A chunked body (no Content-Length) over the limit is refused as it arrives, both ways alike."""
    def chunks() -> Iterator[bytes]:
        yield b"ASK {} #"
        for _ in range(8):
            yield b"x" * 1024

    responses = [send(server, "POST", "/sparql", DIRECT, None) for server in servers]  # warm, and the control
    assert [r.status_code for r in responses] == [400, 400]
    refused = []
    for server in servers:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            refused.append(client.post("/sparql", headers=DIRECT, content=chunks()))
    assert refused[0].status_code == 413 and refused[0].json()["error"]["code"] == "body-too-large"
    assert comparable(refused[0], servers[0]) == comparable(refused[1], servers[1])


def test_timeout_is_503_with_retry_after(store) -> None:
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    with LiveServer(store, timeout=1.0, workers=1) as live:
        response = send(live, "GET", "/sparql?" + urlencode({"query": runaway}), {}, None)
        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"
        assert response.json()["error"]["code"] == "timeout"
        # its worker was replaced: the next query is answered
        assert send(live, "POST", "/sparql", DIRECT, b"ASK {}").json()["boolean"] is True


class RecordingApp:
    """Stands for the FastAPI app: records what reaches it, with the body it could read."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, bytes]] = []

    async def __call__(self, scope, receive, send) -> None:
        body, more = b"", True
        while more:
            message = await receive()
            body, more = body + message.get("body", b""), message.get("more_body", False)
        self.seen.append((scope["method"], scope["path"], body))
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b""})


class StubService:
    """Answers every query with an empty JSON result, recording what it was asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, dict]] = []

    def bind_named(self, name: str, values: dict[str, str]) -> tuple[str, dict]:
        return f"named {name}", values

    async def query_reply(self, text: str, **options: object) -> Reply:
        self.asked.append((text, options))
        return Reply(format="json", body=b"{}")

    respond = staticmethod(Service.respond)


def call(fast: FastPath, method: str, target: str, headers: Headers, body: bytes = b"",
         chunk: int = 0) -> tuple[int, dict[str, str]]:
    """One request through ``fast`` in-process; the body arrives in pieces of ``chunk`` bytes when given."""
    path, _, query = target.partition("?")
    pairs = headers.items() if isinstance(headers, dict) else headers
    scope = {"type": "http", "method": method, "path": path, "root_path": "", "query_string": query.encode(),
             "headers": [(k.lower().encode(), v.encode()) for k, v in pairs]}
    pieces = [body[i:i + chunk] for i in range(0, len(body), chunk)] if chunk and body else [body]
    messages = [{"type": "http.request", "body": p, "more_body": i < len(pieces) - 1} for i, p in enumerate(pieces)]
    sent: list[dict] = []

    async def receive() -> dict:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(fast(scope, receive, send))
    return sent[0]["status"], {k.decode(): v.decode() for k, v in sent[0]["headers"]}


def test_which_requests_the_fast_path_answers() -> None:
    app, service = RecordingApp(), StubService()
    fast = FastPath(app, service, None, max_body=100)  # type: ignore[arg-type]
    query = "/sparql?" + urlencode({"query": "ASK {}"})
    assert call(fast, "GET", query, JSON)[0] == 200
    assert call(fast, "HEAD", query, {})[0] == 200
    assert call(fast, "POST", "/sparql", FORM, urlencode({"query": "ASK {}"}).encode(), chunk=3)[0] == 200
    assert call(fast, "POST", "/sparql", DIRECT, b"ASK {}")[0] == 200
    assert call(fast, "GET", "/queries/trial-overview?nct=N&format=csv&nct=M", {})[0] == 200
    assert [text for text, _ in service.asked] == ["ASK {}"] * 4 + ["named trial-overview"]
    assert service.asked[-1][1]["substitutions"] == {"nct": "M"} and service.asked[-1][1]["format"] == "csv"
    assert app.seen == []
    passed_on = [
        ("GET", "/sparql", {}, b""),  # the service description
        ("GET", "/queries", {}, b""),
        ("GET", "/queries/", {}, b""),
        ("GET", "/queries/a/b", {}, b""),
        ("HEAD", "/queries/a", {}, b""),
        ("GET", "/sparql/", {}, b""),
        ("GET", "/health", {}, b""),
        ("PUT", "/sparql", DIRECT, b"ASK {}"),
        ("POST", "/sparql", FORM, b"update=CLEAR+ALL"),
        ("POST", "/sparql", FORM, b"nothing=here"),
        ("POST", "/sparql", {"Content-Type": "application/sparql-update"}, b"CLEAR ALL"),
        ("POST", "/sparql", {"Content-Type": "text/plain"}, b"ASK {}"),
    ]
    for method, target, headers, body in passed_on:
        assert call(fast, method, target, headers, body, chunk=4)[0] == 299
    # a POST reaches the app with its whole body, read once already
    assert app.seen == [(m, t, b) for m, t, _, b in passed_on]
    assert len(service.asked) == 5
    # the body limit, by Content-Length and while the body streams in
    assert call(fast, "POST", "/sparql", {**DIRECT, "Content-Length": "101"}, b"x" * 101)[0] == 413
    assert call(fast, "POST", "/sparql", DIRECT, b"ASK {} #" + b"x" * 100, chunk=10)[0] == 413
    assert call(fast, "POST", "/sparql", DIRECT, b"ASK {} #" + b"x" * 90, chunk=10)[0] == 200
    assert len(service.asked) == 6 and len(app.seen) == len(passed_on)


def test_serve_puts_the_fast_path_in_front(monkeypatch, store) -> None:
    import uvicorn
    from fastapi import FastAPI

    from kg_builder.server import serve

    served: list[object] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **_: served.append(app))
    serve(store)
    serve(store, fast_path=False)
    assert isinstance(served[0], FastPath) and isinstance(served[0].app, FastAPI)
    assert isinstance(served[1], FastAPI)
