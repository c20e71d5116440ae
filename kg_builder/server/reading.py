"""Reading a SPARQL 1.1 Protocol request: what to run, on which dataset, in which format.

The query string and a form body are read with the standard library's parser, as Starlette
reads them. What the protocol forbids is refused here, before anything runs: two queries or
two updates (400, and neither runs), a query and an update together, an update by GET
(405), a body that is not UTF-8 or of a media type no operation takes (415), and dataset
IRIs that are not absolute IRIs (400).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from pyoxigraph import NamedNode

from kg_builder.server.problems import HttpError

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
RESERVED = frozenset({"format"})  # query-string keys of /queries/{name} that are not its parameters
_DATASET = ("default-graph-uri", "named-graph-uri")
_USING = ("using-graph-uri", "using-named-graph-uri")


@dataclass(slots=True)
class Asked:
    """One protocol operation: a query or an update, its dataset and the ``format=`` override."""

    query: str | None = None
    update: str | None = None
    format: str | None = None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    using_graphs: list[str] = field(default_factory=list)
    using_named_graphs: list[str] = field(default_factory=list)


def media_type(content_type: str | None) -> tuple[str, str | None]:
    """``(type/subtype, charset or None)`` of a Content-Type header, lower-cased."""
    media, *params = (content_type or "").split(";")
    charset = None
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media.strip().lower(), charset


def query_pairs(query_string: bytes) -> list[tuple[str, str]]:
    """The URL's parameters in order, blank values kept (read as Starlette reads ``query_params``)."""
    return parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)


def read(method: str, query_string: bytes, content_type: str | None, body: bytes) -> Asked:
    """The operation a ``/sparql`` request asks for (HttpError when the protocol forbids it)."""
    pairs = query_pairs(query_string)
    if method == "POST":
        media, charset = media_type(content_type)
        if charset not in (None, "utf-8", "utf8"):
            raise HttpError(415, "unsupported-media-type", f"the request body must be UTF-8, not {charset}",
                            hint="send the same text encoded as UTF-8")
        if media == FORM:
            pairs += parse_qsl(decode(body), keep_blank_values=True)
        elif media == QUERY_TYPE:
            pairs.append(("query", decode(body)))
        elif media == UPDATE_TYPE:
            pairs.append(("update", decode(body)))
        else:
            raise HttpError(415, "unsupported-media-type", f"cannot read a {media or 'typeless'} body",
                            hint=f"send {FORM}, {QUERY_TYPE} or {UPDATE_TYPE}")
    values: dict[str, list[str]] = {}
    for key, value in pairs:
        values.setdefault(key, []).append(value)
    for key in ("query", "update"):
        if len(values.get(key, ())) > 1:
            raise HttpError(400, "bad-request", f"the request carries {len(values[key])} {key} parameters",
                            hint=f"send exactly one {key} per request")
    if "query" in values and "update" in values:
        raise HttpError(400, "bad-request", "the request carries both a query and an update",
                        hint="send them as two requests")
    if "update" in values and method != "POST":
        raise HttpError(405, "method-not-allowed", "SPARQL Update is sent with POST, never GET",
                        headers={"Allow": "POST"})
    formats = [f for f in values.get("format", ()) if f]
    asked = Asked(query=_one(values, "query"), update=_one(values, "update"), format=formats[-1] if formats else None)
    asked.default_graphs, asked.named_graphs = (iris(values.get(k, ()), k) for k in _DATASET)
    asked.using_graphs, asked.using_named_graphs = (iris(values.get(k, ()), k) for k in _USING)
    if asked.update is None and (asked.using_graphs or asked.using_named_graphs):
        raise HttpError(400, "bad-request", "using-graph-uri and using-named-graph-uri go with an update",
                        hint="a query names its dataset with default-graph-uri and named-graph-uri")
    if asked.update is not None and (asked.default_graphs or asked.named_graphs):
        raise HttpError(400, "bad-request", "default-graph-uri and named-graph-uri go with a query",
                        hint="an update names its dataset with using-graph-uri and using-named-graph-uri")
    return asked


def _one(values: dict[str, list[str]], key: str) -> str | None:
    found = values.get(key)
    return found[0] if found else None


def iris(values: Iterable[str], parameter: str) -> list[str]:
    """``values`` checked to be absolute IRIs, as the protocol requires of ``parameter`` (400 otherwise)."""
    checked = []
    for value in values:
        iri(value, parameter)
        checked.append(value)
    return checked


def iri(value: str | None, parameter: str) -> str:
    """``value`` if it is an absolute IRI; a 400 that names ``parameter`` (and never echoes a parser) if not."""
    if value:
        try:
            NamedNode(value)
        except ValueError:
            pass
        else:
            return value
    raise HttpError(400, "bad-iri", f"the {parameter} parameter must be an absolute IRI",
                    hint="for example https://w3id.org/kg-builder/id/graph/NCT00000000 (percent-encode it in a URL)")


def named_values(query_string: bytes) -> tuple[dict[str, str], str | None]:
    """A named query's parameters and ``format=``; a parameter given twice is a 400 (which one was meant?)."""
    values: dict[str, str] = {}
    format = None
    for key, value in query_pairs(query_string):
        if key in RESERVED:
            format = value or format
            continue
        if key in values:
            raise HttpError(400, "bad-parameter", f"the parameter {key!r} is given twice",
                            hint="give each parameter once")
        values[key] = value
    return values, format


def decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HttpError(400, "bad-encoding", f"the request body is not UTF-8 (byte {exc.start})",
                        hint="send the text encoded as UTF-8") from exc
