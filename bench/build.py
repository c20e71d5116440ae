"""Benchmark: our build pipeline against a naive rdflib ``Graph.add`` mapper, same run.

    python bench/build.py [--studies 5000] [--naive-studies N] [--stage-studies N] [--keep DIR]

Writes N deterministic synthetic API-v2 studies as JSON Lines, then runs, each in
its own child process (so peak memory is each side's own) and on all N studies unless
told otherwise:

* ours: ``kg_builder.build.build`` (parse → map with enrichment and links → SHACL
  check of each batch → on-disk Oxigraph store), and the same with ``validate=False``;
* naive, same content: the same parsed studies, the same triples as ours (see
  ``bench/naive_rdflib.py``), one rdflib ``Graph.add`` per triple, into rdflib's
  in-memory Dataset (persists nothing) or into oxrdflib's on-disk Oxigraph store (the
  same database ours writes, reached through rdflib's per-triple API);
* naive, core fields: a hand-written rdflib mapper of the core fields only (about half
  the triples, no enrichment), in memory and on disk, for reference.

Then the CPU time of each stage of our build run alone on the same studies (parse, map,
N-Quads serialisation, the SHACL check as its child process does it, the on-disk bulk
load with the final optimise; process CPU time, so the loader's own threads count): their
sum is the CPU one study costs, and this machine's cores divided by it is the most
studies/s any scheduling of those stages could reach here ("bound").

Prints studies/s, triples/s and peak RSS for each, our ratio over each baseline, the
stage costs and the bound, and ends with ``speedup: <ratio>x`` = ours over the naive
mapper of the same content on disk, in studies/s: the like-for-like comparison (same
triples in, the same persisted, queryable Oxigraph store out).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kg_builder.model import Study

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _peak_rss_mib() -> float:
    """This process's peak RSS plus its largest child's (the build's validation process): both run at once."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + child) / 1024


def run_ours(input_path: str, store: str, validate: bool = True) -> dict:
    from kg_builder.build import build

    started = time.perf_counter()
    report = build([input_path], store, fresh=True, validate=validate)
    seconds = time.perf_counter() - started
    return {"studies": report.built, "triples": report.triples, "seconds": seconds}


def _studies(input_path: str, limit: int) -> Iterator[Study]:
    """The first ``limit`` studies of the JSON Lines input, parsed as our pipeline parses them."""
    from kg_builder.model import Study
    from kg_builder.sources.ctgov_json import iter_records
    from kg_builder.sources.inputs import iter_documents

    studies = (item for doc in iter_documents([input_path]) for item in iter_records(doc) if isinstance(item, Study))
    return itertools.islice(studies, limit)


def run_naive(input_path: str, limit: int, content: str, persist: str, store: str) -> dict:
    from naive_rdflib import map_naive, map_naive_same, open_dataset

    from kg_builder.iris import IriMinter
    from kg_builder.settings import build_time

    minter = IriMinter()
    stamp = build_time()
    started = time.perf_counter()
    dataset = open_dataset(persist, store)
    built = triples = 0
    for study in _studies(input_path, limit):
        if content == "same":
            triples += map_naive_same(study, dataset, minter, stamp)
        else:
            map_naive(study, dataset, minter)
        built += 1
    if persist == "oxigraph":
        dataset.close()
    seconds = time.perf_counter() - started
    if content == "core":
        triples = len(dataset) if persist == "memory" else None
    return {"studies": built, "triples": triples, "seconds": seconds}


def run_stages(input_path: str, limit: int, store: str) -> dict:
    """CPU seconds per study of each build stage run alone, over the first ``limit`` studies."""
    import gc

    from pyoxigraph import RdfFormat, Store, parse, serialize

    from kg_builder.build import _BATCH_STUDIES
    from kg_builder.iris import IriMinter
    from kg_builder.mapping.study import map_study
    from kg_builder.settings import build_time
    from kg_builder.validation.engines import StudyValidator

    gc.set_threshold(50_000, 20, 100)  # as the build and its check process do
    minter, stamp, cpu = IriMinter(), build_time(), {}
    validator = StudyValidator()

    def timed(name: str, work):
        started = time.process_time()
        result = work()
        cpu[name] = time.process_time() - started
        return result

    studies = timed("parse", lambda: list(_studies(input_path, limit)))
    quads = timed("map", lambda: [map_study(s, minter, build_time=stamp)[1] for s in studies])
    batches = timed("serialise", lambda: [
        serialize([q for one in quads[i:i + _BATCH_STUDIES] for q in one], None, RdfFormat.N_QUADS)
        for i in range(0, len(quads), _BATCH_STUDIES)])
    timed("SHACL check", lambda: [validator.validate_batch(parse(b, format=RdfFormat.N_QUADS)) for b in batches])

    def load() -> None:
        database = Store(store)
        for batch in batches:
            database.bulk_load(batch, RdfFormat.N_QUADS)
        database.flush()
        database.optimize()

    timed("store (bulk load, optimise)", load)
    return {"studies": len(studies), "cpu": cpu}


def _child(args: argparse.Namespace) -> None:
    if args.child == "stages":
        print(json.dumps(run_stages(args.input, args.limit, args.store)))
        return
    if args.child in ("ours", "ours-novalidate"):
        result = run_ours(args.input, args.store, validate=args.child == "ours")
    else:
        _, content, persist = args.child.split("-")
        result = run_naive(args.input, args.limit, content, persist, args.store)
    result["peak_rss_mib"] = _peak_rss_mib()
    print(json.dumps(result))


def _spawn(kind: str, input_path: Path, store: Path, limit: int) -> dict:
    command = [sys.executable, __file__, "--child", kind, "--input", str(input_path),
               "--store", str(store), "--limit", str(limit)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{kind} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--studies", type=int, default=5000, help="synthetic studies for our pipeline")
    parser.add_argument("--naive-studies", type=int, default=None,
                        help="studies for the naive mappers (default: --studies; fewer run faster but flatter "
                             "them: every store gets slower per study as it grows)")
    parser.add_argument("--stage-studies", type=int, default=None,
                        help="studies for the per-stage CPU costs (default: --studies, as the store's cost per "
                             "study grows with its size; 0 leaves them out)")
    parser.add_argument("--keep", metavar="DIR", help="keep the input and stores in DIR")
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
    """Every run of the module docstring, in ``work``; prints the table, the stages and the speedup."""
    from synthetic import write_jsonl

    input_path = write_jsonl(work / "studies.jsonl", args.studies)
    naive_n = args.studies if args.naive_studies is None else min(args.naive_studies, args.studies)
    print(f"input: {args.studies} synthetic studies ({input_path.stat().st_size / 2**20:.1f} MiB JSON Lines)")
    ours = "ours (pyoxigraph, on-disk store)"
    same_disk = "naive, same content (on-disk oxrdflib)"
    results = {
        ours: _spawn("ours", input_path, work / "ours", args.studies),
        "ours without build-time SHACL (--no-validate)": _spawn("ours-novalidate", input_path, work / "ours-nv",
                                                                args.studies),
        "naive, same content (memory)": _spawn("naive-same-memory", input_path, work / "same-mem", naive_n),
        same_disk: _spawn("naive-same-oxigraph", input_path, work / "same-disk", naive_n),
        "naive, core fields (memory)": _spawn("naive-core-memory", input_path, work / "core-mem", naive_n),
        "naive, core fields (on-disk oxrdflib)": _spawn("naive-core-oxigraph", input_path, work / "core-disk",
                                                        naive_n),
    }
    print(f"{'pipeline':47} {'studies':>8} {'seconds':>8} {'studies/s':>10} {'triples/s':>10} {'peak MiB':>9}")
    for name, r in results.items():
        rate = r["studies"] / r["seconds"]
        triples = f"{r['triples'] / r['seconds']:10.0f}" if r["triples"] else f"{'n/a':>10}"
        print(f"{name:47} {r['studies']:8d} {r['seconds']:8.2f} {rate:10.1f} {triples} {r['peak_rss_mib']:9.0f}")

    def rate(key: str) -> float:
        return results[key]["studies"] / results[key]["seconds"]

    for name in results:
        if name.startswith("naive"):
            print(f"ours over {name}: {rate(ours) / rate(name):.1f}x")
    stage_studies = args.studies if args.stage_studies is None else min(args.stage_studies, args.studies)
    if stage_studies > 0:
        stages = _spawn("stages", input_path, work / "stages", stage_studies)
        per_study = {name: seconds / stages["studies"] for name, seconds in stages["cpu"].items()}
        total = sum(per_study.values())
        cores = os.cpu_count() or 1
        print(f"\nCPU per study of each stage run alone ({stages['studies']} studies):")
        for name, seconds in per_study.items():
            print(f"  {name:30} {seconds * 1000:6.2f} ms")
        print(f"  {'total':30} {total * 1000:6.2f} ms")
        without_check = total - per_study["SHACL check"]
        for label, cost in (("with the SHACL check", total), ("without it (--no-validate)", without_check)):
            bound = cores / cost
            print(f"bound on {cores} cores, {label}: {bound:.0f} studies/s = "
                  f"{bound / rate(same_disk):.1f}x the naive same-content on-disk rate")
    print(f"speedup: {rate(ours) / rate(same_disk):.1f}x")


if __name__ == "__main__":
    main()
