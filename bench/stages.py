"""The build's map side alone: CPU per study of parse, map and serialise, two checkouts in the same run.

    .venv/bin/python bench/stages.py --input studies.jsonl [--studies 3000] [--baseline DIR] [--rounds 3]
    .venv/bin/python bench/stages.py --identical --baseline DIR INPUT [INPUT ...]

Timing (first form): a child process per checkout reads the first ``--studies`` records of a
JSON Lines input (bench/synthetic.py writes them) and times, by process time, what a build
does with them before its store and its SHACL check: parse (bytes → ``model.Study``), map
(``enrich`` and every mapping module, through the build's own per-study step and entity
ledger) and serialise (one N-Quads serialisation per batch of the build's size). Rounds
alternate between this checkout and ``--baseline`` (e.g. an archive of main before a change)
so that load from other processes falls on both; the best round of each is printed, with
their ratio. The run fails if the two checkouts' N-Quads differ.

Identity (second form): both checkouts build the inputs (files or folders in any layout, as
``kg-builder build`` reads them) up to their N-Quads, and the N-Quads, the warnings and the
rejects must be byte-identical, in order; the first difference is printed otherwise.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _import_from(checkout: Path) -> None:
    """Make ``import kg_builder`` load ``checkout``'s package, and check that it did."""
    sys.path.insert(0, str(checkout))
    import kg_builder

    found = Path(kg_builder.__file__).resolve().parent.parent
    if found != checkout.resolve():
        raise SystemExit(f"kg_builder imported from {found}, not from {checkout}")


class _Builder:
    """The build's map side as ``kg_builder.build`` wires it, without a store or a check."""

    def __init__(self) -> None:
        from kg_builder import build
        from kg_builder.iris import IriMinter
        from kg_builder.mapping.entities import EntityLedger
        from kg_builder.settings import build_time

        self.build = build
        self.minter, self.stamp, self.entities = IriMinter(), build_time(), EntityLedger()
        self.report = build.BuildReport()
        self.seen: dict[str, str] = {}

    def add(self, study, graphs: list, quads: list) -> None:
        self.build._add_study(study, self.minter, self.stamp, False, self.seen, self.report, graphs, quads,
                              self.entities)


def time_stages(input_path: str, studies: int) -> dict:
    """In a child: CPU seconds of each stage over the first ``studies`` records, and the output's digest."""
    import gc

    from pyoxigraph import RdfFormat, serialize

    from kg_builder.build import _BATCH_STUDIES, iter_parsed
    from kg_builder.model import Study
    from kg_builder.sources.base import SourceDocument

    gc.set_threshold(50_000, 20, 100)  # as the build does
    with open(input_path, "rb") as source:  # read before timing; named as the input (its provenance)
        sample = b"".join(itertools.islice(source, studies))
    document = SourceDocument(input_path, lambda: io.BytesIO(sample))
    builder = _Builder()
    started = time.process_time()
    parsed = [item for item in iter_parsed([document]) if isinstance(item, Study)]
    parse_cpu = time.process_time() - started
    digest = hashlib.sha256()
    map_cpu = serialize_cpu = 0.0
    for start in range(0, len(parsed), _BATCH_STUDIES):
        graphs: list = []
        quads: list = []
        started = time.process_time()
        for study in parsed[start:start + _BATCH_STUDIES]:
            builder.add(study, graphs, quads)
        mapped = time.process_time()
        data = serialize(quads, None, RdfFormat.N_QUADS)
        serialize_cpu += time.process_time() - mapped
        map_cpu += mapped - started
        digest.update(data)
    return {"studies": len(parsed), "parse": parse_cpu, "map": map_cpu, "serialize": serialize_cpu,
            "digest": digest.hexdigest()}


def dump_build(inputs: list[str], out_path: str) -> None:
    """In a child: the N-Quads, warnings and rejects of ``inputs`` as a build makes them, to ``out_path``."""
    from pyoxigraph import RdfFormat, serialize

    from kg_builder.build import _BATCH_STUDIES, iter_parsed
    from kg_builder.model import Reject
    from kg_builder.sources.inputs import iter_documents

    builder = _Builder()
    with open(out_path, "wb") as out:
        graphs: list = []
        quads: list = []
        for item in iter_parsed(iter_documents(inputs)):
            if isinstance(item, Reject):
                builder.report.rejects.append(item)
                continue
            builder.add(item, graphs, quads)
            if len(graphs) >= _BATCH_STUDIES:
                out.write(serialize(quads, None, RdfFormat.N_QUADS))
                graphs.clear()
                quads.clear()
        out.write(serialize(quads, None, RdfFormat.N_QUADS))
        report = builder.report
        rejects = [[r.source_file, r.position, r.reason, r.format] for r in report.rejects]
        tail = {"read": report.read, "built": report.built, "warnings": report.warnings, "rejects": rejects}
        out.write(b"#\n" + json.dumps(tail, indent=1, ensure_ascii=False).encode() + b"\n")


def _spawn(checkout: Path, *args: str) -> str:
    # one build time for both (the provenance's timestamp is in the output)
    env = {**os.environ, "PYTHONPATH": str(checkout), "KG_BENCH_STAGES_CHECKOUT": str(checkout),
           "SOURCE_DATE_EPOCH": "1780000000"}
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), *args], env=env, cwd=checkout,
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"child in {checkout} failed:\n{out.stderr}")
    return out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""


def _identical(baseline: Path, inputs: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="kg-bench-stages-") as scratch:
        dumps = {}
        for name, checkout in (("this", ROOT), ("baseline", baseline)):
            dumps[name] = Path(scratch) / f"{name}.out"
            _spawn(checkout, "--child-dump", str(dumps[name]), *[str(Path(i).resolve()) for i in inputs])
        ours, theirs = (dumps[n].read_bytes() for n in ("this", "baseline"))
        lines = ours.count(b"\n")
        if ours == theirs:
            print(f"identical: yes ({lines} lines, sha256 {hashlib.sha256(ours).hexdigest()[:16]})")
            return
        for number, (a, b) in enumerate(itertools.zip_longest(ours.splitlines(), theirs.splitlines())):
            if a != b:
                print(f"first difference at line {number + 1}:\n  this:     {a!r}\n  baseline: {b!r}")
                break
        raise SystemExit("the two checkouts' output differs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("inputs", nargs="*", help="with --identical: files or folders to build")
    parser.add_argument("--input", help="JSON Lines of API v2 studies (bench/synthetic.py writes them)")
    parser.add_argument("--studies", type=int, default=3000)
    parser.add_argument("--baseline", type=Path, help="another checkout to compare with")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--identical", action="store_true", help="compare the output of the two checkouts")
    parser.add_argument("--child-time", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--child-dump", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_time or args.child_dump:
        _import_from(Path(os.environ["KG_BENCH_STAGES_CHECKOUT"]))
        if args.child_dump:
            dump_build(args.inputs, args.child_dump)
        else:
            print(json.dumps(time_stages(args.child_time[0], int(args.child_time[1]))))
        return
    if args.identical:
        if not args.baseline or not args.inputs:
            parser.error("--identical needs --baseline and inputs")
        _identical(args.baseline.resolve(), args.inputs)
        return
    if not args.input:
        parser.error("--input is required")
    sides = {"this": ROOT} | ({"baseline": args.baseline.resolve()} if args.baseline else {})
    best: dict[str, dict] = {}
    ratios = []  # baseline / this, round by round: the two sides of a round saw about the same load
    for _ in range(args.rounds):
        totals = {}
        for name, checkout in sides.items():
            run = json.loads(_spawn(checkout, "--child-time", str(Path(args.input).resolve()), str(args.studies)))
            run["total"] = totals[name] = run["parse"] + run["map"] + run["serialize"]
            if name not in best or run["total"] < best[name]["total"]:
                best[name] = run
        if "baseline" in totals:
            ratios.append(totals["baseline"] / totals["this"])
    studies = best["this"]["studies"]
    print(f"{studies} studies; CPU ms per study, best of {args.rounds} rounds (by total):")
    print(f"  {'':9} {'parse':>7} {'map':>7} {'serialize':>9} {'total':>7}")
    for name, run in best.items():
        ms = {k: 1000 * run[k] / studies for k in ("parse", "map", "serialize", "total")}
        print(f"  {name:9} {ms['parse']:7.2f} {ms['map']:7.2f} {ms['serialize']:9.2f} {ms['total']:7.2f}")
    if "baseline" in best:
        if best["this"]["digest"] != best["baseline"]["digest"]:
            raise SystemExit("the two checkouts' N-Quads differ")
        print("identical N-Quads: yes")
        print(f"paired rounds (baseline / this): {' '.join(f'{r:.3f}' for r in ratios)}; "
              f"median {statistics.median(ratios):.3f}")
        print(f"stages-speedup: {best['baseline']['total'] / best['this']['total']:.2f}x")


if __name__ == "__main__":
    main()
