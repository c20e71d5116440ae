"""Run a query on the store; its answer, written as a table, JSON, CSV or TSV (a graph as Turtle)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Store,
    Triple,
    Variable,
    serialize,
)

from kg_builder.errors import QueryError, UsageError
from kg_builder.vocab import PREFIXES

RESULT_FORMATS = ("table", "json", "csv", "tsv")
_SERIALIZED = {"json": QueryResultsFormat.JSON, "csv": QueryResultsFormat.CSV, "tsv": QueryResultsFormat.TSV}

QueryResult = QuerySolutions | QueryBoolean | QueryTriples


def query_union(
    store: Store,
    text: str,
    *,
    substitutions: dict[Variable, Literal | NamedNode] | None = None,
) -> QueryResult:
    """Execute a SPARQL query over the union of the store's graphs; QueryError for bad syntax.

    The project's prefixes (kg:, rdfs:, schema:, skos:, mesh: …) are predeclared.
    """
    try:
        return store.query(text, use_default_graph_as_union=True, substitutions=substitutions or None,
                           prefixes=PREFIXES)
    except SyntaxError as exc:
        raise QueryError(f"invalid SPARQL: {exc}", hint="check the query near the position given") from exc


def _cell(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, NamedNode | BlankNode | Literal):
        return term.value
    return str(term)


def solutions_as_rows(solutions: QuerySolutions) -> tuple[list[str], list[list[str]]]:
    """Column names and rows of plain strings (IRIs and literal values, no syntax)."""
    columns = [v.value for v in solutions.variables]
    return columns, [[_cell(row[c]) for c in columns] for row in solutions]


class QueryAnswer:
    """One query's answer: solutions (SELECT), a boolean (ASK) or triples (CONSTRUCT, DESCRIBE).

    The answer streams from the store and is read once: :meth:`rows`, :meth:`triples`,
    iterating, or :meth:`write`.
    """

    def __init__(self, result: QueryResult) -> None:
        self.result = result

    @property
    def kind(self) -> str:
        """``solutions``, ``boolean`` or ``graph``."""
        if isinstance(self.result, QueryBoolean):
            return "boolean"
        return "graph" if isinstance(self.result, QueryTriples) else "solutions"

    @property
    def columns(self) -> list[str]:
        return [v.value for v in self.result.variables] if isinstance(self.result, QuerySolutions) else []

    def __iter__(self) -> Iterator:
        return iter(self.result)  # QuerySolution or Triple

    def __bool__(self) -> bool:
        """ASK's answer; for the other kinds, whether there is an answer at all (always true)."""
        return bool(self.result) if isinstance(self.result, QueryBoolean) else True

    def rows(self) -> list[dict[str, str]]:
        """SELECT solutions as ``{column: text}`` (IRIs and literal values; unbound columns left out)."""
        if not isinstance(self.result, QuerySolutions):
            raise QueryError(f"a {self.kind} answer has no rows", hint="rows() is for SELECT queries")
        columns = self.columns
        return [{c: _cell(row[c]) for c in columns if row[c] is not None} for row in self.result]

    def triples(self) -> list[Triple]:
        if not isinstance(self.result, QueryTriples):
            raise QueryError(f"a {self.kind} answer has no triples", hint="triples() is for CONSTRUCT and DESCRIBE")
        return list(self.result)

    def write(self, out: IO[bytes], format: str = "table") -> None:
        """Write the answer: solutions and booleans in ``format``, a graph as Turtle (``table``, the default)."""
        if format not in RESULT_FORMATS:
            raise UsageError(f"unknown result format {format!r}", hint=f"use one of: {', '.join(RESULT_FORMATS)}")
        result = self.result
        if isinstance(result, QueryTriples):
            if format != "table":
                raise UsageError(f"--format {format} is for SELECT and ASK answers; this query returns a graph",
                                 hint="leave --format out to print the graph as Turtle")
            serialize(list(result), out, RdfFormat.TURTLE, prefixes=PREFIXES)
        elif isinstance(result, QueryBoolean) and format == "table":
            out.write(b"true\n" if bool(result) else b"false\n")
        elif format != "table":
            result.serialize(out, _SERIALIZED[format])
        else:
            columns, rows = solutions_as_rows(result)
            out.write(format_table(columns, rows).encode("utf-8"))


def format_table(columns: list[str], rows: list[list[str]], max_width: int = 60) -> str:
    """A plain-text table, cells cut at ``max_width`` characters and newlines shown as spaces."""

    def fit(value: str) -> str:
        value = " ".join(value.split())
        return value if len(value) <= max_width else value[: max_width - 1] + "…"

    shown = [[fit(v) for v in row] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in shown)]) for i, c in enumerate(columns)]
    lines = [" | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)),
             "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in shown]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"
