"""Condition close matches blocked by negations, histology, stage and subtype words; organisations'
parts and wholes. Precision measured on pairs written from each class and on real condition names."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg_builder.linking.align import CLOSE_THRESHOLD
from kg_builder.linking.match import Similarity
from kg_builder.linking.qualifiers import condition_close, condition_signature, org_hierarchy

DATA = Path(__file__).parent / "data" / "link"


def _pairs(name: str) -> list[tuple[str, str, str, str]]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [tuple([*line.split("\t"), ""][:4]) for line in lines if line and not line.startswith("#")]


def _precision(pairs: list[tuple[str, str, str, str]]) -> tuple[float, float, list]:
    """Of the pairs the matcher calls close (similar enough and not blocked), how many are; and recall."""
    sim = Similarity(n for a, b, _, _ in pairs for n in (a, b))
    called = [(a, b, expected) for a, b, expected, _ in pairs
              if sim.score(a, b) >= CLOSE_THRESHOLD and condition_close(a, b)[0]]
    right = [p for p in called if p[2] == "close"]
    expected = [p for p in pairs if p[2] == "close"]
    return len(right) / max(len(called), 1), len(right) / max(len(expected), 1), [p for p in called if p[2] != "close"]


def test_real_condition_names_close_matches_are_97_percent_right() -> None:
    pairs = _pairs("condition_pairs_real.tsv")
    precision, recall, wrong = _precision(pairs)
    kept = [p for p in pairs if p[2] == "close" and condition_close(p[0], p[1])[0]]
    print(f"\nreal condition pairs: closeMatch precision {precision:.3f}, recall {recall:.3f} "
          f"(the blockers keep {len(kept)} of {sum(p[2] == 'close' for p in pairs)} right pairs)")
    assert precision >= 0.97, wrong
    assert len(kept) == sum(p[2] == "close" for p in pairs)  # no right pair is blocked


def test_constructed_pairs_of_every_class() -> None:
    pairs = _pairs("condition_pairs_constructed.tsv")
    for a, b, expected, cls in pairs:
        assert condition_close(a, b)[0] == (expected == "close"), (a, b, cls, condition_close(a, b))
    precision, _recall, wrong = _precision(pairs)
    assert precision >= 0.97, wrong


def test_the_signature_reads_negations_and_initialisms() -> None:
    assert condition_signature("NSCLC") == condition_signature("Non-small cell lung cancer") == {"not-small"}
    assert condition_signature("SCLC") == {"small"}
    assert condition_signature("HER2-negative breast cancer") == {"her2-negative"}


@pytest.mark.parametrize(("part", "whole"), [
    ("Johns Hopkins Bloomberg School of Public Health", "Johns Hopkins University"),
    ("Zhongshan Hospital, Fudan University", "Fudan University"),
    ("Department of Oncology, Karolinska Institutet", "Karolinska Institutet"),
    ("University of Texas MD Anderson Cancer Center, Houston Campus", "University of Texas MD Anderson Cancer Center"),
])
def test_an_organisations_school_department_or_hospital_is_a_part(part: str, whole: str) -> None:
    assert org_hierarchy(part, whole) == 1 and org_hierarchy(whole, part) == -1


@pytest.mark.parametrize(("a", "b"), [
    ("Roche Diagnostics GmbH", "Hoffmann-La Roche"),  # a sister company, not a part by name
    ("Research Hospital", "St. Jude Children's Research Hospital"),  # only common words shared
    ("University of Oxford", "University of Cambridge"),
    ("Johns Hopkins University", "Johns Hopkins University"),
])
def test_names_that_say_no_part_whole(a: str, b: str) -> None:
    assert org_hierarchy(a, b) == 0
