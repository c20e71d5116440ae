"""The map side's shortcuts give what the plain code gave: the model walk that bounds a study's
lists, the look-ahead that lets one alternation skip positions, the JSON reader's warnings, and
the terms and blank test the quad sink shares."""

from __future__ import annotations

import io
import random
import re
from dataclasses import dataclass, fields, is_dataclass

import pytest
from pyoxigraph import Literal, NamedNode

from kg_builder.build import iter_parsed
from kg_builder.enrich import explicit, outcomes
from kg_builder.enrich.text import first_characters
from kg_builder.mapping import terms
from kg_builder.mapping.sink import QuadSink
from kg_builder.model import Intervention, Provenance, Study
from kg_builder.sources.base import MAX_LIST_ITEMS, SourceDocument, overlong_list
from kg_builder.sources.inputs import iter_documents
from kg_builder.sources.json_reader import JsonReader


def _overlong_by_fields(study: Study) -> str | None:
    """The reference: the walk as first written, with dataclasses.fields on every node."""
    stack: list[tuple[str, object]] = [("study", study)]
    while stack:
        path, node = stack.pop()
        for spec in fields(node):
            value = getattr(node, spec.name)
            if isinstance(value, list):
                if len(value) > MAX_LIST_ITEMS:
                    return (f"{path}.{spec.name} lists more than {MAX_LIST_ITEMS:,} entries ({len(value):,} read): "
                            "not a registry record, not mapped")
                stack.extend((f"{path}.{spec.name}[]", item) for item in value if is_dataclass(item))
            elif is_dataclass(value):
                stack.append((f"{path}.{spec.name}", value))
    return None


@dataclass
class _Holder:  # a model part with a list of its own, to reach the walk's nested case
    label: str
    items: list


def _study(**parts) -> Study:
    return Study(Provenance("x.json", "ctgov-json", "1", "0" * 64), registry_id="NCT00000001", **parts)


@pytest.mark.parametrize("study", [
    _study(),
    _study(keywords=["k"] * (MAX_LIST_ITEMS + 1)),
    _study(keywords=["k"] * MAX_LIST_ITEMS),  # at the bound: mapped
    _study(notes=[_Holder("a", [1, 2]), _Holder("b", ["x"] * (MAX_LIST_ITEMS + 2))]),
    _study(notes=[_Holder("a", [_Holder("c", ["y"] * (MAX_LIST_ITEMS + 1))])]),  # two levels down
    _study(keywords=["k"] * (MAX_LIST_ITEMS + 1), conditions=["c"] * (MAX_LIST_ITEMS + 5)),  # the first found
    _study(interventions=[Intervention("a", other_names=("b",) * (MAX_LIST_ITEMS + 1))]),  # a tuple: not walked
])
def test_overlong_list_finds_what_the_field_walk_found(study: Study) -> None:
    assert overlong_list(study) == _overlong_by_fields(study)


def test_overlong_list_names_the_nested_list() -> None:
    study = _study(notes=[_Holder("a", [_Holder("c", ["y"] * (MAX_LIST_ITEMS + 1))])])
    assert overlong_list(study).startswith("study.notes[].items[].items lists more than 10,000 entries (10,001 read)")


def test_overlong_list_agrees_on_the_real_records(shared_data) -> None:
    studies = [s for s in iter_parsed(iter_documents([shared_data])) if isinstance(s, Study)]
    assert len(studies) > 200
    for study in studies:
        assert overlong_list(study) == _overlong_by_fields(study) is None


@pytest.mark.parametrize("pattern", [r"a*", r"(?:ab)?", r".x", r"[^a]b", r"\bx|y?", r"(a?)\1b"])
def test_first_characters_gives_up_where_any_character_may_start(pattern: str) -> None:
    assert first_characters(re.compile(pattern)) is None


def test_first_characters_reads_through_what_reads_no_character() -> None:
    found = first_characters(re.compile(r"(?<![A-Za-z])\b(?:x{0,2}[Yz]|\d+Lu|(?-i:PET)|\s-)", re.IGNORECASE))
    assert found is not None
    members = re.compile(found, re.IGNORECASE)
    for start in "xXYyzZ0P \t":
        assert members.match(start), start
    for other in "abLuE-":
        assert not members.match(other), other


def _plain(combined: re.Pattern[str]) -> re.Pattern[str]:
    """The alternation without its look-ahead."""
    text = combined.pattern
    assert text.startswith("(?=(?i:[")
    return re.compile(text[text.index(")(?:") + 4:-1])


@pytest.mark.parametrize("combined", [explicit._ANY_CLASS, outcomes._ANY_MEASURE])
def test_the_look_ahead_changes_no_match(combined: re.Pattern[str]) -> None:
    """Random texts made of the patterns' own words, cases changed, pieces cut: every match, its
    position and the alternative that matched are those of the alternation alone."""
    plain = _plain(combined)
    words = [*re.findall(r"[A-Za-z0-9]+", plain.pattern), "-", " ", "(", "177", "Lu", "β", "λ", "ſ", "K"]
    chance, matched = random.Random(12), 0
    for _ in range(3000):
        text = " ".join(chance.choice(words) for _ in range(chance.randint(1, 12)))
        text = "".join(c.upper() if chance.random() < 0.3 else c for c in text)
        text = text[chance.randint(0, 3):]
        got, expected = combined.search(text), plain.search(text)
        assert (got and (got.span(), got.lastgroup)) == (expected and (expected.span(), expected.lastgroup)), text
        matched += expected is not None
    assert 100 < matched < 2990, matched  # texts with and without a match


def test_json_reader_warns_as_before_on_values_of_the_wrong_type() -> None:
    reader = JsonReader()
    record = {"a": " x ", "b": 3, "c": ["p", 4, " ", "q "], "d": "  "}
    assert reader.code(record, "a", "m") == "x"
    assert reader.code(record, "b", "m") is None
    assert reader.code(record, "d", "m") is None
    assert reader.codes(record, "c", "m") == ["p", "q"]
    assert reader.warnings == ["m.b: expected text, got 3", "m.c[1]: expected text, got 4"]


def test_the_sink_skips_blank_text_as_strip_did() -> None:
    sink = QuadSink(NamedNode("https://example.org/g"))
    node, predicate = NamedNode("https://example.org/s"), NamedNode("https://example.org/p")
    for value in (None, "", " ", "\u2003\n", "\x1c", "x", " y "):
        sink.text(node, predicate, value)
    assert [q.object for q in sink.quads] == [Literal("x"), Literal(" y ")]


def test_shared_terms_are_the_terms_they_stand_for() -> None:
    assert terms.integer(3) == Literal("3", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    assert terms.integer(3) is terms.integer(3)
    assert terms.integer(True) == terms.integer(1)  # what str(int(value)) gave
    assert terms.non_negative(0).value == "0"
    assert terms.boolean(False).value == "false" and terms.boolean(1).value == "true"
    sink = QuadSink(NamedNode("https://example.org/g"))
    sink.code(NamedNode("https://example.org/s"), NamedNode("https://example.org/p"), "phase", "PHASE3")
    assert sink.quads[0].object == NamedNode("https://w3id.org/kg-builder/vocab/phase/PHASE3")


def test_the_build_reads_a_record_as_before() -> None:
    line = b'{"protocolSection": {"identificationModule": {"nctId": "NCT01234567", "briefTitle": "T"}}}\n'
    (study,) = iter_parsed([SourceDocument("x.jsonl", lambda: io.BytesIO(line))])
    assert isinstance(study, Study) and study.registry_id == "NCT01234567"
