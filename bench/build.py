"""Benchmark: our build pipeline against a naive rdflib ``Graph.add`` mapper, same run.

    python bench/build.py [--studies 5000] [--naive-studies 1000] [--keep DIR]

Writes N deterministic synthetic API-v2 studies as JSON Lines, then runs, each in
its own child process (so peak memory is each side's own):

* ours: ``kg_builder.pipeline.build`` (parse → map with enrichment and links → SHACL
  check of each batch → on-disk Oxigraph store), and the same with ``validate=False``;
* naive, same content: the same parsed studies, the same triples as ours (see
  ``bench/naive_rdflib.py``), one rdflib ``Graph.add`` per triple, into rdflib's
  in-memory Dataset (persists nothing) or into oxrdflib's on-disk Oxigraph store (the
  same database ours writes, reached through rdflib's per-triple API);
* naive, core fields: a hand-written rdflib mapper of the core fields only (about half
  the triples, no enrichment), in memory and on disk, for reference.

Prints studies/s, triples/s and peak RSS for each, our ratio over each baseline, and
ends with ``speedup: <ratio>x`` = ours over the naive mapper of the same content on
disk, in studies/s: the like-for-like comparison (same triples in, the same persisted,
queryable Oxigraph store out).
"""

from __future__ import annotations

import argparse
import json
import resource
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
    from kg_builder.pipeline import build

    started = time.perf_counter()
    report = build([input_path], store, fresh=True, validate=validate)
    seconds = time.perf_counter() - started
    return {"studies": report.built, "triples": report.triples, "seconds": seconds}


def run_naive(input_path: str, limit: int, content: str, persist: str, store: str) -> dict:
    from naive_rdflib import map_naive, map_naive_same, open_dataset

    from kg_builder.iris import IriMinter
    from kg_builder.model import Study
    from kg_builder.settings import build_time
    from kg_builder.sources.ctgov_json import iter_records
    from kg_builder.sources.inputs import iter_documents

    minter = IriMinter()
    stamp = build_time()
    started = time.perf_counter()
    dataset = open_dataset(persist, store)
    built = triples = 0
    for doc in iter_documents([input_path]):
        for item in iter_records(doc):
            if built >= limit:
                break
            if isinstance(item, Study):
                if content == "same":
                    triples += map_naive_same(item, dataset, minter, stamp)
                else:
                    map_naive(item, dataset, minter)
                built += 1
    if persist == "oxigraph":
        dataset.close()
    seconds = time.perf_counter() - started
    if content == "core":
        triples = len(dataset) if persist == "memory" else None
    return {"studies": built, "triples": triples, "seconds": seconds}


def _child(args: argparse.Namespace) -> None:
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
    parser.add_argument("--naive-studies", type=int, default=1000,
                        help="studies for the naive mappers (slower; rates are per study)")
    parser.add_argument("--keep", metavar="DIR", help="keep the input and stores in DIR")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--input", help=argparse.SUPPRESS)
    parser.add_argument("--store", help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args)
        return

    from synthetic import write_jsonl

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="kg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    input_path = write_jsonl(work / "studies.jsonl", args.studies)
    naive_n = min(args.naive_studies, args.studies)
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
    print(f"speedup: {rate(ours) / rate(same_disk):.1f}x")


if __name__ == "__main__":
    main()
