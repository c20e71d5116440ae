"""Each path the fuzzing found super-linear, pinned: inputs up to a size bound, a deadline per example.

The sizes are chosen so that the old quadratic code took minutes (or gigabytes) and the
linear code takes milliseconds: the deadline is a hundred times the linear cost, so a
loaded machine does not make these fail, and a return to quadratic cost does.
"""

from __future__ import annotations

import io
import json
import re
import resource
from datetime import timedelta

from corpus import documents
from harness import run_document
from hypothesis import given, settings
from hypothesis import strategies as st

from kg_builder.enrich.doses import _segment_doses
from kg_builder.enrich.drugs import _from_record
from kg_builder.enrich.text import fold
from kg_builder.iris import IriMinter
from kg_builder.mapping.study import map_study
from kg_builder.sources import ctgov_json, ctgov_xml
from kg_builder.sources.base import MAX_LIST_ITEMS, SourceDocument
from kg_builder.vocab import PREFIXES

_DEADLINE = settings(max_examples=5, deadline=timedelta(seconds=3), database=None)
# What the first call loads (lexicons, INN stems) is loaded here, not inside a timed example.
fold("a - b"), _segment_doses("drugx", "1 mg"), _from_record("drugx", "Tomivosertib (drugx)")
_SIZE = st.integers(100_000, 200_000)  # characters: the size bound


def _doc(data: bytes) -> SourceDocument:
    return SourceDocument("case.json", lambda: io.BytesIO(data))


@_DEADLINE
@given(size=_SIZE, filler=st.sampled_from([" ", ", ", "; ", " \t", "( ", "\n"]))
def test_fold_is_linear_in_runs_of_spaces(size: int, filler: str) -> None:
    """Was quadratic: ``\\s*-\\s*`` retried from every space of a long run."""
    text = "a" + filler * (size // len(filler)) + "b"
    assert fold(text) == "a b"


@_DEADLINE
@given(count=st.integers(5_000, 20_000))
def test_each_dose_keeps_its_own_stretch_as_evidence(count: int) -> None:
    """Was quadratic in output: each of N doses carried the whole N-dose statement (4 GB for 20,000)."""
    statement = "0.5 mg/kg " * count
    found = _segment_doses("drugx", statement)
    assert len(found) == count
    assert sum(len(d.text) for d in found) <= len(statement) + count


@_DEADLINE
@given(size=_SIZE)
def test_a_long_run_of_letters_before_a_drug_name_is_linear(size: int) -> None:
    """Was quadratic: the alias pattern ``[A-Za-z][a-z]{5,}`` rescanned the run from each letter."""
    context = "x" * size + " (DRUGX-1)"
    assert _from_record("DRUGX-1", context)[0] == []


@_DEADLINE
@given(depth=st.sampled_from([65, 1_000, 50_000, 200_000]), page=st.booleans())
def test_deep_json_is_a_clear_reject_in_bounded_memory(depth: int, page: bool) -> None:
    """Was a RecursionError (one document) or gigabytes (a streamed page: ijson keeps every prefix)."""
    record = documents("ctgov-json")[0]
    deep = b'{"protocolSection": ' + b"[" * depth + b"1" + b"]" * depth + b"}"
    data = (b'{"studies": [' if page else b"[") + deep + b"," + record + (b"]}" if page else b"]")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    results = list(ctgov_json.iter_records(_doc(data)))
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 500_000  # KiB
    assert [type(r).__name__ for r in results] == ["Reject", "Study"]
    assert results[0].reason.startswith("nesting deeper than")


@_DEADLINE
@given(depth=st.sampled_from([65, 1_000, 100_000]))
def test_deep_xml_is_a_clear_reject(depth: int) -> None:
    """Was a RecursionError (hashing the element re-serialises it recursively)."""
    body = b"<clinical_study><brief_title>T</brief_title>" + b"<x>" * depth + b"</x>" * depth + b"</clinical_study>"
    (result,) = ctgov_xml.iter_records(_doc(body))
    assert result.reason.startswith("elements nested deeper than")


@settings(max_examples=2, deadline=None, database=None)
@given(extra=st.integers(1, 5_000))
def test_a_list_over_the_bound_is_rejected_not_mapped(extra: int) -> None:
    """Was linear but unbounded: a 3 MB cell of ``x|`` entries made 400,000 outcomes (30 s to map)."""
    header = "NCT Number,Study Title,Primary Outcome Measures\n"
    cell = "|".join(["Outcome, up to 1 year"] * (MAX_LIST_ITEMS + extra))
    outcome = run_document((header + f'NCT01234567,Title,"{cell}"\n').encode(), format="ctgov-csv")
    assert outcome.built == 0 and "lists more than" in outcome.rejects[0].reason


@settings(max_examples=4, deadline=None, database=None)
@given(where=st.sampled_from(["briefTitle", "nctId", "conditions", "officialTitle"]))
def test_a_lone_surrogate_is_a_warning_not_a_lost_study(where: str) -> None:
    """Was 'mapping failed': the literal constructor refuses a lone surrogate, and the study was lost."""
    study = json.loads(documents("ctgov-json")[0])
    module = study["protocolSection"]["conditionsModule" if where == "conditions" else "identificationModule"]
    module[where] = ["Cancer\ud800"] if where == "conditions" else str(module.get(where, "x")) + "\udfff"
    (result,) = ctgov_json.iter_records(_doc(json.dumps(study).encode()))
    assert any("lone UTF-16 surrogate" in w for w in result.warnings)
    assert run_document(json.dumps(study).encode()).built == 1



@_DEADLINE
@given(size=_SIZE)
def test_nested_brackets_in_a_country_are_linear(size: int) -> None:
    """Was a RecursionError (contained as a reject): one recursive call per "(" of a location cell."""
    from kg_builder.enrich.places import country_code

    assert country_code("(" * size) is None and country_code("Turkey (Türkiye)") == "TR"


@settings(max_examples=8, deadline=None, database=None)
@given(mesh_id=st.sampled_from(["D01 2712", "D012712\u00a0x", "<D012712>", "../D012712"]),
       where=st.sampled_from(["meshes", "ancestors"]))
def test_a_mesh_id_that_is_no_identifier_is_a_warning_not_a_lost_study(mesh_id: str, where: str) -> None:
    """Was 'mapping failed: Invalid IRI code point': the MeSH IRI was minted from the record's text as is
    (the study's own descriptors and the registry's tree of ancestors alike)."""
    study = json.loads(documents("ctgov-json")[0])
    browse = study.setdefault("derivedSection", {}).setdefault("conditionBrowseModule", {})
    browse["meshes"] = [{"id": "D009369", "term": "Neoplasms"}]
    browse.setdefault(where, []).append({"id": mesh_id, "term": "Neoplasms"})
    (result,) = ctgov_json.iter_records(_doc(json.dumps(study).encode()))
    _ctx, quads, warnings = map_study(result, IriMinter("https://example.org/kg/"), build_time="2024-01-01T00:00:00Z")
    assert any("not a MeSH identifier" in w for w in warnings)
    minted = {q.object.value.removeprefix(PREFIXES["mesh"]) for q in quads
              if q.object.value.startswith(PREFIXES["mesh"])}
    assert "D009369" in minted and all(re.fullmatch(r"[CD]\d{6,9}", local) for local in minted)
    assert run_document(json.dumps(study).encode()).built == 1


@_DEADLINE
@given(size=st.integers(20_000, 40_000), piece=st.sampled_from(["(a) ", "10 mg ", "0.5 mg/kg ", "dose ", "a - "]))
def test_a_drug_name_whose_removals_leave_long_runs_of_spaces_is_linear(size: int, piece: str) -> None:
    """Was quadratic (11 s for a 20,000-character intervention name): removing brackets or doses left
    long runs of spaces, and the dash and trailer patterns (led by ``\\s+``) were retried from each."""
    from kg_builder.enrich.drugs import _analyse

    name = "drugx " + piece * (size // len(piece))
    assert _analyse(name, "DRUG", name, (), name) is not None


@settings(max_examples=3, deadline=None, database=None)
@given(entries=st.integers(MAX_LIST_ITEMS + 1, 300_000), layout=st.sampled_from(["ctgov-csv", "flat-record"]))
def test_an_outcome_cell_over_the_bound_is_not_split_entry_by_entry(entries: int, layout: str) -> None:
    """Was 3.7 s CPU (a 6 MB flat record of 750,000 outcomes, each split into title, description and
    time frame before the study was rejected for the list's length): one entry past the bound is read."""
    from unittest import mock

    from kg_builder.sources import outcome_text

    analysed = []
    entry_of = outcome_text._Entry.of
    cell = "|".join(["Response rate, the share of responders, up to 1 year"] * entries)
    if layout == "ctgov-csv":
        data = f'NCT Number,Study Title,Primary Outcome Measures\nNCT01234567,Title,"{cell}"\n'
    else:
        data = f"Title\nA summary of the study.\nCancer\nDRUG: drugx\n{cell}\n"
    with mock.patch.object(outcome_text._Entry, "of", lambda e: analysed.append(e) or entry_of(e)):
        outcome = run_document(data.encode(), format=layout)
    assert outcome.built == 0 and "outcomes lists more than 10,000 entries" in outcome.rejects[0].reason
    assert len(analysed) == 0


@settings(max_examples=4, deadline=None, database=None)
@given(depth=st.sampled_from([64, 1_000, 200_000]), inside=st.booleans())
def test_deep_xml_is_not_read_on(depth: int, inside: bool) -> None:
    """Was 1 s CPU for a 1.5 MB record of 200,000 nested elements: the parser read on to the end of a
    nesting that could only be rejected. It stops at the bound: what follows (here: markup that is not
    even well-formed) is not read, and the reject says so."""
    study = b"<clinical_study><brief_title>T</brief_title>" if inside else b""
    body = b"<doc>" + study + b"<x>" * depth + b"<<not xml"
    (result,) = ctgov_xml.iter_records(_doc(body))
    assert result.reason.startswith("elements nested deeper than") and "rest of the document" in result.reason


@settings(max_examples=6, deadline=None, database=None)
@given(size=st.integers(1_001, 200_000), piece=st.sampled_from(["a b ", "pembrolizumab ", "(a) ", "x"]),
       type_=st.sampled_from(["DRUG", "PROCEDURE", None]))
def test_an_intervention_name_far_over_the_registry_limit_is_kept_not_analysed(size: int, piece: str,
                                                                               type_: str | None) -> None:
    """Was 1.4 s CPU (a 158,000-character intervention name: every split, alias and class pattern run
    over it some fifty times). A name over the bound is kept as written and says why it was not read."""
    from unittest import mock

    from kg_builder.enrich import drugs, names

    name = (piece * (size // len(piece) + 1))[:size]
    with mock.patch.object(drugs, "head_and_aliases", side_effect=AssertionError("analysed")), \
            mock.patch.object(names, "head_and_aliases", side_effect=AssertionError("analysed")):
        (component,) = drugs._analyse(name, type_, "An anti-PD-1 monoclonal antibody.", (), None)
    assert component.text == name and component.name is None
    assert any("not analysed" in e for e in component.evidence)
    assert drugs._analyse("Pembrolizumab " + "x" * 180, "DRUG", None, (), None)[0].name  # within the limit: read


@_DEADLINE
@given(count=st.integers(5_000, 10_000))
def test_amounts_among_many_auc_doses_are_linear(count: int) -> None:
    """Was quadratic: every amount was checked against every "AUC n" of the statement."""
    found = _segment_doses("carboplatin", "AUC 5 mg/mL/min, 10 mg " * count)
    assert [d.unit for d in found[:2]] == ["AUC", "mg"] and len(found) == 2 * count


@settings(max_examples=3, deadline=None, database=None)
@given(count=st.integers(1_001, 20_000), piece=st.sampled_from(["0.5 mg/kg ", "AUC 5, ", "drugx 10 mg, "]))
def test_a_text_of_thousands_of_doses_reads_the_first_and_warns(count: int, piece: str) -> None:
    """Was 1.1 s CPU: 200,000 characters of "0.5 mg/kg " made 20,000 dose nodes (140,000 triples)."""
    from kg_builder.enrich.doses import MAX_DOSES, doses_in

    warnings: list[str] = []
    found = doses_in(piece * count, {"drugx": "drugx"}, warnings)
    assert len(found) == MAX_DOSES and len(warnings) == 1 and "more than 1,000 doses" in warnings[0]
    assert len(doses_in(piece * 3, {"drugx": "drugx"}, warnings)) == 3 and len(warnings) == 1


@_DEADLINE
@given(size=_SIZE, piece=st.sampled_from(["x|", "a, |", "Paris, |", "||"]))
def test_a_locations_cell_of_pieces_naming_no_country_is_linear(size: int, piece: str) -> None:
    """Was quadratic (minutes): each "|" piece of a CSV locations cell that names no country joins the
    next, and the growing text was read whole again (its commas counted, its country looked up)."""
    from kg_builder.sources.ctgov_csv import _location_cells

    warnings: list[str] = []
    cell = piece * (size // len(piece)) + "Hospital, Paris, France"
    assert _location_cells(cell, warnings)[-1].endswith("Hospital, Paris, France")


@settings(max_examples=4, deadline=None, database=None)
@given(pieces=st.integers(1_001, 100_000), piece=st.sampled_from(["x", "up to 1 year", "and b"]))
def test_an_outcome_of_more_pieces_than_an_outcome_holds_weighs_only_where_it_can_split(pieces: int,
                                                                                       piece: str) -> None:
    """Was 1.1 s CPU: an outcome entry of 130,000 ", " pieces was weighed piece by piece, though a split
    only starts its description within the first pieces and its time frame within the last."""
    from unittest import mock

    from kg_builder.sources import outcome_text

    text = "Response rate, " + ", ".join([piece] * pieces) + ", Week 4"
    weighed = []
    piece_of = outcome_text._Piece.of
    with mock.patch.object(outcome_text._Piece, "of", lambda t: weighed.append(t) or piece_of(t)):
        (outcome,) = outcome_text.split_outcome_cell(text, "primary")
    assert len(weighed) <= outcome_text._MAX_TITLE_PIECES + outcome_text._MAX_TIME_PIECES + 3
    assert outcome.measure == "Response rate" and outcome.time_frame.endswith("Week 4")
    assert ", ".join((outcome.measure, outcome.description, outcome.time_frame)) == text  # all of it, verbatim


@settings(max_examples=8, deadline=None, database=None)
@given(number=st.sampled_from(["1" * 5_000, "9" * 19, "²", "12³", "٣"]),
       layout=st.sampled_from(["ctgov-csv", "ctgov-xml"]))
def test_an_enrollment_that_is_no_readable_whole_number_is_a_warning(number: str, layout: str) -> None:
    """Was 'parser error (bug): ValueError: Exceeds the limit (4300 digits) for integer string conversion':
    a count of thousands of digits (or a digit ``int`` refuses, "²") lost the record."""
    if layout == "ctgov-csv":
        data = f"NCT Number,Study Title,Enrollment\nNCT01234567,Title,{number}\n".encode()
    else:
        data = (f"<clinical_study><id_info><nct_id>NCT01234567</nct_id></id_info><brief_title>T</brief_title>"
                f"<enrollment>{number}</enrollment></clinical_study>").encode()
    outcome = run_document(data, format=layout)
    assert outcome.built == 1 and not outcome.rejects


@_DEADLINE
@given(size=_SIZE, filler=st.sampled_from([" ", "\t", " \n"]))
def test_a_phases_cell_with_a_long_run_of_spaces_is_linear(size: int, filler: str) -> None:
    """Was quadratic (minutes for 200,000 spaces): the split before "PHASE" is led by ``\\s+``."""
    from kg_builder.sources.values import phase_codes

    assert phase_codes("Phase 1" + filler * (size // len(filler)) + "x") == ["PHASE1"]
    assert phase_codes("PHASE1" + filler * (size // len(filler)) + "PHASE2") == ["PHASE1", "PHASE2"]
