"""Pick the parser for a document: by forced format name, else by sniffing its content."""

from __future__ import annotations

from kg_builder.sources.base import Parser, SourceDocument

FORMATS: tuple[str, ...] = ("ctgov-json",)


def parser_for(name: str) -> Parser:
    """The parser registered under format ``name`` (one of :data:`FORMATS`)."""
    if name == "ctgov-json":
        from kg_builder.sources.ctgov_json import iter_records

        return iter_records
    raise KeyError(name)


def detect_format(doc: SourceDocument) -> str | None:
    """The format name whose layout ``doc`` looks like, or None when none fits."""
    head = doc.head(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] in (b"{", b"["):
        return "ctgov-json"
    return None


def explain_undetected(doc: SourceDocument) -> str:
    """A one-line reason why ``doc`` matched no layout."""
    head = doc.head(200)
    if not head.strip():
        return "empty file: no record in it"
    return "matches no known layout (ClinicalTrials.gov JSON); force one with --format"
