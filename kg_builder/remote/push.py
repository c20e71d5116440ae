"""Publish the store to any SPARQL 1.1 Graph Store Protocol endpoint, one named graph per study.

Oxigraph server (``…/store``), Apache Jena Fuseki (``…/DATASET/data``), GraphDB
(``…/repositories/REPO/rdf-graphs/service``), Virtuoso (``…/sparql-graph-crud``)
and Amazon Neptune (``…/sparql/gsp/``) all take ``PUT URL?graph=IRI`` with a body
that replaces that graph. That is all :func:`push` needs:

- batched: graphs go in batches (a few requests in flight at once); the state
  file is written after every batch, so an interruption loses at most one batch;
- retried: dropped connections, timeouts, 408/425/429 and every 5xx are retried
  with exponential back-off and jitter (``Retry-After`` honoured), up to
  ``retries`` times; a graph still failing then is listed in ``report.failed``
  with its last error and the push goes on with the others (a resumed push sends
  only the failed ones); any other error (401, 403, 404 …) stops the push;
- resumable: the state file records each pushed graph's content hash and triple
  count; a push that stopped part-way resumes where it stopped, and
  ``changed_only`` pushes only graphs whose content changed since the last push
  (and deletes remotely the graphs gone from the store);
- verifiable: after the push, each graph's triple count on the server is compared
  with the store's (one aggregate SPARQL query when a query URL is known, else a
  ``GET`` per graph).

The body is sorted N-Triples sent as ``text/turtle`` (N-Triples is Turtle), the
one syntax every Graph Store implementation reads.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from pyoxigraph import NamedNode, QuerySolutions, RdfFormat, Store, Triple, parse, serialize

from kg_builder.errors import StoreError, UsageError
from kg_builder.remote.endpoint import RemoteStore
from kg_builder.vocab import PROV

_TRANSIENT_STATUS = {408, 425, 429}  # and every 5xx
_STATE_VERSION = 1


@dataclass
class PushReport:
    pushed: list[str] = field(default_factory=list)
    skipped: int = 0  # unchanged since the last push, or already done before an interruption
    deleted: list[str] = field(default_factory=list)
    retries: int = 0
    verified: int = 0
    mismatches: list[tuple[str, int, int | None]] = field(default_factory=list)  # graph, local, remote
    # graph → its last error, for graphs still failing after the retries (not pushed, or not deleted)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.mismatches and not self.failed


class GraphFailed(StoreError):
    """One graph's request still failed transiently after every retry (the server may do better later)."""


def _transient(status: int) -> bool:
    return status >= 500 or status in _TRANSIENT_STATUS


class BearerAuth(httpx.Auth):
    def __init__(self, token: str) -> None:
        self.token = token

    def auth_flow(self, request: httpx.Request):
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


def parse_auth(value: str | None) -> httpx.Auth | None:
    """``USER:PASSWORD`` (HTTP Basic) or ``bearer:TOKEN``."""
    if not value:
        return None
    scheme, sep, rest = value.partition(":")
    if not sep:
        raise UsageError("--auth must be USER:PASSWORD or bearer:TOKEN")
    if scheme.casefold() == "bearer":
        return BearerAuth(rest)
    return httpx.BasicAuth(scheme, rest)


def graph_payload(store: Store | RemoteStore, graph: NamedNode) -> tuple[bytes, int, str]:
    """The graph as sorted N-Triples, its triple count and its content hash.

    The hash leaves out the build time (``prov:generatedAtTime``): rebuilding an
    unchanged record is not a change worth pushing.
    """
    quads = list(store.quads_for_pattern(None, None, None, graph))
    triples = [Triple(q.subject, q.predicate, q.object) for q in quads]
    lines = sorted(serialize(triples, format=RdfFormat.N_TRIPLES).splitlines(keepends=True))
    stable = [Triple(q.subject, q.predicate, q.object) for q in quads if q.predicate != PROV.generatedAtTime]
    digest = hashlib.sha256(b"".join(sorted(serialize(stable, format=RdfFormat.N_TRIPLES)
                                            .splitlines(keepends=True)))).hexdigest()
    return b"".join(lines), len(lines), digest


def default_state_path(store_dir: str | Path, target: str) -> Path:
    return Path(store_dir) / f"push-state-{hashlib.sha1(target.encode()).hexdigest()[:12]}.json"


def _load_state(path: Path, target: str) -> dict:
    if path.is_file():
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StoreError(f"cannot read push state {path}: {exc}",
                             hint="delete it to push everything") from exc
        if state.get("version") == _STATE_VERSION and state.get("target") == target:
            return state
    return {"version": _STATE_VERSION, "target": target, "graphs": {}, "run": None}


def _save_state(path: Path, state: dict) -> None:
    temp = path.with_suffix(".tmp")
    temp.write_text(json.dumps(state, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(temp, path)  # atomic: a crash leaves the old state or the new one


class GraphStoreClient:
    """PUT / DELETE / GET of single graphs on a Graph Store Protocol endpoint, with retries."""

    def __init__(self, url: str, *, client: httpx.Client, retries: int = 5, backoff: float = 0.5) -> None:
        self.url = url
        self.client = client
        self.retries = retries
        self.backoff = backoff
        self.retried = 0

    def _send(self, method: str, graph: NamedNode, **kwargs) -> httpx.Response:
        """The first answer that is not transient; GraphFailed when every attempt was."""
        last = ""
        for attempt in range(self.retries + 1):
            retry_after = None
            try:
                response = self.client.request(method, self.url, params={"graph": graph.value}, **kwargs)
            except httpx.TransportError as exc:  # refused, dropped, reset, timed out
                last = f"{type(exc).__name__}: {exc}"
            else:
                if not _transient(response.status_code):
                    return response
                last = f"{response.status_code} {response.text[:200]}".strip()
                retry_after = response.headers.get("retry-after")
            if attempt < self.retries:
                self._wait(attempt, retry_after)
        raise GraphFailed(f"{method} {graph.value} failed {self.retries + 1} times, last: {last}", where=self.url)

    def _wait(self, attempt: int, retry_after: str | None) -> None:
        """Exponential back-off with jitter (clients that failed together do not retry together)."""
        self.retried += 1
        delay = self.backoff * (2 ** attempt) * random.uniform(0.5, 1.5)
        if retry_after and retry_after.strip().isdigit():
            delay = max(delay, float(retry_after))
        time.sleep(min(delay, 30.0))

    def put(self, graph: NamedNode, body: bytes) -> None:
        response = self._send("PUT", graph, content=body, headers={"Content-Type": "text/turtle"})
        if response.status_code not in (200, 201, 204):
            raise StoreError(f"PUT {graph.value}: {response.status_code} {response.text[:200]}",
                             where=self.url)

    def delete(self, graph: NamedNode) -> None:
        response = self._send("DELETE", graph)
        if response.status_code not in (200, 204, 404):
            raise StoreError(f"DELETE {graph.value}: {response.status_code} {response.text[:200]}",
                             where=self.url)

    def count(self, graph: NamedNode) -> int | None:
        response = self._send("GET", graph, headers={"Accept": "application/n-triples"})
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise StoreError(f"GET {graph.value}: {response.status_code}", where=self.url)
        media = response.headers.get("content-type", "application/n-triples").split(";")[0].strip()
        rdf_format = RdfFormat.from_media_type(media) or RdfFormat.N_TRIPLES
        return sum(1 for _ in parse(response.content, rdf_format))


def query_url_for(gsp_url: str) -> str | None:
    """The SPARQL query URL next to a Graph Store URL, where the layout is known (Oxigraph, Fuseki)."""
    for suffix, replacement in (("/store", "/query"), ("/data", "/sparql")):
        if gsp_url.rstrip("/").endswith(suffix):
            return gsp_url.rstrip("/")[: -len(suffix)] + replacement
    return None


def remote_counts(query_url: str, client: httpx.Client) -> dict[str, int]:
    """Triple counts of every named graph, in one aggregate query."""
    remote = RemoteStore(query_url, client=client)
    result = remote.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    assert isinstance(result, QuerySolutions)
    return {row["g"].value: int(row["n"].value) for row in result}


def _batches(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def push(
    store: Store,
    to: str,
    *,
    state_path: str | Path,
    auth: httpx.Auth | None = None,
    changed_only: bool = False,
    batch_size: int = 50,
    concurrency: int = 4,
    retries: int = 5,
    backoff: float = 0.5,
    verify: bool = True,
    query_url: str | None = None,
    timeout: float = 120.0,
    transport: httpx.BaseTransport | None = None,
    on_graph: Callable[[str], None] | None = None,
) -> PushReport:
    """Push every named graph of ``store`` to the Graph Store endpoint ``to``; ``state_path`` records progress."""
    if not to.startswith(("http://", "https://")):
        raise UsageError(f"--to must be an http(s) Graph Store URL, not {to!r}")
    if batch_size < 1 or concurrency < 1:
        raise UsageError("batch size and concurrency must be at least 1")
    state_file = Path(state_path)
    state = _load_state(state_file, to)
    report = PushReport()
    graphs = sorted((g for g in store.named_graphs() if isinstance(g, NamedNode)), key=lambda g: g.value)
    local: dict[str, tuple[int, str]] = {}
    client = httpx.Client(auth=auth, timeout=timeout, transport=transport, follow_redirects=True)
    gsp = GraphStoreClient(to, client=client, retries=retries, backoff=backoff)
    resuming = state["run"] is not None
    if not resuming:
        state["run"] = {"done": [], "changed_only": changed_only}
    done = set(state["run"]["done"])
    todo: list[tuple[NamedNode, bytes]] = []
    for graph in graphs:
        body, count, digest = graph_payload(store, graph)
        local[graph.value] = (count, digest)
        recorded = state["graphs"].get(graph.value, {}).get("hash")
        unchanged = recorded == digest
        if unchanged and (graph.value in done or changed_only or state["run"].get("changed_only")):
            report.skipped += 1
            continue
        todo.append((graph, body))
    def put(item: tuple[NamedNode, bytes]) -> str | None:
        try:
            gsp.put(*item)
        except GraphFailed as exc:
            return exc.message
        return None

    try:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            for batch in _batches(todo, batch_size):
                try:
                    for (graph, _), error in zip(batch, pool.map(put, batch), strict=True):
                        if error is not None:
                            report.failed[graph.value] = error
                            continue
                        count, digest = local[graph.value]
                        state["graphs"][graph.value] = {"hash": digest, "triples": count}
                        state["run"]["done"].append(graph.value)
                        report.pushed.append(graph.value)
                        if on_graph:
                            on_graph(graph.value)
                finally:
                    _save_state(state_file, state)
        if changed_only:
            for name in sorted(set(state["graphs"]) - set(local)):
                try:
                    gsp.delete(NamedNode(name))
                except GraphFailed as exc:
                    report.failed[name] = exc.message  # still in the state: the next push deletes it
                    continue
                del state["graphs"][name]
                report.deleted.append(name)
        if not report.failed:
            state["run"] = None  # else the run stays open: resuming sends only what failed
        _save_state(state_file, state)
        if verify:
            _verify(report, {k: v for k, v in local.items() if k not in report.failed}, gsp,
                    query_url or query_url_for(to), client)
        report.retries = gsp.retried
    finally:
        client.close()
    return report


def _verify(report: PushReport, local: dict[str, tuple[int, str]], gsp: GraphStoreClient,
            query_url: str | None, client: httpx.Client) -> None:
    counts: dict[str, int] | None = None
    if query_url:
        try:
            counts = remote_counts(query_url, client)
        except StoreError:
            counts = None  # not a query endpoint after all: count graph by graph
    for name, (count, _) in sorted(local.items()):
        try:
            remote = counts.get(name) if counts is not None else gsp.count(NamedNode(name))
        except GraphFailed as exc:
            report.failed[name] = f"pushed, but its count could not be read back: {exc.message}"
            continue
        if remote != count and not (count == 0 and remote is None):
            report.mismatches.append((name, count, remote))
        report.verified += 1
