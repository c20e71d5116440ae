"""ontology/context.jsonld covers the ontology, and the JSON-LD export reads as plain JSON."""

from __future__ import annotations

import io
import json
from pathlib import Path

from pyoxigraph import RdfFormat, parse

from kg_builder.build import build
from kg_builder.graph import KnowledgeGraph
from kg_builder.settings import Settings
from kg_builder.vocab import ONTOLOGY

RECORDS = Path(__file__).parent / "data" / "link" / "records"


def test_context_names_every_ontology_term() -> None:
    context = json.loads((Settings().ontology_dir / "context.jsonld").read_text(encoding="utf-8"))["@context"]
    named = {(v if isinstance(v, str) else v["@id"]) for v in context.values()}
    terms = set()
    for path in sorted(Settings().ontology_dir.glob("*.ttl")):
        for triple in parse(path=str(path), format=RdfFormat.TURTLE):
            if triple.subject.value.startswith(ONTOLOGY) and triple.predicate.value.endswith("#type"):
                terms.add("kg:" + triple.subject.value[len(ONTOLOGY):])
    assert terms and terms <= named, sorted(terms - named)


def test_jsonld_export_is_compact_and_lossless(tmp_path: Path) -> None:
    store = tmp_path / "store"
    build([RECORDS / "NCT03377387.json"], store)
    out = io.BytesIO()
    KnowledgeGraph(store).export(out, format="jsonld")
    text = out.getvalue().decode("utf-8")
    data = json.loads(text)
    assert "@context" in data and '"registryId": "NCT03377387"' in text and '"ClinicalTrial"' in text
    nquads = io.BytesIO()
    KnowledgeGraph(store).export(nquads, format="nquads")
    assert set(parse(out.getvalue(), RdfFormat.JSON_LD)) == set(parse(nquads.getvalue(), RdfFormat.N_QUADS))
