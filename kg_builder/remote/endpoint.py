"""A SPARQL endpoint behind the part of the pyoxigraph ``Store`` API the server and linker use.

``RemoteStore(url).query(...)``, ``.named_graphs()`` and ``.quads_for_pattern(...)``
answer like the embedded store, so ``kg-builder serve --backend URL`` and
``kg-builder link … URL`` work over Oxigraph server, Fuseki, GraphDB, Virtuoso or
Neptune. Results are parsed with pyoxigraph, so callers get the same objects.

Two things the SPARQL protocol does not carry are handled here:

- parameter substitution (``substitutions=``): variables are replaced by the
  terms' own N-Triples form (written by pyoxigraph, never by hand) at the token
  level, outside strings, IRIs and comments; a projected parameter becomes
  ``(TERM AS ?var)`` so the column stays, as with Oxigraph's own substitution.
- predeclared prefixes and a base IRI (``prefixes=``, ``base_iri=``, as the embedded store takes
  them): written as a prologue in front of the text, on the text's first line (line numbers in
  the endpoint's errors stay the text's own). A prefix the text declares itself is left out.
- the union default graph: Oxigraph server takes a ``union-default-graph`` request
  parameter; other stores need it in their configuration (Fuseki:
  ``tdb2:unionDefaultGraph true``; GraphDB and Virtuoso do it by default). Set
  ``union_parameter=None`` for those.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

import httpx
from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Triple,
    Variable,
    parse,
    parse_query_results,
)

from kg_builder.errors import QueryError, StoreError

Term = NamedNode | Literal | BlankNode
_DEFAULT_GRAPH = object()

# One SPARQL token at a time: comments, strings (long and short), IRIs, variables, other.
_TOKEN = re.compile(
    r"""(?P<comment>\#[^\n]*)
      | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                   |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
      | (?P<iri><[^<>"{}|^`\\\s]*>)
      | (?P<var>[?$][A-Za-z_0-9\u00b7\u00c0-\ufffd]+)
      | (?P<word>[A-Za-z_][A-Za-z_0-9-]*)
      | (?P<open>\()|(?P<close>\))
      | (?P<brace>[{}])
      | (?P<other>\s+|.)""",
    re.X | re.S,
)


def substitute(query: str, substitutions: Mapping[Variable | str, Term]) -> str:
    """``query`` with each variable of ``substitutions`` replaced by its term.

    In the query's own SELECT projection ``?v`` becomes ``(TERM AS ?v)``; in a sub-select's
    projection it is left out (the term stands in its body, and a sub-select that projected
    ``(TERM AS ?v)`` would clash with the one it is nested in); in GROUP BY / ORDER BY it
    becomes ``(TERM)``; elsewhere the bare term. Binding a variable the query assigns
    itself (``AS ?v`` or ``BIND``) is refused, as pyoxigraph refuses it.
    """
    terms = {(k.value if isinstance(k, Variable) else k.lstrip("?$")): v for k, v in substitutions.items()}
    out: list[str] = []
    state = "body"  # body | projection | modifiers (GROUP BY / ORDER BY)
    depth = 0  # parentheses depth
    braces = 0  # braces depth: a SELECT inside braces is a sub-select
    nested = False  # the projection being read is a sub-select's
    last = ""  # the previous significant token, upper-cased
    for match in _TOKEN.finditer(query):
        kind, text = match.lastgroup, match.group()
        if kind == "brace":
            braces += 1 if text == "{" else -1
        if kind == "word":
            upper = text.upper()
            if upper == "SELECT":
                state = "projection"
                nested = braces > 0
            elif upper in ("WHERE", "FROM") and state == "projection" and depth == 0:
                state = "body"
            elif upper == "BY" and last in ("GROUP", "ORDER"):
                state = "modifiers"
            elif upper in ("LIMIT", "OFFSET", "HAVING", "VALUES"):
                state = "body"
        elif kind == "brace" and depth == 0 and state != "body":
            state = "body"
        elif kind == "open":
            depth += 1
        elif kind == "close":
            depth = max(depth - 1, 0)
        elif kind == "var" and text[1:] in terms:
            if last == "AS":
                raise QueryError(f"cannot bind ?{text[1:]}: the query assigns it itself")
            term = str(terms[text[1:]])  # pyoxigraph's N-Triples form of the term
            if state == "projection" and depth == 0:
                text = "" if nested else f"({term} AS {text})"
            elif state == "modifiers" and depth == 0:
                text = f"({term})"
            else:
                text = term
        if kind not in ("other", "comment") or text.strip():
            last = text.upper() if kind != "other" or text.strip() else last
        out.append(text)
    return "".join(out)


def declared_prefixes(query: str) -> set[str]:
    """The prefix labels ``query`` declares itself (``PREFIX label:``, outside strings, IRIs and comments)."""
    declared: set[str] = set()
    expecting = False  # the previous significant token was PREFIX
    label = ""
    for match in _TOKEN.finditer(query):
        kind, text = match.lastgroup, match.group()
        if kind == "comment" or (kind == "other" and text.isspace()):
            continue
        if expecting and kind == "word" and not label:
            label = text
            continue
        if expecting and text == ":":
            declared.add(label)
        expecting, label = kind == "word" and text.upper() == "PREFIX", ""
    return declared


def prologue(query: str, prefixes: Mapping[str, str] | None, base_iri: str | None) -> str:
    """``BASE`` and the ``PREFIX`` declarations ``query`` needs in front of it, on one line (empty if none).

    IRIs are written by pyoxigraph (``NamedNode``), which refuses one that is not an IRI.
    """
    parts = [f"BASE {NamedNode(base_iri)} "] if base_iri else []
    if prefixes:
        own = declared_prefixes(query)
        parts.extend(f"PREFIX {label}: {NamedNode(iri)} " for label, iri in prefixes.items() if label not in own)
    return "".join(parts)


class RemoteStore:
    """A read view of a SPARQL 1.1 endpoint (query URL), optionally with its Graph Store URL."""

    # a named query sends this endpoint its standard SPARQL 1.1 text (kg_builder.store.named_queries.text_for):
    # the store behind it may not know Oxigraph's extensions
    portable = True

    def __init__(
        self,
        query_url: str,
        *,
        client: httpx.Client | None = None,
        auth: httpx.Auth | tuple[str, str] | None = None,
        timeout: float = 60.0,
        union_parameter: str | None = "union-default-graph",
    ) -> None:
        if not re.match(r"^https?://", query_url):
            raise StoreError(f"not an http(s) SPARQL endpoint URL: {query_url!r}")
        self.query_url = query_url
        self.union_parameter = union_parameter
        self._client = client or httpx.Client(auth=auth, timeout=timeout, follow_redirects=True)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> RemoteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def query(
        self,
        query: str,
        *,
        use_default_graph_as_union: bool = False,
        default_graph: NamedNode | list[NamedNode] | None = None,
        named_graphs: list[NamedNode] | None = None,
        substitutions: Mapping[Variable | str, Term] | None = None,
        prefixes: Mapping[str, str] | None = None,
        base_iri: str | None = None,
        **_ignored: object,
    ) -> QuerySolutions | QueryBoolean | QueryTriples:
        """Run ``query`` on the endpoint; the result objects are pyoxigraph's own."""
        text = substitute(query, substitutions) if substitutions else query
        text = prologue(text, prefixes, base_iri) + text
        params: list[tuple[str, str]] = []
        if use_default_graph_as_union and self.union_parameter:
            params.append((self.union_parameter, ""))
        for graph in ([default_graph] if isinstance(default_graph, NamedNode) else default_graph or []):
            if isinstance(graph, NamedNode):  # the protocol cannot name the store's own default graph
                params.append(("default-graph-uri", graph.value))
        for graph in named_graphs or []:
            params.append(("named-graph-uri", graph.value))
        accept = "application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8"
        try:
            response = self._client.post(self.query_url, params=params, data={"query": text},
                                         headers={"Accept": accept})
        except httpx.HTTPError as exc:
            raise StoreError(f"SPARQL endpoint unreachable: {exc}", where=self.query_url) from exc
        if response.status_code == 400:
            raise QueryError(f"the endpoint refused the query: {response.text[:300]}", where=self.query_url)
        if response.status_code >= 300:
            raise StoreError(f"SPARQL endpoint answered {response.status_code}: {response.text[:300]}",
                             where=self.query_url)
        content_type = response.headers.get("content-type", "").split(";")[0].strip()
        if content_type in ("application/sparql-results+json", "application/json"):
            return parse_query_results(response.content, QueryResultsFormat.JSON)
        if content_type in ("application/sparql-results+xml", "application/xml"):
            return parse_query_results(response.content, QueryResultsFormat.XML)
        rdf_format = RdfFormat.from_media_type(content_type) if content_type else None
        if rdf_format is None:
            raise StoreError(f"unexpected answer type {content_type!r}", where=self.query_url)
        return _Triples(list(parse(response.content, rdf_format)))

    def named_graphs(self) -> Iterator[NamedNode]:
        result = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
        assert isinstance(result, QuerySolutions)
        for solution in result:
            if isinstance(solution["g"], NamedNode):
                yield solution["g"]

    def contains_named_graph(self, graph: NamedNode) -> bool:
        result = self.query("ASK { GRAPH ?g { } }", substitutions={"g": graph})
        return bool(result)

    def quads_for_pattern(
        self,
        subject: Term | None,
        predicate: NamedNode | None,
        object: Term | None,
        graph_name: NamedNode | object | None = None,
    ) -> Iterator[Quad]:
        """Quads matching the pattern; ``graph_name=None`` means every graph, as in pyoxigraph."""
        fixed = {name: term for name, term in (("s", subject), ("p", predicate), ("o", object))
                 if term is not None}
        if isinstance(graph_name, NamedNode):
            fixed["g"] = graph_name
        in_default = "{ ?s ?p ?o }"
        in_named = "{ GRAPH ?g { ?s ?p ?o } }"
        pattern = in_named if graph_name is not None and graph_name is not _DEFAULT_GRAPH else in_default
        if graph_name is None:
            pattern = f"{{ {in_default} UNION {in_named} }}"
        result = self.query(f"SELECT ?s ?p ?o ?g WHERE {pattern}", substitutions=fixed or None)
        assert isinstance(result, QuerySolutions)
        for row in result:
            s = fixed.get("s") or row["s"]
            p = fixed.get("p") or row["p"]
            o = fixed.get("o") or row["o"]
            g = fixed.get("g") or row["g"]
            yield Quad(s, p, o, g) if g is not None else Quad(s, p, o)


class _Triples:
    """CONSTRUCT / DESCRIBE results as an iterable of triples, like pyoxigraph's QueryTriples."""

    def __init__(self, triples: list[Triple]) -> None:
        self._triples = triples

    def __iter__(self) -> Iterator[Triple]:
        return iter(self._triples)

    def serialize(self, output=None, format: RdfFormat = RdfFormat.N_TRIPLES):
        from pyoxigraph import serialize

        return serialize(self._triples, output, format)


DEFAULT_GRAPH = _DEFAULT_GRAPH
