"""Benchmark: the build against the store's own bulk loader, same data, same run.

    python bench/build.py [--studies 20000[,50000,…]] [--no-validate] [--results-fraction F]
                          [--naive] [--stages] [--floor] [--no-load] [--keep DIR] [--corpus JSONL]

For each size N (ascending) writes the first N studies of the registry-shaped corpus
(``bench/synthetic.py``) as JSON Lines, then, each in its own child process:

* **build**: ``kg_builder`` parse → map → SHACL check of each batch (unless
  ``--no-validate``) → on-disk Oxigraph store, wall clock, studies/s overall and in the
  first and last tenth of the input (a build whose cost per study grows with the store
  slows down in its last tenth), and peak RSS of the build plus its validation child;
* **export** the built store as N-Quads (``kg-builder export --format nquads``);
* **load**: ``oxigraph load`` (the ``oxigraph`` package's CLI) of that export into an
  empty store: the store's own speed on exactly the same quads.

Prints a table and ends with ``ingest-ratio: <build wall / load wall>`` for the largest
size; with several sizes also the ratio of studies/s at the largest over the smallest. Each
build's and load's CPU seconds (user + system, every thread and child process) are reported
too, and the line ``cpu-floor`` gives the least ratio this machine's cores allow: a build
that needs C seconds of CPU cannot end before C / cores, nor before the load of its quads.
The lines ``cpu-by-thread`` say where each build's CPU went (``bench/threads.py``): per thread
group (``main``: parse, map, N-Quads; ``kg-store-writer``: drops, statistics, the pipe;
``kg-store-loader``: Oxigraph's parse of the loads, ``(native)`` its workers that sort and write
each load's files; ``rocksdb:low``: RocksDB's background compactions, and the final optimise),
overall and per phase (``map`` until the last study is mapped, ``close`` until the optimise,
``optimize``, ``end``), and ``oxigraph load``'s own threads for comparison.
The machine's other load moves both numbers alike: compare ratios from one run.

``--naive`` adds, on the smallest size, the naive rdflib ``Graph.add`` baselines of
``bench/naive_rdflib.py`` (same content in memory and on disk through oxrdflib, and a
core-fields mapper) and ends that part with ``speedup: <ours / naive same content on disk>``;
``--floor`` adds, for each size, the build with a store writer that keeps nothing (parse,
map, N-Quads, the check): its wall and its ratio over the load's (``floor/load``), the
least ``ingest`` any way of storing the batches could reach;
``--no-load`` times the builds only (no export, no ``oxigraph load``, no ``ingest-ratio``):
studies/s per size and their ratio, peak RSS, on a disk that cannot hold a store, its
export and the load's store at once;
``--stages`` adds each build stage's CPU time run alone (parse, map, N-Quads, SHACL check,
bulk load with the final optimise) and the most studies/s this machine's cores allow.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _peak_rss_mib() -> float:
    """This process's peak RSS plus its largest child's (the build's validation process): both run at once."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + child) / 1024


def run_ours(input_path: str, store: str, validate: bool = True) -> dict:
    """Build ``input_path`` into a fresh store; wall clock overall and at each tenth of the input, and CPU
    seconds per thread group (:mod:`threads`) in each phase: mapping, the rest of the close, ``optimize``."""
    from threads import ThreadCpu, difference, process_cpu

    from kg_builder.build import build
    from kg_builder.store import generations

    with open(input_path, "rb") as handle:
        total = sum(1 for _ in handle)
    marks: list[float] = []
    step = max(1, total // 10)
    sampler = ThreadCpu()
    readings: dict[str, dict[str, float]] = {"start": sampler.groups()}

    def progress(report) -> None:
        if report.built and report.built % step == 0 and len(marks) < report.built // step:
            marks.append(time.perf_counter())
        if "mapped" not in readings and report.read + report.duplicates >= total:
            readings["mapped"] = sampler.groups()

    optimize = generations._optimize

    def timed_optimize(store) -> None:  # the seam tests/test_store_compaction.py spies on too
        readings["closing"] = sampler.groups()
        optimize(store)
        readings["optimized"] = sampler.groups()

    generations._optimize = timed_optimize
    started = time.perf_counter()
    cpu_started = process_cpu()
    try:
        report = build([input_path], store, fresh=True, validate=validate, progress=progress)
    finally:
        generations._optimize = optimize
    seconds = time.perf_counter() - started
    sampler.stop()
    readings["end"] = sampler.groups()
    times = [started, *marks[:10]]  # when each tenth of the input was mapped; then the store is finished
    first = step / (times[1] - times[0]) if len(times) > 2 else None
    last = step / (times[-1] - times[-2]) if len(times) > 2 else None
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    phases, previous = {}, readings["start"]
    for phase, mark in (("map", "mapped"), ("close", "closing"), ("optimize", "optimized"), ("end", "end")):
        if mark in readings:
            phases[phase] = difference(readings[mark], previous)
            previous = readings[mark]
    return {"studies": report.built, "triples": report.triples, "seconds": seconds,
            "first_tenth_rate": first, "last_tenth_rate": last, "finish_seconds": started + seconds - times[-1],
            "process_cpu": process_cpu() - cpu_started, "validation_cpu": usage.ru_utime + usage.ru_stime,
            "threads": difference(readings["end"], readings["start"]), "phases": phases}


def _child(args: argparse.Namespace) -> None:
    from build_baselines import run_floor, run_naive, run_stages

    if args.child in ("floor", "floor-novalidate"):
        result = run_floor(args.input, validate=args.child == "floor")
    elif args.child == "stages":
        result = run_stages(args.input, args.limit, args.store)
    elif args.child in ("ours", "ours-novalidate"):
        result = run_ours(args.input, args.store, validate=args.child == "ours")
    else:
        _, content, persist = args.child.split("-")
        result = run_naive(args.input, args.limit, content, persist, args.store)
    result["peak_rss_mib"] = _peak_rss_mib()
    print(json.dumps(result))


def _children_cpu() -> float:
    """User + system CPU seconds of every child this process has waited for (and of their waited-for children)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _spawn(kind: str, input_path: Path, store: Path, limit: int) -> dict:
    """Run one measurement in a child process; its JSON result, with ``cpu_seconds``: the CPU the child and
    its own children (the build's validation process, the loader's threads) used."""
    command = [sys.executable, __file__, "--child", kind, "--input", str(input_path),
               "--store", str(store), "--limit", str(limit)]
    cpu = _children_cpu()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{kind} failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["cpu_seconds"] = _children_cpu() - cpu
    return result


def _timed_command(command: list[str]) -> tuple[float, float, float, dict[str, float]]:
    """Run ``command``; (wall seconds, its peak RSS in MiB, its CPU seconds: user + system, all threads, and
    those CPU seconds by thread group, see :mod:`threads`)."""
    from threads import ThreadCpu

    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sampler = ThreadCpu(pid=process.pid)
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    sampler.stop()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{command[0]} failed: {process.stderr.read().decode(errors='replace')[-2000:]}")
    process.stderr.close()
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, usage.ru_maxrss / 1024, cpu, sampler.groups(total=cpu)


def _cores() -> int:
    """The cores this process may run on (what the build's threads and processes share)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _tool(name: str) -> str:
    found = Path(sys.executable).parent / name
    return str(found) if found.exists() else (shutil.which(name) or sys.exit(f"{name} not found on PATH"))


def measure_size(n: int, corpus: Path, work: Path, validate: bool, floor: bool = False, load: bool = True) -> dict:
    """Build the first ``n`` studies, export the store as N-Quads, load the export with ``oxigraph load``."""
    input_path = work / f"studies-{n}.jsonl"
    with open(corpus, "rb") as source, open(input_path, "wb") as out:
        for _ in range(n):
            out.write(source.readline())
    store = work / f"store-{n}"
    result = _spawn("ours" if validate else "ours-novalidate", input_path, store, n)
    if not load:
        shutil.rmtree(store, ignore_errors=True)
        input_path.unlink()
        return result
    export = work / f"export-{n}.nq"
    result["export_seconds"], *_ = _timed_command([_tool("kg-builder"), "export", "--store", str(store),
                                                  "--format", "nquads", "-o", str(export)])
    shutil.rmtree(store, ignore_errors=True)  # disk: the store, its export and the load's store are GBs each
    with open(export, "rb") as handle:
        result["export_quads"] = sum(1 for _ in handle)
    loaded = work / f"oxigraph-load-{n}"
    (result["load_seconds"], result["load_peak_mib"], result["load_cpu_seconds"],
     result["load_threads"]) = _timed_command(
        [_tool("oxigraph"), "load", "--location", str(loaded), "--file", str(export)])
    result["input_mib"] = input_path.stat().st_size / 2**20
    if floor:
        result["floor_seconds"] = _spawn("floor" if validate else "floor-novalidate", input_path, store, n)["seconds"]
    for path in (loaded, store):
        shutil.rmtree(path, ignore_errors=True)
    export.unlink()
    input_path.unlink()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--studies", default="20000",
                        help="studies per build; a comma-separated list runs each size (e.g. 5000,50000)")
    parser.add_argument("--no-validate", action="store_true", help="build without the SHACL check")
    parser.add_argument("--results-fraction", type=float, default=None,
                        help="share of studies with a resultsSection (default: the corpus's, ~0.14)")
    parser.add_argument("--naive", action="store_true", help="also the naive rdflib baselines (smallest size)")
    parser.add_argument("--stages", action="store_true", help="also each stage's CPU cost (smallest size)")
    parser.add_argument("--floor", action="store_true", help="also the build without a store, for each size")
    parser.add_argument("--no-load", action="store_true",
                        help="builds only: studies/s and peak RSS per size, no export, load or ingest-ratio")
    parser.add_argument("--keep", metavar="DIR", help="keep the corpus in DIR (stores are always removed)")
    parser.add_argument("--corpus", metavar="JSONL",
                        help="read the studies from this JSON Lines file (its first N lines for size N; e.g. a "
                             "corpus an earlier run kept) instead of generating them")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--input", help=argparse.SUPPRESS)
    parser.add_argument("--store", help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args)
        return
    if args.keep:
        Path(args.keep).mkdir(parents=True, exist_ok=True)
        compare(args, Path(args.keep))
        return
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as work:  # stores of GBs: never left behind
        compare(args, Path(work))


def compare(args: argparse.Namespace, work: Path) -> None:
    """Every run of the module docstring, in ``work``; prints the table and the ratios."""
    from synthetic import RESULTS_FRACTION, write_jsonl

    sizes = sorted({int(s) for s in str(args.studies).split(",") if s.strip()})
    fraction = RESULTS_FRACTION if args.results_fraction is None else args.results_fraction
    if args.corpus:
        corpus = Path(args.corpus)
        with open(corpus, "rb") as handle:
            available = sum(1 for _ in handle)
        if available < sizes[-1]:
            sys.exit(f"{corpus} holds {available} studies, fewer than {sizes[-1]}")
    else:
        corpus = write_jsonl(work / "corpus.jsonl", sizes[-1], results_fraction=fraction)
    check = "without the SHACL check (--no-validate)" if args.no_validate else "with the SHACL check"
    made = f"from {corpus}" if args.corpus else f"{fraction:.0%} with results"
    print(f"corpus: {sizes[-1]} registry-shaped studies, {made} "
          f"({corpus.stat().st_size / 2**20:.0f} MiB JSON Lines); builds {check}", flush=True)
    header = (f"{'studies':>8} {'build s':>8} {'studies/s':>9} {'1st 10%':>8} {'last 10%':>8} {'finish':>6} "
              f"{'quads':>10} "
              f"{'load s':>7} {'ingest':>7} {'build CPU':>9} {'load CPU':>8} {'CPU floor':>9} {'build MiB':>9} "
              f"{'load MiB':>8}"
              + (f" {'floor s':>7} {'floor/load':>10}" if args.floor else ""))
    rows = {}
    threads_lines: list[tuple[int, dict]] = []
    for n in sizes:
        r = rows[n] = measure_size(n, corpus, work, validate=not args.no_validate, floor=args.floor,
                                   load=not args.no_load)
        if args.no_load:
            print(f"{n:8d} studies: {r['seconds']:8.1f} s, {r['studies'] / r['seconds']:7.1f} studies/s "
                  f"(first tenth {r['first_tenth_rate'] or 0:.1f}, last tenth {r['last_tenth_rate'] or 0:.1f}, "
                  f"finish {r['finish_seconds']:.1f} s), {r['triples']} quads, {r['cpu_seconds']:.1f} s CPU, "
                  f"peak RSS {r['peak_rss_mib']:.0f} MiB", flush=True)
            _print_threads(n, r)
            continue
        r["floor_ratio"] = _cpu_floor(r) / r["load_seconds"]
        if n == sizes[0]:
            print(header)
        print(f"{n:8d} {r['seconds']:8.1f} {r['studies'] / r['seconds']:9.1f} {r['first_tenth_rate'] or 0:8.1f} "
              f"{r['last_tenth_rate'] or 0:8.1f} {r['finish_seconds']:6.1f} {r['export_quads']:10d} "
              f"{r['load_seconds']:7.1f} "
              f"{r['seconds'] / r['load_seconds']:7.2f} {r['cpu_seconds']:9.1f} {r['load_cpu_seconds']:8.1f} "
              f"{r['floor_ratio']:9.2f} {r['peak_rss_mib']:9.0f} {r['load_peak_mib']:8.0f}"
              + (f" {r['floor_seconds']:7.1f} {r['floor_seconds'] / r['load_seconds']:10.2f}" if args.floor else ""),
              flush=True)
        threads_lines.append((n, r))
    for n, r in threads_lines:
        _print_threads(n, r)
    small, large = rows[sizes[0]], rows[sizes[-1]]
    print("(studies/s: the whole build; 1st/last 10%: studies/s while the first and the last tenth of the input "
          "were mapped; finish: seconds after the last study was mapped (the last batches' check and load, flush, "
          "optimise); quads: the export's lines; ingest: build wall / oxigraph load wall; CPU: user + system seconds, "
          "all threads, the build's including its validation child; CPU floor: the least ingest-ratio this machine's "
          f"{_cores()} cores allow the build, max(load wall, build CPU / cores) / load wall; MiB: peak RSS, the "
          "build's including its validation child; floor s: the build with a writer that stores nothing)")
    if len(sizes) > 1:
        ratio = (large["studies"] / large["seconds"]) / (small["studies"] / small["seconds"])
        print(f"studies/s at {sizes[-1]} / at {sizes[0]}: {ratio:.2f}")
    if args.no_load:
        return
    if args.naive or args.stages:
        _baselines(args, work, corpus, sizes[0], small)
    print(f"cpu-floor: the build at {sizes[-1]} used {large['cpu_seconds']:.1f} s of CPU ({_cores()} cores: at "
          f"least {_cpu_floor(large):.1f} s of wall), oxigraph load {large['load_cpu_seconds']:.1f} s in "
          f"{large['load_seconds']:.1f} s: the least ingest-ratio reachable here is {large['floor_ratio']:.2f}")
    print(f"ingest-ratio: {large['seconds'] / large['load_seconds']:.2f}")


def _print_threads(n: int, result: dict) -> None:
    """The build's CPU seconds by thread group, overall and per phase (see ``run_ours``)."""

    def line(groups: dict[str, float]) -> str:
        return ", ".join(f"{group} {cpu:.1f}" for group, cpu in sorted(groups.items(), key=lambda g: -g[1]))

    threads = dict(result["threads"])
    if result.get("validation_cpu"):
        threads["validation child"] = result["validation_cpu"]
    print(f"cpu-by-thread at {n}: {line(threads)} (process {result['process_cpu']:.1f} s + validation child "
          f"{result.get('validation_cpu', 0):.1f} s)")
    for phase, groups in result.get("phases", {}).items():
        print(f"  {phase:>8}: {sum(groups.values()):6.1f} s CPU: {line(groups)}")
    if "load_threads" in result:
        print(f"  oxigraph load: {result['load_cpu_seconds']:.1f} s CPU: {line(result['load_threads'])}")


def _cpu_floor(result: dict) -> float:
    """The least wall a build that used ``cpu_seconds`` can take on this machine's cores; never under the
    store's own load of the same quads (the build ends with that work)."""
    return max(result["load_seconds"], result["cpu_seconds"] / _cores())


def _baselines(args: argparse.Namespace, work: Path, corpus: Path, n: int, ours: dict) -> None:
    from build_baselines import print_naive, print_stages

    input_path = work / f"baseline-{n}.jsonl"
    with open(corpus, "rb") as source, open(input_path, "wb") as out:
        for _ in range(n):
            out.write(source.readline())

    def spawn(kind: str, name: str, limit: int) -> dict:
        store = work / kind
        try:
            return _spawn(kind, input_path, store, limit)
        finally:
            shutil.rmtree(store, ignore_errors=True)

    if args.naive:
        print_naive(ours, spawn, n)
    if args.stages:
        print_stages(spawn("stages", "stages", n), ours["studies"] / ours["seconds"])


if __name__ == "__main__":
    main()
