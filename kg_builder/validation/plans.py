"""``sh:sparql`` constraints compiled into plans the native engine runs over a batch's index.

Running a SPARQL-based constraint as a query means copying the whole batch into a scratch
Oxigraph store (most of what the check cost on studies with results). A plan evaluates the
same SELECT over the batch's quads as the native engine has already indexed them, by
predicate, set at a time for every study graph of the batch:

* the graph patterns (triple patterns, ``p1|p2``, joins, ``OPTIONAL``, ``UNION``) and
  ``[NOT] EXISTS`` are joins over the index, in Python;
* ``FILTER`` and ``BIND`` expressions keep SPARQL's value semantics because Oxigraph decides
  them, once per distinct tuple of the values they read (see :class:`Expressions`), except
  ``?v IN (<iri>, ...)``, which is term membership;
* a variable predicate is compiled only when a filter restricts it to listed IRIs.

The SELECT is read with rdflib's SPARQL parser into its algebra. Solutions follow the
compiled query of :mod:`kg_builder.validation.sparql` (the SELECT evaluated in the study
graph, joined with the focus nodes, DISTINCT). What this module cannot translate raises
:class:`Unsupported` and that constraint keeps running as a query: never a different answer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from operator import itemgetter

import rdflib
from pyoxigraph import Literal, NamedNode, Quad, Store
from rdflib.paths import AlternativePath
from rdflib.plugins.sparql.algebra import translateGroupGraphPattern, translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue

from kg_builder.validation.sparql import UnsupportedShapes, _to_oxigraph

G = ""  # the row key of the study graph (never a SPARQL variable name)
_ITEM = "urn:kg-builder:row:"
_VAR = "urn:kg-builder:var:"
_ANCHOR = NamedNode("urn:kg-builder:row")
_CACHE_LIMIT = 50_000  # decided (expression, values) pairs kept between batches
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_UNDECIDED = object()  # an expression's value not known yet (None is an answer: a BIND's error)


class Unsupported(UnsupportedShapes):
    """This SELECT uses SPARQL the plan compiler does not translate (the native engine runs the constraint as
    its compiled query instead; it never leaves :class:`~kg_builder.validation.native.NativeValidator`)."""


class Expressions:
    """Decides FILTER and BIND expressions with Oxigraph, once per distinct tuple of the values they read."""

    def __init__(self) -> None:
        self._known: dict[tuple, object] = {}
        self._stored: dict[Literal, Literal] = {}

    def canonical(self, term):
        """``term`` as an Oxigraph store gives it back: a typed literal in its canonical form (``"18.0"`` as
        ``"18"``, ``xsd:nonNegativeInteger`` as ``xsd:integer``), as the queries over a store saw it."""
        if not isinstance(term, Literal) or term.language or term.datatype.value == _XSD_STRING:
            return term
        found = self._stored.get(term)
        if found is None:
            if len(self._stored) > _CACHE_LIMIT:
                self._stored.clear()
            scratch = Store()
            scratch.add(Quad(_ANCHOR, _ANCHOR, term))
            found = self._stored[term] = next(iter(scratch)).object
        return found

    def values(self, expression: str, names: tuple[str, ...], rows: list[dict], *, boolean: bool) -> list:
        """The expression's value for each row (``True``/``False`` for a filter; a term or None for a BIND)."""
        if len(self._known) > _CACHE_LIMIT:
            self._known.clear()  # before deciding: every row must find its answer below
        known = self._known
        keys = [(expression, *map(row.get, names)) for row in rows]
        answers = [known.get(k, _UNDECIDED) for k in keys]  # one lookup per row when all are known
        unknown = list(dict.fromkeys(k for k, a in zip(keys, answers, strict=True) if a is _UNDECIDED))
        if unknown:
            scratch = Store()
            quads = []
            for i, key in enumerate(unknown):
                item = NamedNode(f"{_ITEM}{i}")
                quads.append(Quad(item, _ANCHOR, _ANCHOR))
                quads += [Quad(item, NamedNode(_VAR + n), v) for n, v in zip(names, key[1:], strict=True)
                          if v is not None]
            scratch.bulk_extend(quads)
            bindings = " ".join(f"OPTIONAL {{ ?kg__row <{_VAR}{n}> ?{n} }}" for n in names)
            head = f"SELECT ?kg__row WHERE {{ ?kg__row <{_ANCHOR.value}> <{_ANCHOR.value}> {bindings} "
            query = (head + f"FILTER ({expression}) }}") if boolean else (
                f"SELECT ?kg__row ?kg__out WHERE {{ ?kg__row <{_ANCHOR.value}> <{_ANCHOR.value}> {bindings} "
                f"BIND ({expression} AS ?kg__out) }}")
            found = {}
            for row in scratch.query(query):
                found[int(row["kg__row"].value.removeprefix(_ITEM))] = True if boolean else row["kg__out"]
            for i, key in enumerate(unknown):
                known[key] = found.get(i, False if boolean else None)
            answers = [known[k] if a is _UNDECIDED else a for k, a in zip(keys, answers, strict=True)]
        return answers


class Index:
    """What a plan reads of a batch: for each predicate, values by (graph, subject) and by (graph, object);
    the (graph, node) pairs typed with each class (``rdf:type`` with a constant class is read from there)."""

    def __init__(self, forward: dict[str, dict], inverse: dict[str, dict],
                 by_class: dict[str, list[tuple]] | None = None) -> None:
        self.forward = forward
        self.inverse = inverse
        self.by_class = by_class if by_class is not None else {}
        self._in_graphs: dict[str, dict] = {}

    def typed_in(self, cls: str) -> dict:
        """The nodes typed with ``cls``, by graph (made once per class)."""
        found = self._in_graphs.get(cls)
        if found is None:
            found = self._in_graphs[cls] = defaultdict(list)
            for graph, node in self.by_class.get(cls, ()):
                found[graph].append(node)
        return found


# --- operators: each evaluates bottom-up to a list of rows (dicts of variable → term, G → graph) ---------

class _Op:
    bound: frozenset[str]  # variables bound in every row
    names: frozenset[str]  # variables some row may bind

    def rows(self, index: Index, expressions: Expressions) -> list[dict]:
        raise NotImplementedError

    def bgps(self) -> Iterator[_BGP]:
        """The triple patterns it evaluates (to know which lookups its index needs)."""
        for child in (getattr(self, "p", None), *getattr(self, "parts", ())):
            if child is not None:
                yield from child.bgps()


class _Unit(_Op):
    bound = names = frozenset()

    def rows(self, index, expressions):
        return [{}]


class _BGP(_Op):
    """Triple patterns, each ``(subject, predicates, object, predicate variable)`` with terms ``("var", name)``
    or ``("const", term)``, joined in an order fixed here: each next pattern reached from a bound subject
    (a forward lookup) where it can be, from a bound object (an inverse lookup) otherwise."""

    def __init__(self, patterns: list[tuple], *, given: frozenset[str] = frozenset()) -> None:
        """``given``: variables every row it extends already binds (none: it starts from the empty row)."""
        self.patterns = patterns
        found: set[str] = set()
        for s, _preds, o, pvar in patterns:
            found |= {t[1] for t in (s, o) if t[0] == "var"} | ({pvar} if pvar else set())
        self.bound = self.names = frozenset(found)
        objects = {o[1] for _s, _p, o, _v in patterns if o[0] == "var"}
        self.steps: list[tuple[str, tuple]] = []  # ("scan" | "forward" | "inverse" | "class", pattern)
        bound: set[str] = set(given) | ({G} if given else set())
        todo = list(patterns)
        while todo:
            kind, chosen = _next_step(todo, bound, objects)
            todo.remove(chosen)
            if kind != "forward" and _typing(chosen):
                kind = "class"  # from the nodes typed with that class, not from every rdf:type value
            self.steps.append((kind, chosen))
            s, _preds, o, pvar = chosen
            bound |= {G} | {t[1] for t in (s, o) if t[0] == "var"} | ({pvar} if pvar else set())
        self.inverse = frozenset(p for kind, pattern in self.steps if kind == "inverse" for p in pattern[1])

    def bgps(self):
        yield self

    def rows(self, index, expressions, rows: list[dict] | None = None):
        """Its solutions, or with ``rows`` (binding ``given``), their extensions by its solutions."""
        rows = rows if rows is not None else [{}]
        for kind, pattern in self.steps:
            if not rows:
                break
            rows = _step(kind, pattern, rows, index, expressions.canonical)
        return rows


def _typing(pattern: tuple) -> bool:
    """Whether a triple pattern is ``?s rdf:type <class>`` (or with a constant subject)."""
    return pattern[1] == (RDF_TYPE,) and pattern[3] is None and pattern[2][0] == "const" and isinstance(
        pattern[2][1], NamedNode)


def _next_step(todo: list[tuple], bound: set[str], objects: set[str]) -> tuple[str, tuple]:
    def known(term) -> bool:
        return bool(bound) and (term[0] == "const" or term[1] in bound)

    def source(pattern) -> bool:  # a subject no other pattern reaches
        return pattern[0][0] == "var" and pattern[0][1] not in objects

    for kind, test in (("forward", lambda p: known(p[0])), ("inverse", lambda p: known(p[2])),
                       ("scan", lambda p: source(p) and p[2][0] == "const"),  # fewest solutions first
                       ("scan", source), ("scan", lambda p: True)):
        for pattern in todo:
            if test(pattern):
                return kind, pattern
    raise AssertionError("no pattern left")


def _step(kind: str, pattern: tuple, rows: list[dict], index: Index, canonical: Callable) -> list[dict]:
    """The rows extended with the solutions of one triple pattern (literals as Oxigraph stores them)."""
    s, preds, o, pvar = pattern
    s_var, o_var = (s[1] if s[0] == "var" else None), (o[1] if o[0] == "var" else None)
    s_const = s[1] if s_var is None else None
    if kind == "class":
        return _typed(o[1].value, s_var, s_const, rows, index)
    o_const = canonical(o[1]) if o_var is None else None
    out: list[dict] = []
    for p in preds:
        forward = index.forward[p]  # indexed for every plan's steps (a missing table is a bug, not "no values")
        if not pvar and kind == "scan" and rows == [{}] and s_var is not None and s_var != o_var:
            # the first step (the common case), in one comprehension: what the loop below makes of it
            out += [{G: g, s_var: subject, o_var: canonical(obj) if type(obj) is Literal else obj}
                    for (g, subject), objects in forward.items() for obj in objects] if o_var is not None else [
                    {G: g, s_var: subject} for (g, subject), objects in forward.items() for obj in objects
                    if canonical(obj) == o_const]
            continue
        extra = {pvar: NamedNode(p)} if pvar else {}
        for row in rows:
            if pvar and pvar in row and row[pvar].value != p:
                continue
            graph = row.get(G)
            o_val = o_const if o_var is None else row.get(o_var)
            if kind == "forward":
                objects = forward.get((graph, s_const if s_var is None else row[s_var]), ())
                if o_val is None:
                    out += [{**row, o_var: canonical(obj) if type(obj) is Literal else obj, **extra}
                            for obj in objects] if extra else [
                            {**row, o_var: canonical(obj) if type(obj) is Literal else obj} for obj in objects]
                elif (o_val in objects) if not isinstance(o_val, Literal) else any(
                        canonical(obj) == o_val for obj in objects):
                    out.append({**row, **extra})
            elif kind == "inverse" and not isinstance(o_val, Literal):
                out += [{**row, s_var: subject, **extra}
                        for subject in index.inverse[p].get((graph, o_val), ())]
            else:  # a scan: every (graph, subject) with this predicate, constants and repeated variables checked
                s_val = s_const if s_var is None else row.get(s_var)
                for (g, subject), objects in forward.items():
                    if (graph is not None and g != graph) or (s_val is not None and subject != s_val):
                        continue
                    for obj in objects:
                        obj = canonical(obj)
                        if o_val is not None and obj != o_val:
                            continue
                        new = {**row, G: g, **extra}
                        if s_var is not None:
                            new[s_var] = subject
                        if o_var is not None:
                            if new.get(o_var, obj) != obj:
                                continue
                            new[o_var] = obj
                        out.append(new)
    return out


def _typed(cls: str, s_var: str | None, s_const, rows: list[dict], index: Index) -> list[dict]:
    """The rows extended with the solutions of ``?s rdf:type <cls>``: what a scan or an inverse lookup of the
    ``rdf:type`` values finds, read from the nodes typed with the class."""
    out: list[dict] = []
    for row in rows:
        graph = row.get(G)
        s_val = s_const if s_var is None else row.get(s_var)
        if graph is None:
            pairs = index.by_class.get(cls, ())
        else:
            pairs = [(graph, node) for node in index.typed_in(cls).get(graph, ())]
        for g, subject in pairs:
            if s_val is not None and subject != s_val:
                continue
            new = {**row, G: g}
            if s_var is not None:
                new[s_var] = subject
            out.append(new)
    return out


class _Origin:
    """A row key no variable can clash with."""


class _Join(_Op):
    def __init__(self, left: _Op, right: _Op, *, optional: bool = False) -> None:
        shared = left.names & right.names
        if not shared <= (left.bound & right.bound):
            raise Unsupported("a join on a variable one side may leave unbound")
        self.left, self.right, self.optional = left, right, optional
        self.shared = tuple(sorted(shared))
        self.bound = left.bound if optional else left.bound | right.bound
        self.names = left.names | right.names
        self.get = itemgetter(G, *self.shared)
        # triple patterns each reached from the left rows' variables: extend those rows (a lookup per row)
        # rather than find all their solutions and join (an OPTIONAL label would read every label)
        self.seeded = None
        if isinstance(right, _BGP):
            seeded = _BGP(right.patterns, given=left.bound)
            if all(kind != "scan" for kind, _pattern in seeded.steps):
                self.seeded = seeded

    def bgps(self):
        yield from self.left.bgps()
        yield from self.right.bgps() if self.seeded is None else (self.seeded,)

    def rows(self, index, expressions):
        left = self.left.rows(index, expressions)
        if not left:
            return []
        if self.seeded is not None:
            return self._extend(left, index, expressions)
        get = self.get
        by_key: dict[tuple, list[dict]] = defaultdict(list)
        for row in self.right.rows(index, expressions):
            by_key[get(row)].append(row)
        out = []
        for row in left:
            matches = by_key.get(get(row))
            if matches:
                out += [{**row, **other} for other in matches]
            elif self.optional:
                out.append(row)
        return out

    def _extend(self, left: list[dict], index, expressions) -> list[dict]:
        if not self.optional:
            return self.seeded.rows(index, expressions, left)
        origin = _Origin()  # which left row each extension came from
        extended = self.seeded.rows(index, expressions, [{**row, origin: i} for i, row in enumerate(left)])
        found = {row[origin] for row in extended}
        return extended + [row for i, row in enumerate(left) if i not in found]


class _Union(_Op):
    def __init__(self, left: _Op, right: _Op) -> None:
        self.parts = (left, right)
        self.bound, self.names = left.bound & right.bound, left.names | right.names

    def rows(self, index, expressions):
        return [row for part in self.parts for row in part.rows(index, expressions)]


class _Exists(_Op):
    """Rows of ``p`` for which ``pattern`` has (``keep=True``) or has no (``keep=False``) solution."""

    def __init__(self, p: _Op, pattern: _Op, *, keep: bool) -> None:
        shared = p.names & pattern.names
        # evaluated on its own then joined: the same as substituting the row only when every shared
        # variable is bound on both sides
        if not shared <= (p.bound & pattern.bound):
            raise Unsupported("EXISTS over a variable that may be unbound")
        self.p, self.pattern, self.keep = p, pattern, keep
        self.get = itemgetter(G, *sorted(shared))
        self.bound, self.names = p.bound, p.names

    def bgps(self):
        yield from self.p.bgps()
        yield from self.pattern.bgps()

    def rows(self, index, expressions):
        rows = self.p.rows(index, expressions)
        if not rows:
            return rows
        get, keep = self.get, self.keep
        found = {get(row) for row in self.pattern.rows(index, expressions)}
        return [row for row in rows if (get(row) in found) == keep]


class _Members(_Op):
    """FILTER (?v IN (<iri>, ...)): IRIs equal only themselves, so this is term membership."""

    def __init__(self, p: _Op, name: str, members: frozenset) -> None:
        self.p, self.name, self.members = p, name, members
        self.bound, self.names = p.bound, p.names

    def rows(self, index, expressions):
        return [row for row in self.p.rows(index, expressions) if row.get(self.name) in self.members]


class _Test(_Op):
    """FILTER (expression), decided by Oxigraph."""

    def __init__(self, p: _Op, expression: str, reads: tuple[str, ...]) -> None:
        self.p, self.expression, self.reads = p, expression, reads
        self.bound, self.names = p.bound, p.names

    def rows(self, index, expressions):
        rows = self.p.rows(index, expressions)
        if not rows:
            return rows
        keep = expressions.values(self.expression, self.reads, rows, boolean=True)
        return [row for row, ok in zip(rows, keep, strict=True) if ok]


class _Bind(_Op):
    """BIND (expression AS ?var): a constant directly, anything else decided by Oxigraph."""

    def __init__(self, p: _Op, name: str, expression: str | None, constant, reads: tuple[str, ...]) -> None:
        self.p, self.name, self.expression, self.constant, self.reads = p, name, expression, constant, reads
        self.bound = p.bound | ({name} if constant is not None else set())
        self.names = p.names | {name}

    def rows(self, index, expressions):
        rows = self.p.rows(index, expressions)
        if self.constant is not None:
            constant = expressions.canonical(self.constant)
            return [{**row, self.name: constant} for row in rows]
        if not rows:
            return rows
        found = expressions.values(self.expression, self.reads, rows, boolean=False)
        return [{**row, self.name: value} if value is not None else row for row, value in zip(rows, found,
                                                                                              strict=True)]


# --- the compiler: rdflib's algebra of the SELECT → operators ------------------------------------------

def _term(node) -> tuple:
    if isinstance(node, rdflib.Variable):
        return ("var", str(node))
    if isinstance(node, (rdflib.URIRef, rdflib.Literal)):
        return ("const", _to_oxigraph(node))
    raise Unsupported(f"term {node!r}")


def _predicates(node) -> tuple[str, ...]:
    if isinstance(node, rdflib.URIRef):
        return (str(node),)
    if isinstance(node, AlternativePath) and all(isinstance(a, rdflib.URIRef) for a in node.args):
        return tuple(dict.fromkeys(str(a) for a in node.args))
    raise Unsupported(f"path {node!r}")


class _Compiler:
    def __init__(self) -> None:
        self.predicates: set[str] = set()  # every predicate a plan reads (by subject)

    def op(self, node, restrict: dict[str, frozenset] | None = None) -> _Op:
        """``restrict``: predicate variables a FILTER limits to listed IRIs."""
        name = node.name
        if name == "BGP":
            return self._bgp(node.triples, restrict or {})
        if name == "Join":
            left, right = self.op(node.p1, restrict), self.op(node.p2, restrict)
            if isinstance(left, _Unit):
                return right
            return left if isinstance(right, _Unit) else _Join(left, right)
        if name == "LeftJoin":
            if node.expr is not None and getattr(node.expr, "name", None) != "TrueFilter":
                raise Unsupported("OPTIONAL with a FILTER")
            return _Join(self.op(node.p1, restrict), self.op(node.p2), optional=True)
        if name == "Union":
            return _Union(self.op(node.p1), self.op(node.p2))
        if name == "Filter":
            return self._filter(node)
        if name == "Extend":
            p = self.op(node.p, restrict)
            var = str(node.var)
            if isinstance(node.expr, (rdflib.URIRef, rdflib.Literal)):
                return _Bind(p, var, None, _to_oxigraph(node.expr), ())
            return _Bind(p, var, _text(node.expr), None, self._reads(node.expr, p))
        if name == "Project":
            return self.op(node.p, restrict)
        raise Unsupported(f"{name} patterns")

    def _bgp(self, triples, restrict: dict[str, frozenset]) -> _Op:
        patterns = []
        for s, p, o in triples:
            if isinstance(p, rdflib.Variable):
                if str(p) not in restrict:
                    raise Unsupported("a variable predicate no FILTER restricts to listed IRIs")
                if p in (s, o):
                    raise Unsupported("a predicate variable also in subject or object position")
                patterns.append((_term(s), tuple(sorted(restrict[str(p)])), _term(o), str(p)))
            else:
                patterns.append((_term(s), _predicates(p), _term(o), None))
            if isinstance(s, rdflib.Literal):
                raise Unsupported("a literal subject")
        if not patterns:
            return _Unit()
        bgp = _BGP(patterns)
        for pattern in patterns:
            self.predicates.update(pattern[1])
        return bgp

    def _filter(self, node) -> _Op:
        conjuncts = _conjuncts(node.expr)
        # ?p IN (<iri>, ...) over a predicate variable restricts the triple pattern itself
        restrict: dict[str, frozenset] = {}
        rest = []
        for expr in conjuncts:
            members = _iri_members(expr)
            if members is not None and _predicate_variable(node.p, members[0]):
                restrict[members[0]] = frozenset(str(m) for m in members[1])
            else:
                rest.append(expr)
        p = self.op(node.p, restrict)
        for expr in rest:
            p = self._condition(p, expr)
        return p

    def _condition(self, p: _Op, expr) -> _Op:
        if getattr(expr, "name", None) in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
            graph = expr.graph
            if graph.name == "GroupGraphPatternSub":
                graph = translateGroupGraphPattern(graph)
            return _Exists(p, self.op(graph), keep=expr.name == "Builtin_EXISTS")
        members = _iri_members(expr)
        if members is not None:
            self._reads(expr, p)
            return _Members(p, members[0], frozenset(NamedNode(str(m)) for m in members[1]))
        return _Test(p, _text(expr), self._reads(expr, p))

    @staticmethod
    def _reads(expr, p: _Op) -> tuple[str, ...]:
        reads = _variables(expr)
        if not set(reads) <= p.names:  # inside EXISTS, such a variable could come from the outer row
            raise Unsupported("an expression over a variable its pattern does not bind")
        return reads


def _conjuncts(expr) -> list:
    if getattr(expr, "name", None) == "ConditionalAndExpression":
        return [part for e in [expr.expr, *(expr.other or [])] for part in _conjuncts(e)]
    return [expr]


def _iri_members(expr) -> tuple[str, list] | None:
    """``(variable, IRIs)`` for ``?v IN (<iri>, ...)`` or ``?v = <iri>``, else None."""
    if getattr(expr, "name", None) != "RelationalExpression" or not isinstance(expr.expr, rdflib.Variable):
        return None
    if expr.op == "IN" and all(isinstance(m, rdflib.URIRef) for m in expr.other):
        return str(expr.expr), list(expr.other)
    if expr.op == "=" and isinstance(expr.other, rdflib.URIRef):
        return str(expr.expr), [expr.other]
    return None


def _predicate_variable(node, name: str) -> bool:
    """Whether ``name`` is a predicate variable of the triple patterns directly under ``node``."""
    while getattr(node, "name", None) in ("Extend", "Join"):
        if node.name == "Join":
            return _predicate_variable(node.p1, name) or _predicate_variable(node.p2, name)
        node = node.p
    return getattr(node, "name", None) == "BGP" and any(
        isinstance(p, rdflib.Variable) and str(p) == name for _s, p, _o in node.triples)


def _variables(expr) -> tuple[str, ...]:
    found: set[str] = set()

    def walk(x) -> None:
        if isinstance(x, rdflib.Variable):
            found.add(str(x))
        elif isinstance(x, CompValue):
            for key, value in x.items():
                if key != "_vars":
                    walk(value)
        elif isinstance(x, (list, tuple)):
            for value in x:
                walk(value)
    walk(expr)
    return tuple(sorted(found))


_ARGUMENTS = {"REGEX": ("text", "pattern", "flags"), "SUBSTR": ("arg", "start", "length"),
              "REPLACE": ("arg", "pattern", "replacement", "flags")}
_BUILTINS = {"STR", "LANG", "LANGMATCHES", "DATATYPE", "BOUND", "IRI", "URI", "BNODE", "ABS", "CEIL", "FLOOR", "ROUND",
             "CONCAT", "STRLEN", "UCASE", "LCASE", "ENCODE_FOR_URI", "CONTAINS", "STRSTARTS", "STRENDS", "STRBEFORE",
             "STRAFTER", "YEAR", "MONTH", "DAY", "HOURS", "MINUTES", "SECONDS", "TIMEZONE", "TZ", "MD5", "SHA1",
             "SHA256", "SHA384", "SHA512", "COALESCE", "IF", "STRLANG", "STRDT", "sameTerm", "isIRI", "isURI",
             "isBLANK", "isLITERAL", "isNUMERIC", "REGEX", "SUBSTR", "REPLACE"}


def _text(expr) -> str:
    """The expression back as SPARQL text (for Oxigraph to decide)."""
    if isinstance(expr, rdflib.Variable):
        return f"?{expr}"
    if isinstance(expr, rdflib.URIRef):
        return f"<{expr}>"
    if isinstance(expr, rdflib.Literal):
        return expr.n3()
    if not isinstance(expr, CompValue):
        raise Unsupported(f"expression {expr!r}")
    name = expr.name
    if name == "RelationalExpression":
        if expr.op in ("IN", "NOT IN"):
            return f"({_text(expr.expr)} {expr.op} ({', '.join(_text(m) for m in expr.other)}))"
        return f"({_text(expr.expr)} {expr.op} {_text(expr.other)})"
    if name in ("ConditionalAndExpression", "ConditionalOrExpression"):
        joiner = " && " if name == "ConditionalAndExpression" else " || "
        return "(" + joiner.join(_text(e) for e in [expr.expr, *(expr.other or [])]) + ")"
    if name in ("AdditiveExpression", "MultiplicativeExpression"):
        text = _text(expr.expr)
        for op, other in zip(expr.op or [], expr.other or [], strict=True):
            text += f" {op} {_text(other)}"
        return f"({text})"
    if name in ("UnaryNot", "UnaryMinus", "UnaryPlus"):
        return {"UnaryNot": "!", "UnaryMinus": "-", "UnaryPlus": "+"}[name] + f"({_text(expr.expr)})"
    if name == "Function" and not dict.get(expr, "distinct"):  # CompValue.get does not default to None
        return f"<{expr.iri}>({', '.join(_text(a) for a in expr.expr or [])})"
    function = name.removeprefix("Builtin_")
    if function in _BUILTINS:
        if function in ("CONCAT", "COALESCE"):
            args = expr.arg
        else:
            keys = _ARGUMENTS.get(function, ("arg", "arg1", "arg2", "arg3"))
            args = [expr[k] for k in keys if k in expr and expr[k] is not None]
        return f"{function}({', '.join(_text(a) for a in args)})"
    raise Unsupported(f"expression {name}")


class Plan:
    """One ``sh:sparql`` constraint as a plan: its solutions over a batch, per study graph and focus node."""

    def __init__(self, select: str) -> None:
        query = translateQuery(parseQuery(select))
        algebra = query.algebra
        if algebra.name != "SelectQuery" or algebra.p.name != "Project":
            raise Unsupported("not a plain SELECT")
        compiler = _Compiler()
        self.root = compiler.op(algebra.p.p)
        self.projected = tuple(str(v) for v in algebra.p.PV)
        if "this" not in self.projected or "this" not in self.root.bound:
            raise Unsupported("$this not bound by every solution")
        # the predicates it reads by subject (``rdf:type`` with a constant class is read by class)
        self.predicates = frozenset(p for bgp in self.root.bgps() for kind, pattern in bgp.steps
                                    if kind != "class" for p in pattern[1])
        self.inverse = frozenset(p for bgp in self.root.bgps() for p in bgp.inverse)

    def solutions(self, index: Index, expressions: Expressions, focus: Callable[[object, object], bool]) -> list[dict]:
        """Distinct solutions (graph and projected variables) whose ``$this`` is a focus node of its graph."""
        seen, out = set(), []
        for row in self.root.rows(index, expressions):
            if not focus(row[G], row["this"]):
                continue
            key = (row[G], *(row.get(n) for n in self.projected))
            if key not in seen:
                seen.add(key)
                out.append({G: row[G], **{n: row.get(n) for n in self.projected}})
        return out
