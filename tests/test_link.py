"""kg-builder link: two independent graphs, links scored against a hand-made truth list."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from pyoxigraph import NamedNode, QuerySolutions, RdfFormat, Store, parse

from kg_builder.build import build
from kg_builder.graph import KnowledgeGraph
from kg_builder.linking.align import LINKS_GRAPH_KEY, align, open_other
from kg_builder.store.generations import open_read_only
from kg_builder.vocab import DEFAULT_BASE, PREFIXES

DATA = Path(__file__).parent / "data" / "link"
OTHER = DATA / "other-trials.ttl"
SHORT = {"owl:sameAs": PREFIXES["owl"] + "sameAs", "skos:exactMatch": PREFIXES["skos"] + "exactMatch",
         "skos:closeMatch": PREFIXES["skos"] + "closeMatch", "skos:narrowMatch": PREFIXES["skos"] + "narrowMatch",
         "skos:broadMatch": PREFIXES["skos"] + "broadMatch"}


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("linkstore") / "store"
    build([DATA / "records"], path)
    return path


def _truth() -> set[tuple[str, str, str]]:
    rows = set()
    for line in (DATA / "truth.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            ours, predicate, theirs = line.split("\t")
            rows.add((DEFAULT_BASE + ours, SHORT[predicate], theirs))
    return rows


def _scored(links) -> set[tuple[str, str, str]]:
    return {(x.subject.value, x.predicate.value, x.object.value) for x in links}


def _has_drug_nodes(store_dir: Path) -> bool:
    return bool(open_read_only(store_dir).query(
        "ASK { ?d a <https://w3id.org/kg-builder/ontology#Drug> }", use_default_graph_as_union=True))


def test_precision_and_recall_against_truth(store_dir: Path) -> None:
    links = align(open_read_only(store_dir), [open_other(str(OTHER))])
    found, truth = _scored(links), _truth()
    if not _has_drug_nodes(store_dir):  # without the enrichment layer there are no shared drug nodes to score
        found = {x for x in found if "/intervention/" not in x[0]}
        truth = {x for x in truth if not x[0].startswith(DEFAULT_BASE + "drug/")}
    precision = len(found & truth) / len(found)
    recall = len(found & truth) / len(truth)
    print(f"\nlink precision {precision:.3f} recall {recall:.3f} ({len(found & truth)} of {len(truth)} "
          f"expected, {len(found - truth)} unexpected)")
    assert precision >= 0.98, sorted(found - truth)
    assert recall >= 0.9, sorted(truth - found)


def test_similar_labels_never_give_same_as(store_dir: Path) -> None:
    for x in align(open_read_only(store_dir), [open_other(str(OTHER))]):
        if x.justification == "LexicalSimilarityThresholdMatching":
            assert x.predicate.value.endswith("closeMatch") and x.confidence <= 0.9
        if x.predicate.value.endswith("sameAs"):
            assert x.kind == "study" and x.justification in ("MappingChaining", "CompositeMatching")


def test_distractors_link_to_nothing(store_dir: Path) -> None:
    links = align(open_read_only(store_dir), [open_other(str(OTHER))])
    objects = {x.object.value for x in links}
    for name in ("trial-0901", "trial-0902", "drug-vitamin-d", "drug-placebo-tablet", "disease-lung-cancer",
                 "disease-breast-cancer-pain", "disease-solid-tumors", "org-roche-diagnostics",
                 "org-research-hospital", "disease-allergic-asthma"):
        assert "http://trials.example.org/resource/" + name not in objects
    # a school of our university is a part of it: narrower, never the same organisation nor a close match
    school = [x for x in links if x.object.value.endswith("org-jh-public-health")]
    assert [(x.subject.value.rsplit("/", 1)[-1], x.predicate.value.rsplit("#", 1)[-1]) for x in school] == [
        ("johns-hopkins-university", "narrowMatch")]


def test_drug_links_reach_the_other_graphs_drug_nodes_not_its_trials_mentions(store_dir: Path,
                                                                              tmp_path: Path) -> None:
    """Another kg-builder graph of the same records, under another base: every drug link of ours points
    at one of its shared drug nodes (or a vocabulary IRI), never at a trial's mention of a drug."""
    from kg_builder.settings import Settings

    other_store, dump = tmp_path / "other-store", tmp_path / "other.nq"
    build([DATA / "records"], other_store, settings=Settings(base="https://other.example.org/id/"))
    KnowledgeGraph(other_store).export(dump, format="nquads")
    drug_links = [x for x in align(open_read_only(store_dir), [open_other(str(dump))]) if x.kind == "drug"]
    assert len(drug_links) >= 20
    assert not [x.object.value for x in drug_links if "/trial/" in x.object.value]
    assert not [x.subject.value for x in drug_links if "/trial/" in x.subject.value]


def test_other_graph_in_another_syntax_and_min_confidence(store_dir: Path, tmp_path: Path) -> None:
    nt = tmp_path / "other.nt"
    with open(nt, "wb") as out:
        from pyoxigraph import serialize

        serialize(parse(path=str(OTHER), format=RdfFormat.TURTLE), out, RdfFormat.N_TRIPLES)
    ours = open_read_only(store_dir)
    everything = align(ours, [open_other(str(nt))])
    confident = align(ours, [open_other(str(nt))], min_confidence=0.95)
    assert confident and len(confident) < len(everything)
    assert all(x.confidence >= 0.95 for x in confident)


def test_alignment_graph_stored_replaced_and_exported(store_dir: Path, tmp_path: Path) -> None:
    out, sssom = tmp_path / "links.ttl", tmp_path / "links.sssom.tsv"
    first = KnowledgeGraph(store_dir).link([str(OTHER)], out=out, sssom=sssom)
    graph = NamedNode(f"{DEFAULT_BASE}graph/{LINKS_GRAPH_KEY}")
    count = len(list(open_read_only(store_dir).quads_for_pattern(None, None, None, graph)))
    KnowledgeGraph(store_dir).link([str(OTHER)])  # replaced, not added to
    assert len(list(open_read_only(store_dir).quads_for_pattern(None, None, None, graph))) == count
    triples = list(parse(path=str(out), format=RdfFormat.TURTLE))
    assert not any(t.subject.__class__.__name__ == "BlankNode" for t in triples)
    with open(sssom, encoding="utf-8") as handle:
        rows = list(csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t"))
    assert len(rows) == len(first.links)
    assert {"subject_id", "predicate_id", "object_id", "mapping_justification", "confidence"} <= set(rows[0])
    assert all(r["mapping_justification"].startswith("semapv:") for r in rows)


def test_the_sssom_file_is_read_and_validated_by_sssom_py(store_dir: Path, tmp_path: Path) -> None:
    from sssom.parsers import parse_sssom_table
    from sssom.validators import validate
    from sssom_schema import EntityTypeEnum

    path = tmp_path / "links.sssom.tsv"
    links = KnowledgeGraph(store_dir).link([str(OTHER)], sssom=path, store=False).links
    msdf = parse_sssom_table(path)  # the YAML header parses
    assert msdf.metadata["mapping_set_id"] == f"{DEFAULT_BASE}{LINKS_GRAPH_KEY}/sssom"
    assert msdf.metadata["license"].startswith("https://creativecommons.org/")
    frame = msdf.df
    assert len(frame) == len(links)
    entity_types = {e for e in vars(EntityTypeEnum) if not e.startswith("_")}
    assert set(frame["subject_type"]) <= entity_types and set(frame["object_type"]) <= entity_types
    prefixes = set(msdf.converter.prefix_map)
    for column in ("subject_id", "predicate_id", "object_id", "mapping_justification"):
        for value in frame[column]:  # CURIEs whose prefix the curie_map defines, never full IRIs
            prefix, _, local = str(value).partition(":")
            assert prefix in prefixes and local and not local.startswith("//"), value
    reports = validate(msdf, fail_on_error=False)
    assert all(report.results == [] for report in reports.values()), reports


def test_drug_condition_relation_keeps_arm_role_and_purpose(store_dir: Path) -> None:
    KnowledgeGraph(store_dir).link([str(OTHER)])
    result = open_read_only(store_dir).query("""
        PREFIX kg: <https://w3id.org/kg-builder/ontology#>
        SELECT ?name ?purpose (GROUP_CONCAT(STR(?role); separator=" ") AS ?roles) WHERE {
          ?r a kg:TrialDrugCondition ; kg:evidenceTrial ?t ; kg:evidenceIntervention ?i ;
             kg:evidenceCondition ?c ; kg:trialPrimaryPurpose ?purpose .
          OPTIONAL { ?r kg:armRole ?role }
          ?i <http://www.w3.org/2000/01/rdf-schema#label> ?name .
          FILTER(?t = <https://w3id.org/kg-builder/id/trial/NCT07013123>
                 && ?c = <https://w3id.org/kg-builder/id/condition/severe-asthma>)
        } GROUP BY ?name ?purpose""", use_default_graph_as_union=True)
    assert isinstance(result, QuerySolutions)
    rows = {r["name"].value: (r["purpose"].value.rsplit("/", 1)[-1], set(r["roles"].value.split())) for r in result}
    assert set(rows) == {"Tezepelumab", "Acarizax"}  # the placebo is no drug-condition relation
    assert rows["Tezepelumab"][0] == "SUPPORTIVE_CARE"
    assert {r.rsplit("/", 1)[-1] for r in rows["Tezepelumab"][1]} == {"EXPERIMENTAL", "PLACEBO_COMPARATOR"}
    assert not bool(open_read_only(store_dir).query(
        "ASK { ?s <https://w3id.org/kg-builder/ontology#treats> ?o }", use_default_graph_as_union=True))


def test_federated_style_join_on_shared_study_and_drug_iris(store_dir: Path) -> None:
    """Our graph (with its build-time links and the alignment) and the other graph, side by side
    in one dataset, joined only through IRIs both use: study IRIs and drug IRIs."""
    if not _has_drug_nodes(store_dir):
        pytest.skip("needs the shared drug nodes of the enrichment layer")
    KnowledgeGraph(store_dir).link([str(OTHER)])
    dataset = Store()
    dataset.bulk_extend(open_read_only(store_dir).quads_for_pattern(None, None, None, None))
    other_graph = NamedNode("http://example.org/graph/bio2rdf")
    from pyoxigraph import Quad

    dataset.bulk_extend(Quad(t.subject, t.predicate, t.object, other_graph)
                        for t in parse(path=str(OTHER), format=RdfFormat.TURTLE))
    result = dataset.query("""
        PREFIX kg: <https://w3id.org/kg-builder/ontology#>
        PREFIX owl: <http://www.w3.org/2002/07/owl#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        PREFIX ct: <http://bio2rdf.org/clinicaltrials_vocabulary:>
        SELECT DISTINCT ?nct ?drug WHERE {
          GRAPH ?ours { ?trial kg:registryId ?nct ; owl:sameAs ?study ; kg:intervention/kg:drug ?ourDrug }
          GRAPH <http://example.org/graph/bio2rdf> { ?study ct:intervention ?drug }
          GRAPH <https://w3id.org/kg-builder/id/graph/links> { ?ourDrug skos:exactMatch ?drug }
          FILTER(STRSTARTS(STR(?drug), "http://bio2rdf.org/drugbank:"))
        } ORDER BY ?nct ?drug""")
    rows = [(r["nct"].value, r["drug"].value.rsplit(":", 1)[-1]) for r in result]
    assert rows == [
        ("NCT00162773", "DB00043"),
        ("NCT03377387", "DB01101"), ("NCT03377387", "DB11828"),
        ("NCT04897321", "DB00531"), ("NCT04897321", "DB01073"),
        ("NCT05009069", "DB00544"), ("NCT05009069", "DB01101"), ("NCT05009069", "DB11595"),
    ]


def test_cli_link(store_dir: Path, tmp_path: Path, capsys) -> None:
    from kg_builder.cli import main

    code = main(["link", "--store", str(store_dir), str(OTHER), "--min-confidence", "0.99",
                 "--sssom", str(tmp_path / "l.tsv")])
    assert code == 0
    assert "sameAs" in capsys.readouterr().out
    assert main(["link", "--store", str(store_dir), str(tmp_path / "missing.ttl")]) == 2
