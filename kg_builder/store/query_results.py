"""Run a query on the store and write its results as a table, JSON, CSV or TSV."""

from __future__ import annotations

from pathlib import Path
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
    Variable,
    serialize,
)

from kg_builder.errors import QueryError
from kg_builder.store.generations import open_read_only
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


def query_store(store_path: str | Path, text: str, **kwargs) -> QueryResult:
    return query_union(open_read_only(store_path), text, **kwargs)


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


def write_results(result: QueryResult, out: IO[bytes], format: str = "table") -> None:
    """Write ``result``: solutions in ``format``, CONSTRUCT/DESCRIBE triples as Turtle."""
    if format not in RESULT_FORMATS:
        raise QueryError(f"unknown result format {format!r}", hint=f"use one of: {', '.join(RESULT_FORMATS)}")
    if isinstance(result, QueryTriples):
        triples = list(result)
        serialize(triples, out, RdfFormat.TURTLE, prefixes=PREFIXES)
        return
    if isinstance(result, QueryBoolean):
        if format == "table":
            out.write(b"true\n" if bool(result) else b"false\n")
        else:
            result.serialize(out, _SERIALIZED[format])
        return
    if format != "table":
        result.serialize(out, _SERIALIZED[format])
        return
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
