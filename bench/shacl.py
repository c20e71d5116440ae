"""The build's SHACL check alone: CPU per study of two checkouts' engines on the same batches, same run.

    .venv/bin/python bench/shacl.py --input studies.jsonl [--studies 1000] [--baseline /work/main]
                                    [--rounds 3] [--work DIR]

Maps the first ``--studies`` records of a JSON Lines input with this checkout into N-Quads
batches of the build's size (``kg_builder.build._BATCH_STUDIES``), the bytes the build hands
its check process. Then checks every batch as that process does
(``StudyValidator.validate_batch(parse(batch))``) in a child process per checkout: this one
and, with ``--baseline``, another checkout (e.g. ``/work/main`` before a change). Rounds
alternate between the two so that load from other processes on the machine falls on both.

Prints the CPU per study of each (process time of the child, best of ``--rounds``), their
ratio, and the number of results; the run fails if the two checkouts' results differ. Then
sends the batches once through each checkout's real check process (the build's
``BackgroundValidator``, batches read from disk one at a time) and prints that process's peak
RSS, which the build's peak memory counts.
Records with results (``bench/synthetic.py --results-fraction 1``) and without
(``--results-fraction 0``) cost very differently: bench them as separate inputs.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import itertools
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def write_batches(input_path: str, studies: int, work: Path) -> list[Path]:
    """Map the input with this checkout into N-Quads batch files (as the build batches them)."""
    sys.path.insert(0, str(ROOT))
    from pyoxigraph import RdfFormat, serialize

    from kg_builder.build import _BATCH_STUDIES
    from kg_builder.iris import IriMinter
    from kg_builder.mapping.entities import EntityLedger
    from kg_builder.mapping.study import map_study
    from kg_builder.model import Study
    from kg_builder.settings import build_time
    from kg_builder.sources.ctgov_json import iter_records
    from kg_builder.sources.inputs import iter_documents

    parsed = (item for doc in iter_documents([input_path]) for item in iter_records(doc) if isinstance(item, Study))
    minter, stamp, paths, entities = IriMinter(), build_time(), [], EntityLedger()
    records = list(itertools.islice(parsed, studies))
    for number, start in enumerate(range(0, len(records), _BATCH_STUDIES)):
        # each study graph, then the shared things it names first (the entity graph), as the build batches
        quads = [q for study in records[start:start + _BATCH_STUDIES]
                 for q in map_study(study, minter, build_time=stamp, entities=entities)[1]]
        path = work / f"batch-{number:05d}.nq"
        path.write_bytes(serialize(quads, None, RdfFormat.N_QUADS))
        paths.append(path)
    (work / "studies").write_text(str(len(records)))
    return paths


def check(batches: list[str], dump: str | None = None) -> dict:
    """In a child: check every batch as the build's check process does; CPU seconds and a results digest."""
    import gc

    from pyoxigraph import RdfFormat, parse

    from kg_builder.validation import worker
    from kg_builder.validation.engines import StudyValidator

    gc.set_threshold(50_000, 20, 100)  # as the check process does
    validator = StudyValidator()
    gc.freeze()
    data = [Path(b).read_bytes() for b in batches]
    started = time.process_time()
    if hasattr(worker, "_Payload"):  # as the check process does: parsed as it is read from its pipe
        found = [validator.validate_serialized(worker._Payload(io.BytesIO(batch), len(batch))) for batch in data]
    elif hasattr(validator, "validate_serialized"):  # a checkout from before it
        found = [validator.validate_serialized(batch) for batch in data]
    else:  # a checkout from before it
        found = [validator.validate_batch(parse(batch, format=RdfFormat.N_QUADS)) for batch in data]
    cpu = time.process_time() - started
    results = sorted(r.comparable() for per_batch in found for study in per_batch.values() for r in study.results)
    if dump:
        Path(dump).write_bytes(pickle.dumps(results))
    return {"cpu": cpu, "results": len(results), "engine": validator.engine,
            "digest": hashlib.sha256(pickle.dumps(results)).hexdigest(),
            "components": _components(results)}


def worker_peak(batches: list[str]) -> dict:
    """In a child: the batches through the build's check process; that process's peak RSS (MiB)."""
    from kg_builder.validation.worker import BackgroundValidator

    validator = BackgroundValidator()
    try:
        for batch in batches:
            if validator.full:
                validator.oldest()
            validator.submit(Path(batch).read_bytes(), batch)
        while len(validator):
            validator.oldest()
        status = Path(f"/proc/{validator._process.pid}/status").read_text()
    finally:
        validator.close()
    peak = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    return {"peak_mib": int(peak) / 1024}


def _components(results: list[tuple]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for result in results:
        key = f"{result[2].rsplit('/', 1)[-1]} {result[3]}"
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def _import_from(checkout: Path) -> None:
    """Make ``import kg_builder`` load ``checkout``'s package, and check that it did (not the venv's
    editable install: the comparison would check one checkout twice)."""
    sys.path.insert(0, str(checkout))
    import kg_builder

    found = Path(kg_builder.__file__).resolve().parent.parent
    if found != checkout.resolve():
        raise SystemExit(f"kg_builder imported from {found}, not from {checkout}")


def _spawn(checkout: Path, batches: list[Path], dump: Path, *, mode: str = "--child") -> dict:
    env = {**os.environ, "PYTHONPATH": str(checkout), "KG_BENCH_SHACL_DUMP": str(dump),
           "KG_BENCH_SHACL_CHECKOUT": str(checkout)}
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), mode, *map(str, batches)],
                         env=env, cwd=checkout, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"check in {checkout} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", help="JSON Lines of API v2 studies (bench/synthetic.py writes them)")
    parser.add_argument("--studies", type=int, default=1000)
    parser.add_argument("--baseline", type=Path, help="another checkout whose engine to compare with")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--work", type=Path, help="keep the batches here (reused when present)")
    parser.add_argument("--child", nargs="*", help=argparse.SUPPRESS)
    parser.add_argument("--child-rss", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        _import_from(Path(os.environ["KG_BENCH_SHACL_CHECKOUT"]))
        print(json.dumps(check(args.child, os.environ.get("KG_BENCH_SHACL_DUMP"))))
        return
    if args.child_rss is not None:
        _import_from(Path(os.environ["KG_BENCH_SHACL_CHECKOUT"]))
        print(json.dumps(worker_peak(args.child_rss)))
        return
    if not args.input:
        parser.error("--input is required")
    with tempfile.TemporaryDirectory(prefix="kg-bench-shacl-") as scratch:
        work = args.work or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        batches = sorted(work.glob("batch-*.nq"))
        if not batches:
            batches = write_batches(args.input, args.studies, work)
        studies = int((work / "studies").read_text())
        sides = {"this": ROOT} | ({"baseline": args.baseline.resolve()} if args.baseline else {})
        best: dict[str, dict] = {}
        for _ in range(args.rounds):
            for name, checkout in sides.items():
                run = _spawn(checkout, batches, work / f"results-{name}.pickle")
                if name not in best or run["cpu"] < best[name]["cpu"]:
                    best[name] = run
        print(f"{studies} studies in {len(batches)} batches; CPU per study, best of {args.rounds}:")
        for name, run in best.items():
            print(f"  {name:9} {1000 * run['cpu'] / studies:8.2f} ms  ({run['engine']}, {run['results']} results)")
        if "baseline" in best:
            if best["this"]["digest"] != best["baseline"]["digest"]:
                ours, theirs = ({*pickle.loads((work / f"results-{n}.pickle").read_bytes())}
                                for n in ("this", "baseline"))
                for label, only in (("only this", ours - theirs), ("only baseline", theirs - ours)):
                    for result in sorted(only)[:5]:
                        print(f"  {label}: {result}")
                raise SystemExit("the two checkouts' results differ")
            print("identical results: yes")
        peaks = {name: _spawn(checkout, batches, work / "unused", mode="--child-rss")["peak_mib"]
                 for name, checkout in sides.items()}
        print("peak RSS of the check process: " + ", ".join(f"{n} {mib:.0f} MiB" for n, mib in peaks.items()))
        if "baseline" in best:
            print(f"shacl-speedup: {best['baseline']['cpu'] / best['this']['cpu']:.2f}x")


if __name__ == "__main__":
    main()
