"""Validation throughput: whole-store pyshacl vs per-study pyshacl vs shapes compiled to SPARQL.

    .venv/bin/python bench/validate.py --counts 1000 10000

For each count, builds a store of synthetic studies (``bench/synthetic.py``), then
times, in the same run:

* ``sparql``         compiled shapes on Oxigraph, whole store (``kg-builder validate`` default)
* ``pyshacl``        pyshacl per study graph (+ vocabulary), one process and ``--workers``
* ``pyshacl-store``  pyshacl on the union of all graphs at once
* ``build-batch``    the build path: ``StudyValidator.validate_batch`` on batches of 500 studies
* ``build-single``   the build path one study at a time (``validate_study_quads``)

pyshacl is slow, so above ``--pyshacl-sample`` studies the per-study engine runs on an
evenly spread sample (its cost per study does not depend on the store's size) and the
whole-store engine is skipped above ``--whole-store-max``. The SPARQL engine's results
must equal pyshacl's on every study pyshacl validated, or the run fails.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import write_jsonl

from kg_builder.build import build
from kg_builder.store.generations import current_generation, open_read_only
from kg_builder.store.vocabulary import VOCABULARY_GRAPH
from kg_builder.validation.engines import (
    StudyValidator,
    _pyshacl_studies,
    load_shapes,
    study_graphs,
    validate,
    validate_study_quads,
)


def _rate(studies: int, seconds: float) -> dict:
    return {"studies": studies, "seconds": round(seconds, 2), "studies_per_s": round(studies / seconds, 1)}


def bench_count(count: int, workdir: Path, args: argparse.Namespace) -> dict:
    source = write_jsonl(workdir / f"synthetic-{count}.jsonl", count)
    store_dir = workdir / f"store-{count}"
    build([source], store_dir, fresh=True)
    store = open_read_only(store_dir)
    graphs = study_graphs(store)
    shapes = load_shapes()
    out: dict = {"count": len(graphs), "quads": len(store)}

    report = validate(store, engine="sparql")
    out["sparql"] = _rate(len(graphs), report.seconds)
    sparql_by_graph = {(r.graph, r.comparable()) for r in report.results}

    step = max(1, len(graphs) // args.pyshacl_sample)
    sample = graphs[::step]
    started = time.perf_counter()
    reference = _pyshacl_studies(store, sample, shapes)
    out["pyshacl"] = _rate(len(sample), time.perf_counter() - started)
    sampled = {g.value for g in sample}
    expected = {(r.graph, r.comparable()) for r in reference}
    got = {item for item in sparql_by_graph if item[0] in sampled}
    out["identical_to_pyshacl"] = expected == got
    if expected != got:
        raise SystemExit(f"SPARQL and pyshacl differ on {len(expected ^ got)} results")

    if args.workers > 1 and len(sample) == len(graphs):
        parallel = validate(store, engine="pyshacl", workers=args.workers, generation=current_generation(store_dir))
        out[f"pyshacl-{args.workers}-workers"] = _rate(len(graphs), parallel.seconds)

    if len(graphs) <= args.whole_store_max:
        whole = validate(store, engine="pyshacl-store")
        out["pyshacl-store"] = _rate(len(graphs), whole.seconds)
        out["pyshacl-store-results"] = len(whole.results)
    else:
        out["pyshacl-store"] = f"skipped above {args.whole_store_max} studies"

    quads = {g.value: list(store.quads_for_pattern(None, None, None, g)) for g in graphs}
    validator = StudyValidator()
    started = time.perf_counter()
    names = list(quads)
    batch_results = 0
    for i in range(0, len(names), 500):
        batch = [q for name in names[i:i + 500] for q in quads[name]]
        batch_results += sum(len(v.results) for v in validator.validate_batch(batch).values())
    out["build-batch"] = _rate(len(names), time.perf_counter() - started)
    out["build-batch-equal"] = batch_results == len(report.results)
    single = names[: min(len(names), 300)]
    started = time.perf_counter()
    for name in single:
        validate_study_quads(quads[name], validator=validator)
    out["build-single"] = _rate(len(single), time.perf_counter() - started)
    out["generation"] = str(current_generation(store_dir))
    del store
    assert VOCABULARY_GRAPH  # the vocabulary graph is part of every study's data graph
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--counts", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--pyshacl-sample", type=int, default=1000, help="most studies pyshacl validates per count")
    parser.add_argument("--whole-store-max", type=int, default=10000, help="skip whole-store pyshacl above this")
    parser.add_argument("--workers", type=int, default=min(4, os.cpu_count() or 1))
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--workdir", metavar="DIR", help="keep inputs and stores here (default: a temp dir)")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="kg-bench-validate-") as tmp:
        workdir = Path(args.workdir or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for count in args.counts:
            result = bench_count(count, workdir, args)
            results.append(result)
            print(json.dumps(result), flush=True)
    print(f"\n{'studies':>8} {'engine':<22} {'studies/s':>10} {'seconds':>9}")
    for result in results:
        for key, value in result.items():
            if isinstance(value, dict):
                print(f"{result['count']:>8} {key:<22} {value['studies_per_s']:>10} {value['seconds']:>9}"
                      + (f"  (on {value['studies']})" if value["studies"] != result["count"] else ""))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
