"""Benchmark: our SPARQL endpoint against rdflib-endpoint and ``oxigraph serve``, same data, same run.

    python bench/endpoint.py [--studies 10000] [--store DIR] [--duration 3] [--skip-rdflib] [--skip-floor]
                             [--baseline-src DIR]

Builds a store of N deterministic synthetic studies (``bench/synthetic.py`` through the
real pipeline; ``--store`` reuses one), then serves it four ways:

* ours: ``kg_builder.server.serve`` with its defaults (worker processes with query threads, 30 s
  limit, row cap);
* ``oxigraph serve-read-only --union-default-graph`` on the same generation directory;
* ``rdflib-endpoint serve`` on an N-Quads dump of the same store (rdflib Dataset, default union);
* a "Python floor": the least any Python server over pyoxigraph does per query (uvicorn, the query run
  inline on its event loop, results serialised by pyoxigraph), with none of the safety ``serve`` has (no
  time limit, no row cap, no negotiation, one query at a time). Not a server to deploy: it shows how
  close to ``oxigraph serve`` Python can get at all on this machine (``--skip-floor`` leaves it out);
* with ``--baseline-src DIR``, "ours (baseline)": ``serve`` from another checkout's ``kg_builder`` (say,
  main before a change), so that a change is measured against its baseline in the same run.

Five representative queries (a lookup by id, a count by phase, a three-way join with a
filter, a GROUP BY over sponsors and conditions, a CONSTRUCT of one trial) run at 1, 4
and 16 concurrent clients for ``--duration`` seconds each (every client finishes at
least one request). No side caches results; the lookup and the CONSTRUCT ask for a
different trial on every request. A peer request still running after 60 s is abandoned
and counted as 60 s (which only flatters the peer), and that peer is restarted.

Prints median latency and requests/s per cell, our latency ratios to the peers (and the floor's to
``oxigraph serve``), and ends
with ``speedup: <ratio>x`` = rdflib-endpoint's median latency over ours at 1 client,
geometric mean of the five queries.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import math
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode, urlsplit

HERE = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
sys.path.insert(0, str(HERE))

from kg_builder.server.testing import LiveServer, free_port  # noqa: E402
from kg_builder.store.generations import current_generation  # noqa: E402
from kg_builder.vocab import DEFAULT_BASE  # noqa: E402

PEER_TIMEOUT = 60.0
CONCURRENCY = (1, 4, 16)
PREFIXES = """PREFIX kg: <https://w3id.org/kg-builder/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
RESULTS_JSON = "application/sparql-results+json"


def _nct(index: int) -> str:
    return f"NCT{10_000_000 + index:08d}"


def make_queries(studies: int) -> dict[str, tuple[Callable[[int], str], str]]:
    """name → (request number → query text, Accept)."""
    def pick(i: int) -> int:
        return (i * 7919) % studies  # a different trial on every request

    return {
        "lookup by id": (lambda i: PREFIXES + f"""SELECT ?trial ?title WHERE {{
  ?trial kg:registryId "{_nct(pick(i))}" ; rdfs:label ?title }}""", RESULTS_JSON),
        "count by phase": (lambda i: PREFIXES + """SELECT ?phase (COUNT(?trial) AS ?trials) WHERE {
  ?trial kg:phase ?code . ?code skos:notation ?phase }
GROUP BY ?phase ORDER BY ?phase""", RESULTS_JSON),
        # shared nodes (sponsors, conditions) are described once, in the entity graph: the joins through
        # their labels read the union of the graphs (a GRAPH ?g around them would find no label)
        "three-way join + filter": (lambda i: PREFIXES + """SELECT ?trial ?sponsor ?title WHERE {
  ?c rdfs:label "Melanoma" . ?trial kg:condition ?c ; kg:leadSponsor ?org ; rdfs:label ?title .
  ?org rdfs:label ?sponsor .
  ?trial kg:enrollment ?n FILTER(?n > 1500)
} ORDER BY ?trial LIMIT 100""", RESULTS_JSON),
        "group by sponsor, condition": (lambda i: PREFIXES + """SELECT ?sponsor ?condition (COUNT(?trial) AS ?n)
WHERE { ?trial kg:leadSponsor ?org ; kg:conditionName ?condition . ?org rdfs:label ?sponsor }
GROUP BY ?sponsor ?condition ORDER BY DESC(?n) ?sponsor ?condition LIMIT 50""", RESULTS_JSON),
        "construct one trial": (lambda i: f"""CONSTRUCT WHERE {{ <{DEFAULT_BASE}trial/{_nct(pick(i))}> ?p ?o }}""",
                                "text/turtle"),
    }


# ---- the three servers -------------------------------------------------------------------------
class Peer:
    name = ""
    path = "/sparql"

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self, wait: float = 1800.0) -> None:
        self.port = free_port()
        started = time.monotonic()
        self.process = subprocess.Popen(self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True)
        while time.monotonic() - started < wait:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}")
            try:
                status, _ = request(self.url, "ASK { ?s ?p ?o }", RESULTS_JSON, timeout=5)
                if status == 200:
                    print(f"  {self.name} ready in {time.monotonic() - started:.1f} s", flush=True)
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{self.name} did not start within {wait} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None

    def recover(self, wait: float = 600.0) -> None:
        """Wait for the peer to finish abandoned work (it cannot cancel it); restart it past ``wait``."""
        started = time.monotonic()
        try:
            request(self.url, "ASK { ?s ?p ?o }", RESULTS_JSON, timeout=wait)
            print(f"  {self.name} free again after {time.monotonic() - started:.0f} s", flush=True)
        except OSError:
            self.stop()
            self.start()


class Ours(Peer):
    name = "ours"

    def __init__(self, store: Path, source: Path | None = None) -> None:
        super().__init__()
        self.store = store
        self.source = source  # another checkout's code (the baseline), or None: this one
        if source is not None:
            self.name = "ours (baseline)"
        self.live: LiveServer | None = None

    def start(self, wait: float = 60.0) -> None:
        self.live = LiveServer(self.store, source=self.source).start(wait)  # serve() with every default
        self.port = self.live.port
        print(f"  {self.name} ready", flush=True)

    def stop(self) -> None:
        if self.live is not None:
            self.live.stop()


class Oxigraph(Peer):
    name = "oxigraph serve"
    path = "/query"

    def __init__(self, location: Path) -> None:
        super().__init__()
        self.location = location

    def command(self) -> list[str]:
        return [str(VENV_BIN / "oxigraph"), "serve-read-only", "--location", str(self.location),
                "--bind", f"127.0.0.1:{self.port}", "--union-default-graph"]


class PythonFloor(Peer):
    name = "python floor"

    def __init__(self, location: Path) -> None:
        super().__init__()
        self.location = location

    def command(self) -> list[str]:
        return [sys.executable, __file__, "--serve-floor", str(self.location), str(self.port)]


def serve_floor(location: str, port: int) -> None:
    """The Python floor (see the module docstring): parse the query string, query inline, answer."""
    from urllib.parse import parse_qs

    import uvicorn
    from pyoxigraph import QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat, Store

    store = Store.read_only(location)

    async def app(scope, receive, send) -> None:
        query = parse_qs(scope["query_string"].decode())["query"][0]
        result = store.query(query, use_default_graph_as_union=True)
        if isinstance(result, QuerySolutions | QueryBoolean):
            body, media = result.serialize(format=QueryResultsFormat.JSON), b"application/sparql-results+json"
        else:
            body, media = result.serialize(format=RdfFormat.TURTLE), b"text/turtle"
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", media)]})
        await send({"type": "http.response.body", "body": body})

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", access_log=False)


class RdflibEndpoint(Peer):
    name = "rdflib-endpoint"
    path = "/"  # SparqlEndpoint serves SPARQL at its root by default

    def __init__(self, dump: Path, attach: str | None = None) -> None:
        super().__init__()
        self.dump = dump
        self.attach = attach  # the URL of one already loaded (loading 10,000 studies takes many minutes)

    @property
    def url(self) -> str:
        return self.attach or super().url

    def start(self, wait: float = 1800.0) -> None:
        if self.attach is None:
            super().start(wait)
        elif request(self.url, "ASK { ?s ?p ?o }", RESULTS_JSON, timeout=600)[0] != 200:
            raise RuntimeError(f"no SPARQL endpoint at {self.attach}")

    def stop(self) -> None:
        if self.attach is None:
            super().stop()

    def command(self) -> list[str]:
        return [sys.executable, __file__, "--serve-rdflib", str(self.dump), str(self.port)]


def serve_rdflib(dump: str, port: int) -> None:
    """What ``rdflib-endpoint serve DUMP`` does (a default-union Dataset in memory, its app under uvicorn),
    less two start-up steps that take longer than the load itself on 10,000 graphs and are not measured:
    its ``len()`` of the union for a log line, and the per-graph triple counts of its service description.
    """
    import uvicorn
    from rdflib import Dataset
    from rdflib_endpoint import SparqlEndpoint
    from rdflib_endpoint.sparql_router import SparqlRouter

    SparqlRouter.prepare_sd_graph = lambda self: None
    dataset = Dataset(default_union=True)
    dataset.parse(dump, format="nquads")
    uvicorn.run(SparqlEndpoint(graph=dataset), host="127.0.0.1", port=port, log_level="warning")


# ---- the client ----------------------------------------------------------------------------------
def request(url: str, query: str, accept: str, timeout: float,
            connection: http.client.HTTPConnection | None = None) -> tuple[int, bytes]:
    parts = urlsplit(url)
    conn = connection or http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("GET", f"{parts.path}?{urlencode({'query': query})}", headers={"Accept": accept})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        if connection is None:
            conn.close()


def measure(url: str, make_query: Callable[[int], str], accept: str, clients: int, duration: float) -> dict:
    """``clients`` threads, each with a keep-alive connection, for ``duration`` s (one request each at least)."""
    parts = urlsplit(url)
    counter = itertools.count()
    latencies: list[float] = []
    failures: list[str] = []
    timeouts = 0
    lock = threading.Lock()
    started = time.perf_counter()

    def client() -> None:
        nonlocal timeouts
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=PEER_TIMEOUT)
        done = 0
        while done == 0 or time.perf_counter() - started < duration:
            query = make_query(next(counter))
            t0 = time.perf_counter()
            try:
                status, _body = request(url, query, accept, PEER_TIMEOUT, conn)
                elapsed = time.perf_counter() - t0
                with lock:
                    latencies.append(elapsed)
                    if status != 200:
                        failures.append(str(status))
            except TimeoutError:
                with lock:
                    latencies.append(PEER_TIMEOUT)
                    timeouts += 1
                return  # the peer is stuck with this query; it will be restarted
            done += 1
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    completed = len(latencies) - timeouts
    return {"median": statistics.median(latencies), "rps": completed / wall if completed else len(latencies) / max(
        wall, PEER_TIMEOUT), "n": len(latencies), "timeouts": timeouts, "failures": failures}


# ---- the run ---------------------------------------------------------------------------------------
def build_store(studies: int, store: Path) -> None:
    from synthetic import write_jsonl

    from kg_builder.build import build

    jsonl = store.parent / f"{store.name}.studies.jsonl"
    write_jsonl(jsonl, studies)
    t0 = time.perf_counter()
    report = build([str(jsonl)], str(store), fresh=True)
    print(f"  built {report.built} studies, {report.triples} triples in {time.perf_counter() - t0:.0f} s",
          flush=True)
    jsonl.unlink()


def dump_nquads(generation: Path, target: Path) -> None:
    from pyoxigraph import RdfFormat, Store

    Store.read_only(str(generation)).dump(str(target), format=RdfFormat.N_QUADS)


def main() -> None:
    if sys.argv[1:2] == ["--serve-rdflib"]:
        serve_rdflib(sys.argv[2], int(sys.argv[3]))
        return
    if sys.argv[1:2] == ["--serve-floor"]:
        serve_floor(sys.argv[2], int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--studies", type=int, default=10_000)
    parser.add_argument("--store", type=Path, default=Path("/tmp/kg-bench-endpoint/store"))
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per (server, query, clients) cell")
    parser.add_argument("--skip-rdflib", action="store_true")
    parser.add_argument("--skip-floor", action="store_true", help="leave out the Python floor")
    parser.add_argument("--rdflib-url", help="use this already running rdflib-endpoint (same data) instead")
    parser.add_argument("--baseline-src", type=Path,
                        help="also serve the kg_builder package found in this directory (e.g. `git archive main "
                             "kg_builder | tar -x -C DIR`), as 'ours (baseline)', for before/after in one run")
    args = parser.parse_args()

    print(f"store: {args.store} ({args.studies} synthetic studies)", flush=True)
    if current_generation(args.store) is None:
        args.store.parent.mkdir(parents=True, exist_ok=True)
        build_store(args.studies, args.store)
    generation = current_generation(args.store)
    assert generation is not None
    peers: list[Peer] = [Ours(args.store), Oxigraph(generation)]
    if args.baseline_src:
        peers.insert(1, Ours(args.store, args.baseline_src.resolve()))
    if not args.skip_floor:
        peers.append(PythonFloor(generation))
    if not args.skip_rdflib:
        dump = args.store.parent / "dump.nq"
        if not dump.exists() and not args.rdflib_url:
            dump_nquads(generation, dump)
        peers.append(RdflibEndpoint(dump, attach=args.rdflib_url))
    queries = make_queries(args.studies)
    results: dict[tuple[str, str, int], dict] = {}
    try:
        for peer in peers:
            print(f"starting {peer.name}", flush=True)
            peer.start()
        # cell by cell, every server in turn: background load on the machine falls on all alike
        for name, (make_query, accept) in queries.items():
            print(f"{name}", flush=True)
            beyond: set[str] = set()  # peers whose first request ran past 60 s: every request counts 60 s
            for peer in peers:
                try:
                    t0 = time.perf_counter()
                    status, body = request(peer.url, make_query(0), accept, PEER_TIMEOUT)  # warm-up
                    print(f"  {peer.name}: HTTP {status}, {len(body)} bytes, {time.perf_counter() - t0:.2f} s",
                          flush=True)
                except TimeoutError:
                    print(f"  {peer.name}: past {PEER_TIMEOUT:.0f} s; counted as {PEER_TIMEOUT:.0f} s", flush=True)
                    beyond.add(peer.name)
                    peer.recover()
            for clients in CONCURRENCY:
                for peer in peers:
                    if peer.name in beyond:
                        results[(peer.name, name, clients)] = {"median": PEER_TIMEOUT, "rps": clients / PEER_TIMEOUT,
                                                               "n": 0, "timeouts": clients, "failures": []}
                        continue
                    cell = measure(peer.url, make_query, accept, clients, args.duration)
                    results[(peer.name, name, clients)] = cell
                    print(f"  {clients:>2} clients {peer.name:<16} median {cell['median'] * 1000:9.1f} ms, "
                          f"{cell['rps']:8.1f} req/s, n={cell['n']}"
                          + (f", {cell['timeouts']} past 60 s" if cell["timeouts"] else "")
                          + (f", failures {sorted(set(cell['failures']))}" if cell["failures"] else ""),
                          flush=True)
                    if cell["timeouts"]:
                        peer.recover()  # it is still busy with the abandoned queries
    finally:
        for peer in peers:
            peer.stop()
    report(results, list(queries), [p.name for p in peers])


def report(results: dict, queries: list[str], peers: list[str]) -> None:
    print("\nmedian latency, ms (requests/s) — clients: " + ", ".join(map(str, CONCURRENCY)))
    for name in queries:
        print(f"  {name}")
        for peer in peers:
            cells = [results[(peer, name, c)] for c in CONCURRENCY]
            print(f"    {peer:<16}" + "".join(f"{c['median'] * 1000:10.1f} ({c['rps']:7.1f})" for c in cells))
    for peer, title in (("ours", "our latency over oxigraph serve's (lower is better; goal ≤ 1.5):"),
                        ("ours (baseline)", "the baseline's latency over oxigraph serve's (same run):"),
                        ("python floor", "the Python floor's latency over oxigraph serve's (no safety at all):")):
        if peer not in peers:
            continue
        print(f"\n{title}")
        for name in queries:
            ratios = [results[(peer, name, c)]["median"] / results[("oxigraph serve", name, c)]["median"]
                      for c in CONCURRENCY]
            print(f"  {name:<30}" + "".join(f"{r:8.2f}x" for r in ratios))
    if "ours (baseline)" in peers:
        print("\nour latency over the baseline's (same run; 1.00 is no change, the noise is a few per cent):")
        for name in queries:
            ratios = [results[("ours", name, c)]["median"] / results[("ours (baseline)", name, c)]["median"]
                      for c in CONCURRENCY]
            print(f"  {name:<30}" + "".join(f"{r:8.2f}x" for r in ratios))
    if "rdflib-endpoint" not in peers:
        return
    print("\nrdflib-endpoint's latency over ours (higher is better):")
    speedups = []
    for name in queries:
        ratios = [results[("rdflib-endpoint", name, c)]["median"] / results[("ours", name, c)]["median"]
                  for c in CONCURRENCY]
        speedups.append(ratios[0])
        print(f"  {name:<30}" + "".join(f"{r:9.1f}x" for r in ratios))
    mean = math.exp(sum(math.log(s) for s in speedups) / len(speedups))
    print(f"speedup: {mean:.1f}x")


if __name__ == "__main__":
    main()
