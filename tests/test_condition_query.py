"""trials-for-condition: one row per trial, however many of its names match."""

from __future__ import annotations

import pytest
from helpers_store import EXAMPLES

from kg_builder.graph import KnowledgeGraph


@pytest.fixture(scope="module")
def kg(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeGraph:
    graph = KnowledgeGraph(tmp_path_factory.mktemp("conditions") / "store")
    graph.build([EXAMPLES / "ctgov-json", EXAMPLES / "seeds"], validate=False)
    return graph


@pytest.mark.parametrize("wanted", ["breast cancer", "BREAST CANCER", "Breast Neoplasms"])
def test_each_trial_once(kg: KnowledgeGraph, wanted: str) -> None:
    # the record's name ("Breast Cancer") and the condition node's label ("Breast cancer") both match
    rows = kg.query(name="trials-for-condition", params={"condition": wanted}).rows()
    trials = [row["trial"] for row in rows]
    assert trials and len(trials) == len(set(trials)), trials
    assert all(row["condition"].casefold() in (wanted.casefold(), "breast cancer", "her2-positive breast cancer")
               for row in rows)


def test_the_record_spelling_is_shown(kg: KnowledgeGraph) -> None:
    rows = kg.query(name="trials-for-condition", params={"condition": "breast cancer"}).rows()
    # as the records write it, a narrower form included ("HER2-positive breast cancer" is a breast cancer)
    assert {row["condition"] for row in rows} == {"Breast Cancer", "HER2-positive Breast Cancer"}
    assert {row["trial"].rsplit("/", 1)[-1] for row in rows} >= {"NCT03377387", "NCT05123482", "NCT07003074"}


def test_a_broader_condition_does_not_match_its_narrower_forms_backwards(kg: KnowledgeGraph) -> None:
    rows = kg.query(name="trials-for-condition", params={"condition": "HER2-positive breast cancer"}).rows()
    assert [row["condition"] for row in rows] == ["HER2-positive Breast Cancer"]
