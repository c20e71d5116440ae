"""Any input, however broken, yields Studies or Rejects with reasons: parsers never raise."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from parser_helpers import doc_from_bytes

from kg_builder.model import Reject, Study
from kg_builder.sources import ctgov_csv, ctgov_xml, flat_record, registry_page
from kg_builder.sources.detect import detect_format, explain_undetected
from kg_builder.sources.outcome_text import split_outcome_cell

PARSERS = {
    "registry-page": registry_page.iter_records,
    "flat-record": flat_record.iter_records,
    "ctgov-xml": ctgov_xml.iter_records,
    "ctgov-csv": ctgov_csv.iter_records,
}
SEEDS = Path(__file__).resolve().parents[1] / "examples" / "seeds"
SEED_BYTES = [p.read_bytes() for p in sorted(SEEDS.glob("*.txt"))]
SAMPLE_XML = (
    b"<clinical_study><id_info><nct_id>NCT01234567</nct_id></id_info><brief_title>T</brief_title>"
    b"<phase>Phase 1/Phase 2</phase><start_date>May 2018</start_date><enrollment type='Anticipated'>5"
    b"</enrollment><eligibility><criteria><textblock>Inclusion Criteria:\n - a\n</textblock></criteria>"
    b"</eligibility></clinical_study>"
)
SAMPLE_CSV = b'NCT Number,Study Title,Interventions,Locations\nNCT01234567,"T","DRUG: x","A, B, C"\n'
SAMPLES = [*SEED_BYTES, SAMPLE_XML, SAMPLE_CSV]

# Inputs: random bytes, any Unicode, huge lines, cuts and splices of real records.
_any_bytes = st.binary(max_size=4000)
_any_text = st.text(max_size=2000).map(lambda s: s.encode("utf-8", "surrogatepass"))
_huge_line = st.integers(1, 200_000).map(lambda n: b"x" * n)
_cut = st.tuples(st.sampled_from(SAMPLES), st.floats(0, 1)).map(lambda t: t[0][: int(len(t[0]) * t[1])])
_splice = st.tuples(st.sampled_from(SAMPLES), st.integers(0, 20_000), st.binary(max_size=200)).map(
    lambda t: t[0][: t[1]] + t[2] + t[0][t[1] :]
)
INPUTS = st.one_of(_any_bytes, _any_text, _huge_line, _cut, _splice, st.sampled_from(SAMPLES))


def _check(results: list[Study | Reject]) -> None:
    assert results, "a parser must yield at least one result for a document"
    for result in results:
        assert isinstance(result, Study | Reject)
        if isinstance(result, Reject):
            assert result.reason and not result.reason.startswith("parser error")


@pytest.mark.parametrize("name", sorted(PARSERS))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=INPUTS)
def test_parser_never_raises(name: str, data: bytes) -> None:
    _check(list(PARSERS[name](doc_from_bytes(data))))


@settings(max_examples=200, deadline=None)
@given(data=INPUTS)
def test_detection_never_raises(data: bytes) -> None:
    doc = doc_from_bytes(data)
    if detect_format(doc) is None:
        assert explain_undetected(doc)


@settings(max_examples=300, deadline=None)
@given(cell=st.text(max_size=3000))
@example(cell=",\r0")  # no title before the first comma (found by this test): the entry stays whole
def test_outcome_splitter_keeps_the_title(cell: str) -> None:
    for outcome in split_outcome_cell(cell, "other"):
        assert outcome.measure and outcome.kind == "other"
        for part in (outcome.measure, outcome.description, outcome.time_frame):
            assert part is None or part in cell
