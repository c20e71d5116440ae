"""The build's fast validation engine: property shapes checked in Python over a batch of study quads.

The compiled SPARQL engine (:mod:`kg_builder.validation.sparql`) runs one query per
constraint, ~390 scans of the batch; most constraints are counts, datatype, ``sh:in``
and ``sh:class`` tests that a dictionary of the batch answers directly. This engine
walks each shape's focus nodes once and applies the same :class:`PropertySpec` the
SPARQL engine compiles, so both share one definition of each constraint:

* counts, plain datatypes, ``sh:in``, ``sh:class`` and ``sh:nodeKind`` are decided here;
* tests whose answer depends on SPARQL's value semantics (casts of castable datatypes,
  REGEX, comparisons) are decided by Oxigraph itself, once per distinct value, over a
  small scratch store of those values only;
* ``sh:sparql`` constraints run as compiled queries over the batch.

``tests/test_shapes_cases.py`` checks that it reports exactly what pyshacl reports.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Store

from kg_builder.validation.sparql import CompiledConstraint, PropertySpec, ValueTest, run_compiled
from kg_builder.validation.terms import ValidationResult, ox_key
from kg_builder.vocab import ENTITY_GRAPH

_RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_CHECK = "urn:kg-builder:check:"  # scratch-store graphs: one per SPARQL-decided test
_ITEM = "urn:kg-builder:item:"  # scratch-store subjects: one per value to decide
_VALUE = NamedNode("urn:kg-builder:value")
_CACHE_LIMIT = 50_000  # decided (test, value) pairs kept between batches (bounded: ~10 MB)
_NODE_KINDS = {
    "IRI": (NamedNode,), "Literal": (Literal,), "BlankNode": (BlankNode,),
    "BlankNodeOrIRI": (BlankNode, NamedNode), "IRIOrLiteral": (NamedNode, Literal),
    "BlankNodeOrLiteral": (BlankNode, Literal),
}


class _Batch:
    """The batch's quads indexed the way the shapes read them: types, and values by (graph, node, path).

    Also keeps the quads (for the ``sh:sparql`` constraints) and the study graphs seen.
    """

    def __init__(self, quads: Iterable[Quad], predicates: set[str], inverse: set[str]) -> None:
        self.by_class: dict[str, list[tuple]] = defaultdict(list)
        self.types: dict[tuple, set[str]] = defaultdict(set)
        self.values: dict[tuple, list] = defaultdict(list)
        self.graphs: list = []
        self.quads: list[Quad] = []
        rdf_type, values, last_graph = _RDF_TYPE.value, self.values, None
        for quad in quads:
            graph, subject, predicate, obj = quad.graph_name, quad.subject, quad.predicate.value, quad.object
            if graph != last_graph:  # a batch holds each study graph's quads together
                self.graphs.append(graph)
                last_graph = graph
            self.quads.append(quad)
            if predicate == rdf_type and isinstance(obj, NamedNode):
                self.by_class[obj.value].append((graph, subject))
                self.types[(graph, subject)].add(obj.value)
            if predicate in predicates:
                values[(graph, subject, predicate, False)].append(obj)
            if predicate in inverse:
                values[(graph, obj, predicate, True)].append(subject)

    def focus_nodes(self, classes: tuple[str, ...]) -> list[tuple]:
        found = [node for cls in classes for node in self.by_class.get(cls, ())]
        return list(dict.fromkeys(found)) if len(classes) > 1 else found


class NativeValidator:
    """Validates batches of study quads against compiled property specs and sh:sparql constraints."""

    def __init__(self, specs: list[PropertySpec], sparql: list[CompiledConstraint], vocabulary: list[Quad],
                 vocabulary_graph: NamedNode) -> None:
        self.specs = specs
        self.sparql = sparql
        self.vocabulary = vocabulary
        self.vocabulary_types: dict[object, set[str]] = defaultdict(set)
        for quad in vocabulary:
            if quad.graph_name == vocabulary_graph and quad.predicate == _RDF_TYPE and isinstance(
                    quad.object, NamedNode):
                self.vocabulary_types[quad.subject].add(quad.object.value)
        # the classes of every shared thing described so far (the entity graph is part of every study's
        # data graph, as the vocabulary is): a study links to things an earlier batch described
        self.entity_types: dict[object, frozenset[str]] = {}
        self._type_sets: dict[frozenset[str], frozenset[str]] = {}  # few distinct sets: share them
        self.predicates = {s.predicate for s in specs if not s.inverse}
        self.inverse = {s.predicate for s in specs if s.inverse}
        # the SPARQL-decided tests, each with an id (its scratch-store graph); None for tests decided here
        self._test_ids = [tuple(f"{i}.{n}" if t.native is None else None for n, t in enumerate(spec.tests))
                          for i, spec in enumerate(specs)]
        self._deferred: dict[str, ValueTest] = {
            test_id: test for spec, ids in zip(specs, self._test_ids, strict=True)
            for test_id, test in zip(ids, spec.tests, strict=True) if test_id is not None}
        self._decided: dict[tuple[str, object], bool] = {}  # (test id, value) → fails

    def remember_entities(self, quads: Iterable[Quad]) -> None:
        """Record the classes of shared things from entity-graph quads (a store's, or a batch's)."""
        found: dict[object, set[str]] = defaultdict(set)
        for quad in quads:
            if quad.graph_name == ENTITY_GRAPH and quad.predicate == _RDF_TYPE and isinstance(quad.object, NamedNode):
                found[quad.subject].add(quad.object.value)
        for node, classes in found.items():
            merged = frozenset(classes | self.entity_types.get(node, frozenset()))
            self.entity_types[node] = self._type_sets.setdefault(merged, merged)

    def validate(self, quads: Iterable[Quad]) -> tuple[list, list[ValidationResult]]:
        """The study graphs of ``quads`` (in order) and every result found in them."""
        batch = _Batch(quads, self.predicates, self.inverse)
        self.remember_entities(q for q in batch.quads if q.graph_name == ENTITY_GRAPH)
        results: list[ValidationResult] = []
        pending: list[tuple[str, tuple, object, PropertySpec, ValueTest]] = []
        for spec, test_ids in zip(self.specs, self._test_ids, strict=True):
            focus = batch.focus_nodes(spec.classes)
            if not focus:
                continue
            for graph, node in focus:
                values = list(dict.fromkeys(batch.values.get((graph, node, spec.predicate, spec.inverse), ())))
                for component, op, limit in spec.counts:
                    if (len(values) < limit) if op == "<" else (len(values) > limit):
                        results.append(ValidationResult(graph.value, ox_key(node), spec.shape, component,
                                                         spec.severity, spec.path, None, spec.message))
                for test_id, test in zip(test_ids, spec.tests, strict=True):
                    for value in values:
                        if test_id is not None:
                            pending.append((test_id, (graph, node), value, spec, test))
                        elif self._fails_natively(test.native, graph, value, batch):
                            results.append(self._result(graph, node, value, spec, test))
        for _test_id, (graph, node), value, spec, test in self._decide(pending):
            results.append(self._result(graph, node, value, spec, test))
        if self.sparql:
            results += self._run_sparql(batch.quads)
        return batch.graphs, results

    @staticmethod
    def _result(graph, node, value, spec: PropertySpec, test: ValueTest) -> ValidationResult:
        return ValidationResult(graph.value, ox_key(node), spec.shape, test.component, spec.severity, spec.path,
                                ox_key(value), spec.message)

    def _fails_natively(self, native: tuple, graph, value, batch: _Batch) -> bool:
        kind, arg = native
        if kind == "datatype":
            return not (isinstance(value, Literal) and value.datatype.value == arg)
        if kind == "in":
            return value not in arg
        if kind == "class":
            own = batch.types.get((graph, value), ())
            return not (arg.intersection(own) or arg.intersection(self.vocabulary_types.get(value, ()))
                        or arg.intersection(self.entity_types.get(value, ())))
        if kind == "nodekind":
            return not isinstance(value, _NODE_KINDS[arg])
        raise ValueError(f"unknown native test {kind!r}")

    def _decide(self, pending: list[tuple]) -> list[tuple]:
        """The pending (test, value) pairs that fail, asking Oxigraph about values not seen before."""
        if len(self._decided) > _CACHE_LIMIT:
            self._decided.clear()  # before deciding: every pending pair must find its answer below
        unknown = list(dict.fromkeys((item[0], item[2]) for item in pending
                                     if (item[0], item[2]) not in self._decided))
        if unknown:
            # one graph per test, one subject per value: answers come back by subject, never by comparing
            # the value Oxigraph returns with the one put in
            scratch = Store()
            scratch.bulk_extend(Quad(NamedNode(f"{_ITEM}{i}"), _VALUE, value, NamedNode(_CHECK + test_id))
                                for i, (test_id, value) in enumerate(unknown))
            failing: set[int] = set()
            for test_id in sorted({test_id for test_id, _ in unknown}):
                test = self._deferred[test_id]
                query = (f"SELECT ?s WHERE {{ GRAPH <{_CHECK}{test_id}> {{ ?s <{_VALUE.value}> ?value }} "
                         f"FILTER ({test.failing}) }}")
                failing.update(int(row["s"].value.removeprefix(_ITEM)) for row in scratch.query(query))
            for i, key in enumerate(unknown):
                self._decided[key] = i in failing
        return [item for item in pending if self._decided[(item[0], item[2])]]

    def _run_sparql(self, quads: list[Quad]) -> list[ValidationResult]:
        scratch = Store()
        scratch.bulk_extend(self.vocabulary)
        scratch.bulk_extend(quads)
        return run_compiled(scratch, self.sparql)
