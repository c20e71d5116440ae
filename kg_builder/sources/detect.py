"""Pick the parser for a document: by forced format name, else by asking each layout to sniff it.

Sniffing reads only the head of a document (64 KiB) and decides in this order: JSON
(``{``/``[``), classic XML (a ``<clinical_study`` element), the CSV download (a header
row naming "NCT Number" or "Study Title"), the registry web page (its section headings),
and last the flattened line-per-field record (short lines, a ``TYPE: name``
interventions line after title, summary and conditions). A document that fits none gets
``None`` and :func:`explain_undetected` says why in one line.
"""

from __future__ import annotations

import re

from kg_builder.sources import ctgov_csv, ctgov_json, ctgov_xml, flat_record, registry_page
from kg_builder.sources.base import Layout, Parser, SourceDocument

# The registry of layouts, in detection order: the first whose sniff() claims a document wins.
LAYOUTS: tuple[Layout, ...] = (ctgov_json, ctgov_xml, ctgov_csv, registry_page, flat_record)
FORMATS: tuple[str, ...] = tuple(layout.NAME for layout in LAYOUTS)
_BY_NAME: dict[str, Layout] = {layout.NAME: layout for layout in LAYOUTS}
_HEAD = 65536
_BOM = b"\xef\xbb\xbf"
_FIRST_TAG = re.compile(rb"<([A-Za-z_][\w.:-]*)")


def parser_for(name: str) -> Parser:
    """The parser registered under format ``name`` (one of :data:`FORMATS`); KeyError otherwise."""
    return _BY_NAME[name].iter_records


def _head_text(doc: SourceDocument) -> tuple[bytes, str]:
    head = doc.head(_HEAD).removeprefix(_BOM)
    return head, head.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")


def detect_text(head: bytes, text: str) -> str | None:
    """The format of a document whose first bytes are ``head`` (decoded: ``text``)."""
    return next((layout.NAME for layout in LAYOUTS if layout.sniff(head, text)), None)


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
