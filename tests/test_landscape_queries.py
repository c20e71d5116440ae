"""The named queries behind the landscape page, over the example records: each answers what its plain
formulation answers (the named ones group and join in the order that keeps them fast on large stores)."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pytest
from helpers_store import EXAMPLES, select

from kg_builder.settings import Settings
from kg_builder.store.named_queries import load_named_queries

NAMED = load_named_queries(Settings().queries_dir)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    from kg_builder.build import build

    path = tmp_path_factory.mktemp("store")
    build([EXAMPLES / "ctgov-json", EXAMPLES / "seeds"], path, validate=False)
    return path


def run(store: Path, name: str) -> list[dict[str, str]]:
    return select(store, NAMED[name].text)


def test_trials_by_phase_and_status(store) -> None:
    phases: dict[str, list[str]] = defaultdict(list)
    status: dict[str, str] = {}
    query = "SELECT ?t ?code WHERE { ?t a kg:ClinicalTrial OPTIONAL { ?t kg:phase/skos:notation ?code } }"
    for row in select(store, query):
        phases[row["t"]] += [row["code"]] if "code" in row else []
    for row in select(store, "SELECT ?t ?s WHERE { ?t kg:overallStatus/skos:notation ?s }"):
        status[row["t"]] = row["s"]
    expected = Counter(("|".join(sorted(codes)) or "(none)", status.get(t, "(none)")) for t, codes in phases.items())
    got = {(r["phase"], r["status"]): int(r["trials"]) for r in run(store, "trials-by-phase-and-status")}
    assert got == expected and sum(got.values()) == len(phases) > 0


def test_drug_classes_by_start_year(store) -> None:
    rows = select(store, "SELECT DISTINCT ?t ?start ?class WHERE { ?t kg:startDate ?start ; "
                         "kg:intervention/kg:drugClass/skos:notation ?class }")
    expected = Counter((row["start"][:4].lstrip("0"), row["class"]) for row in rows)
    got = {(r["year"], r["class"]): int(r["trials"]) for r in run(store, "drug-classes-by-start-year")}
    assert got == expected and got


def test_sites_by_country(store) -> None:
    rows = select(store, "SELECT DISTINCT ?t ?site ?name ?code WHERE { ?t kg:site ?site . ?site kg:country ?c . "
                         "?c rdfs:label ?name ; kg:isoCode ?code }")
    sites, trials = defaultdict(set), defaultdict(set)
    for row in rows:
        sites[(row["name"], row["code"])].add(row["site"])
        trials[(row["name"], row["code"])].add(row["t"])
    got = run(store, "sites-by-country")
    assert {(r["country"], r["code"]): (int(r["sites"]), int(r["trials"])) for r in got} == {
        key: (len(sites[key]), len(trials[key])) for key in sites}
    assert [int(r["sites"]) for r in got] == sorted((int(r["sites"]) for r in got), reverse=True)


def test_adc_trials_by_target(store) -> None:
    adc = "<https://w3id.org/kg-builder/vocab/drug-class/ADC>"
    rows = select(store, "SELECT DISTINCT ?t ?d ?target WHERE { GRAPH ?g { ?t kg:intervention/kg:drugMention ?m . "
                         f"?m kg:drugClass {adc} ; kg:mentionOf ?d }} "
                         "OPTIONAL { { ?d kg:target ?x } UNION { ?m kg:target ?x } ?x rdfs:label ?target } }")
    trials, drugs = defaultdict(set), defaultdict(set)
    for row in rows:
        trials[row.get("target", "(target not stated)")].add(row["t"])
        drugs[row.get("target", "(target not stated)")].add(row["d"])
    got = {r["target"]: (int(r["trials"]), int(r["drugs"])) for r in run(store, "adc-trials-by-target")}
    assert got == {k: (len(trials[k]), len(drugs[k])) for k in trials} and got
    # as adc-trials reads them: TQB2102 (seed 003) and B003 (seed 000) are HER2 ADCs by their trials' words
    assert {r["target"] for r in run(store, "adc-trials") if r.get("target")} <= set(got)
    assert got["HER2 (ERBB2)"][0] == 2
