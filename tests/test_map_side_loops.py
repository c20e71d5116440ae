"""The map side's loop shortcuts give what the plain loops gave: the pattern tables that one
alternation of the same patterns answers first (a text none of them matches is read once), the
class rows that can refine a phrase, the outcome reading that stops at its title's measure, the
JSON reader's bookkeeping and the study-local IRIs minted under a prefix."""

from __future__ import annotations

import random
import re

import pytest

from kg_builder.build import iter_parsed
from kg_builder.enrich import conditions, explicit, outcomes
from kg_builder.iris import IriMinter
from kg_builder.mapping.context import MappingContext
from kg_builder.model import Provenance, Study
from kg_builder.sources.base import MAX_LIST_ITEMS, overlong_list
from kg_builder.sources.inputs import iter_documents
from kg_builder.sources.json_reader import JsonReader


def _earliest_reference(text: str) -> tuple[str, str] | None:
    """explicit.earliest as first written: every row searched after the first phrase."""
    first = explicit._ANY_CLASS.search(text)
    if first is None:
        return None
    rank = int(first.lastgroup[1:])
    best = (first.start(), rank, explicit.PATTERNS[rank][1], first.group(0))
    end = best[0] + len(best[3])
    if best[2] == "VACCINE":
        sentence = re.split(r"(?<=[.;])\s", text[best[0]:], maxsplit=1)[0]
        start = text.rfind(".", 0, best[0]) + 1
        allergen = explicit._ALLERGEN.search(text[start:best[0]] + " " + sentence)
        if allergen:
            return "OTHER_BIOLOGIC", f"matched {allergen.group(0)!r} (an allergen 'vaccine' is an allergen extract)"
    rows = explicit.PATTERNS[: best[1]] if best[2] == "MONOCLONAL_ANTIBODY" else explicit.PATTERNS
    for pattern, cls, _label in rows:
        match = pattern.search(text, best[0], end + 40)
        if match and cls in explicit._SPECIFIC_ANTIBODY_FORMS and best[2] == "MONOCLONAL_ANTIBODY":
            return cls, f"matched {match.group(0)!r}"
        if match and cls in ("HORMONAL", "CHEMOTHERAPY") and best[2] == "SMALL_MOLECULE":
            return cls, f"matched {match.group(0)!r}"
    return best[2], f"matched {best[3]!r}"


def _first_row(rows, text: str):
    """The plain loop: the first row (in table order) whose pattern matches anywhere."""
    for row in rows:
        match = row[-1].search(text)
        if match:
            return row, match.group(0)
    return None


def _classify_reference(title: str, description: str | None = None) -> outcomes.OutcomeFacts:
    """outcomes.classify_outcome as first written: the description read whatever the title says."""
    title, description = outcomes.clean(title), outcomes.clean(description or "")
    in_title = outcomes._earliest_measure(title)
    word = outcomes._category_word(title)
    in_description = outcomes._earliest_measure(description) if description else None
    measure = in_title or in_description
    if in_title:
        return outcomes.OutcomeFacts(in_title[2], in_title[0], in_title[1], f"measure {in_title[3]!r} in title")
    if word:
        category, phrase = word
        if in_description and in_description[2] != category and category != "EFFICACY":
            measure = None
        return outcomes.OutcomeFacts(category, measure[0] if measure else None, measure[1] if measure else None,
                                     f"{phrase!r} in title")
    if in_description:
        return outcomes.OutcomeFacts(in_description[2], in_description[0], in_description[1],
                                     f"measure {in_description[3]!r} in description")
    word = outcomes._category_word(description) if description else None
    if word:
        return outcomes.OutcomeFacts(word[0], None, None, f"{word[1]!r} in description")
    return outcomes.OutcomeFacts("OTHER", None, None, "no category words")


def _texts(patterns: list[re.Pattern[str]], seed: int, count: int = 3000) -> list[str]:
    """Random texts of the patterns' own words, case changed and cut: many match one or several rows."""
    words = sorted({w for p in patterns for w in re.findall(r"[A-Za-z0-9]+", p.pattern)})
    words += ["-", " ", ".", ";", "(", "177", "Lu", "oral", "antibody", "drug", "conjugate", "β", "ſ", "K"]
    chance = random.Random(seed)
    out = []
    for _ in range(count):
        text = " ".join(chance.choice(words) for _ in range(chance.randint(1, 14)))
        out.append("".join(c.upper() if chance.random() < 0.2 else c for c in text)[chance.randint(0, 2):])
    return out


def _real_texts(shared_data) -> list[str]:
    studies = [s for s in iter_parsed(iter_documents([shared_data])) if isinstance(s, Study)]
    texts = [t for s in studies for t in (s.brief_title, s.official_title, *s.conditions) if t]
    texts += [t for s in studies for i in s.interventions for t in (i.name, i.description) if t]
    texts += [t for s in studies for o in s.outcomes for t in (o.measure, o.description) if t]
    assert len(texts) > 1000
    return texts


def test_earliest_searches_only_the_rows_that_can_refine(shared_data) -> None:
    texts = _texts([p for p, _c, _l in explicit.PATTERNS], 3) + _real_texts(shared_data)
    refined = 0
    for text in texts:
        expected = _earliest_reference(text)
        assert explicit.earliest(text) == expected, text
        first = explicit._ANY_CLASS.search(text)
        refined += bool(first and expected[0] != explicit.PATTERNS[int(first.lastgroup[1:])][1])
    assert refined > 20, refined  # texts where a later row refined the first phrase


@pytest.mark.parametrize(("function", "rows", "answer"), [
    (explicit.most_specific.__wrapped__, [(c, p) for p, c, _l in explicit.PATTERNS],
     lambda row, words: (row[0], f"matched {words!r}")),
    (outcomes._category_word.__wrapped__, outcomes._CATEGORY_WORDS, lambda row, words: (row[0], words)),
    (conditions.facets_in.__wrapped__, None, None),
])
def test_one_scan_first_answers_as_the_table_did(function, rows, answer, shared_data) -> None:
    table = rows or [(code, pattern) for code, _label, pattern in conditions.FACETS]
    texts = _texts([p for _c, p in table], 8) + _real_texts(shared_data)
    found = 0
    for text in texts:
        if rows is None:
            expected = tuple(code for code, pattern in table if pattern.search(text))
        else:
            first = _first_row(table, text)
            expected = None if first is None else answer(*first)
        assert function(text) == expected, text
        found += bool(expected)
    assert 200 < found < len(texts) - 200, found  # texts with and without an answer


def test_an_outcome_titled_by_its_measure_reads_no_further(shared_data) -> None:
    measures = [p for _c, _l, _cat, p in outcomes.MEASURES] + [p for _c, p in outcomes._CATEGORY_WORDS]
    titles = _texts(measures, 21, 1500)
    descriptions = _texts(measures, 22, 1500)
    pairs = list(zip(titles, descriptions, strict=True)) + [(t, None) for t in titles[:300]]
    pairs += [(t, d) for t, d in zip(_real_texts(shared_data)[::2], _real_texts(shared_data)[1::2], strict=True)]
    for title, description in pairs:
        assert outcomes.classify_outcome.__wrapped__(title, description) == _classify_reference(title, description)


def test_json_reader_reports_unread_fields_with_their_paths() -> None:
    reader = JsonReader()
    inner = {"x": 1, "y": 2}
    record = {"a": "t", "m": {"p": " q ", "inner": inner, "extra": [1]}, "z": None}
    module = reader.obj(record, "m", "")
    assert reader.code(module, "p", ".m") == "q"
    reader.obj(module, "inner", ".m")
    assert reader.code(inner, "x", ".m.inner") is None
    reader.skip(inner, "y", "other path, not the first")
    assert reader.code(None, "a", "") is None
    assert reader.unread() == [("a", "t"), ("z", None), ("m.extra", [1])]
    assert reader.warnings == ["m.inner.x: expected text, got 1"]


@pytest.mark.parametrize("base", ["https://w3id.org/kg-builder/", "http://example.org/kg#"])
@pytest.mark.parametrize("path", [("arm", 1), ("adverse-event",), ("flow", 2, "milestone", 3), ("é", "x-1")])
def test_study_local_nodes_are_the_minters(base: str, path: tuple) -> None:
    minter = IriMinter(base)
    study = Study(Provenance("x.json", "ctgov-json", "1", "0" * 64), registry_id="NCT00000042")
    ctx = MappingContext.for_study(study, minter)
    assert ctx.part(*path) == minter.study_part("NCT00000042", *path)
    assert ctx.part() == minter.study_part("NCT00000042") == ctx.study


def test_the_list_walk_reads_lists_of_mixed_items() -> None:
    from dataclasses import dataclass

    @dataclass
    class Holder:
        items: list

    deep = Holder(["y"] * (MAX_LIST_ITEMS + 1))
    study = Study(Provenance("x.json", "ctgov-json", "1", "0" * 64), registry_id="NCT00000001",
                  notes=["a", Holder([1]), 3, None, Holder([deep]), "b"])
    assert overlong_list(study) == ("study.notes[].items[].items lists more than 10,000 entries (10,001 read): "
                                    "not a registry record, not mapped")


def test_a_study_without_repeated_quads_keeps_its_list() -> None:
    from pyoxigraph import Literal, NamedNode, Quad

    from kg_builder.mapping.study import _distinct

    g, p = NamedNode("https://example.org/g"), NamedNode("https://example.org/p")
    quads = [Quad(NamedNode(f"https://example.org/s{i % 7}"), p, Literal(str(i % 5)), g) for i in range(40)]
    for sample in (quads[:5], quads, quads[:0], [quads[3], quads[3]], quads[:7] + quads[:7][::-1]):
        assert _distinct(list(sample)) == list(dict.fromkeys(sample))


def _depth_by_stack(obj) -> int:
    """The reference: ctgov_json._depth as first written, one stack entry per container."""
    from kg_builder.sources.ctgov_json import MAX_DEPTH

    stack, deepest = [(obj, 1)], 1
    while stack:
        node, depth = stack.pop()
        if depth > deepest:
            deepest = depth
            if depth > MAX_DEPTH:
                break
        for value in node.values() if type(node) is dict else node:
            if type(value) is dict or type(value) is list:
                stack.append((value, depth + 1))
    return deepest


def test_the_depth_is_counted_as_the_stack_walk_counted() -> None:
    from kg_builder.sources.ctgov_json import MAX_DEPTH, _depth

    chance = random.Random(4)

    def grow(depth: int):
        if depth <= 1 or chance.random() < 0.15:
            return chance.choice(["x", 1, None, 2.5, True])
        kind = chance.choice(["dict", "list", "leaf"])
        if kind == "leaf":
            return "y"
        items = [grow(depth - chance.randint(1, 2)) for _ in range(chance.randint(0, 3))]
        return {f"k{i}": v for i, v in enumerate(items)} if kind == "dict" else items

    for _ in range(400):
        record = {"a": grow(chance.randint(1, MAX_DEPTH + 8))}
        assert (_depth(record) > MAX_DEPTH) == (_depth_by_stack(record) > MAX_DEPTH)
        if _depth_by_stack(record) <= MAX_DEPTH:
            assert _depth(record) == _depth_by_stack(record)
    deep: dict = {}
    node = deep
    for _ in range(MAX_DEPTH):  # MAX_DEPTH + 1 levels: one past the bound
        node["n"] = node = {}
    assert _depth(deep) == _depth_by_stack(deep) == MAX_DEPTH + 1
    assert _depth({"a": [[], {}]}) == _depth_by_stack({"a": [[], {}]}) == 3
    chain: list = []
    node_list = chain
    for _ in range(MAX_DEPTH + 5):  # lists inside lists, far past the bound
        node_list.append(["leaf", []])
        node_list = node_list[0][1]
    assert _depth({"c": chain}) > MAX_DEPTH and _depth_by_stack({"c": chain}) > MAX_DEPTH


def test_the_content_hash_is_that_of_the_sorted_dump(shared_data) -> None:
    """The hash is of json.dumps(record, sort_keys=True, ensure_ascii=False) whatever the encoder checks."""
    import hashlib
    import json

    from kg_builder.sources.ctgov_json import record

    chance = random.Random(9)
    for path in sorted(shared_data.glob("*.json"))[:40]:
        obj = json.loads(path.read_text(encoding="utf-8"))
        obj["zz"] = [{"b": chance.random(), "a": "é\u2028\"\\"}, [], {}]
        study = record(obj, "x.json", "1")
        assert isinstance(study, Study)
        expected = hashlib.sha256(json.dumps(obj, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()
        assert study.provenance.content_hash == expected
