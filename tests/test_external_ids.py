"""External identifiers (kg_builder.external_ids), build-time links out (mapping.external_links), registry ids."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import NamedNode

from kg_builder.external_ids import PREFIXES, converter, external_iris, parse_external, scheme_named
from kg_builder.iris import IriMinter
from kg_builder.mapping.context import MappingContext
from kg_builder.mapping.entities import EntitySink
from kg_builder.mapping.external_links import map_links
from kg_builder.model import MeshTerm, Provenance, SecondaryId, Study
from kg_builder.registry_ids import find_registry_ids, normalize_registry_id, registry_id_at_end
from kg_builder.vocab import ENTITY_GRAPH, SKOS

RECORDS = Path(__file__).parent / "data" / "link" / "records"


@pytest.mark.parametrize("text, expected", [
    ("NCT 0700-3074", "NCT07003074"),
    ("nct07003074", "NCT07003074"),
    ("NCT_0700_3074", "NCT07003074"),
    ("ＮＣＴ０７００３０７４", "NCT07003074"),
    ("EudraCT 2011-001234-56", "2011-001234-56"),
    ("2023-506314-51-00", "2023-506314-51-00"),
    ("ISRCTN 12345678", "ISRCTN12345678"),
    ("chictr-ior-17012345", "ChiCTR-IOR-17012345"),
    ("ChiCTR2000029308", "ChiCTR2000029308"),
])
def test_registry_ids_written_differently_normalise(text: str, expected: str) -> None:
    assert str(normalize_registry_id(text)) == expected


def test_registry_id_is_whole_value_or_nothing() -> None:
    assert normalize_registry_id("see NCT07003074") is None
    assert normalize_registry_id("MK-3475-02C") is None
    found = find_registry_ids("NCT01234567 and nct 0123-4568")
    assert [str(i) for i in found] == ["NCT01234567", "NCT01234568"]
    # a CTIS number is not read as the EudraCT number it starts like
    assert [i.registry for i in find_registry_ids("2023-506314-51-00")] == ["ctis"]


def test_registry_id_at_end_of_iri_only() -> None:
    assert str(registry_id_at_end("http://bio2rdf.org/clinicaltrials:NCT07003074")) == "NCT07003074"
    assert str(registry_id_at_end("http://data.linkedct.org/resource/trial/nct07003074")) == "NCT07003074"
    assert str(registry_id_at_end("http://x.org/trial/NCT%200700-3074")) == "NCT07003074"
    assert registry_id_at_end("http://x.org/trial/NCT07003074/arm/1") is None


def test_every_prefix_round_trips() -> None:
    samples = {"clinicaltrials": "NCT07003074", "isrctn": "ISRCTN12345678",
               "euclinicaltrials": "2023-506314-51-00",
               "drugbank": "DB00072", "chebi": "CHEBI:15365", "wikidata": "Q412415", "ncit": "C1647",
               "mesh": "D001943", "hgnc": "HGNC:3430", "atc": "L01FD01", "geonames": "2988507", "pubmed": "34542871"}
    assert set(samples) == {p.prefix for p in PREFIXES}
    for prefix, value in samples.items():
        iris = external_iris(prefix, value)
        assert iris, prefix
        for iri in iris:  # preferred form and every join form read back as the same id
            parsed = parse_external(iri.value)
            assert parsed is not None and parsed[0] == prefix, iri
    assert converter().expand("drugbank:DB00072") == "https://go.drugbank.com/drugs/DB00072"
    assert external_iris("drugbank", "not-an-id") == []


def test_scheme_named_from_predicates() -> None:
    assert scheme_named("drugbank_id") == "drugbank"
    assert scheme_named("hasDrugBankId") == "drugbank"
    assert scheme_named("nct_id") == "clinicaltrials"
    assert scheme_named("label") is None


def test_map_links_study_and_condition() -> None:
    study = Study(Provenance("f", "ctgov-json", "1", "0"), registry_id="NCT07003074",
                  secondary_ids=[SecondaryId("2023-506314-51-00", "CTIS"), SecondaryId("MK-3475-02C")],
                  conditions=["Breast Cancer", "HER2-positive"],
                  condition_meshes=[MeshTerm("D001943", "Breast Neoplasms"),
                                    MeshTerm("D000000", "Breast cancer")])
    minter = IriMinter()
    ctx = MappingContext.for_study(study, minter)
    entities = EntitySink()
    quads = list(map_links(study, ctx, entities))
    assert all(q.graph_name == ctx.graph for q in quads)
    assert entities.quads and all(q.graph_name == ENTITY_GRAPH for q in entities.quads)
    objects = {(q.predicate.value.rsplit("/", 1)[-1].rsplit("#", 1)[-1], q.object.value) for q in quads
               if q.subject == ctx.study}
    assert ("sameAs", "https://clinicaltrials.gov/study/NCT07003074") in objects
    assert ("sameAs", "http://bio2rdf.org/clinicaltrials:NCT07003074") in objects
    assert ("sameAs", "https://identifiers.org/clinicaltrials:NCT07003074") in objects
    assert any("EUCT=2023-506314-51-00" in o for _, o in objects)
    condition_links = {q.object for q in entities.quads if q.subject == minter.condition("Breast Cancer")
                       and q.predicate == SKOS.exactMatch}
    # linked only to the descriptor whose label is the condition's name: a fact of the two shared things
    assert NamedNode("http://id.nlm.nih.gov/mesh/D000000") in condition_links
    assert NamedNode("http://id.nlm.nih.gov/mesh/D001943") not in condition_links
