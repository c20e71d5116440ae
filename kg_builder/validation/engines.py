"""Validate the graph against the SHACL shapes in ``shapes/``: a report, never an exception by default.

A study's data graph is its own named graph plus the vocabulary graph (shapes use
``sh:in`` over code lists and ``sh:class`` with the ontology's subclasses) plus the classes
of the shared things it links to (the entity graph); the entity graph is validated as a
graph of its own, so a shared thing's shapes are checked once, not once per study that
names it. Studies are independent, so validation is per study. Three engines give the same answer:

``sparql``         the shapes compiled to SPARQL, one query per constraint over all
                   study graphs of an Oxigraph store (default for a stored graph)
``native``         the same compiled constraints checked in Python over batches of study
                   quads (the build's engine: ~4x faster on a batch than ``sparql``)
``pyshacl``        pyshacl on each study graph in turn (the reference; parallel with ``workers``)
``pyshacl-store``  pyshacl on the union of all graphs at once (for comparison only)

When the shapes use SHACL the compiler does not cover, ``sparql`` falls back to ``pyshacl``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

import rdflib
from pyoxigraph import NamedNode, Quad, RdfFormat, Store, parse
from rdflib.plugins.sparql import processor as _sparql_processor
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery

from kg_builder.errors import UsageError, ValidationError
from kg_builder.settings import packaged
from kg_builder.store.statistics import STATISTICS_GRAPH
from kg_builder.store.vocabulary import VOCABULARY_GRAPH, ontology_quads
from kg_builder.validation.native import NativeValidator
from kg_builder.validation.report import StudyValidation, ValidationReport, study_sources
from kg_builder.validation.sparql import (
    CompiledConstraint,
    UnsupportedShapes,
    compile_shapes,
    compile_specs,
    run_compiled,
)
from kg_builder.validation.terms import SH, ValidationResult, ox_key, ox_to_rdflib, rdflib_key
from kg_builder.vocab import ENTITY_GRAPH, RDF_TYPE

ENGINES = ("sparql", "native", "pyshacl", "pyshacl-store")
_NATIVE_CHUNK = 500  # study graphs per native batch when validating a whole store
_SH = rdflib.Namespace(SH)


# --- shapes -------------------------------------------------------------------------------------

def shapes_files(shapes_dir: Path) -> list[Path]:
    if not shapes_dir.is_dir():
        raise ValidationError(f"shapes directory {shapes_dir} not found", hint="set KG_BUILDER_SHAPES")
    files = sorted(shapes_dir.glob("*.ttl"))
    if not files:
        raise ValidationError(f"no .ttl shapes in {shapes_dir}")
    return files


def load_shapes(shapes_dir: str | Path | None = None) -> rdflib.Graph:
    """Every shapes file of ``shapes_dir`` (default: the settings' shapes directory) in one graph."""
    directory = Path(shapes_dir) if shapes_dir is not None else packaged("shapes")
    files = shapes_files(directory)
    return _load_shapes(tuple((str(p), p.stat().st_mtime_ns) for p in files))


@lru_cache(maxsize=8)
def _load_shapes(files: tuple[tuple[str, int], ...]) -> rdflib.Graph:
    graph = rdflib.Graph()
    for path, _mtime in files:
        try:
            graph.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises many parser exception types
            raise ValidationError(f"{path}: invalid Turtle: {exc}") from exc
    return graph


def shape_names(shapes: rdflib.Graph) -> dict[str, str]:
    return {str(s): str(n) for s, n in shapes.subject_objects(_SH.name) if isinstance(s, rdflib.URIRef)}


# --- pyshacl --------------------------------------------------------------------------------------

@contextmanager
def _cached_sparql_parsing() -> Iterator[None]:
    """Parse each SPARQL constraint once, not once per focus node.

    pyshacl hands rdflib the query text for every focus node, and rdflib's parser
    then dominates the run time (about 70% on a typical study).
    """
    original = _sparql_processor.SPARQLProcessor.query
    cache: dict[tuple, object] = {}

    def query(self, str_or_query, initBindings=None, initNs=None, base=None, DEBUG=False):
        if isinstance(str_or_query, str):
            key = (str_or_query, base, tuple(sorted((initNs or {}).items())))
            if key not in cache:
                cache[key] = translateQuery(parseQuery(str_or_query), base, initNs)
            str_or_query = cache[key]
        return original(self, str_or_query, initBindings, initNs, base, DEBUG)

    _sparql_processor.SPARQLProcessor.query = query
    try:
        yield
    finally:
        _sparql_processor.SPARQLProcessor.query = original


def _results_from_report(report: rdflib.Graph, graph: str | None) -> list[ValidationResult]:
    results = []
    for node in report.subjects(rdflib.RDF.type, _SH.ValidationResult):
        path = report.value(node, _SH.resultPath)
        if isinstance(path, rdflib.BNode):
            path_key = "^" + rdflib_key(report.value(path, _SH.inversePath))
        else:
            path_key = rdflib_key(path) if path is not None else None
        value = report.value(node, _SH.value)
        results.append(ValidationResult(
            graph, rdflib_key(report.value(node, _SH.focusNode)), str(report.value(node, _SH.sourceShape)),
            str(report.value(node, _SH.sourceConstraintComponent)).removeprefix(SH),
            str(report.value(node, _SH.resultSeverity)).removeprefix(SH), path_key,
            rdflib_key(value) if value is not None else None,
            " ".join(sorted(str(m) for m in report.objects(node, _SH.resultMessage)))))
    return results


def pyshacl_graph(triples: Iterable[tuple], shapes: rdflib.Graph, graph: str | None) -> list[ValidationResult]:
    """pyshacl on one data graph given as rdflib triples."""
    import pyshacl  # slow to import; only this engine needs it

    data = rdflib.Graph()
    for triple in triples:
        data.add(triple)
    with _cached_sparql_parsing():
        _conforms, report, _text = pyshacl.validate(data, shacl_graph=shapes, inference="none", inplace=True)
    return _results_from_report(report, graph)


def _rdflib_triples(quads: Iterable[Quad]) -> Iterator[tuple]:
    for q in quads:
        yield ox_to_rdflib(q.subject), ox_to_rdflib(q.predicate), ox_to_rdflib(q.object)


def study_graphs(store: Store) -> list[NamedNode]:
    return sorted((g for g in store.named_graphs() if isinstance(g, NamedNode)
                   and g not in (VOCABULARY_GRAPH, STATISTICS_GRAPH)),
                  key=lambda g: g.value)


def _pyshacl_study(own: list[Quad], vocabulary: list[tuple], shapes: rdflib.Graph, graph: str,
                   types_of) -> list[ValidationResult]:
    """pyshacl on one graph: a study graph with the classes of the shared things it names (``types_of``
    gives them); their own shapes are the entity graph's to check, so results about them are left out."""
    extra: list[Quad] = []
    if graph != ENTITY_GRAPH.value:
        for node in {q.object for q in own if isinstance(q.object, NamedNode)}:
            extra += [Quad(node, RDF_TYPE, NamedNode(cls)) for cls in types_of(node)]
    shared = {ox_key(q.subject) for q in extra}
    results = pyshacl_graph([*vocabulary, *_rdflib_triples(own), *_rdflib_triples(extra)], shapes, graph)
    return [r for r in results if r.focus not in shared]


def _pyshacl_studies(store: Store, graphs: list[NamedNode], shapes: rdflib.Graph) -> list[ValidationResult]:
    vocabulary = list(_rdflib_triples(store.quads_for_pattern(None, None, None, VOCABULARY_GRAPH)))

    def types_of(node: NamedNode) -> list[str]:
        return [q.object.value for q in store.quads_for_pattern(node, RDF_TYPE, None, ENTITY_GRAPH)]

    results: list[ValidationResult] = []
    for graph in graphs:
        own = list(store.quads_for_pattern(None, None, None, graph))
        results += _pyshacl_study(own, vocabulary, shapes, graph.value, types_of)
    return results


_WORKER: dict = {}


def _worker_init(generation: str, shapes_dir: str | None) -> None:
    _WORKER["store"] = Store.read_only(generation)
    _WORKER["shapes"] = load_shapes(shapes_dir)


def _worker_run(graphs: list[str]) -> list[ValidationResult]:
    return _pyshacl_studies(_WORKER["store"], [NamedNode(g) for g in graphs], _WORKER["shapes"])


def _native_studies(store: Store, graphs: list[NamedNode], shapes: rdflib.Graph) -> list[ValidationResult]:
    specs, sparql = compile_specs(shapes, store, VOCABULARY_GRAPH)
    vocabulary = list(store.quads_for_pattern(None, None, None, VOCABULARY_GRAPH))
    validator = NativeValidator(specs, sparql, vocabulary, VOCABULARY_GRAPH)
    validator.remember_entities(store.quads_for_pattern(None, RDF_TYPE, None, ENTITY_GRAPH))
    results: list[ValidationResult] = []
    for start in range(0, len(graphs), _NATIVE_CHUNK):
        quads = [q for g in graphs[start:start + _NATIVE_CHUNK] for q in store.quads_for_pattern(None, None, None, g)]
        results += validator.validate(quads)[1]
    return results


# --- entry points -------------------------------------------------------------------------------

def validate(
    store: Store,
    shapes_dir: str | Path | None = None,
    *,
    engine: str = "sparql",
    workers: int = 1,
    generation: str | Path | None = None,
) -> ValidationReport:
    """Validate every study graph of ``store``; the report says what fails (see ``raise_for_violations``).

    ``generation`` (the store's directory on disk) lets the pyshacl engine run in ``workers`` processes.
    """
    if engine not in ENGINES:
        raise UsageError(f"unknown validation engine {engine!r}", hint=f"use one of: {', '.join(ENGINES)}")
    if workers < 1:
        raise UsageError(f"workers must be at least 1, not {workers}")
    started = time.perf_counter()
    shapes = load_shapes(shapes_dir)
    graphs = study_graphs(store)
    note = None
    if engine == "sparql":
        try:
            results = run_compiled(store, compile_shapes(shapes, store, VOCABULARY_GRAPH))
        except UnsupportedShapes as exc:
            note, engine = f"SPARQL engine not used: {exc}", "pyshacl"
    elif engine == "native":
        try:
            results = _native_studies(store, graphs, shapes)
        except UnsupportedShapes as exc:
            note, engine = f"native engine not used: {exc}", "pyshacl"
    if engine == "pyshacl":
        if workers > 1 and generation is not None and len(graphs) > workers:
            chunks = [[g.value for g in graphs[i::workers * 4]] for i in range(workers * 4)]
            with ProcessPoolExecutor(workers, initializer=_worker_init,
                                     initargs=(str(generation), str(shapes_dir) if shapes_dir else None)) as pool:
                results = [r for part in pool.map(_worker_run, chunks) for r in part]
        else:
            results = _pyshacl_studies(store, graphs, shapes)
    elif engine == "pyshacl-store":
        results = pyshacl_graph(_rdflib_triples(store.quads_for_pattern(None, None, None, None)), shapes, None)
    return ValidationReport(sorted(results), len(graphs), engine, time.perf_counter() - started,
                            shape_names(shapes), note, study_sources(store))


class StudyValidator:
    """Validates studies before they are stored: the build path.

    Each batch of study graphs is checked by the native engine (or, with
    ``engine="sparql"``, by the compiled queries in a scratch in-memory store holding
    the batch and the vocabulary); shapes neither covers fall back to pyshacl.
    """

    def __init__(self, shapes_dir: str | Path | None = None, ontology_dir: str | Path | None = None,
                 *, engine: str = "native") -> None:
        self.shapes = load_shapes(shapes_dir)
        self.vocabulary = list(ontology_quads(Path(ontology_dir) if ontology_dir else packaged("ontology")))
        self.scratch = self._fresh_store()
        self.engine = engine
        self.constraints: list[CompiledConstraint] | None = None
        self.native: NativeValidator | None = None
        self.entity_types: dict[NamedNode, set[str]] = {}  # the pyshacl fallback's memory of shared things
        try:
            if engine == "native":
                specs, sparql = compile_specs(self.shapes, self.scratch, VOCABULARY_GRAPH)
                self.native = NativeValidator(specs, sparql, self.vocabulary, VOCABULARY_GRAPH)
            elif engine == "sparql":
                self.constraints = compile_shapes(self.shapes, self.scratch, VOCABULARY_GRAPH)
        except UnsupportedShapes:
            self.engine = "pyshacl"

    def _fresh_store(self) -> Store:
        store = Store()
        store.bulk_extend(self.vocabulary)
        return store

    def validate_batch(self, quads: Iterable[Quad]) -> dict[str, StudyValidation]:
        """Results per study graph for the quads of one or more study graphs (every graph gets an entry)."""
        if self.native is not None:
            graph_terms, results = self.native.validate(quads)
            graphs = sorted({g.value for g in graph_terms if isinstance(g, NamedNode)})
            return self._per_study(graphs, results)
        quads = list(quads)
        graphs = sorted({q.graph_name.value for q in quads if isinstance(q.graph_name, NamedNode)})
        for quad in quads:
            if quad.graph_name == ENTITY_GRAPH and quad.predicate == RDF_TYPE:
                self.entity_types.setdefault(quad.subject, set()).add(quad.object.value)
        if self.constraints is not None:
            # a new store per batch: removing graphs from one kept store leaves it slower and slower
            scratch = self._fresh_store()
            scratch.bulk_extend(quads)
            described = {ox_key(q.subject) for q in quads if q.graph_name == ENTITY_GRAPH}
            # the classes of shared things earlier batches described (their own shapes were checked then)
            scratch.bulk_extend(Quad(node, RDF_TYPE, NamedNode(cls), ENTITY_GRAPH)
                                for node, classes in self.entity_types.items() for cls in classes)
            results = [r for r in run_compiled(scratch, self.constraints)
                       if r.graph != ENTITY_GRAPH.value or r.focus in described]
        else:
            vocabulary = list(_rdflib_triples(self.vocabulary))
            results = []
            for graph in graphs:
                own = [q for q in quads if q.graph_name.value == graph]
                results += _pyshacl_study(own, vocabulary, self.shapes, graph,
                                          lambda node: self.entity_types.get(node, ()))
        return self._per_study(graphs, results)

    def validate_serialized(self, data: bytes | BinaryIO) -> dict[str, StudyValidation]:
        """:meth:`validate_batch` for a batch as the build serialises it (N-Quads from pyoxigraph's own
        serialiser, of terms it checked when they were made): parsed without re-checking each IRI and
        language tag, which halves the parse (the store's own load still checks everything). ``data`` may
        be a binary stream, read as it is parsed."""
        return self.validate_batch(parse(data, format=RdfFormat.N_QUADS, lenient=True))

    @staticmethod
    def _per_study(graphs: list[str], results: list[ValidationResult]) -> dict[str, StudyValidation]:
        found = {g: StudyValidation(g) for g in graphs}
        for result in sorted(results):
            found.setdefault(result.graph or "", StudyValidation(result.graph or "")).results.append(result)
        return found


def validate_study_quads(quads: Iterable[Quad], *, validator: StudyValidator | None = None) -> StudyValidation:
    """Validate one study's quads (its named graph) before storing them."""
    quads = list(quads)
    batch = (validator or _default_validator()).validate_batch(quads)
    graph = quads[0].graph_name.value if quads else ""
    return batch.get(graph) or StudyValidation(graph)


@lru_cache(maxsize=1)
def _default_validator() -> StudyValidator:
    return StudyValidator()
