"""Helpers for parser tests: documents from paths or bytes, and one-study parsing."""

from __future__ import annotations

import io
from pathlib import Path

from kg_builder.model import Reject, Study
from kg_builder.sources.base import Parser, SourceDocument


def doc_from_path(path: Path) -> SourceDocument:
    return SourceDocument(str(path), lambda: path.open("rb"))


def doc_from_bytes(data: bytes, name: str = "<test>") -> SourceDocument:
    return SourceDocument(name, lambda: io.BytesIO(data))


def parse_all(parser: Parser, doc: SourceDocument) -> list[Study | Reject]:
    return list(parser(doc))


def parse_one(parser: Parser, doc: SourceDocument) -> Study:
    results = parse_all(parser, doc)
    assert len(results) == 1, results
    assert isinstance(results[0], Study), results[0]
    return results[0]
