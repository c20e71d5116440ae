"""Named queries: ``queries/NAME.rq`` files with a header saying what they answer.

Header format (comment lines at the top of the file)::

    # title: Trial overview
    # description: One trial's title, phase, status, enrollment, start date and lead sponsor.
    # param: nct literal — the registry id, e.g. NCT07003074
    # param: condition literal ?wanted — binds ?wanted (when ?condition is an output column)

A parameter is a variable of the query (``?nct``, or the one named after its type).
Values are bound as RDF terms through SPARQL substitution (SEP-0007), never pasted into the query text, so a
value cannot change the query. Types: ``literal`` (default), ``iri``, ``integer``,
``decimal``, ``mesh`` (a MeSH id, 6 or 9 digits, bound as the descriptor's IRI in NLM's form, as the build
mints it: the query then starts from that one node, where an IRI computed in the query is unknown to the
engine's planner, which would read every trial's MeSH terms). Oxigraph substitutes only variables of the
SELECT projection, so a named query projects its parameters; :func:`execute_named` removes those columns
from the results, leaving exactly the columns the query is documented to return.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from pyoxigraph import (
    Literal,
    NamedNode,
    QueryResultsFormat,
    QuerySolutions,
    Store,
    Variable,
    parse_query_results,
)

from kg_builder.errors import QueryError
from kg_builder.external_ids import local_id
from kg_builder.vocab import MESH, XSD

_HEADER = re.compile(r"^#\s*(title|description|param):\s*(.*)$")
_PARAM = re.compile(
    r"^([A-Za-z_][A-Za-z0-9_]*)(?:\s+(literal|iri|integer|decimal|mesh))?(?:\s+\?([A-Za-z_][A-Za-z0-9_]*))?"
    r"\s*(?:[—-]+\s*(.*))?$"
)
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True, slots=True)
class QueryParam:
    name: str
    type: str
    description: str
    variable: str = ""  # the query variable it binds; defaults to the parameter's name

    @property
    def var(self) -> str:
        return self.variable or self.name

    def bind(self, value: str) -> Literal | NamedNode:
        """The RDF term for ``value``; QueryError when it does not fit the type."""
        try:
            if self.type == "iri":
                return NamedNode(value)
            if self.type == "integer":
                return Literal(str(int(value)), datatype=XSD.integer)
            if self.type == "decimal":
                return Literal(str(float(value)), datatype=XSD.decimal)
            if self.type == "mesh":
                local = local_id("mesh", value)
                if local is None:
                    raise ValueError(value)
                return MESH[local]
        except ValueError as exc:
            raise QueryError(f"parameter {self.name}: {value!r} is not a valid {self.type}"
                             + (" id (D or C and 6 or 9 digits, e.g. D009369)" if self.type == "mesh" else "")) from exc
        return Literal(value)


def text_for(store, text: str, direct: str | None) -> str:
    """``text``, or its plain join ``direct`` where ``text`` cannot run as written.

    ``direct`` (``queries/direct/NAME.rq``) is standard SPARQL 1.1 reading no statistics: it runs on a store
    that lacks current statistics, and on an external endpoint (``serve --backend``, a :class:`RemoteStore`
    marked ``portable``), which may not know Oxigraph's extensions (``LATERAL``) that ``text`` uses.
    The one rule for the CLI (:meth:`NamedQuery.text_for`) and the server (``run_query``'s ``fallback``)."""
    from kg_builder.store.statistics import current

    if not direct:
        return text
    return direct if getattr(store, "portable", False) or not current(store) else text


@dataclass(frozen=True, slots=True)
class NamedQuery:
    name: str
    title: str
    description: str
    params: tuple[QueryParam, ...]
    text: str
    direct: str = ""  # its plain join in standard SPARQL 1.1 (``direct/NAME.rq``), see :func:`text_for`

    def text_for(self, store) -> str:
        """The text to run on ``store``: the plain join where the statistics this query reads are missing."""
        return text_for(store, self.text, self.direct)

    def substitutions(self, values: dict[str, str]) -> dict[Variable, Literal | NamedNode]:
        """Bind ``values`` to the declared parameters; QueryError for unknown or missing ones."""
        declared = {p.name: p for p in self.params}
        unknown = sorted(set(values) - set(declared))
        if unknown:
            raise QueryError(
                f"query {self.name!r} has no parameter {', '.join(unknown)}",
                hint=f"its parameters: {', '.join(declared) or 'none'}",
            )
        missing = [p.name for p in self.params if p.name not in values]
        if missing:
            raise QueryError(
                f"query {self.name!r} needs parameter {', '.join(missing)}",
                hint="pass it as --param KEY=VALUE (or ?KEY=VALUE on the server)",
            )
        return {Variable(declared[k].var): declared[k].bind(v) for k, v in values.items()}


def parse_named_query(name: str, text: str) -> NamedQuery:
    title, description, params = name, "", []
    for line in text.splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        match = _HEADER.match(line)
        if not match:
            continue
        key, value = match.group(1), match.group(2).strip()
        if key == "title":
            title = value
        elif key == "description":
            description = (description + " " + value).strip()
        else:
            param = _PARAM.match(value)
            if not param:
                raise QueryError(f"query {name!r}: cannot read parameter line {value!r}")
            params.append(QueryParam(param.group(1), param.group(2) or "literal", param.group(4) or "",
                                     param.group(3) or ""))
    return NamedQuery(name, title, description, tuple(params), text)


def load_named_queries(directory: Path) -> dict[str, NamedQuery]:
    """Every ``*.rq`` file of ``directory`` by name (file stem)."""
    if not directory.is_dir():
        raise QueryError(f"named-query directory {directory} not found", hint="set KG_BUILDER_QUERIES")
    queries = {}
    for path in sorted(directory.glob("*.rq")):
        if _NAME.match(path.stem):
            query = parse_named_query(path.stem, path.read_text(encoding="utf-8"))
            direct = directory / "direct" / path.name
            if direct.is_file():
                query = replace(query, direct=direct.read_text(encoding="utf-8"))
            queries[path.stem] = query
    return queries


def named_query(directory: Path, name: str) -> NamedQuery:
    queries = load_named_queries(directory)
    if name not in queries:
        raise QueryError(f"no named query {name!r}", hint=f"available: {', '.join(queries) or 'none'}")
    return queries[name]


def execute_named(store: Store, query: NamedQuery, values: dict[str, str], *,
                  prefixes: dict[str, str] | None = None):
    """Run ``query`` with ``values`` bound as terms over the union of graphs (``prefixes`` predeclared).

    Returns pyoxigraph results; for SELECT, the parameter columns are removed.
    """
    substitutions = query.substitutions(values)
    try:
        result = store.query(query.text_for(store), substitutions=substitutions or None,
                             use_default_graph_as_union=True, prefixes=prefixes)
    except SyntaxError as exc:
        raise QueryError(f"named query {query.name!r} is not valid SPARQL: {exc}") from exc
    except RuntimeError as exc:
        raise QueryError(f"named query {query.name!r} cannot bind its parameters: {exc}",
                         hint="a named query must SELECT each of its parameter variables") from exc
    if not isinstance(result, QuerySolutions) or not substitutions:
        return result
    # The parameter columns are cut from the answer written as TSV, where a row is a line and a term a field (a
    # term's tabs and line breaks are escaped), and the rest read back by Oxigraph: no Python object per term (the
    # JSON round trip it replaces took ~0.2 s of CPU for 15,000 rows).
    hidden = {f"?{p.var}".encode() for p in query.params}
    lines = result.serialize(format=QueryResultsFormat.TSV).split(b"\n")
    kept = [i for i, name in enumerate(lines[0].split(b"\t")) if name not in hidden]
    cut = b"\n".join(b"\t".join(fields[i] for i in kept) for fields in (line.split(b"\t") for line in lines if line))
    return parse_query_results(cut + b"\n", QueryResultsFormat.TSV)
