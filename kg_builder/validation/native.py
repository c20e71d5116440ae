"""The build's fast validation engine: the shapes checked in Python over a batch of study quads.

The compiled SPARQL engine (:mod:`kg_builder.validation.sparql`) runs one query per
constraint over a store holding the batch. This engine reads the batch once into an index
(values by predicate, keyed by graph and node, both directions; types by node) and checks
each constraint for all focus nodes of the batch at once, with the same definitions:

* a property shape's counts, plain datatypes, ``sh:in``, ``sh:class`` and ``sh:nodeKind`` are
  decided here, from the :class:`PropertySpec` the SPARQL engine compiles;
* tests whose answer depends on SPARQL's value semantics (casts of castable datatypes,
  REGEX, comparisons) are decided by Oxigraph itself, once per distinct value, over a
  small scratch store of those values only;
* ``sh:sparql`` constraints run as plans over the same index (:mod:`kg_builder.validation.plans`);
  one the planner cannot translate runs as its compiled query over a scratch store of the batch.

``tests/test_shapes_cases.py`` checks that it reports exactly what pyshacl reports.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import chain

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Store

from kg_builder.validation import numbers
from kg_builder.validation.plans import Expressions, G, Index, Plan
from kg_builder.validation.sparql import CompiledConstraint, PropertySpec, ValueTest, _fill, run_compiled
from kg_builder.validation.terms import ValidationResult, ox_key
from kg_builder.vocab import ENTITY_GRAPH

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_CHECK = "urn:kg-builder:check:"  # scratch-store graphs: one per SPARQL-decided test
_ITEM = "urn:kg-builder:item:"  # scratch-store subjects: one per value to decide
_VALUE = NamedNode("urn:kg-builder:value")
_CACHE_LIMIT = 50_000  # decided (test, value) pairs kept between batches (bounded: ~10 MB)
_NODE_KINDS = {
    "IRI": (NamedNode,), "Literal": (Literal,), "BlankNode": (BlankNode,),
    "BlankNodeOrIRI": (BlankNode, NamedNode), "IRIOrLiteral": (NamedNode, Literal),
    "BlankNodeOrLiteral": (BlankNode, Literal),
}
_FORWARD, _INVERSE = 1, 2  # how a predicate is indexed (bits)


@contextmanager
def _no_collection() -> Iterator[None]:
    """No cyclic garbage collection while a batch is checked.

    A batch's index is a million or so tuples, lists and dicts built at once, none of them part
    of a cycle (freed by reference counting when the check ends): the collector found nothing
    to free in them, yet rescanned them as they grew, ~15-25% of the check's CPU (bench/shacl.py).
    The collector's state is put back as it was.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Batch:
    """The batch's quads indexed once: values by predicate then (graph, node), both ways as needed; nodes
    by class.

    Graphs are numbered in the order they first come (a batch mostly holds each graph's quads together).
    The quads themselves are kept only when a constraint runs as a query over them.
    """

    def __init__(self, quads: Iterable[Quad], routes: dict[str, int], *, keep: bool) -> None:
        # plain dicts: set operations with a plain dict reuse the hashes it keeps
        self.forward: dict[str, dict] = {p: {} for p, how in routes.items() if how & _FORWARD}
        self.inverse: dict[str, dict] = {p: {} for p, how in routes.items() if how & _INVERSE}
        # the keys of each table with more than one value, noted when their second value comes
        self._several: dict[tuple[str, bool], list] = {(p, how == _INVERSE): [] for p, how in (
            *((p, _FORWARD) for p in self.forward), *((p, _INVERSE) for p in self.inverse))}
        several = self._several
        tables = {p: (self.forward.get(p), self.inverse.get(p), several.get((p, False)), several.get((p, True)))
                  for p in routes}
        self.by_class: dict[str, list[tuple]] = defaultdict(list)
        self.graphs: list = []
        self.quads: list[Quad] = []
        by_class, graphs = self.by_class, self.graphs
        self.numbers: dict = {}  # graph term → its number (a graph's quads may come in several runs)
        numbers = self.numbers
        last, graph, last_subject, key = None, -1, None, None
        for quad in quads:
            if keep:
                self.quads.append(quad)
            subject, predicate, obj, name = quad
            if name != last:
                last, last_subject = name, None
                graph = numbers.get(name)
                if graph is None:
                    graph = numbers[name] = len(graphs)
                    graphs.append(name)
            if subject != last_subject:  # a node's quads mostly come together: one key for them
                last_subject, key = subject, (graph, subject)
            predicate = predicate.value
            if predicate == _RDF_TYPE and isinstance(obj, NamedNode):
                by_class[obj.value].append(key)
            found = tables.get(predicate)
            if found is not None:
                forward, inverse, several_forward, several_inverse = found
                # one value as a tuple, several as a list: most keys have one, and a tuple is one
                # allocation (a list is two) to make and to free; setdefault hashes the key once
                if forward is not None:
                    values = forward.setdefault(key, single := (obj,))
                    if values is not single:
                        if type(values) is tuple:
                            forward[key] = [values[0], obj]
                            several_forward.append(key)
                        else:
                            values.append(obj)
                if inverse is not None:
                    values = inverse.setdefault(inverse_key := (graph, obj), single := (last_subject,))
                    if values is not single:
                        if type(values) is tuple:
                            inverse[inverse_key] = [values[0], last_subject]
                            several_inverse.append(inverse_key)
                        else:
                            values.append(last_subject)
        self._focus: dict[tuple[str, ...], frozenset] = {}
        self.index = Index(self.forward, self.inverse, self.by_class)  # what the plans read

    def several(self, predicate: str, inverse: bool) -> list[tuple]:
        """The (key, values) of ``predicate`` with more than one value."""
        table = (self.inverse if inverse else self.forward)[predicate]
        return [(key, table[key]) for key in self._several[(predicate, inverse)]]

    def focus(self, classes: tuple[str, ...]) -> frozenset:
        """The (graph, node) pairs typed with one of ``classes`` in their own graph."""
        found = self._focus.get(classes)
        if found is None:
            found = self._focus[classes] = frozenset(n for c in classes for n in self.by_class.get(c, ()))
        return found


class NativeValidator:
    """Validates batches of study quads against compiled property specs and sh:sparql constraints."""

    def __init__(self, specs: list[PropertySpec], sparql: list[CompiledConstraint], vocabulary: list[Quad],
                 vocabulary_graph: NamedNode) -> None:
        self.specs = specs
        self.vocabulary = vocabulary
        self.vocabulary_types: dict[object, set[str]] = defaultdict(set)
        for quad in vocabulary:
            if quad.graph_name == vocabulary_graph and quad.predicate.value == _RDF_TYPE and isinstance(
                    quad.object, NamedNode):
                self.vocabulary_types[quad.subject].add(quad.object.value)
        # each sh:sparql constraint as a plan over the index, or (when it cannot be planned) as its query
        self.plans: list[tuple[CompiledConstraint, Plan]] = []
        self.queries: list[CompiledConstraint] = []
        self.unplanned: dict[str, str] = {}  # shape → why it runs as a query
        for constraint in sparql:
            try:
                self.plans.append((constraint, Plan(constraint.select)))
            except Exception as exc:  # any SELECT the planner cannot read still runs as a query
                self.queries.append(constraint)
                self.unplanned[constraint.shape] = f"{type(exc).__name__}: {exc}"
        self.routes: dict[str, int] = defaultdict(int)
        for spec in specs:
            self.routes[spec.predicate] |= _INVERSE if spec.inverse else _FORWARD
        for _constraint, plan in self.plans:
            for predicate in plan.predicates:
                self.routes[predicate] |= _FORWARD
            for predicate in plan.inverse:
                self.routes[predicate] |= _INVERSE
        self.routes = dict(self.routes)
        self.expressions = Expressions()
        # the classes of every shared thing described so far (the entity graph is part of every study's
        # data graph, as the vocabulary is): a study links to things an earlier batch described
        self.entity_types: dict[object, frozenset[str]] = {}
        self._type_sets: dict[frozenset[str], frozenset[str]] = {}  # few distinct sets: share them
        # the SPARQL-decided tests, each with an id (its scratch-store graph); None for tests decided here
        self._test_ids = [tuple(f"{i}.{n}" if t.native is None else None for n, t in enumerate(spec.tests))
                          for i, spec in enumerate(specs)]
        self._deferred: dict[str, ValueTest] = {
            test_id: test for spec, ids in zip(specs, self._test_ids, strict=True)
            for test_id, test in zip(ids, spec.tests, strict=True) if test_id is not None}
        self._decided: dict[tuple[str, object], bool] = {}  # (test id, value) → fails
        self._quick = {test_id: test.quick for test_id, test in self._deferred.items() if test.quick is not None}

    def remember_entities(self, quads: Iterable[Quad]) -> None:
        """Record the classes of shared things from entity-graph quads (a store's, or a batch's)."""
        found: dict[object, set[str]] = defaultdict(set)
        for quad in quads:
            if quad.graph_name == ENTITY_GRAPH and quad.predicate.value == _RDF_TYPE and isinstance(
                    quad.object, NamedNode):
                found[quad.subject].add(quad.object.value)
        self._merge_entities(found)

    def _remember_batch_entities(self, batch: _Batch) -> None:
        """:meth:`remember_entities` for the shared things a batch describes (its entity graph's typed nodes)."""
        entity = batch.numbers.get(ENTITY_GRAPH)
        if entity is None:
            return
        found: dict[object, set[str]] = defaultdict(set)
        for cls, keys in batch.by_class.items():
            for graph, node in keys:
                if graph == entity:
                    found[node].add(cls)
        self._merge_entities(found)

    def _merge_entities(self, found: dict[object, set[str]]) -> None:
        for node, classes in found.items():
            merged = frozenset(classes | self.entity_types.get(node, frozenset()))
            self.entity_types[node] = self._type_sets.setdefault(merged, merged)

    def validate(self, quads: Iterable[Quad]) -> tuple[list, list[ValidationResult]]:
        """The study graphs of ``quads`` (in order) and every result found in them."""
        with _no_collection():
            return self._validate(quads)

    def _validate(self, quads: Iterable[Quad]) -> tuple[list, list[ValidationResult]]:
        batch = _Batch(quads, self.routes, keep=bool(self.queries))
        self._remember_batch_entities(batch)
        results: list[ValidationResult] = []
        # first every shape's counts and the values its tests read, then the values only Oxigraph can
        # judge decided in one go, then every test's failures
        checked = []
        for spec, test_ids in zip(self.specs, self._test_ids, strict=True):
            focus = batch.focus(spec.classes)
            if focus:
                checked.append(self._counts(spec, test_ids, focus, batch, results))
        self._decide({(test_id, value) for _check, deferred in checked for test_id, values in deferred.items()
                      for value in values})
        for (spec, test_ids, having, distinct), _deferred in checked:
            for test_id, test in zip(test_ids, spec.tests, strict=True):
                self._tests(spec, test_id, test, having, distinct, batch, results)
        for constraint, plan in self.plans:
            focus = batch.focus(constraint.classes)
            if focus:
                results += self._sparql_results(constraint, plan, batch, focus)
        if self.queries:
            results += self._run_queries(batch.quads)
        return batch.graphs, results

    def _counts(self, spec: PropertySpec, test_ids: tuple, focus: frozenset, batch: _Batch,
                results: list[ValidationResult]) -> tuple[tuple, dict]:
        """A property shape's count results; the focus nodes with values and their distinct values, and
        the distinct values each Oxigraph-decided test must judge."""
        table = (batch.inverse if spec.inverse else batch.forward)[spec.predicate]
        without = focus.difference(table)  # fast: a set and a plain dict compare by the hashes they keep
        for component, op, limit in spec.counts:
            if op == "<" and limit == 1:  # a node in the table has a value: the common case
                failing = without
            elif op == "<":
                failing = [key for key in focus if len(set(table.get(key, ()))) < limit]
            else:  # from a limit of one, through the nodes with several values (found once per predicate)
                items = batch.several(spec.predicate, spec.inverse) if limit >= 1 else table.items()
                failing = [key for key, values in items
                           if len(values) > limit and key in focus and len(set(values)) > limit]
            for graph, node in failing:
                results.append(ValidationResult(batch.graphs[graph].value, ox_key(node), spec.shape, component,
                                                spec.severity, spec.path, None, spec.message))
        if not spec.tests or len(without) == len(focus):
            return (spec, test_ids, (), set()), {}
        if len(focus) - len(without) == len(table):  # every node with the property is a focus node: common
            having = table.items()
            distinct = set(chain.from_iterable(table.values()))
        else:
            having = [(key, table[key]) for key in focus.difference(without)]
            distinct = set(chain.from_iterable(values for _key, values in having))
        return (spec, test_ids, having, distinct), dict.fromkeys([i for i in test_ids if i is not None], distinct)

    def _tests(self, spec: PropertySpec, test_id: str | None, test: ValueTest, having, distinct: set,
               batch: _Batch, results: list[ValidationResult]) -> None:
        """One value test over the focus nodes with values: judged once per distinct value (per graph and
        value for ``sh:class``), then reported for each node holding a failing value."""
        if not distinct:
            return
        if test_id is not None:
            decided = self._decided
            failing = {value for value in distinct if decided[(test_id, value)]}
        elif test.native[0] == "class":
            # a value is an instance when typed in its own graph (with a class or a subclass), in the vocabulary
            # or in the entity graph (a shared thing this batch or an earlier one described)
            arg, vocabulary, entities = test.native[1], self.vocabulary_types, self.entity_types
            pairs = {(graph, value) for (graph, _node), values in having for value in values}
            failing_pairs = {(graph, value) for graph, value in pairs.difference(batch.focus(tuple(sorted(arg))))
                             if not (arg.intersection(vocabulary.get(value, ()))
                                     or arg.intersection(entities.get(value, ())))}
            for (graph, node), values in having if failing_pairs else ():
                for value in dict.fromkeys(values):
                    if (graph, value) in failing_pairs:
                        results.append(self._result(batch.graphs[graph], node, value, spec, test))
            return
        else:
            kind, arg = test.native
            failing = {value for value in distinct if self._fails_natively(kind, arg, value)}
        for (graph, node), values in having if failing else ():
            for value in dict.fromkeys(values):
                if value in failing:
                    results.append(self._result(batch.graphs[graph], node, value, spec, test))

    @staticmethod
    def _result(graph, node, value, spec: PropertySpec, test: ValueTest) -> ValidationResult:
        return ValidationResult(graph.value, ox_key(node), spec.shape, test.component, spec.severity, spec.path,
                                ox_key(value), spec.message)

    @staticmethod
    def _fails_natively(kind: str, arg, value) -> bool:
        if kind == "datatype":
            return not (isinstance(value, Literal) and value.datatype.value == arg)
        if kind == "in":
            return value not in arg
        if kind == "nodekind":
            return not isinstance(value, _NODE_KINDS[arg])
        raise ValueError(f"unknown native test {kind!r}")

    def _decide(self, pairs: set[tuple[str, object]]) -> None:
        """Decide with Oxigraph every (test, value) pair not decided before."""
        if len(self._decided) + len(pairs) > _CACHE_LIMIT:
            self._decided.clear()  # before deciding: every pair asked for must find its answer after
        decided, quick = self._decided, self._quick
        unknown = []
        for pair in pairs:
            if pair not in decided:
                rule = quick.get(pair[0])
                answer = None if rule is None else numbers.fails(rule, pair[1])
                if answer is None:
                    unknown.append(pair)
                else:  # a plain number: certain without a query (kg_builder.validation.numbers)
                    decided[pair] = answer
        if not unknown:
            return
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

    def _sparql_results(self, c: CompiledConstraint, plan: Plan, batch: _Batch,
                        focus: frozenset) -> list[ValidationResult]:
        """A planned sh:sparql constraint's results, made as :func:`run_compiled` makes them from its rows."""
        index = batch.index
        results = []
        for row in plan.solutions(index, self.expressions, lambda graph, node: (graph, node) in focus):
            focus_node = row["this"]
            value = row.get("value") if "value" in c.sparql_vars else None
            path = row.get("path") if "path" in c.sparql_vars else None
            results.append(ValidationResult(
                batch.graphs[row[G]].value, ox_key(focus_node), c.shape, c.component, c.severity,
                ox_key(path) if path is not None else None, ox_key(value if value is not None else focus_node),
                _fill(c.message, row, c.sparql_vars)))
        return results

    def _run_queries(self, quads: list[Quad]) -> list[ValidationResult]:
        scratch = Store()
        scratch.bulk_extend(self.vocabulary)
        scratch.bulk_extend(quads)
        return run_compiled(scratch, self.queries)
