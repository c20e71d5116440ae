"""The build's SHACL check alone: CPU per study of two checkouts' engines on the same batches, same run.

    .venv/bin/python bench/shacl.py --input studies.jsonl [--studies 1000] [--baseline /work/main]
                                    [--rounds 3] [--work DIR]

Maps the first ``--studies`` records of a JSON Lines input with this checkout into N-Quads
batches of the build's size (``kg_builder.build._BATCH_STUDIES``), the bytes the build hands
its check process. Then checks every batch as that process does
(``StudyValidator.validate_serialized``, read as from its pipe) in a child process per checkout:
this one and, with ``--baseline``, another checkout (e.g. ``/work/main`` before a change). The
two children take the batches in turn, one batch each, so that load from other processes on
the machine falls on both alike; each round starts with a new validator (nothing decided yet).

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


def serve_checks(stdin, stdout, dump: str | None = None) -> None:
    """In a child: check each batch named on ``stdin`` as the build's check process does, answering its CPU
    seconds; ``reset`` starts a new validator (a new round: nothing decided before); at EOF, a results digest
    of the first round."""
    import gc

    from pyoxigraph import RdfFormat, parse

    from kg_builder.validation import worker
    from kg_builder.validation.engines import StudyValidator

    gc.set_threshold(50_000, 20, 100)  # as the check process does
    validator, results, rounds = None, [], 0
    for line in stdin:
        if line.strip() == "reset":
            validator, rounds = StudyValidator(), rounds + 1
            gc.freeze()
            print(json.dumps({"ready": True}), file=stdout, flush=True)
            continue
        batch = Path(line.strip()).read_bytes()
        started = time.process_time()
        if hasattr(worker, "_Payload"):  # as the check process does: parsed as it is read from its pipe
            found = validator.validate_serialized(worker._Payload(io.BytesIO(batch), len(batch)))
        elif hasattr(validator, "validate_serialized"):  # a checkout from before it
            found = validator.validate_serialized(batch)
        else:  # a checkout from before that
            found = validator.validate_batch(parse(batch, format=RdfFormat.N_QUADS))
        cpu = time.process_time() - started
        if rounds == 1:
            results += [r.comparable() for study in found.values() for r in study.results]
        print(json.dumps({"cpu": cpu}), file=stdout, flush=True)
    results.sort()
    if dump:
        Path(dump).write_bytes(pickle.dumps(results))
    print(json.dumps({"results": len(results), "engine": validator.engine if validator else None,
                      "digest": hashlib.sha256(pickle.dumps(results)).hexdigest(),
                      "components": _components(results)}), file=stdout, flush=True)


class _Checker:
    """A checkout's child process that checks the batches it is sent, one at a time."""

    def __init__(self, checkout: Path, dump: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(checkout), "KG_BENCH_SHACL_DUMP": str(dump),
               "KG_BENCH_SHACL_CHECKOUT": str(checkout)}
        self.checkout = checkout
        self.process = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--child"], env=env,
                                        cwd=checkout, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def ask(self, line: str) -> dict:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise SystemExit(f"check in {self.checkout} failed (exit {self.process.wait()})")
        return json.loads(answer)

    def finish(self) -> dict:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()
        summary = json.loads(self.process.stdout.readline())
        self.process.wait()
        return summary


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


def _spawn(checkout: Path, batches: list[Path], dump: Path, *, mode: str) -> dict:
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
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-rss", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _import_from(Path(os.environ["KG_BENCH_SHACL_CHECKOUT"]))
        serve_checks(sys.stdin, sys.stdout, os.environ.get("KG_BENCH_SHACL_DUMP"))
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
        checkers = {name: _Checker(checkout, work / f"results-{name}.pickle") for name, checkout in sides.items()}
        cpu = {name: [0.0] * args.rounds for name in sides}
        for number in range(args.rounds):
            for checker in checkers.values():
                checker.ask("reset")
            for i, batch in enumerate(batches):
                # batch by batch, each side first in turn: load from other processes falls on both alike
                for name in (list(sides) if (i + number) % 2 == 0 else list(sides)[::-1]):
                    cpu[name][number] += checkers[name].ask(str(batch))["cpu"]
        best = {name: {**checker.finish(), "cpu": min(cpu[name])} for name, checker in checkers.items()}
        print(f"{studies} studies in {len(batches)} batches; CPU per study, best of {args.rounds} rounds "
              f"(batches alternate between the sides):")
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
            total = {name: sum(rounds) for name, rounds in cpu.items()}
            print(f"shacl-speedup: {best['baseline']['cpu'] / best['this']['cpu']:.2f}x "
                  f"(all rounds: {total['baseline'] / total['this']:.2f}x)")


if __name__ == "__main__":
    main()
