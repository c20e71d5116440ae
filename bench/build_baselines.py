"""The reference points of ``bench/build.py --naive`` and ``--stages`` (see its docstring).

* naive, same content: the same parsed studies, the same triples as ours (see
  ``bench/naive_rdflib.py``), one rdflib ``Graph.add`` per triple, into rdflib's in-memory
  Dataset (persists nothing) or into oxrdflib's on-disk Oxigraph store (the same database
  ours writes, reached through rdflib's per-triple API);
* naive, core fields: a hand-written rdflib mapper of the core fields only (about half the
  triples, no enrichment), in memory and on disk, for reference;
* stages: the CPU time of each stage of our build run alone on the same studies (parse,
  map, N-Quads serialisation, the SHACL check as its child process does it, the on-disk
  bulk load with the final optimise; process CPU time, so the loader's threads count):
  their sum is the CPU one study costs, and the cores divided by it is the most studies/s
  any scheduling of those stages could reach here ("bound");
* floor: the build itself with a store writer that throws the batches away (parse, map,
  N-Quads and, unless ``--no-validate``, the SHACL check, scheduled as the build schedules
  them): what the build costs before the store; its wall over the load's says how close
  to the store's own speed any way of storing could bring the build.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kg_builder.model import Study

NAIVE_KINDS = {
    "naive, same content (memory)": "naive-same-memory",
    "naive, same content (on-disk oxrdflib)": "naive-same-oxigraph",
    "naive, core fields (memory)": "naive-core-memory",
    "naive, core fields (on-disk oxrdflib)": "naive-core-oxigraph",
}
SAME_DISK = "naive, same content (on-disk oxrdflib)"


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


class _DiscardingWriter:
    """Takes batches as the store writer does and keeps none of them."""

    orphans_removed = 0
    size = None
    count_size = False

    def replace_graphs(self, graphs, quads) -> None:
        from pyoxigraph import RdfFormat, serialize

        serialize(quads, None, RdfFormat.N_QUADS)  # as the real writer does

    def replace_serialized(self, graphs, data: bytes) -> None:
        pass

    def check_orphans(self, things) -> None:
        pass


def run_floor(input_path: str, validate: bool) -> dict:
    """The build of ``input_path`` without a store (see the module docstring): wall seconds."""
    from contextlib import contextmanager

    from kg_builder.build import build
    from kg_builder.store import generations

    @contextmanager
    def discarding(path, *, fresh: bool = False):
        yield _DiscardingWriter()

    generations.writing = discarding
    started = time.perf_counter()
    report = build([input_path], "unused", fresh=True, validate=validate)
    return {"studies": report.built, "seconds": time.perf_counter() - started}


def print_naive(ours: dict, spawn: Callable[[str, str, int], dict], studies: int) -> None:
    """Run the naive baselines on ``studies`` studies; print each with our ratio over it and the speedup line."""
    def rate(r: dict) -> float:
        return r["studies"] / r["seconds"]

    results = {name: spawn(kind, name, studies) for name, kind in NAIVE_KINDS.items()}
    print(f"\n{'naive baseline':42} {'studies':>8} {'seconds':>8} {'studies/s':>10} {'peak MiB':>9} {'ours over':>9}")
    for name, r in results.items():
        print(f"{name:42} {r['studies']:8d} {r['seconds']:8.2f} {rate(r):10.1f} {r['peak_rss_mib']:9.0f} "
              f"{rate(ours) / rate(r):8.1f}x")
    print(f"speedup: {rate(ours) / rate(results[SAME_DISK]):.1f}x")


def print_stages(stages: dict, ours_rate: float) -> None:
    per_study = {name: seconds / stages["studies"] for name, seconds in stages["cpu"].items()}
    total = sum(per_study.values())
    cores = os.cpu_count() or 1
    print(f"\nCPU per study of each stage run alone ({stages['studies']} studies):")
    for name, seconds in per_study.items():
        print(f"  {name:30} {seconds * 1000:6.2f} ms")
    print(f"  {'total':30} {total * 1000:6.2f} ms")
    without_check = total - per_study["SHACL check"]
    for label, cost in (("with the SHACL check", total), ("without it (--no-validate)", without_check)):
        print(f"bound on {cores} cores, {label}: {cores / cost:.0f} studies/s (ours: {ours_rate:.0f})")
