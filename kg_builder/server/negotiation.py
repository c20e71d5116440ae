"""Content negotiation: one pure function over an Accept header, with an explicit default.

Formats are data (name, media types, short names for ``format=``); the header is read by
python-mimeparse, and :func:`negotiate` picks the offer the client rates highest, ties going
to the order of the offers (the server's preference), and answers None when nothing
acceptable is on offer (a 406).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import mimeparse


# eq=False: the formats are the constants below, so identity is equality, and hashing one (part of choose()'s
# cache key) costs nothing
@dataclass(frozen=True, slots=True, eq=False)
class Format:
    name: str
    media_types: tuple[str, ...]  # the first is what the response says it is
    aliases: tuple[str, ...]  # accepted by ``format=``

    @property
    def media_type(self) -> str:
        return self.media_types[0]

    @property
    def content_type(self) -> str:
        textual = self.media_type.startswith("text/") or self.media_type.endswith(("+xml", "+json", "/xml"))
        return f"{self.media_type}; charset=utf-8" if textual else self.media_type


RESULTS_JSON = Format("json", ("application/sparql-results+json", "application/json"), ("json", "srj"))
RESULTS_XML = Format(
    "xml", ("application/sparql-results+xml", "application/xml", "text/xml"), ("xml", "srx")
)
RESULTS_CSV = Format("csv", ("text/csv",), ("csv",))
RESULTS_TSV = Format("tsv", ("text/tab-separated-values",), ("tsv",))
RESULT_FORMATS: tuple[Format, ...] = (RESULTS_JSON, RESULTS_XML, RESULTS_CSV, RESULTS_TSV)

# "n3" and "rdf+xml" are the names SPARQLWrapper sends as format=
TURTLE = Format("turtle", ("text/turtle", "application/x-turtle"), ("turtle", "ttl", "n3"))
N_TRIPLES = Format("ntriples", ("application/n-triples", "text/plain"), ("ntriples", "nt", "n-triples"))
JSON_LD = Format(
    "jsonld", ("application/ld+json", "application/json", "application/x-json+ld"), ("jsonld", "json-ld", "json")
)
RDF_XML = Format("rdfxml", ("application/rdf+xml", "application/xml", "text/xml"), ("rdfxml", "rdf", "xml", "rdf+xml"))
GRAPH_FORMATS: tuple[Format, ...] = (TURTLE, N_TRIPLES, JSON_LD, RDF_XML)

HTML = Format("html", ("text/html", "application/xhtml+xml"), ("html",))
ENTITY_FORMATS: tuple[Format, ...] = (TURTLE, HTML, N_TRIPLES, JSON_LD, RDF_XML)

BY_NAME: dict[str, Format] = {f.name: f for f in (*RESULT_FORMATS, *GRAPH_FORMATS, HTML)}


def parse_accept(header: str) -> list[tuple[str, str, dict]]:
    """The media ranges of an Accept header (python-mimeparse); a malformed range is left out, as RFC 9110
    §12.5.1 allows, so a garbage header means no preference rather than a refusal."""
    ranges = []
    for part in header.lower().split(","):
        if part.strip():
            try:
                ranges.append(mimeparse.parse_media_range(part))
            except (ValueError, mimeparse.MimeTypeParseException):
                continue
    return ranges


_EXACT = 110  # mimeparse's fitness of a range naming both the type and the subtype


def quality(ranges: Sequence[tuple[str, str, dict]], fmt: Format) -> float:
    """The client's rating of ``fmt``: the q of the range that fits its media types best.

    A wildcard (``*/*``, ``text/*``) rates a format by its own media type only, never by an alias:
    ``text/*`` asks for CSV or Turtle, not for SPARQL-results XML because it is also ``text/xml``.
    """
    best_q, best_fitness = 0.0, -1.0
    for index, media_type in enumerate(fmt.media_types):
        q, fitness = mimeparse.quality_and_fitness_parsed(media_type, ranges)
        if fitness < 0 or (index > 0 and fitness < _EXACT):
            continue
        if fitness > best_fitness:
            best_q, best_fitness = q, fitness
    return best_q


def negotiate(accept: str | None, offers: Sequence[Format], default: Format) -> Format | None:
    """The format to answer in for ``accept``; ``default`` when the client states no preference."""
    if not accept or not accept.strip():
        return default
    ranges = parse_accept(accept)
    if not ranges:
        return default
    ordered = [default, *(f for f in offers if f is not default)]
    best, best_q = None, 0.0
    for fmt in ordered:
        q = quality(ranges, fmt)
        if q > best_q:
            best, best_q = fmt, q
    return best


def by_override(value: str, offers: Sequence[Format]) -> Format | None:
    """The ``format=`` override: a short name (``csv``, ``ttl``) or a media type among ``offers``.

    A comma-separated list is read in order (SPARQLWrapper sends the media types it accepts).
    """
    for item in value.split(","):
        wanted = item.split(";")[0].strip().lower()
        for fmt in offers:
            if wanted in fmt.aliases or wanted in fmt.media_types:
                return fmt
    return None


def choose(
    accept: str | None, override: str | None, offers: Sequence[Format], default: Format
) -> Format | None:
    """``format=`` when given, else the Accept header.

    Cached for headers of usual length (clients send the same few; the cache holds its keys), so ``offers``
    must be hashable: a tuple.
    """
    if len(accept or "") + len(override or "") <= _CACHED:
        return _choose_cached(accept, override, offers, default)
    return _choose(accept, override, offers, default)


_CACHED = 1024


def _choose(accept: str | None, override: str | None, offers: Sequence[Format], default: Format) -> Format | None:
    if override:
        return by_override(override, offers)
    return negotiate(accept, offers, default)


_choose_cached = functools.lru_cache(maxsize=1024)(_choose)
