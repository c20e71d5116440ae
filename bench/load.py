"""Load: N clients for T seconds against ``kg-builder serve`` on 127.0.0.1, light and heavy queries, a rebuild.

    python bench/load.py [--clients 50] [--seconds 300] [--heavy 0.05] [--studies 5000] [--store DIR]
                         [--think 0.5] [--rebuild-at 0.3] [--baseline-seconds 60] [--json FILE]

Builds a store of ``--studies`` synthetic studies through the real build (``bench/synthetic.py``;
``--store`` keeps and reuses it), then serves it with ``serve``'s defaults (:class:`LiveServer`) and
runs ``--clients`` clients for ``--seconds``. Each client keeps one connection, waits a random
think time (exponential, mean ``--think`` s) and sends one request:

* with probability ``--heavy`` a heavy one: a GROUP BY over every study (sponsors × conditions,
  phases, countries through a named query);
* otherwise a light one: a lookup of one trial by id, a CONSTRUCT of one trial, or the
  *generation probe*, a lookup of two trials of which each generation holds exactly one.

A third of the way in (``--rebuild-at``), ``kg-builder build`` makes a new generation of the same
store (the studies shifted by one: the first trial leaves, a new one comes), while the clients go
on (past ``--seconds`` when the build is slow: until 20 s after it ended, so that the new generation
is seen). No client may see an error for a light request or a wrong answer: every lookup finds its
trial, every CONSTRUCT has its trial's triples, every probe finds exactly one of its two trials,
and a client that has seen the new generation never sees the old one again.

Reported: requests, errors by status (light and heavy apart), p50/p95/p99 latency of light and
heavy requests, light latency while at least one heavy request was in flight, server RSS
(server process and its workers) over time, worker processes started after the first ones, and
what the rebuild did. ``--baseline-seconds`` first runs the same load against a one-lane server
(``heavy_workers=0``, the scheduling before lanes) in the same run, for the ratio of light p95.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from kg_builder.server.testing import LiveServer  # noqa: E402
from kg_builder.vocab import DEFAULT_BASE  # noqa: E402

PREFIXES = """PREFIX kg: <https://w3id.org/kg-builder/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
JSON = "application/sparql-results+json"
TURTLE = "text/turtle"
CLIENT_TIMEOUT = 120.0
AFTER_REBUILD = 20.0  # seconds the clients go on after a rebuild that ended late, to see the new generation


def nct(index: int) -> str:
    return f"NCT{10_000_000 + index:08d}"


# ---- the requests -------------------------------------------------------------------------------
@dataclass
class Request:
    kind: str
    heavy: bool
    path: str
    accept: str
    check: str = ""  # what a right answer holds: "one-row", "triples", "probe"; "" for none
    trial: str = ""


def _sparql(query: str) -> str:
    return "/sparql?" + urlencode({"query": query})


class Mix:
    """The requests clients send; trials are drawn from those both generations hold."""

    def __init__(self, studies: int, heavy: float) -> None:
        self.studies = studies
        self.heavy = heavy

    def light(self, rng: random.Random) -> Request:
        trial = nct(rng.randint(1, self.studies - 1))  # in both generations
        pick = rng.random()
        if pick < 0.45:
            return Request("lookup", False, _sparql(PREFIXES + f"""SELECT ?trial ?title WHERE {{
  ?trial kg:registryId "{trial}" ; rdfs:label ?title }}"""), JSON, "one-row", trial)
        if pick < 0.9:
            return Request("construct", False, _sparql(f"CONSTRUCT WHERE {{ <{DEFAULT_BASE}trial/{trial}> ?p ?o }}"),
                           TURTLE, "triples", trial)
        return Request("probe", False, _sparql(PREFIXES + f"""SELECT ?id WHERE {{
  VALUES ?id {{ "{nct(0)}" "{nct(self.studies)}" }} ?trial kg:registryId ?id }}"""), JSON, "probe")

    def heavy_request(self, rng: random.Random) -> Request:
        pick = rng.random()
        if pick < 0.4:
            return Request("group by sponsor, condition", True, _sparql(PREFIXES + """SELECT ?sponsor ?condition
  (COUNT(?trial) AS ?n) WHERE { ?trial kg:leadSponsor ?org ; kg:conditionName ?condition . ?org rdfs:label ?sponsor }
GROUP BY ?sponsor ?condition ORDER BY DESC(?n) ?sponsor ?condition LIMIT 50"""), JSON)
        if pick < 0.7:
            year = rng.randint(2015, 2025)
            return Request("group by phase, status", True, _sparql(PREFIXES + f"""SELECT ?phase ?status
  (COUNT(DISTINCT ?trial) AS ?n) WHERE {{ ?trial kg:phase/skos:notation ?phase ;
  kg:overallStatus/skos:notation ?status ; kg:startDate ?start FILTER(YEAR(?start) <= {year}) }}
GROUP BY ?phase ?status ORDER BY ?phase ?status"""), JSON)
        return Request("sites by country (named)", True, "/queries/sites-by-country", JSON)

    def draw(self, rng: random.Random) -> Request:
        return self.heavy_request(rng) if rng.random() < self.heavy else self.light(rng)


# ---- the clients ----------------------------------------------------------------------------------
@dataclass
class Outcome:
    kind: str
    heavy: bool
    start: float
    seconds: float
    status: int  # 0: no HTTP answer (connection error or timeout)
    code: str = ""  # the error's code (the JSON error shape's) when status is not 200
    wrong: str = ""  # why the answer was wrong ("" when right or not checked)
    generation: str = ""  # what a probe saw


@dataclass
class Run:
    outcomes: list[Outcome] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    regressions: int = 0  # a client saw the old generation after the new one
    stale_retries: int = 0  # requests sent again after the server closed an idle kept-alive connection

    def add(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)


def _wrong(request: Request, status: int, body: bytes, studies: int) -> tuple[str, str]:
    """(why the answer is wrong or "", the generation a probe saw)."""
    if status != 200 or not request.check:
        return "", ""
    if request.check == "triples":
        return ("" if f"/trial/{request.trial}>".encode() in body and b"registryId" in body
                else "CONSTRUCT without its trial's triples"), ""
    rows = json.loads(body)["results"]["bindings"]
    if request.check == "one-row":
        return ("" if len(rows) == 1 else f"lookup found {len(rows)} rows"), ""
    found = sorted(row["id"]["value"] for row in rows)
    if found == [nct(0)]:
        return "", "A"  # studies 0 … N-1
    if found == [nct(studies)]:
        return "", "B"  # studies 1 … N
    return f"probe found {found} (mixed or missing generation)", ""


def _error_code(body: bytes) -> str:
    try:
        return json.loads(body)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return "?"


def client(url: str, mix: Mix, run: Run, seed: int, until: list[float], think: float, before: str) -> None:
    rng = random.Random(seed)
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=CLIENT_TIMEOUT)
    seen_new = False
    time.sleep(rng.uniform(0, think))  # clients do not start in step
    while time.monotonic() < until[0]:  # a list: the run is extended while a rebuild is still going
        request = mix.draw(rng)
        started = time.monotonic()
        status, body = 0, b""
        for attempt in (1, 2):
            try:
                conn.request("GET", request.path, headers={"Accept": request.accept})
                response = conn.getresponse()
                status, body = response.status, response.read()
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # the server closed the kept-alive connection as this request left (its idle timeout): what
                # HTTP clients (urllib3, browsers) do is send it again once on a new connection, so does this one
                conn.close()
                if attempt == 1:
                    with run.lock:
                        run.stale_retries += 1
                    continue
            except (OSError, http.client.HTTPException):
                conn.close()
            break
        elapsed = time.monotonic() - started
        wrong, generation = _wrong(request, status, body, mix.studies)
        code = _error_code(body) if status not in (0, 200) else ""
        if generation and generation != before:
            seen_new = True
        elif generation == before and seen_new:
            wrong = "old generation after the new one"
            with run.lock:
                run.regressions += 1
        run.add(Outcome(request.kind, request.heavy, started, elapsed, status, code, wrong, generation))
        time.sleep(rng.expovariate(1 / think) if think > 0 else 0)
    conn.close()


# ---- the server's processes ---------------------------------------------------------------------
def _children(pid: int) -> list[int]:
    """The server's query worker processes (multiprocessing's spawned children, not its resource tracker)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and _is_worker(int(entry)):
                found.append(int(entry))
    return found


def _is_worker(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return b"spawn_main" in cmdline.read()
    except OSError:
        return False


def _rss_mib(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Watcher(threading.Thread):
    """Samples the server's RSS (its own and its workers') and the worker processes it started."""

    def __init__(self, pid: int, every: float = 5.0) -> None:
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.samples: list[tuple[float, float, float]] = []  # (seconds in, server MiB, workers MiB)
        self.first_children = set(_children(pid))
        self.children = set(self.first_children)
        self.started = time.monotonic()
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            children = _children(self.pid)
            self.children.update(children)
            self.samples.append((time.monotonic() - self.started, _rss_mib(self.pid),
                                 sum(_rss_mib(c) for c in children)))
            self.stopped.wait(self.every)

    @property
    def started_later(self) -> int:
        return len(self.children - self.first_children)


# ---- the store and its rebuild ---------------------------------------------------------------------
def build_store(store: Path, studies: int, start: int) -> float:
    """Build a new generation of studies ``start`` … ``start + studies - 1`` with the CLI (``--fresh``: it
    replaces the store's graphs, as a rebuild from the registry would); its seconds."""
    from synthetic import write_jsonl

    jsonl = store.parent / f"{store.name}.{start}.jsonl"
    write_jsonl(jsonl, studies, start)
    began = time.monotonic()
    done = subprocess.run([str(Path(sys.executable).parent / "kg-builder"), "build", str(jsonl), "--store", str(store),
                           "--fresh"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    jsonl.unlink()
    if done.returncode != 0:
        raise RuntimeError(f"the build failed ({done.returncode}): {done.stderr[-500:]}")
    return time.monotonic() - began


def current_first_study(url: str, studies: int) -> int:
    """0 when the served generation holds the first study, 1 when it is the shifted one."""
    conn = http.client.HTTPConnection(*url.removeprefix("http://").split(":"), timeout=60)
    query = PREFIXES + f'ASK {{ ?t kg:registryId "{nct(0)}" }}'
    conn.request("GET", _sparql(query), headers={"Accept": JSON})
    answer = json.loads(conn.getresponse().read())["boolean"]
    conn.close()
    return 0 if answer else 1


# ---- one run and its report ----------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def _while_heavy(outcomes: list[Outcome]) -> list[Outcome]:
    """The light requests that overlapped at least one heavy request in flight (50 ms steps)."""
    heavy = [(o.start, o.start + o.seconds) for o in outcomes if o.heavy]
    if not heavy:
        return []
    t0 = min(o.start for o in outcomes)
    steps = int((max(o.start + o.seconds for o in outcomes) - t0) / 0.05) + 2
    marks = [0] * (steps + 1)
    for start, end in heavy:
        marks[int((start - t0) / 0.05)] += 1
        marks[int((end - t0) / 0.05) + 1] -= 1
    busy, running = [], 0
    for mark in marks:
        running += mark
        busy.append(running > 0)
    return [o for o in outcomes if not o.heavy and
            any(busy[int((o.start - t0) / 0.05): int((o.start + o.seconds - t0) / 0.05) + 1])]


def serve_and_load(args: argparse.Namespace, store: Path, seconds: float, *, lanes: bool,
                   rebuild: bool) -> dict:
    options = {} if lanes else {"heavy_workers": 0}
    server = LiveServer(store, access_log=False, **options).start(120)
    try:
        url = server.url
        first = current_first_study(url, args.studies)
        before = "A" if first == 0 else "B"
        mix = Mix(args.studies, args.heavy)
        assert server.process is not None
        watcher = Watcher(server.process.pid)
        watcher.start()
        run = Run()
        began = time.monotonic()
        until = [began + seconds]
        threads = [threading.Thread(target=client, args=(url, mix, run, k, until, args.think, before), daemon=True)
                   for k in range(args.clients)]
        for thread in threads:
            thread.start()
        rebuilt: dict = {}
        if rebuild:
            time.sleep(seconds * args.rebuild_at)
            until[0] = math.inf  # the clients go on while the build runs, however long it takes
            rebuilt["started"] = time.monotonic() - began
            rebuilt["seconds"] = build_store(store, args.studies, 1 - first)
            rebuilt["ended"] = time.monotonic() - began
            # and until the new generation has been served a while
            until[0] = max(began + seconds, began + rebuilt["ended"] + AFTER_REBUILD)
        for thread in threads:
            thread.join()
        watcher.stopped.set()
        watcher.join()
        health = _health(url)
    finally:
        server.stop()
    return summarise(run, watcher, rebuilt, health, began, first, until[0] - began)


def _health(url: str) -> dict:
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.request("GET", "/health")
    data = json.loads(conn.getresponse().read())
    conn.close()
    return data


def summarise(run: Run, watcher: Watcher, rebuilt: dict, health: dict, began: float, first: int,
              seconds: float) -> dict:
    outcomes = run.outcomes
    light = [o for o in outcomes if not o.heavy]
    heavy = [o for o in outcomes if o.heavy]
    overlapping = _while_heavy(outcomes)

    def errors(items: list[Outcome]) -> dict[str, int]:
        found: dict[str, int] = {}
        for o in items:
            if o.status != 200:
                key = f"{o.status} {o.code}" if o.status else "no answer"
                found[key] = found.get(key, 0) + 1
        return found

    def latency(items: list[Outcome]) -> dict[str, float]:
        values = [o.seconds * 1000 for o in items if o.status == 200]
        return {"n": len(values), "p50": percentile(values, 0.5), "p95": percentile(values, 0.95),
                "p99": percentile(values, 0.99)}

    samples = watcher.samples
    minute = max(1, int(60 / watcher.every))
    total = [server + workers for _, server, workers in samples]
    in_rebuild = [o for o in light if rebuilt and rebuilt["started"] <= o.start - began <= rebuilt["ended"]]
    after = "B" if first == 0 else "A"
    new_seen = [o for o in outcomes if o.generation == after and rebuilt and o.start - began > rebuilt["ended"] + 1]
    old_after = [o for o in outcomes if o.generation and o.generation != after and rebuilt
                 and o.start - began > rebuilt["ended"] + 1]
    return {
        "seconds": seconds,
        "requests": len(outcomes),
        "per_second": len(outcomes) / seconds,
        "light": {"requests": len(light), "errors": errors(light), "latency_ms": latency(light),
                  "while_heavy_ms": latency(overlapping), "during_rebuild_ms": latency(in_rebuild)},
        "heavy": {"requests": len(heavy), "errors": errors(heavy), "latency_ms": latency(heavy),
                  "retry_after_answers": sum(1 for o in heavy if o.status == 503)},
        "wrong_answers": sum(1 for o in outcomes if o.wrong),
        "wrong_examples": sorted({o.wrong for o in outcomes if o.wrong})[:5],
        "generation_regressions": run.regressions,
        "stale_connection_retries": run.stale_retries,
        "rss_mib": {"server_first": samples[0][1] if samples else 0, "server_last": samples[-1][1] if samples else 0,
                    "total_first_minute": statistics.mean(total[:minute]) if total else 0,
                    "total_last_minute": statistics.mean(total[-minute:]) if total else 0,
                    "total_max": max(total) if total else 0,
                    "series": [(round(t), round(s, 1), round(w, 1)) for t, s, w in samples]},
        "workers_started_later": watcher.started_later,
        "health": health,
        "rebuild": {**rebuilt, "probes_on_new_after_it": len(new_seen),
                    "probes_on_old_after_it": len(old_after)} if rebuilt else None,
        "first_generation": "original" if first == 0 else "shifted",
    }


def report(main: dict, baseline: dict | None, args: argparse.Namespace) -> None:
    def row(name: str, result: dict) -> str:
        lat = result["light"]["latency_ms"]
        busy = result["light"]["while_heavy_ms"]
        heavy = result["heavy"]["latency_ms"]
        return (f"| {name} | {result['requests']} ({result['per_second']:.1f}/s) | {result['light']['errors'] or 0} "
                f"| {result['heavy']['errors'] or 0} | {lat['p50']:.0f} / {lat['p95']:.0f} / {lat['p99']:.0f} "
                f"| {busy['p95']:.0f} | {heavy['p50']:.0f} / {heavy['p95']:.0f} / {heavy['p99']:.0f} "
                f"| {result['wrong_answers']} | {result['workers_started_later']} |")

    print()
    print(f"{args.clients} clients, think {args.think} s, {args.heavy:.0%} heavy, {args.studies} studies")
    print("| server | requests | light errors | heavy errors | light p50/p95/p99 ms | light p95 while heavy ran ms "
          "| heavy p50/p95/p99 ms | wrong answers | workers started later |")
    print("|---|---|---|---|---|---|---|---|---|")
    if baseline:
        print(row(f"one lane ({baseline['seconds']:.0f} s)", baseline))
    print(row(f"lanes ({main['seconds']:.0f} s)", main))
    rss = main["rss_mib"]
    print(f"RSS (server + workers): first minute {rss['total_first_minute']:.0f} MiB, last minute "
          f"{rss['total_last_minute']:.0f} MiB, max {rss['total_max']:.0f} MiB; server process "
          f"{rss['server_first']:.0f} -> {rss['server_last']:.0f} MiB")
    if main["rebuild"]:
        rb = main["rebuild"]
        print(f"rebuild while serving: {rb['started']:.0f} s -> {rb['ended']:.0f} s ({rb['seconds']:.0f} s); light "
              f"p95 meanwhile {main['light']['during_rebuild_ms']['p95']:.0f} ms; probes of the new generation "
              f"after it: {rb['probes_on_new_after_it']} (of the old one: {rb['probes_on_old_after_it']}); "
              f"old generation seen after the new one: "
              f"{main['generation_regressions']}; wrong answers: {main['wrong_answers']} {main['wrong_examples']}")
    print(f"health at the end: {main['health']}")
    print(f"requests sent again after the server closed an idle kept-alive connection: "
          f"{main['stale_connection_retries']}")
    if baseline:
        base = baseline["light"]["while_heavy_ms"]["p95"]
        ours = main["light"]["while_heavy_ms"]["p95"]
        print(f"light p95 while heavy queries ran: one lane {base:.0f} ms, lanes {ours:.0f} ms "
              f"(ratio {base / ours:.1f}x)")
    light_errors = sum(main["light"]["errors"].values())
    print(f"targets: light errors {light_errors} (0); light p95 while heavy ran "
          f"{main['light']['while_heavy_ms']['p95']:.0f} ms (<= 250); RSS last/first minute "
          f"{rss['total_last_minute'] / max(rss['total_first_minute'], 1):.2f} (flat); rebuild noticed by "
          f"{main['wrong_answers'] + main['generation_regressions'] + light_errors} requests (0)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--heavy", type=float, default=0.05, help="share of heavy requests")
    parser.add_argument("--studies", type=int, default=5000)
    parser.add_argument("--store", type=Path, default=Path("/tmp/kg-bench-load/store"))
    parser.add_argument("--think", type=float, default=0.5, help="mean seconds a client waits between requests")
    parser.add_argument("--rebuild-at", type=float, default=0.3, help="when the rebuild starts (share of --seconds)")
    parser.add_argument("--no-rebuild", action="store_true")
    parser.add_argument("--baseline-seconds", type=float, default=60.0,
                        help="seconds of the same load on a one-lane server first (0: none)")
    parser.add_argument("--json", type=Path, help="write every figure here")
    args = parser.parse_args()
    store = args.store.resolve()
    store.parent.mkdir(parents=True, exist_ok=True)
    marker = store.parent / f"{store.name}.studies"  # how many studies the kept store holds
    if not (marker.exists() and marker.read_text() == str(args.studies)):
        print(f"building {args.studies} studies into {store} ...", flush=True)
        seconds = build_store(store, args.studies, 0)
        marker.write_text(str(args.studies))
        print(f"  built in {seconds:.0f} s", flush=True)
    baseline = None
    if args.baseline_seconds > 0:
        print(f"baseline: one lane, {args.baseline_seconds:.0f} s ...", flush=True)
        baseline = serve_and_load(args, store, args.baseline_seconds, lanes=False, rebuild=False)
    print(f"lanes: {args.seconds:.0f} s{'' if args.no_rebuild else ', a rebuild while serving'} ...", flush=True)
    result = serve_and_load(args, store, args.seconds, lanes=True, rebuild=not args.no_rebuild)
    report(result, baseline, args)
    if args.json:
        args.json.write_text(json.dumps({"lanes": result, "one_lane": baseline, "args": vars(args)}, indent=1,
                                        default=str))


if __name__ == "__main__":
    main()
