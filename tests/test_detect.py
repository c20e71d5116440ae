"""Format detection by content, forced formats, and the reason when nothing fits."""

from __future__ import annotations

from pathlib import Path

import pytest
from parser_helpers import doc_from_bytes, doc_from_path

from kg_builder.sources.detect import FORMATS, detect_format, explain_undetected, parser_for

SEEDS = Path(__file__).resolve().parents[1] / "examples" / "seeds"


def test_seeds_are_detected() -> None:
    assert detect_format(doc_from_path(SEEDS / "003_c8558dee60771390.txt")) == "registry-page"
    assert detect_format(doc_from_path(SEEDS / "000_f1fdf13170af0f92.txt")) == "flat-record"


@pytest.mark.parametrize(
    ("folder", "pattern", "expected"),
    [
        ("ctgov-json", "*.json", "ctgov-json"),
        ("ctgov-xml", "*.xml", "ctgov-xml"),
        ("csv", "*.csv", "ctgov-csv"),
    ],
)
def test_shared_data_is_detected(shared_data: Path, folder: str, pattern: str, expected: str) -> None:
    paths = sorted((shared_data / folder).glob(pattern))
    assert paths
    assert {detect_format(doc_from_path(p)) for p in paths} == {expected}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'\xef\xbb\xbf  {"protocolSection": {}}', "ctgov-json"),
        (b'<?xml version="1.0"?>\n<clinical_study rank="3">', "ctgov-xml"),
        (b"NCT Number,Study Title\r\nNCT01234567,x\r\n", "ctgov-csv"),
        (b'"Study Title","Conditions"\n"x","y"\n', "ctgov-csv"),
        (b"Title\n\nBasic Information\n\nx\n\nEligibility Criteria\n", "registry-page"),
        (b"Title\nSummary\nCondition\nDRUG: Aspirin\nOS, Survival, 5 years\n", "flat-record"),
    ],
)
def test_detect_by_content(data: bytes, expected: str) -> None:
    assert detect_format(doc_from_bytes(data)) == expected


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"  \n\t", "empty file"),
        (b"<html><body/></html>", "<html>"),
        (b"\x00\x01binary", "binary"),
        (b"just some prose\nwith two lines\n", "matches no known layout"),
        (b"a,b,c\n1,2,3\n", "matches no known layout"),
    ],
)
def test_undetected_with_reason(data: bytes, reason: str) -> None:
    doc = doc_from_bytes(data)
    assert detect_format(doc) is None
    explanation = explain_undetected(doc)
    assert reason in explanation and "\n" not in explanation


def test_every_format_has_a_parser() -> None:
    assert set(FORMATS) == {"ctgov-json", "ctgov-xml", "ctgov-csv", "registry-page", "flat-record"}
    for name in FORMATS:
        assert callable(parser_for(name))
    with pytest.raises(KeyError):
        parser_for("pdf")


def test_forced_format_on_wrong_content_rejects() -> None:
    parser = parser_for("flat-record")
    (result,) = list(parser(doc_from_bytes(b"<clinical_study/>")))
    assert getattr(result, "reason", None)
