"""Pick the parser for a document: by forced format name, else by sniffing its content.

Sniffing reads only the head of a document (64 KiB) and decides in this order: JSON
(``{``/``[``), classic XML (a ``<clinical_study`` element), the CSV download (a header
row naming "NCT Number" or "Study Title"), the registry web page (its section headings),
and last the flattened line-per-field record (title, summary and conditions, then a
``TYPE: name`` interventions line, or an empty one as observational studies have: see
:func:`kg_builder.sources.flat_record.find_columns`). A document that fits none gets
``None`` and :func:`explain_undetected` says why in one line.
"""

from __future__ import annotations

import csv
import importlib
import io
import re

from kg_builder.sources.base import Parser, SourceDocument

FORMATS: tuple[str, ...] = ("ctgov-json", "ctgov-xml", "ctgov-csv", "registry-page", "flat-record")
_MODULES = {
    "ctgov-json": "ctgov_json",
    "ctgov-xml": "ctgov_xml",
    "ctgov-csv": "ctgov_csv",
    "registry-page": "registry_page",
    "flat-record": "flat_record",
}
_HEAD = 65536
_BOM = b"\xef\xbb\xbf"
_XML_ROOT = re.compile(rb"<(?:[\w.-]+:)?clinical_study[\s>/]")
_FIRST_TAG = re.compile(rb"<([A-Za-z_][\w.:-]*)")


def parser_for(name: str) -> Parser:
    """The parser registered under format ``name`` (one of :data:`FORMATS`); KeyError otherwise."""
    module_name = _MODULES[name]
    module = importlib.import_module(f"kg_builder.sources.{module_name}")
    return module.iter_records


def _head_text(doc: SourceDocument) -> tuple[bytes, str]:
    head = doc.head(_HEAD).removeprefix(_BOM)
    return head, head.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")


def _csv_header(text: str) -> list[str] | None:
    try:
        return next(csv.reader(io.StringIO(text)), None)
    except csv.Error:
        return None


def _page_headings(lines: list[str]) -> int:
    from kg_builder.sources.registry_page import SIGNATURE_HEADINGS

    present = {line.strip() for line in lines}
    return sum(heading in present for heading in SIGNATURE_HEADINGS)


def _looks_flat(lines: list[str], complete: bool) -> bool:
    from kg_builder.sources.flat_record import find_columns

    filled = [i for i, line in enumerate(lines) if line.strip()]
    if not filled:
        return False
    lines = lines[filled[0] : filled[-1] + 1]
    return len([line for line in lines if line.strip()]) >= 3 and find_columns(lines, complete=complete) is not None


def detect_text(head: bytes, text: str) -> str | None:
    """The format of a document whose first bytes are ``head`` (decoded: ``text``)."""
    body = head.lstrip(b" \t\r\n")
    if body[:1] in (b"{", b"["):
        return "ctgov-json"
    if body[:1] == b"<":
        return "ctgov-xml" if _XML_ROOT.search(body) else None
    if b"\x00" in head:
        return None
    lines = text.lstrip("\n").split("\n")
    header = _csv_header(text.lstrip())
    if header and len(header) > 1:
        from kg_builder.sources.ctgov_csv import is_header

        if is_header(header):
            return "ctgov-csv"
    if _page_headings(lines) >= 2:
        return "registry-page"
    if _looks_flat(lines, complete=len(head) < _HEAD):
        return "flat-record"
    return None


def detect_format(doc: SourceDocument) -> str | None:
    """The format name whose layout ``doc`` looks like, or None when none fits."""
    head, text = _head_text(doc)
    return detect_text(head, text)


def explain_undetected(doc: SourceDocument) -> str:
    """A one-line reason why ``doc`` matched no layout."""
    head, text = _head_text(doc)
    body = head.lstrip(b" \t\r\n")
    if not body:
        return "empty file: no record in it"
    if body[:1] == b"<":
        tag = _FIRST_TAG.search(body.split(b"?>", 1)[-1] if body.startswith(b"<?") else body)
        root = tag.group(1).decode("ascii", "replace") if tag else "?"
        return f"XML without a <clinical_study> element (first element <{root}>): not a registry record"
    if b"\x00" in head:
        return "binary content (NUL bytes): not a text registry record"
    first = text.strip().split("\n", 1)[0][:60]
    return (
        "matches no known layout (ClinicalTrials.gov JSON, classic XML, CSV with an 'NCT Number' or "
        "'Study Title' header, registry page with 'Basic Information'/'Eligibility Criteria' headings, "
        f"or flat record with a 'TYPE: name' line); starts {first!r}; force one with --format"
    )
