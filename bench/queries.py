"""Benchmark: every shipped named query at registry scale, through the endpoint and the CLI.

    python bench/queries.py [--studies 5000,20000,50000] [--runs 5] [--timeout 120] [--stores DIR]
                            [--only NAME,…] [--no-cli] [--no-endpoint]

Builds one store per size from the first N studies of the registry-shaped corpus
(``bench/synthetic.py``; ``kg-builder build --no-validate``, reused from ``--stores DIR``
when it already holds that size; a reused store whose build-kept statistics are missing or
outdated gets them from a one-study build, as any build brings them up to date), then times
each named query in ``queries/``:

* **endpoint**: ``GET /queries/NAME`` on ``kg-builder serve`` (no row cap, the time limit
  ``--timeout``), as a client sees it;
* **CLI**: the whole ``kg-builder query --name NAME --format csv`` command, start-up included (the package's
  bytecode compiled first, as an installed package has it);

The queries are those of ``KG_BUILDER_QUERIES`` when set (as the CLI and the server read them), so that two texts
of a query (a copy of the folder with both, under two names) are timed side by side in one run.

Each is run once to warm up, then ``--runs`` times; the median is reported, with the median CPU
seconds of the same runs (the endpoint's: its server and query-worker processes, read from /proc
before and after each request; the CLI's: the child process's rusage), so that a wall time stretched
by other work on the machine can be told from one the query itself costs. A query past
``--timeout`` counts as timed out (">T") and is not run again at that size. Parameters:
``nct`` is the corpus's first study, ``condition`` its most frequent condition.

Prints the table (wall seconds), the CPU table, the growth from the smallest to the largest size (linear
growth = the ratio of the sizes) and a projection to the registry's ~570,000 studies
(t_largest × (570,000 / largest)^b, b the growth exponent measured between the sizes), and
ends with ``slowest-named-query-50k: <seconds>`` (or the largest size run).
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

REGISTRY = 570_000


def _tool(name: str) -> str:
    found = Path(sys.executable).parent / name
    return str(found) if found.exists() else (shutil.which(name) or sys.exit(f"{name} not found on PATH"))


def _params(corpus: Path) -> dict[str, str]:
    """Values for the named queries' parameters, taken from the corpus itself (its first 5,000 studies):
    ``nct`` the first study with results (so the per-trial queries return rows), ``condition`` the most
    frequent condition, ``drug`` the most frequent drug of studies with results, ``mesh`` the most
    frequent condition ancestor (a broad descriptor: the query's heaviest case)."""
    conditions: Counter = Counter()
    drugs: Counter = Counter()
    ancestors: Counter = Counter()
    first = None
    with open(corpus, encoding="utf-8") as handle:
        for index, line in enumerate(handle):
            record = json.loads(line)
            study = record["protocolSection"]
            conditions.update(study.get("conditionsModule", {}).get("conditions", []))
            browse = record.get("derivedSection", {}).get("conditionBrowseModule", {})
            ancestors.update(a["id"] for a in browse.get("ancestors", []) if a.get("id"))
            if "resultsSection" in record:
                first = first or study["identificationModule"]["nctId"]
                drugs.update(i["name"] for i in study.get("armsInterventionsModule", {}).get("interventions", [])
                             if i.get("type") == "DRUG" and "placebo" not in i.get("name", "placebo").lower())
            if index >= 5000:
                break
    return {"nct": first or "", "condition": _top(conditions), "drug": _top(drugs), "mesh": _top(ancestors)}


def _top(counts: Counter) -> str:
    return counts.most_common(1)[0][0] if counts else ""


def _named_queries(only: set[str] | None) -> dict[str, list[str]]:
    """Query name → its parameter names (from the header of each ``queries/*.rq``)."""
    from kg_builder.settings import Settings
    from kg_builder.store.named_queries import load_named_queries

    queries = load_named_queries(Settings.from_env().queries_dir)  # KG_BUILDER_QUERIES, as the CLI and the server
    found = {name: [p.name for p in q.params] for name, q in sorted(queries.items())}
    return {n: p for n, p in found.items() if not only or n in only}


def _ensure_store(n: int, corpus: Path, stores: Path) -> Path:
    store = stores / f"store-{n}"
    marker = store / "bench-corpus.json"
    signature = {"studies": n, "corpus_bytes_prefix": _prefix_bytes(corpus, n)}
    if marker.is_file() and json.loads(marker.read_text()) == signature:
        print(f"  {n}: reusing {store}", flush=True)
        _upgrade_statistics(store, corpus)
        return store
    shutil.rmtree(store, ignore_errors=True)
    part = stores / f"studies-{n}.jsonl"
    with open(corpus, "rb") as source, open(part, "wb") as out:
        for _ in range(n):
            out.write(source.readline())
    started = time.perf_counter()
    done = subprocess.run([_tool("kg-builder"), "build", str(part), "--store", str(store), "--fresh",
                           "--no-validate", "--quiet"], capture_output=True, text=True, check=False)
    if done.returncode not in (0, 3):
        sys.exit(f"build of {n} studies failed:\n{done.stderr[-3000:]}")
    part.unlink()
    marker.write_text(json.dumps(signature))
    print(f"  {n}: built in {time.perf_counter() - started:.0f} s", flush=True)
    return store


def _upgrade_statistics(store: Path, corpus: Path) -> None:
    """A store built before the statistics the named queries read (or with another version of them) gets them
    from its next build: rebuild its first study, as a user would, and say what it cost."""
    from kg_builder.store.generations import open_read_only
    from kg_builder.store.statistics import VERSION, version

    found = version(open_read_only(store))
    if found == VERSION:
        return
    with open(corpus, "rb") as source, tempfile.NamedTemporaryFile(suffix=".jsonl") as first:
        first.write(source.readline())
        first.flush()
        started = time.perf_counter()
        done = subprocess.run([_tool("kg-builder"), "build", first.name, "--store", str(store), "--no-validate",
                               "--quiet"], capture_output=True, text=True, check=False)
    if done.returncode not in (0, 3):
        sys.exit(f"the statistics of {store} could not be brought up to date:\n{done.stderr[-3000:]}")
    print(f"  statistics {found} -> {VERSION} by a one-study build in {time.perf_counter() - started:.0f} s",
          flush=True)


def _prefix_bytes(corpus: Path, n: int) -> int:
    size = 0
    with open(corpus, "rb") as handle:
        for _ in range(n):
            size += len(handle.readline())
    return size


class _Endpoint:
    """``kg-builder serve`` on the store, started and stopped around one size's measurements."""

    def __init__(self, store: Path, timeout: float) -> None:
        from kg_builder.server.testing import free_port

        self.port = free_port()
        self.process = subprocess.Popen(
            [_tool("kg-builder"), "serve", "--store", str(store), "--port", str(self.port), "--timeout", str(timeout),
             "--max-rows", "0"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.timeout = timeout
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if self.get("/health")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.close()
        sys.exit("kg-builder serve did not start")

    def cpu(self) -> float:
        """CPU seconds used so far by the server and every process under it (its query workers)."""
        return _tree_cpu(self.process.pid)

    def get(self, path: str) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout + 30)
        try:
            connection.request("GET", path, headers={"Accept": "text/csv"})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


_TICK = os.sysconf("SC_CLK_TCK")


def _tree_cpu(root: int) -> float:
    """User + system CPU seconds of ``root`` and its live descendants (from /proc; 0 where it is unreadable)."""
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        used[int(entry.name)] = (int(fields[11]) + int(fields[12])) / _TICK
    tree = {root}
    grown = True
    while grown:
        found = {pid for pid, parent in parents.items() if parent in tree} - tree
        grown = bool(found)
        tree |= found
    return sum(used.get(pid, 0.0) for pid in tree)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _time(run, cpu, runs: int, timeout: float) -> tuple[float | None, int, float | None]:
    """(median seconds of ``runs`` warm runs or None when one timed out, rows of the answer, median CPU seconds
    of those runs as ``cpu()`` counts them)."""
    times, cpus = [], []
    rows = 0
    for attempt in range(runs + 1):
        used = cpu()
        started = time.perf_counter()
        ok, body = run()
        seconds = time.perf_counter() - started
        used = cpu() - used
        if not ok or seconds > timeout:
            return None, 0, None
        rows = max(0, body.count(b"\n") - 1)
        if attempt:  # the first run warms the caches
            times.append(seconds)
            cpus.append(used)
    return statistics.median(times), rows, statistics.median(cpus)


def measure(store: Path, queries: dict[str, list[str]], params: dict[str, str], args) -> dict:
    out: dict[str, dict] = {name: {} for name in queries}
    if not args.no_endpoint:
        endpoint = _Endpoint(store, args.timeout)
        try:
            for name, wanted in queries.items():
                path = f"/queries/{name}?" + urlencode({p: params[p] for p in wanted})

                def run(path=path):
                    status, body = endpoint.get(path)
                    return status == 200, body

                out[name]["endpoint"] = _time(run, endpoint.cpu, args.runs, args.timeout)
        finally:
            endpoint.close()
    if not args.no_cli:
        for name, wanted in queries.items():
            command = [_tool("kg-builder"), "query", "--store", str(store), "--name", name, "--format", "csv"]
            for p in wanted:
                command += ["--param", f"{p}={params[p]}"]

            def run(command=command):
                try:
                    done = subprocess.run(command, capture_output=True, timeout=args.timeout, check=False)
                except subprocess.TimeoutExpired:
                    return False, b""
                return done.returncode == 0, done.stdout

            out[name]["cli"] = _time(run, _children_cpu, args.runs, args.timeout)
    return out


def _bytecode() -> None:
    """Compile the package's modules once, as installing it does (pip writes their bytecode at install time): an
    editable install run with PYTHONDONTWRITEBYTECODE set compiles every module it imports again at each start of
    ``kg-builder`` (21 modules, 0.155 -> 0.120 s of CPU for a one-row query on the 50k store), which no installed
    kg-builder pays. The bytecode goes to the package's ``__pycache__`` folders (not versioned)."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("kg_builder")
    if spec is not None and spec.origin:
        compileall.compile_dir(str(Path(spec.origin).parent), quiet=1)


def _size(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def _cell(value: float | None, timeout: float) -> str:
    return f">{timeout:.0f}" if value is None else f"{value:.3f}"


def report(results: dict[int, dict], sizes: list[int], paths: list[str], timeout: float) -> None:
    names = list(results[sizes[0]])
    head = " ".join(f"{f'{_size(n)} {p}':>13}" for n in sizes for p in paths)
    growth_head = " ".join(f"{'growth ' + p:>14}" for p in paths) if len(sizes) > 1 else ""
    project_head = " ".join(f"{'570k ' + p:>12}" for p in paths) if len(sizes) > 1 else ""
    print(f"\n{'named query (median s)':24} {head} {growth_head} {project_head}  rows")
    slowest: float | None = 0.0
    for name in names:
        cells, growth, projected = [], [], []
        for n in sizes:
            for p in paths:
                cells.append(f"{_cell(results[n][name][p][0], timeout):>13}")
        for p in paths if len(sizes) > 1 else ():
            low, high = results[sizes[0]][name][p][0], results[sizes[-1]][name][p][0]
            if low is None or high is None:
                growth.append(f"{'n/a':>14}")
                projected.append(f"{'n/a':>12}")
                continue
            ratio = high / low
            exponent = math.log(ratio) / math.log(sizes[-1] / sizes[0]) if ratio > 0 else 0.0
            growth.append(f"{ratio:13.1f}x")
            projected.append(f"{high * (REGISTRY / sizes[-1]) ** max(0.0, exponent):12.2f}")
        for p in paths:
            value = results[sizes[-1]][name][p][0]
            slowest = None if value is None or slowest is None else max(slowest, value)
        rows = results[sizes[-1]][name][paths[0]][1]
        print(f"{name:24} {' '.join(cells)} {' '.join(growth) if len(sizes) > 1 else ''} "
              f"{' '.join(projected) if len(sizes) > 1 else ''}  {rows}")
    if len(sizes) > 1:
        print(f"(growth: largest / smallest size; linear = {sizes[-1] / sizes[0]:.0f}x; 570k: projected by the "
              "measured growth exponent, at least flat)")
    print(f"\n{'named query (median CPU s)':26} {head}")
    for name in names:
        cells = [f"{_cell(results[n][name][p][2], timeout):>13}" for n in sizes for p in paths]
        print(f"{name:26} {' '.join(cells)}")
    print("(CPU: the endpoint's server and query workers; the CLI's whole process, start-up included)")
    print(f"slowest-named-query-{_size(sizes[-1])}: {_cell(slowest, timeout)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--studies", default="5000,20000,50000", help="comma-separated store sizes")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per query (after one warm-up)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds after which a query counts as timed out")
    parser.add_argument("--stores", metavar="DIR", help="keep (and reuse) the corpus and stores in DIR")
    parser.add_argument("--only", help="comma-separated query names")
    parser.add_argument("--no-cli", action="store_true")
    parser.add_argument("--no-endpoint", action="store_true")
    args = parser.parse_args()
    sizes = sorted({int(s) for s in args.studies.split(",") if s.strip()})
    queries = _named_queries(set(args.only.split(",")) if args.only else None)
    paths = [p for p, off in (("endpoint", args.no_endpoint), ("cli", args.no_cli)) if not off]
    if args.stores:
        Path(args.stores).mkdir(parents=True, exist_ok=True)
        run(Path(args.stores), sizes, queries, paths, args)
        return
    with tempfile.TemporaryDirectory(prefix="kg-bench-queries-") as work:
        run(Path(work), sizes, queries, paths, args)


def run(work: Path, sizes: list[int], queries: dict[str, list[str]], paths: list[str], args) -> None:
    from synthetic import write_jsonl

    corpus = work / f"corpus-{sizes[-1]}.jsonl"
    if not corpus.is_file():
        write_jsonl(corpus, sizes[-1])
    params = _params(corpus)
    print(f"stores of {', '.join(map(str, sizes))} registry-shaped studies; parameters {params}", flush=True)
    print(f"load average at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}", flush=True)
    if "cli" in paths:
        _bytecode()
    results = {}
    for n in sizes:
        store = _ensure_store(n, corpus, work)
        results[n] = measure(store, queries, params, args)
        done = {q: {p: _cell(v[p][0], args.timeout) for p in paths} for q, v in results[n].items()}
        print(f"  {n}: {done} (load average {os.getloadavg()[0]:.2f})", flush=True)
    report(results, sizes, paths, args.timeout)


if __name__ == "__main__":
    main()
