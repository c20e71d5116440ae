"""Bounded by default: a runaway query is really stopped, others keep being served, a rebuild swaps cleanly."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from kg_builder.server.testing import LiveServer, write_store
from kg_builder.vocab import sparql_prefixes

LIMIT = 2.0
# four unconstrained patterns over ~1,000 triples: 10^12 combinations, minutes of work at least
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
COUNT_TRIALS = sparql_prefixes() + "SELECT (COUNT(?t) AS ?n) WHERE { ?t a kg:ClinicalTrial }"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LiveServer]:
    store = tmp_path_factory.mktemp("store")
    write_store(store, 30)
    with LiveServer(store, timeout=LIMIT) as live:
        yield live


def count(client: httpx.Client) -> int:
    response = client.get("/sparql", params={"query": COUNT_TRIALS, "format": "csv"})
    assert response.status_code == 200, response.text
    return int(response.text.split()[1])


def test_runaway_query_is_stopped_while_others_are_served(server) -> None:
    outcome: dict = {}

    def runaway() -> None:
        started = time.monotonic()
        with httpx.Client(base_url=server.url, timeout=60) as client:
            outcome["response"] = client.get("/sparql", params={"query": RUNAWAY})
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.5)  # the runaway query is now busy in its worker
    with httpx.Client(base_url=server.url, timeout=60) as client:
        started = time.monotonic()
        assert count(client) == 30
        assert time.monotonic() - started < 1.0  # a second client answers promptly meanwhile
        thread.join(timeout=30)
        response = outcome["response"]
        assert response.status_code == 503
        error = response.json()["error"]
        assert error["code"] == "timeout" and "time limit" in error["message"]
        assert outcome["seconds"] < LIMIT + 1.0
        # the work really stopped: its worker was killed and replaced, and the server is as fast as before
        health = client.get("/health").json()
        assert health["stopped_queries"] >= 1
        time.sleep(1.0)
        started = time.monotonic()
        for _ in range(5):
            assert count(client) == 30
        assert time.monotonic() - started < 2.0


def test_several_runaways_never_block_the_server(server) -> None:
    """More runaway queries than workers: each is stopped, and the server recovers."""
    with httpx.Client(base_url=server.url, timeout=60) as client:
        results: list[int] = []

        def runaway() -> None:
            results.append(client.get("/sparql", params={"query": RUNAWAY}).status_code)

        threads = [threading.Thread(target=runaway) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert results == [503, 503, 503]
        assert client.get("/health").status_code == 200
        assert count(client) == 30


def test_rebuild_while_serving_never_shows_a_half_built_graph(tmp_path) -> None:
    write_store(tmp_path, 20)
    with LiveServer(tmp_path) as live:
        seen: list[int] = []
        errors: list[str] = []
        stop = threading.Event()

        def reader() -> None:
            with httpx.Client(base_url=live.url, timeout=30) as client:
                while not stop.is_set():
                    response = client.get("/sparql", params={"query": COUNT_TRIALS, "format": "csv"})
                    if response.status_code != 200:
                        errors.append(response.text)
                    else:
                        seen.append(int(response.text.split()[1]))

        readers = [threading.Thread(target=reader) for _ in range(4)]
        for thread in readers:
            thread.start()
        try:
            time.sleep(0.3)
            write_store(tmp_path, 40, fresh=True)  # a complete new generation: 40 studies
            time.sleep(0.5)
            write_store(tmp_path, 30, start=40, fresh=False)  # copy of the current one plus 30 more
            time.sleep(0.5)
            write_store(tmp_path, 10, fresh=True)  # the oldest generation is pruned meanwhile
            time.sleep(0.5)
        finally:
            stop.set()
            for thread in readers:
                thread.join(timeout=30)
        assert not errors
        assert set(seen) <= {20, 40, 70, 10}  # only whole generations, never a part of one
        assert seen[-1] == 10 and 40 in seen and 70 in seen


def test_many_concurrent_clients(server) -> None:
    """32 clients at once, each with its own connection: every answer complete and right."""
    answers: list[int] = []
    lock = threading.Lock()

    def client() -> None:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            for _ in range(5):
                value = count(http)
                with lock:
                    answers.append(value)

    threads = [threading.Thread(target=client) for _ in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert answers == [30] * 160


def _wait_for(check, what: str, bound: float = 30.0):
    """Poll ``check()`` until it gives a true value; fail naming ``what`` after ``bound`` seconds."""
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"not seen within {bound:g} s: {what}")


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_query_whose_client_leaves_frees_its_worker_long_before_its_deadline(tmp_path, method) -> None:
    """The client closes its connection while its runaway query runs (the query page's Cancel does that): the
    door notices and the pool stops the work, so the one query thread is free again, long before the 120 s limit."""
    import socket
    from urllib.parse import urlencode

    write_store(tmp_path, 30)
    with LiveServer(tmp_path, timeout=120, workers=1, threads=1) as live, httpx.Client(base_url=live.url) as client:
        def health() -> dict:
            return client.get("/health").json()

        _wait_for(lambda: health()["idle_workers"] == 1, "the worker started")
        form = urlencode({"query": RUNAWAY}).encode()
        request = (f"GET /sparql?{form.decode()} HTTP/1.1\r\nHost: x\r\n\r\n".encode() if method == "GET" else
                   b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                   + f"Content-Length: {len(form)}\r\n\r\n".encode() + form)
        with socket.create_connection(("127.0.0.1", live.port)) as sock:
            sock.sendall(request)
            _wait_for(lambda: health()["idle_workers"] == 0, "the runaway query running")
        # the connection is closed: the query's thread is freed (its worker stopped and replaced)
        after = _wait_for(lambda: (h := health())["cancelled_queries"] == 1 and h["idle_workers"] == 1 and h,
                          "the cancelled query's worker stopped and replaced")
        assert after["stopped_queries"] == 0  # cancelled, not stopped at its time limit
        assert count(client) == 30  # and the next query gets the thread
