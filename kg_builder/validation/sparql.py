"""SHACL compiled to SPARQL, run on Oxigraph over every study graph at once.

Per-study semantics are kept exactly: each query binds ``?g`` to a study's named
graph, focus nodes and their values come from that graph, and class membership
also looks at the vocabulary graph and the entity graph (the data graph of a study
is its named graph plus the vocabulary and the shared things it links to). The entity
graph is validated as a graph of its own. One query per constraint covers the whole store, which is
what makes this engine fast; ``tests/test_validation_engines.py`` checks that it
reports exactly what pyshacl reports on the test corpus.

Only the SHACL subset the shapes in ``shapes/`` use is compiled; anything else
raises :class:`UnsupportedShapes` and the caller falls back to pyshacl.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import rdflib
from pyoxigraph import Literal, NamedNode, Store

from kg_builder.errors import ValidationError
from kg_builder.validation import numbers
from kg_builder.validation.terms import SH, ValidationResult, display, ox_key
from kg_builder.vocab import ENTITY_GRAPH_IRI

_SH = rdflib.Namespace(SH)
_RDF_TYPE = rdflib.RDF.type
XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER_RANGES = {  # derived integer types: xsd:integer lexical form plus a range
    "nonNegativeInteger": ">= 0", "positiveInteger": "> 0", "nonPositiveInteger": "<= 0", "negativeInteger": "< 0",
}
_CASTABLE = {"integer", "decimal", "double", "float", "boolean", "date", "dateTime", "time", "gYear",
             "gYearMonth", "duration", "dayTimeDuration", "yearMonthDuration"}
_NODE_KINDS = {
    "IRI": "isIRI(?value)", "Literal": "isLiteral(?value)", "BlankNode": "isBlank(?value)",
    "BlankNodeOrIRI": "(isBlank(?value) || isIRI(?value))", "IRIOrLiteral": "(isIRI(?value) || isLiteral(?value))",
    "BlankNodeOrLiteral": "(isBlank(?value) || isLiteral(?value))",
}
_COMPARISONS = {"minInclusive": ">=", "maxInclusive": "<=", "minExclusive": ">", "maxExclusive": "<"}
_PROPERTY_PARAMS = {"path", "name", "message", "severity", "description", "order", "group", "minCount", "maxCount",
                    "datatype", "or", "in", "class", "nodeKind", "pattern", "flags", *_COMPARISONS}
_NODE_PARAMS = {"targetClass", "property", "sparql", "name", "message", "severity", "description", "deactivated"}
_SELECT_VARS = re.compile(r"^\s*SELECT\s+(?:DISTINCT\s+)?((?:[?$]\w+\s*)+)WHERE", re.I | re.S)
_G_VARIABLE = re.compile(r"[?$]g\b")


class UnsupportedShapes(ValidationError):
    """The shapes use SHACL this compiler does not translate; use pyshacl instead."""


@dataclass(frozen=True)
class CompiledConstraint:
    shape: str
    component: str
    severity: str
    message: str
    path: str | None  # N-Triples key of the shape's path
    query: str
    sparql_vars: tuple[str, ...] = ()  # for SPARQL constraints: variables a message may quote
    select: str = ""  # for SPARQL constraints: the SELECT with its prefixes (the native engine plans it)
    classes: tuple[str, ...] = ()  # for SPARQL constraints: the focus classes, subclasses included


@dataclass(frozen=True)
class ValueTest:
    """One value constraint of a property shape.

    ``failing`` is a SPARQL expression over ``?value`` (and ``?g``) that is true when the
    value violates it: the definition both engines share. ``native`` is the same test in a
    form Python decides without SPARQL (``datatype``, ``in``, ``class``, ``nodekind``), or
    None when the answer depends on SPARQL's value semantics (casts, REGEX, comparisons).
    """

    component: str
    failing: str
    native: tuple | None = None
    quick: tuple | None = None  # for a SPARQL-decided test: the values Python decides exactly (numbers.fails)


@dataclass(frozen=True)
class PropertySpec:
    """A property shape with its focus classes (subclasses included), counts and value tests."""

    shape: str
    severity: str
    message: str
    path: str  # N-Triples key of the path; "^<iri>" when inverse
    predicate: str
    inverse: bool
    classes: tuple[str, ...]
    counts: tuple[tuple[str, str, int], ...]  # (component, "<" or ">", limit)
    tests: tuple[ValueTest, ...]


def _to_oxigraph(term):
    if isinstance(term, rdflib.URIRef):
        return NamedNode(str(term))
    if isinstance(term, rdflib.Literal):
        if term.language:
            return Literal(str(term), language=term.language)
        return Literal(str(term), datatype=NamedNode(str(term.datatype or XSD + "string")))
    raise UnsupportedShapes(f"cannot compile term {term!r}")


def _xsd_local(datatype) -> str | None:
    iri = str(datatype)
    return iri.removeprefix(XSD) if iri.startswith(XSD) else None


def _needs_cast(datatype) -> bool:
    local = _xsd_local(datatype)
    return local in _CASTABLE or local in _INTEGER_RANGES


def _n3(term) -> str:
    if isinstance(term, rdflib.URIRef):
        return f"<{term}>"
    if isinstance(term, rdflib.Literal):
        return term.n3()
    raise UnsupportedShapes(f"cannot compile term {term!r}")


def _local(term) -> str:
    return str(term).removeprefix(SH)


class _Compiler:
    def __init__(self, shapes: rdflib.Graph, subclasses: dict[str, list[str]], vocabulary: str) -> None:
        self.g = shapes
        self.vocabulary = vocabulary
        self.subclasses = subclasses  # class IRI → itself and every subclass (from the vocabulary graph)
        self.out: list[CompiledConstraint] = []
        self.specs: list[PropertySpec] = []  # the property shapes, structured (for the native engine)

    def _closure(self, cls) -> list[str]:
        """``cls`` and its subclasses."""
        return self.subclasses.get(str(cls), [str(cls)])

    def _classes(self, cls) -> str:
        return ", ".join(f"<{c}>" for c in self._closure(cls))

    def _params(self, node, allowed: set[str]) -> None:
        for p in set(self.g.predicates(node)):
            if p == _RDF_TYPE:
                continue
            if not str(p).startswith(SH) or _local(p) not in allowed:
                raise UnsupportedShapes(f"{node}: {p} is not compiled")

    def _severity(self, shape) -> str:
        return _local(self.g.value(shape, _SH.severity) or _SH.Violation)

    def _message(self, shape) -> str:
        messages = sorted(str(m) for m in self.g.objects(shape, _SH.message))
        if len(messages) != 1:
            raise UnsupportedShapes(f"{shape}: exactly one sh:message expected")
        return messages[0]

    def compile(self) -> list[CompiledConstraint]:
        for shape in sorted(set(self.g.subjects(_RDF_TYPE, _SH.NodeShape))):
            if not isinstance(shape, rdflib.URIRef):
                raise UnsupportedShapes("node shapes must be IRIs")
            self._params(shape, _NODE_PARAMS)
            if self.g.value(shape, _SH.deactivated) == rdflib.Literal(True):
                continue
            targets = list(self.g.objects(shape, _SH.targetClass))
            if not targets:
                raise UnsupportedShapes(f"{shape}: only sh:targetClass targets are compiled")
            # one constant-class pattern per (sub)class: Oxigraph then reads the type index, not every type
            classes = sorted({c for t in targets for c in self._closure(t)})
            target = "{ " + " } UNION { ".join(f"GRAPH ?g {{ ?this a <{c}> }}" for c in classes) + " }"
            for prop in sorted(self.g.objects(shape, _SH.property)):
                self._property(prop, target, classes)
            for constraint in self.g.objects(shape, _SH.sparql):
                self._sparql(shape, constraint, target, classes)
        return self.out

    # --- property shapes ------------------------------------------------------------------------

    def _path(self, prop) -> tuple[str, str]:
        path = self.g.value(prop, _SH.path)
        if isinstance(path, rdflib.URIRef):
            return f"?this <{path}> ?value", f"<{path}>"
        inverse = self.g.value(path, _SH.inversePath) if isinstance(path, rdflib.BNode) else None
        if isinstance(inverse, rdflib.URIRef) and len(list(self.g.predicate_objects(path))) == 1:
            return f"?value <{inverse}> ?this", f"^<{inverse}>"
        raise UnsupportedShapes(f"{prop}: only predicate and inverse paths are compiled")

    def _property(self, prop, target: str, classes: list[str]) -> None:
        if not isinstance(prop, rdflib.URIRef):
            raise UnsupportedShapes("property shapes must be IRIs (results name them)")
        self._params(prop, _PROPERTY_PARAMS)
        pattern, path_key = self._path(prop)
        spec = PropertySpec(
            shape=str(prop), severity=self._severity(prop), message=self._message(prop), path=path_key,
            predicate=path_key.removeprefix("^")[1:-1], inverse=path_key.startswith("^"), classes=tuple(classes),
            counts=tuple(self._counts(prop)), tests=tuple(self._value_tests(prop)),
        )
        self.specs.append(spec)
        common = {"shape": spec.shape, "severity": spec.severity, "message": spec.message, "path": path_key}
        for component, op, limit in spec.counts:
            query = (f"SELECT ?g ?this WHERE {{ {{ SELECT ?g ?this (COUNT(DISTINCT ?value) AS ?n) WHERE "
                     f"{{ {target} OPTIONAL {{ GRAPH ?g {{ {pattern} }} }} }} GROUP BY ?g ?this }} "
                     f"FILTER (?n {op} {limit}) }}")
            self.out.append(CompiledConstraint(component=component, query=query, **common))
        values = f"{target} GRAPH ?g {{ {pattern} }}"
        for test in spec.tests:
            query = f"SELECT DISTINCT ?g ?this ?value WHERE {{ {values} FILTER ({test.failing}) }}"
            self.out.append(CompiledConstraint(component=test.component, query=query, **common))

    def _counts(self, prop) -> Iterator[tuple[str, str, int]]:
        for bound, op, component in (("minCount", "<", "MinCountConstraintComponent"),
                                     ("maxCount", ">", "MaxCountConstraintComponent")):
            limit = self.g.value(prop, _SH[bound])
            if limit is not None:
                yield component, op, int(limit)

    def _value_tests(self, prop) -> Iterator[ValueTest]:
        """Each value constraint as a SPARQL expression true for a failing ``?value`` (plus a native form)."""
        datatype = self.g.value(prop, _SH.datatype)
        if datatype is not None:
            native = None if _needs_cast(datatype) else ("datatype", str(datatype))
            yield ValueTest("DatatypeConstraintComponent", f"!{_datatype_ok(datatype)}", native,
                            numbers.datatype_rule(str(datatype)) if native is None else None)
        alternatives = self.g.value(prop, _SH["or"])
        if alternatives is not None:
            checks = []
            for member in rdflib.collection.Collection(self.g, alternatives):
                preds = set(self.g.predicates(member)) - {_RDF_TYPE}
                if preds != {_SH.datatype}:
                    raise UnsupportedShapes(f"{prop}: sh:or is compiled only over sh:datatype alternatives")
                checks.append(_datatype_ok(self.g.value(member, _SH.datatype)))
            yield ValueTest("OrConstraintComponent", f"!({' || '.join(checks)})")
        allowed = self.g.value(prop, _SH["in"])
        if allowed is not None:
            members = list(rdflib.collection.Collection(self.g, allowed))
            yield ValueTest("InConstraintComponent",
                            "!(" + " || ".join(f"sameTerm(?value, {_n3(m)})" for m in members) + ")",
                            ("in", frozenset(_to_oxigraph(m) for m in members)))
        cls = self.g.value(prop, _SH["class"])
        if cls is not None:
            # an instance in the study graph, the vocabulary graph or the entity graph (together the data graph)
            yield ValueTest("ClassConstraintComponent",
                            f"NOT EXISTS {{ {{ GRAPH ?g {{ ?value a ?__c }} }} UNION {{ GRAPH <{self.vocabulary}> "
                            f"{{ ?value a ?__c }} }} UNION {{ GRAPH <{ENTITY_GRAPH_IRI}> {{ ?value a ?__c }} }} "
                            f"FILTER (?__c IN ({self._classes(cls)})) }}",
                            ("class", frozenset(self._closure(cls))))
        kind = self.g.value(prop, _SH.nodeKind)
        if kind is not None:
            yield ValueTest("NodeKindConstraintComponent", f"!{_NODE_KINDS[_local(kind)]}", ("nodekind", _local(kind)))
        regex = self.g.value(prop, _SH.pattern)
        if regex is not None:
            flags = self.g.value(prop, _SH.flags)
            args = f"{rdflib.Literal(str(regex)).n3()}" + (f", {rdflib.Literal(str(flags)).n3()}" if flags else "")
            yield ValueTest("PatternConstraintComponent", f"isBlank(?value) || !REGEX(STR(?value), {args})")
        for name, op in _COMPARISONS.items():
            limit = self.g.value(prop, _SH[name])
            if limit is not None:
                component = name[0].upper() + name[1:] + "ConstraintComponent"
                yield ValueTest(component, f"!COALESCE(?value {op} {_n3(limit)}, false)",
                                quick=numbers.comparison_rule(op, _to_oxigraph(limit)))

    # --- SPARQL-based constraints ---------------------------------------------------------------

    def _sparql(self, shape, constraint, target: str, classes: list[str]) -> None:
        select = str(self.g.value(constraint, _SH.select) or "")
        match = _SELECT_VARS.match(select)
        if not match:
            raise UnsupportedShapes(f"{shape}: the SELECT must project plain variables")
        names = tuple(v[1:] for v in match.group(1).split())
        prefixes = "".join(
            f"PREFIX {decl_prefix}: <{decl_ns}>\n"
            for owner in self.g.objects(constraint, _SH.prefixes)
            for decl in self.g.objects(owner, _SH.declare)
            for decl_prefix, decl_ns in [(self.g.value(decl, _SH.prefix), self.g.value(decl, _SH.namespace))]
        )
        projected = " ".join(f"?{n}" for n in names if n != "this")
        # the SELECT's group, not the SELECT, inside GRAPH ?g: Oxigraph (0.5) evaluates a sub-SELECT inside
        # GRAPH ?g over every graph without binding ?g, so a body could match in another study's graph
        body = select[match.end():].strip()
        if not (body.startswith("{") and body.endswith("}")) or _G_VARIABLE.search(body):
            raise UnsupportedShapes(f"{shape}: the SELECT must be one group without modifiers and not use ?g")
        query = f"{prefixes}SELECT DISTINCT ?g ?this {projected} WHERE {{ {target} GRAPH ?g {body} }}"
        self.out.append(CompiledConstraint(
            shape=str(shape), component="SPARQLConstraintComponent", severity=self._severity(shape),
            message=self._message(shape), path=None, query=query, sparql_vars=names, select=prefixes + select,
            classes=tuple(classes)))


def _datatype_ok(datatype) -> str:
    """A SPARQL expression true when ?value is a well-formed literal of ``datatype`` (as pyshacl decides)."""
    iri = str(datatype)
    same = f"isLiteral(?value) && sameTerm(DATATYPE(?value), <{iri}>)"
    local = _xsd_local(iri)
    if local in _CASTABLE:  # an ill-formed lexical form does not cast
        return f"({same} && COALESCE(isLiteral(<{iri}>(STR(?value))), false))"
    if local in _INTEGER_RANGES:
        return f"({same} && COALESCE(<{XSD}integer>(STR(?value)) {_INTEGER_RANGES[local]}, false))"
    return f"({same})"


def subclass_closure(store: Store, vocabulary: NamedNode) -> dict[str, list[str]]:
    """Every class of the vocabulary graph with itself and its subclasses."""
    closure: dict[str, list[str]] = {}
    query = ("SELECT ?super ?sub WHERE { ?sub <http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?super "
             "FILTER (isIRI(?super) && isIRI(?sub)) }")
    for row in store.query(query, default_graph=[vocabulary]):
        closure.setdefault(row["super"].value, []).append(row["sub"].value)
    return {k: sorted(set(v)) for k, v in closure.items()}


def compile_shapes(shapes: rdflib.Graph, store: Store, vocabulary: NamedNode) -> list[CompiledConstraint]:
    """The shapes as one SPARQL query per constraint; UnsupportedShapes when they cannot be compiled."""
    return _compiled(shapes, store, vocabulary).out


def compile_specs(shapes: rdflib.Graph, store: Store, vocabulary: NamedNode
                  ) -> tuple[list[PropertySpec], list[CompiledConstraint]]:
    """The property shapes as specs, and the sh:sparql constraints as queries (for the native engine)."""
    compiler = _compiled(shapes, store, vocabulary)
    return compiler.specs, [c for c in compiler.out if c.component == "SPARQLConstraintComponent"]


def _compiled(shapes: rdflib.Graph, store: Store, vocabulary: NamedNode) -> _Compiler:
    compiler = _Compiler(shapes, subclass_closure(store, vocabulary), vocabulary.value)
    compiler.compile()
    # the compiled queries look for focus nodes in study graphs only, and take subclasses from the vocabulary
    targets = {c for s in shapes.subjects(_RDF_TYPE, _SH.NodeShape) for c in shapes.objects(s, _SH.targetClass)}
    if targets and store.query(
        "ASK { ?x a ?c FILTER (?c IN (" + ", ".join(f"<{t}>" for t in targets) + ")) }", default_graph=[vocabulary]
    ):
        raise UnsupportedShapes("the vocabulary graph holds instances of a target class")
    if store.query(f"ASK {{ GRAPH ?g {{ ?a <http://www.w3.org/2000/01/rdf-schema#subClassOf> ?b }} "
                   f"FILTER (?g != <{vocabulary.value}>) }}"):
        raise UnsupportedShapes("a study graph declares subclasses")
    return compiler


def _fill(template: str, row, names: tuple[str, ...]) -> str:
    for name in names:
        term = row[name]
        if term is not None:
            template = template.replace("{?" + name + "}", display(term)).replace("{$" + name + "}", display(term))
    return template


def run_compiled(store: Store, constraints: list[CompiledConstraint]) -> list[ValidationResult]:
    """Every result of every compiled constraint over every named graph of ``store``."""
    results: list[ValidationResult] = []
    for c in constraints:
        for row in store.query(c.query):
            focus = row["this"]
            if c.component == "SPARQLConstraintComponent":
                value = row["value"] if "value" in c.sparql_vars else None
                path = row["path"] if "path" in c.sparql_vars else None
                results.append(ValidationResult(
                    row["g"].value, ox_key(focus), c.shape, c.component, c.severity,
                    ox_key(path) if path is not None else None,
                    ox_key(value if value is not None else focus), _fill(c.message, row, c.sparql_vars)))
            else:
                value = row["value"] if c.component not in ("MinCountConstraintComponent",
                                                             "MaxCountConstraintComponent") else None
                results.append(ValidationResult(
                    row["g"].value, ox_key(focus), c.shape, c.component, c.severity, c.path,
                    ox_key(value) if value is not None else None, c.message))
    return results
