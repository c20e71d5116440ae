"""push to a live Oxigraph server (127.0.0.1), interrupted and resumed; RemoteStore answers like the store."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from pyoxigraph import Literal, NamedNode, Quad, QueryResultsFormat, Store

from kg_builder.build import build
from kg_builder.errors import QueryError, StoreError
from kg_builder.graph import KnowledgeGraph
from kg_builder.remote.endpoint import RemoteStore, substitute
from kg_builder.remote.push import parse_auth
from kg_builder.settings import Settings
from kg_builder.store.generations import open_read_only
from kg_builder.store.named_queries import execute_named, load_named_queries
from kg_builder.vocab import PREFIXES

RECORDS = Path(__file__).parent / "data" / "link" / "records"


def _oxigraph_binary() -> str:
    found = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(found).exists():
        pytest.skip("the oxigraph server (PyPI package 'oxigraph', test extra) is not installed")
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def server(tmp_path: Path):
    """A fresh Oxigraph server on 127.0.0.1; yields its base URL."""
    port = _free_port()
    process = subprocess.Popen(
        [_oxigraph_binary(), "serve", "--location", str(tmp_path / "remote"), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(base + "/query", params={"query": "ASK {}"}, timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        else:
            pytest.fail("oxigraph server did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pushstore") / "store"
    build([RECORDS], path)
    return path


def _graph_count(store_dir: Path) -> int:
    return sum(1 for g in open_read_only(store_dir).named_graphs() if isinstance(g, NamedNode))


class _Interrupt(Exception):
    pass


def test_push_interrupted_half_way_resumes_and_counts_match(server: str, store_dir: Path, tmp_path: Path):
    total = _graph_count(store_dir)
    state = tmp_path / "state.json"
    seen: list[str] = []

    def stop_half_way(graph: str) -> None:
        seen.append(graph)
        if len(seen) == total // 2:
            raise _Interrupt

    with pytest.raises(_Interrupt):
        KnowledgeGraph(store_dir).push(server + "/store", state=state, batch_size=3, on_graph=stop_half_way)
    recorded = json.loads(state.read_text())
    assert recorded["run"] is not None and len(recorded["run"]["done"]) >= total // 2 - 3
    remote = RemoteStore(server + "/query")
    assert 0 < len(list(remote.named_graphs())) < total

    report = KnowledgeGraph(store_dir).push(server + "/store", state=state, batch_size=3)
    assert report.skipped == len(recorded["run"]["done"])  # nothing done before is sent again
    assert len(report.pushed) + report.skipped == total
    assert report.ok and report.verified == total
    assert len(list(remote.named_graphs())) == total
    assert json.loads(state.read_text())["run"] is None

    again = KnowledgeGraph(store_dir).push(server + "/store", state=state, changed_only=True)
    assert again.pushed == [] and again.skipped == total and again.ok


def test_changed_only_pushes_changes_and_deletes_gone_graphs(server: str, tmp_path: Path):
    store = tmp_path / "store"
    records = sorted(RECORDS.glob("*.json"))
    build(records[:4], store)
    state = tmp_path / "state.json"
    first = KnowledgeGraph(store).push(server + "/store", state=state)
    assert first.ok and len(first.pushed) == 7  # four studies, the vocabulary, the entity and statistics graphs
    build(records[1:5], store, fresh=True)  # one study gone, one new
    second = KnowledgeGraph(store).push(server + "/store", state=state, changed_only=True)
    # the shared things of the studies changed with them, and so did the counts: both graphs are pushed again
    assert [g.rsplit("/", 1)[-1] for g in second.pushed] == ["entities", "statistics", records[4].stem]
    assert [g.rsplit("/", 1)[-1] for g in second.deleted] == [records[0].stem]
    assert second.ok and second.verified == 7


def test_named_queries_answer_the_same_on_the_server(server: str, store_dir: Path, tmp_path: Path):
    assert KnowledgeGraph(store_dir).push(server + "/store", state=tmp_path / "s.json").ok
    local, remote = open_read_only(store_dir), RemoteStore(server + "/query")
    queries = load_named_queries(Settings().queries_dir)
    samples = {"nct": "NCT03377387", "condition": "Asthma"}
    answered = 0
    for name, query in queries.items():
        if any(p.name not in samples for p in query.params):
            continue
        values = {p.name: samples[p.name] for p in query.params}
        answers = []
        for store in (local, remote):
            data = json.loads(execute_named(store, query, values).serialize(format=QueryResultsFormat.JSON))
            answers.append((data["head"]["vars"], sorted(json.dumps(b, sort_keys=True)
                                                         for b in data["results"]["bindings"])))
        assert answers[0] == answers[1], name
        answered += bool(answers[0][1])
    assert answered >= 4, "too few named queries answered anything; the comparison proves little"
    assert sorted(g.value for g in remote.named_graphs()) == sorted(
        g.value for g in local.named_graphs() if isinstance(g, NamedNode))
    study_graph = NamedNode("https://w3id.org/kg-builder/id/graph/NCT03377387")
    assert (sorted(map(str, remote.quads_for_pattern(None, None, None, study_graph)))
            == sorted(map(str, local.quads_for_pattern(None, None, None, study_graph))))


def test_transient_errors_are_retried(store_dir: Path, tmp_path: Path):
    calls: dict[str, int] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        graph = request.url.params["graph"]
        calls[graph] = calls.get(graph, 0) + 1
        if calls[graph] <= 2:
            return httpx.Response(503, headers={"Retry-After": "0"})
        return httpx.Response(204)

    report = KnowledgeGraph(store_dir).push("http://127.0.0.1:9/store", state=tmp_path / "s.json", verify=False,
                  backoff=0.001, transport=httpx.MockTransport(handler))
    assert report.retries == 2 * len(report.pushed) and all(n == 3 for n in calls.values())


def test_permanent_error_stops_and_keeps_state(store_dir: Path, tmp_path: Path):
    transport = httpx.MockTransport(lambda request: httpx.Response(403, text="forbidden"))
    with pytest.raises(StoreError, match="403"):
        KnowledgeGraph(store_dir).push("http://127.0.0.1:9/store", state=tmp_path / "s.json", verify=False,
             transport=transport)
    assert json.loads((tmp_path / "s.json").read_text())["run"]["done"] == []


def test_substitute_binds_terms_not_text():
    text = 'SELECT ?x ?n WHERE { ?s <http://p> ?x . FILTER(?x != "?x") } GROUP BY ?x ORDER BY ?x'
    bound = substitute(text, {"x": Literal('a "quoted" value')})
    term = '"a \\"quoted\\" value"'
    assert bound == (f'SELECT ({term} AS ?x) ?n WHERE {{ ?s <http://p> {term} . '
                     f'FILTER({term} != "?x") }} GROUP BY ({term}) ORDER BY ({term})')
    with pytest.raises(QueryError):
        substitute("SELECT ?x WHERE { BIND(1 AS ?x) }", {"x": Literal("1")})


def test_substitute_leaves_a_bound_variable_out_of_sub_select_projections():
    """A sub-select names the parameter so that Oxigraph narrows it; written out, its projection drops it (the
    term stands in its body), else it would bind the variable its enclosing SELECT binds too."""
    text = ("SELECT ?nct ?n WHERE { ?t <http://id> ?nct . "
            "OPTIONAL { SELECT ?nct (COUNT(*) AS ?n) WHERE { ?t <http://id> ?nct } GROUP BY ?nct } }")
    bound = substitute(text, {"nct": Literal("NCT1")})
    assert bound == ('SELECT ("NCT1" AS ?nct) ?n WHERE { ?t <http://id> "NCT1" . '
                     'OPTIONAL { SELECT  (COUNT(*) AS ?n) WHERE { ?t <http://id> "NCT1" } GROUP BY ("NCT1") } }')
    store = Store()
    store.add(Quad(NamedNode("http://t"), NamedNode("http://id"), Literal("NCT1")))
    assert [(r["nct"].value, r["n"].value) for r in store.query(bound)] == [("NCT1", "1")]


def _nct_ids(store_dir: Path) -> list[str]:
    rows = open_read_only(store_dir).query("SELECT ?id WHERE { ?t kg:registryId ?id } ORDER BY ?id",
                                           prefixes=PREFIXES, use_default_graph_as_union=True)
    return [row["id"].value for row in rows]


def test_remote_store_writes_the_prologue_the_text_lacks() -> None:
    """RemoteStore takes prefixes= and base_iri= as pyoxigraph's Store does: a prologue on the text's first line."""
    sent: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(dict(httpx.QueryParams(request.content.decode()))["query"])
        return httpx.Response(200, json={"head": {}, "boolean": True},
                              headers={"content-type": "application/sparql-results+json"})

    remote = RemoteStore("http://endpoint.test/query", client=httpx.Client(transport=httpx.MockTransport(answer)))
    text = "# mine\nPREFIX kg: <urn:mine#>\nPREFIX  : <urn:empty#>\nASK { ?s kg:p \"PREFIX rdfs: x\" ; rdfs:label ?l }"
    remote.query(text, prefixes={"kg": "urn:ours#", "rdfs": "urn:rdfs#", "": "urn:ours-empty#"}, base_iri="http://b/")
    remote.query("ASK {}")
    assert sent == [f"BASE <http://b/> PREFIX rdfs: <urn:rdfs#> {text}", "ASK {}"]  # the text's own prefixes win
    with pytest.raises(ValueError):
        remote.query("ASK {}", prefixes={"x": "not an iri"})


def test_parse_auth():
    assert isinstance(parse_auth("alice:secret"), httpx.BasicAuth)
    assert parse_auth("bearer:tok").token == "tok"
    assert parse_auth(None) is None


def test_serve_backend_answers_like_the_embedded_store(server: str, store_dir: Path, tmp_path: Path) -> None:
    """`kg-builder serve --backend URL`: our endpoint (named queries, limits) over an external store."""
    from kg_builder.server.testing import LiveServer

    KnowledgeGraph(store_dir).push(server + "/store", state=tmp_path / "state.json")
    with LiveServer(tmp_path / "unused", backend=server + "/query") as live:
        assert httpx.get(live.url + "/health").json()["backend"] == server + "/query"
        ours = httpx.get(live.url + "/queries/sponsors", headers={"Accept": "application/sparql-results+json"})
        local = httpx.get(live.url + "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
                          headers={"Accept": "application/sparql-results+json"})
        assert ours.status_code == 200 and local.status_code == 200
        remote_rows = {(b["sponsor"]["value"], b["trials"]["value"]) for b in ours.json()["results"]["bindings"]}
        sponsors = load_named_queries(Settings().queries_dir)["sponsors"]
        embedded = execute_named(open_read_only(store_dir), sponsors, {})
        assert remote_rows == {(r["sponsor"].value, r["trials"].value) for r in embedded}
        refused = httpx.post(live.url + "/sparql", data={"update": "CLEAR ALL"})
        assert refused.status_code in (401, 403)
        # the same predeclared prefixes and base IRI as over the embedded store (the service description says so)
        count = "SELECT (COUNT(*) AS ?n) WHERE { ?t a kg:ClinicalTrial FILTER(?t != <trial/none>) }"
        short = httpx.get(live.url + "/sparql", params={"query": count},
                          headers={"Accept": "application/sparql-results+json"})
        assert short.status_code == 200, short.text
        trials = open_read_only(store_dir).query(
            "SELECT (COUNT(*) AS ?n) WHERE { ?t a kg:ClinicalTrial }", prefixes=PREFIXES,
            use_default_graph_as_union=True)
        assert short.json()["results"]["bindings"][0]["n"]["value"] == next(iter(trials))["n"].value != "0"
        relative = httpx.get(live.url + "/sparql", params={"query": "ASK { ?t kg:registryId ?id FILTER(?t = <trial/"
                                                                     f"{next(iter(_nct_ids(store_dir)))}>) }}"},
                             headers={"Accept": "application/sparql-results+json"})
        assert relative.json()["boolean"] is True  # <trial/NCT…> resolved against the base, as --store does
        # a query the endpoint refuses is the client's mistake (400 with the endpoint's message), not ours
        broken = httpx.get(live.url + "/sparql", params={"query": "SELECT ?x WHERE { ?x kg:nope }"})
        assert broken.status_code == 400 and broken.json()["error"]["code"] == "query-failed"


class _FlakyProxy:
    """A Graph Store in front of ``upstream`` that fails like a sick server: of every request,
    20% get a 500, 10% a 503 (``Retry-After: 0``), 5% a dropped connection with no answer,
    and the rest are forwarded. Seeded, so a failing run can be replayed."""

    def __init__(self, upstream: str, *, seed: int) -> None:
        import http.server
        import random
        import threading

        rng, lock, proxy = random.Random(seed), threading.Lock(), self
        self.faults = {500: 0, 503: 0, "dropped": 0}

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def _serve(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with lock:
                    roll = rng.random()
                fault = 500 if roll < 0.2 else 503 if roll < 0.3 else "dropped" if roll < 0.35 else None
                if fault is not None:
                    proxy.faults[fault] += 1
                if fault == "dropped":  # the connection closes without an answer
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if fault is not None:
                    self.send_response(fault)
                    self.send_header("Retry-After", "0")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept")}
                answer = httpx.request(self.command, upstream + self.path, content=body, headers=headers)
                self.send_response(answer.status_code)
                for name in ("Content-Type",):
                    if name in answer.headers:
                        self.send_header(name, answer.headers[name])
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_PUT = do_POST = do_DELETE = _serve

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _graph_triples(store, graph: NamedNode) -> list[str]:
    return sorted(str(q.triple) for q in store.quads_for_pattern(None, None, None, graph))


def test_push_to_a_flaky_store_reports_failed_graphs_and_resumes_with_only_those(
        server: str, store_dir: Path, tmp_path: Path):
    local = open_read_only(store_dir)
    graphs = sorted(g.value for g in local.named_graphs() if isinstance(g, NamedNode))
    flaky = _FlakyProxy(server, seed=17)
    state = tmp_path / "state.json"
    try:
        # No retries: about a third of the graphs fail, and the push says exactly which.
        first = KnowledgeGraph(store_dir).push(flaky.url + "/store", state=state, retries=0, batch_size=4, verify=False)
        assert first.failed and first.pushed, "the seed should give both outcomes"
        assert sorted(first.pushed + list(first.failed)) == graphs  # every graph: pushed or named as failed
        assert not first.ok
        assert all(("500" in e or "503" in e or "Error" in e) for e in first.failed.values()), first.failed
        recorded = json.loads(state.read_text())
        assert sorted(recorded["run"]["done"]) == sorted(first.pushed)

        # Resumed with retries (back-off with jitter): only the failed graphs are sent, and all arrive.
        second = KnowledgeGraph(store_dir).push(flaky.url + "/store", state=state, retries=8, backoff=0.001)
        assert sorted(second.pushed) == sorted(first.failed)
        assert second.skipped == len(first.pushed)
        assert second.ok and not second.failed and second.verified == len(graphs)
        assert second.retries > 0 and flaky.faults["dropped"] and flaky.faults[500] and flaky.faults[503]
        assert json.loads(state.read_text())["run"] is None
    finally:
        flaky.close()
    remote = RemoteStore(server + "/query")  # checked directly, not through the flaky proxy
    assert sorted(g.value for g in remote.named_graphs()) == graphs
    for graph in graphs:  # the remote equals the local store, triple for triple
        assert _graph_triples(remote, NamedNode(graph)) == _graph_triples(local, NamedNode(graph)), graph


def test_a_graph_failing_every_retry_is_named_and_the_others_go_on(store_dir: Path, tmp_path: Path):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params["graph"].endswith("NCT03377387"):
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        return httpx.Response(502 if request.url.params["graph"].endswith("vocabulary") else 204)

    report = KnowledgeGraph(store_dir).push("http://127.0.0.1:9/store", state=tmp_path / "s.json", verify=False,
                                            retries=2, backoff=0.001, transport=httpx.MockTransport(handler))
    assert sorted(g.rsplit("/", 1)[-1] for g in report.failed) == ["NCT03377387", "vocabulary"]
    assert "failed 3 times" in report.failed[next(iter(report.failed))]
    assert len(report.pushed) == _graph_count(store_dir) - 2 and report.retries == 4
