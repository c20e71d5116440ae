"""build(inputs, store, ...) → BuildReport: the one place the stages are wired.

documents → detect → parse → Study → map → quads → store (one new generation).
A bad record becomes a Reject and never stops the others; a failed build leaves
the last good store as it was (see :mod:`kg_builder.store.generations`).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import NamedNode, Quad, RdfFormat, parse, serialize

from kg_builder.errors import KgBuilderError, UsageError
from kg_builder.iris import IriMinter
from kg_builder.mapping.context import study_key
from kg_builder.mapping.entities import EntityLedger
from kg_builder.mapping.study import map_study
from kg_builder.model import Provenance, Reject, Study
from kg_builder.settings import Settings, build_time
from kg_builder.sources.base import ParseResult, SourceDocument, overlong_list
from kg_builder.sources.detect import FORMATS, detect_format, explain_undetected, parser_for
from kg_builder.sources.inputs import iter_documents
from kg_builder.store import generations as store_module
from kg_builder.store.vocabulary import VOCABULARY_GRAPH, ontology_quads
from kg_builder.validation.engines import StudyValidation, StudyValidator
from kg_builder.validation.worker import BackgroundValidator

# studies per batch (~80k quads, ~15 MB of N-Quads at the registry's sizes). Up to six batches are
# in flight (one being mapped, two being checked, two queued for the store, one being stored): the
# batch size is what the build's memory grows with, past the store's loads (see store.generations)
_BATCH_STUDIES = 100


@dataclass
class BuildReport:
    """What a build did: counts, rejects and per-study warnings."""

    # Every record read: built + rejected, always. A study read again (same registry id) is
    # counted once, as the first copy it repeats, and listed in ``duplicates``.
    read: int = 0
    built: int = 0
    duplicates: int = 0
    # while building: quads mapped so far; at the end: the store's quads, each distinct triple once
    triples: int = 0
    orphans_removed: int = 0  # shared facts no study supported any more after the rebuild, removed
    rejects: list[Reject] = field(default_factory=list)
    warnings: dict[str, list[str]] = field(default_factory=dict)  # study IRI → messages
    # study graph IRI → its SHACL violations (stored anyway unless the build is strict)
    violations: dict[str, list[str]] = field(default_factory=dict)
    validated: bool = False
    seconds: float = 0.0

    @property
    def rejected(self) -> int:
        return len(self.rejects)

    @property
    def outcome(self) -> str:
        """``all`` built, ``partial``, or ``none`` (nothing could be built)."""
        if self.built == 0:
            return "none"
        return "partial" if self.rejects else "all"


def iter_parsed(documents: Iterable[SourceDocument], *, format: str | None = None) -> Iterator[ParseResult]:
    """Every record of every document as a Study or a Reject; never raises for content."""
    if format is not None and format not in FORMATS:
        raise UsageError(f"unknown format {format!r}", hint=f"use one of: {', '.join(FORMATS)}")
    for doc in documents:
        name = format or detect_format(doc)
        if name is None:
            yield Reject(doc.name, "file", explain_undetected(doc))
            continue
        records = parser_for(name)(doc)
        while True:
            try:
                item = next(records)
            except StopIteration:
                break
            except Exception as exc:  # a parser bug must not stop the other documents
                yield Reject(doc.name, "file", f"parser failed: {type(exc).__name__}: {exc}", name)
                break
            too_long = overlong_list(item) if isinstance(item, Study) else None
            if too_long:
                source = item.provenance
                item = Reject(source.source_file, source.position, too_long, source.format)
            yield item


def build(
    inputs: Iterable[str | Path],
    store_path: str | Path,
    *,
    settings: Settings | None = None,
    format: str | None = None,
    include_contacts: bool = False,
    fresh: bool = False,
    validate: bool = True,
    strict: bool = False,
    stdin=None,
    progress: Callable[[BuildReport], None] | None = None,
) -> BuildReport:
    """Parse, map, validate and store every record of ``inputs``; return what happened.

    Each batch of study graphs is checked against the SHACL shapes before it is
    stored: a study with violations is stored and listed in ``report.violations``,
    or, with ``strict``, rejected. The store gets a new generation only when at
    least one study was built (``report.outcome`` is ``"none"`` otherwise); a build
    that raises leaves the previous generation current.
    """
    try:
        return _build(inputs, store_path, settings=settings or Settings(), format=format,
                      include_contacts=include_contacts, fresh=fresh, validate=validate, strict=strict,
                      stdin=stdin, progress=progress)
    except _NothingBuilt as nothing:  # raised inside the store's writing() so that no generation is made
        return nothing.report


def _build(
    inputs: Iterable[str | Path],
    store_path: str | Path,
    *,
    settings: Settings,
    format: str | None,
    include_contacts: bool,
    fresh: bool,
    validate: bool,
    strict: bool,
    stdin,
    progress: Callable[[BuildReport], None] | None,
) -> BuildReport:
    minter = IriMinter(settings.base)
    stamp = build_time()
    report = BuildReport()
    started = time.perf_counter()
    documents = iter_documents(inputs, stdin=stdin)
    seen: dict[str, str] = {}  # study key → where it was first read
    entities = EntityLedger()  # the shared things this build has described: each once

    batch_graphs: list[NamedNode] = []
    batch_quads: list[Quad] = []
    batch_sources: dict[str, Provenance] = {}  # graph IRI → where its study was read, to report violations
    checks = _BatchChecks(settings) if validate or strict else None
    report.validated = checks is not None

    with _quiet_collector(), store_module.writing(store_path, fresh=fresh) as writer:
        writer.replace_graphs([VOCABULARY_GRAPH], ontology_quads(settings.ontology_dir))

        def store(batch: _Batch, found: dict[str, StudyValidation]) -> None:
            """Record a checked batch's violations and hand it to the writer (without failing studies if strict)."""
            failing = {graph: v for graph, v in found.items() if not v.conforms}
            rejected = {graph for graph in failing if strict and graph in batch.sources}
            data, graphs = batch.data, batch.graphs
            if rejected:  # a rejected rebuild keeps the study's last good graph in the store
                quads = list(parse(data, format=RdfFormat.N_QUADS))
                # what only a rejected study named must not stay in the entity graph
                writer.check_orphans(q.object for q in quads if q.graph_name.value in rejected
                                     and isinstance(q.object, NamedNode))
                data = serialize([q for q in quads if q.graph_name.value not in rejected], None, RdfFormat.N_QUADS)
                graphs = [g for g in graphs if g.value not in rejected]
            for graph, found_here in failing.items():
                messages = [f"{r.message} [{r.focus}]" for r in found_here.violations]
                report.violations[graph] = messages
                if graph in rejected:
                    source = batch.sources[graph]
                    report.rejects.append(Reject(source.source_file, source.position,
                                                 f"violates the shapes (--strict): {messages[0]}", source.format))
                    report.built -= 1
            if not batch.stored:
                writer.replace_serialized(graphs, data)

        def flush(final: bool = False) -> None:
            if not batch_graphs:
                return
            batch = _Batch(list(batch_graphs), dict(batch_sources), serialize(batch_quads, None, RdfFormat.N_QUADS))
            if checks is None or not strict:
                # stored whatever its check finds: the writer takes it now, and the batches waiting for their
                # results (up to the checker's in-flight count) do not hold their N-Quads meanwhile
                writer.replace_serialized(batch.graphs, batch.data)
                batch.stored = True
            if checks is not None:
                for done in checks.check(batch, batch_quads, final=final):
                    store(*done)
            batch_graphs.clear()
            batch_quads.clear()
            batch_sources.clear()

        try:
            for item in iter_parsed(documents, format=format):
                if isinstance(item, Reject):  # a whole document rejected at detection is read too
                    report.read += 1
                    report.rejects.append(item)
                    if progress:
                        progress(report)
                    continue
                graph = _add_study(item, minter, stamp, include_contacts, seen, report, batch_graphs, batch_quads,
                                   entities)
                if graph is not None:
                    batch_sources[graph] = item.provenance
                if progress:
                    progress(report)
                if len(batch_graphs) >= _BATCH_STUDIES:
                    flush()
            flush(final=True)
            for done in checks.drain() if checks is not None else ():
                store(*done)
        finally:
            if checks is not None:
                checks.close()
        if report.built == 0:
            raise _NothingBuilt(report)
        writer.count_size = True
    report.triples = writer.size  # every quad once: the store's own count is the build's
    report.orphans_removed = writer.orphans_removed
    report.seconds = time.perf_counter() - started
    return report


@dataclass
class _Batch:
    """A batch of study graphs on its way to the store, serialised once (for the checker and the writer)."""

    graphs: list[NamedNode]
    sources: dict[str, Provenance]  # graph IRI → where its study was read (not the study: batches wait in flight)
    data: bytes  # N-Quads: the study graphs, then what the shared things they name first are
    stored: bool = False  # handed to the writer already (without --strict, before its check's results)


class _BatchChecks:
    """The SHACL check of each batch: in this process for a small build, in a child process for a large one.

    A build that fits in one batch never pays for starting a process; from the second
    batch on, checking runs beside parsing and mapping (see
    :mod:`kg_builder.validation.worker`). Batches are stored in the order they were read.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._local: StudyValidator | None = None
        self._background: BackgroundValidator | None = None

    def check(self, batch: _Batch, quads: list[Quad], *, final: bool) -> Iterator[tuple[_Batch, dict]]:
        """Check ``batch``; yield every batch whose results are in, oldest first."""
        if self._background is None and final:
            if self._local is None:
                self._local = StudyValidator(self.settings.shapes_dir, self.settings.ontology_dir)
            yield batch, self._local.validate_batch(quads)
            return
        if self._background is None:
            self._background = BackgroundValidator(self.settings.shapes_dir, self.settings.ontology_dir)
        self._background.submit(batch.data, batch)
        if batch.stored:  # the writer has it too: the batch waits for its results without its N-Quads
            batch.data = b""
        while self._background.full:
            yield self._background.oldest()

    def drain(self) -> Iterator[tuple[_Batch, dict]]:
        while self._background is not None and len(self._background):
            yield self._background.oldest()

    def close(self) -> None:
        if self._background is not None:
            self._background.close()


@contextmanager
def _quiet_collector() -> Iterator[None]:
    """Fewer garbage collections while building.

    Mapping allocates millions of short-lived tuples and terms; at the default gen-0
    threshold (700) the collector runs thousands of times per batch and rescans the
    long-lived caches (lexicons, GeoNames index) each time: measured ~20% of a build.
    Nothing the build makes is cyclic garbage worth collecting early.
    """
    old = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*old)


class _NothingBuilt(KgBuilderError):
    """Aborts the store generation when no study was built (the last good store stays); never leaves build()."""

    def __init__(self, report: BuildReport) -> None:
        super().__init__("nothing built")
        self.report = report


def _add_study(
    study: Study,
    minter: IriMinter,
    stamp: str,
    include_contacts: bool,
    seen: dict[str, str],
    report: BuildReport,
    batch_graphs: list[NamedNode],
    batch_quads: list[Quad],
    entities: EntityLedger | None = None,
) -> str | None:
    """Map one study into the batch; the study graph's IRI, or None when it was rejected or repeats
    a study already built (a warning on that study: "duplicate, kept the first")."""
    source = study.provenance
    where = f"{source.source_file} at {source.position}"
    key = study_key(study)
    if key in seen:  # before mapping: a duplicate must not claim the shared things it names
        report.duplicates += 1
        report.warnings.setdefault(minter.study(key).value, []).append(
            f"duplicate, kept the first: {where} is study {key} again (first read from {seen[key]})")
        return None
    try:
        ctx, quads, warnings = map_study(study, minter, build_time=stamp, include_contacts=include_contacts,
                                         entities=entities)
    except Exception as exc:  # a mapping bug on one study must not stop the others
        report.read += 1
        report.rejects.append(
            Reject(source.source_file, source.position, f"mapping failed: {type(exc).__name__}: {exc}",
                   source.format)
        )
        return None
    report.read += 1
    seen[ctx.key] = where
    all_warnings = [*study.warnings, *warnings]
    if all_warnings:
        report.warnings[ctx.study.value] = all_warnings
    batch_graphs.append(ctx.graph)
    batch_quads.extend(quads)
    report.built += 1
    report.triples += len(quads)
    return ctx.graph.value


def write_rejects(rejects: Iterable[Reject], path: str | Path) -> None:
    """The rejects report: a TSV with file, position, format and a one-line reason."""

    def clean(value: str | None) -> str:
        return " ".join((value or "").split())

    with open(path, "w", encoding="utf-8") as out:
        out.write("file\tposition\tformat\treason\n")
        for reject in rejects:
            out.write("\t".join(clean(v) for v in (reject.source_file, reject.position, reject.format,
                                                   reject.reason)) + "\n")
