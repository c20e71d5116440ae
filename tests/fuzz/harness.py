"""One mutated document through the build's own path, and the figures the fuzz run reports.

The path is the build's (:mod:`kg_builder.build`): ``iter_parsed`` (detection or a
forced format, the parser, its safety net), then ``_add_study`` (the mapper, its safety
net, the duplicate check) for every study, then the N-Quads serialisation the store
writer is given, loaded into an in-memory store. Only the on-disk generation is left
out (``test_fuzz_layouts`` also runs the whole ``build()`` on a few cases).

The invariant: every document yields at least one result (a study or a reject), and
every study read is built or rejected (read = built + rejected). Rejects whose reason
says a safety net caught an exception are *contained errors*: not losses, but bugs the
figures show. Time is CPU time per record (parse + map), which other processes on a
shared machine do not inflate.
"""

from __future__ import annotations

import contextlib
import io
import os
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import RdfFormat, Store, serialize

from kg_builder import build as build_module
from kg_builder.build import BuildReport, _add_study, iter_parsed
from kg_builder.iris import IriMinter
from kg_builder.model import Reject, Study
from kg_builder.sources.base import SourceDocument

# Reasons written by a safety net (an exception caught around a parser or the mapper).
CONTAINED = ("parser failed", "parser error (bug)", "mapping failed", "could not read record")
REPORT = os.environ.get("KG_FUZZ_REPORT")  # a file the figures are written to every 250 cases
TIME_BOUND = float(os.environ.get("KG_FUZZ_TIME_BOUND", "0") or 0)  # seconds; 0 = report only
_MINTER = IriMinter("https://example.org/kg/")


@dataclass
class Outcome:
    """What one document gave."""

    results: int = 0
    studies: int = 0
    read: int = 0
    built: int = 0
    duplicates: int = 0  # studies read again (a warning on the one kept)
    rejects: list[Reject] = field(default_factory=list)
    lost: int = 0
    slowest: float = 0.0  # CPU seconds of the slowest record
    raised_at: list[str] = field(default_factory=list)  # where each contained error was raised

    @property
    def contained(self) -> list[Reject]:
        return [r for r in self.rejects if r.reason.startswith(CONTAINED)]


def run_document(data: bytes, *, format: str | None = None, name: str = "fuzz.txt") -> Outcome:
    """Parse, map and serialise every record of ``data``; count what became of each, as build() does."""
    doc = SourceDocument(name, lambda: io.BytesIO(data))
    report = BuildReport()
    outcome = Outcome()
    graphs, quads, seen = [], [], {}
    items = iter_parsed([doc], format=format)
    while True:
        started = time.process_time()
        try:
            with _traced(outcome.raised_at):
                item = next(items)
        except StopIteration:
            break
        outcome.results += 1
        if isinstance(item, Study):
            outcome.studies += 1
            before = report.rejected, report.built, report.duplicates
            with _traced(outcome.raised_at):
                _add_study(item, _MINTER, "2024-01-01T00:00:00Z", False, seen, report, graphs, quads)
            if (report.rejected, report.built, report.duplicates) == before:
                outcome.lost += 1  # neither built, nor rejected, nor a duplicate of one built
        else:  # a reject is read too (build() counts it alike)
            report.read += 1
            report.rejects.append(item)
        outcome.slowest = max(outcome.slowest, time.process_time() - started)
    if outcome.results == 0:
        outcome.lost += 1  # a document that gave nothing at all
    if report.read != report.built + report.rejected:  # the accounting itself lost or invented a study
        outcome.lost += abs(report.read - report.built - report.rejected)
    outcome.read, outcome.built, outcome.rejects = report.read, report.built, report.rejects
    outcome.duplicates = report.duplicates
    if quads:  # what the store writer is handed, and what the store makes of it
        Store().load(serialize(quads, None, RdfFormat.N_QUADS), format=RdfFormat.N_QUADS)
    return outcome


@contextlib.contextmanager
def _traced(where: list[str]):
    """The build's parsers and mapper, each noting in ``where`` the innermost frames of an exception
    that the build's safety nets will contain as a reject (a RecursionError names its recursion)."""
    parser_for, map_study = build_module.parser_for, build_module.map_study

    def note(exc: BaseException) -> None:
        frames = traceback.extract_tb(exc.__traceback__)[-3:]
        where.append(f"{type(exc).__name__} at " + " < ".join(
            f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames)))

    def traced_parser_for(name):
        parse = parser_for(name)

        def traced(doc):
            try:
                yield from parse(doc)
            except Exception as exc:
                note(exc)
                raise
        return traced

    def traced_map_study(*args, **kwargs):
        try:
            return map_study(*args, **kwargs)
        except Exception as exc:
            note(exc)
            raise

    build_module.parser_for, build_module.map_study = traced_parser_for, traced_map_study
    try:
        yield
    finally:
        build_module.parser_for, build_module.map_study = parser_for, map_study


def warm_up() -> None:
    """Load what the first record of a process loads (lexicons, place index) before timing any,
    and every country's city index (built on the first record naming that country: a one-off
    cost of up to a third of a second that would otherwise fall on whichever record came first)."""
    from corpus import LAYOUTS, documents

    from kg_builder.enrich import places

    for code in places._packed_cities():
        places._country_index(code)
    for layout in LAYOUTS:
        for data in documents(layout)[:1]:
            run_document(data, format=layout)


@dataclass
class Figures:
    """The per-layout figures of a fuzz run."""

    cases: int = 0
    records: int = 0
    built: int = 0
    rejected: int = 0
    duplicates: int = 0
    lost: int = 0
    contained: int = 0
    over_bound: int = 0
    slowest: float = 0.0
    slowest_plan: str = ""
    contained_reasons: dict[str, list] = field(default_factory=dict)  # reason → [count, first plan; raised at]
    over_plans: list[tuple[float, str]] = field(default_factory=list)  # (CPU s, plan) of records over the bound

    def add(self, outcome: Outcome, plan: str) -> None:
        self.cases += 1
        self.records += outcome.results
        self.built += outcome.built
        self.rejected += len(outcome.rejects)
        self.duplicates += outcome.duplicates
        self.lost += outcome.lost
        self.contained += len(outcome.contained)
        for k, reject in enumerate(outcome.contained):
            where = outcome.raised_at[k] if k < len(outcome.raised_at) else "not noted"
            self.contained_reasons.setdefault(reject.reason[:80], [0, f"{plan}; {where}"])[0] += 1
        if TIME_BOUND and outcome.slowest > TIME_BOUND:
            self.over_bound += 1
            self.over_plans.append((outcome.slowest, plan))
        if outcome.slowest > self.slowest:
            self.slowest, self.slowest_plan = outcome.slowest, plan
        if REPORT and self.cases % 250 == 0:  # a long run shows its figures as it goes
            Path(REPORT).write_text(table() + "\n", encoding="utf-8")


FIGURES: dict[str, Figures] = {}


def table() -> str:
    """The figures as a Markdown table, one row per layout."""
    rows = ["| layout | cases | records | built | rejected | duplicates | lost without a reject | errors contained as "
            "rejects | over the time bound | slowest record (CPU s) |", "|---|---|---|---|---|---|---|---|---|---|"]
    for layout, f in sorted(FIGURES.items()):
        bound = str(f.over_bound) if TIME_BOUND else "not checked"
        rows.append(f"| {layout} | {f.cases} | {f.records} | {f.built} | {f.rejected} | {f.duplicates} | {f.lost} "
                    f"| {f.contained} | {bound} | {f.slowest:.3f} |")
    for layout, f in sorted(FIGURES.items()):
        rows.append(f"{layout} slowest: {f.slowest_plan[:300]}")
        for seconds, plan in sorted(f.over_plans, reverse=True)[:10]:
            rows.append(f"{layout} over the bound: {seconds:.3f} s: {plan[:300]}")
        for reason, (count, plan) in sorted(f.contained_reasons.items(), key=lambda kv: -kv[1][0])[:10]:
            rows.append(f"{layout} contained x{count}: {reason} (first: {plan[:400]})")
    return "\n".join(rows)
