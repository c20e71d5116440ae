"""KnowledgeGraph, the front door: one store, its settings, and a method per verb."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from helpers_store import EXAMPLES, minimal_study, write_json

import kg_builder
from kg_builder import KnowledgeGraph, ServerSettings, Settings, UsageError
from kg_builder.errors import StoreError


@pytest.fixture(scope="module")
def kg(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeGraph:
    graph = KnowledgeGraph(tmp_path_factory.mktemp("graph") / "store", settings=Settings())
    assert graph.build([EXAMPLES / "ctgov-json"]).outcome == "all"
    return graph


def test_public_api_is_curated_sorted_and_importable() -> None:
    assert kg_builder.__all__ == sorted(kg_builder.__all__, key=lambda n: (n.startswith("_"), n))
    for name in kg_builder.__all__:
        assert getattr(kg_builder, name) is not None, name
    assert (Path(kg_builder.__file__).parent / "py.typed").is_file()
    assert kg_builder.BuildReport.__module__ == "kg_builder.build"


def test_reading_follows_each_new_generation(tmp_path: Path) -> None:
    graph = KnowledgeGraph(tmp_path / "s", settings=Settings())
    with pytest.raises(StoreError, match="no graph store"):
        graph.stats()
    assert graph.generation is None
    graph.build([write_json(tmp_path / "a.json", minimal_study("NCT09300001"))])
    first = graph.generation
    assert graph.stats().studies == 1
    graph.build([write_json(tmp_path / "b.json", minimal_study("NCT09300002"))])
    assert graph.generation != first and graph.stats().studies == 2


def test_settings_none_reads_the_environment_and_given_settings_do_not(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KG_BUILDER_BASE", "https://env.example/id/")
    monkeypatch.setenv("KG_BUILDER_TIMEOUT", "12")
    from_env = KnowledgeGraph(tmp_path / "s")
    given = KnowledgeGraph(tmp_path / "s", settings=Settings(base="https://given.example/id/"))
    assert from_env.settings.base == "https://env.example/id/" and from_env.settings.server is None
    assert given.settings.base == "https://given.example/id/"
    assert from_env._serving(None).server.timeout == 12.0
    assert given._serving(None).server.timeout == ServerSettings().timeout
    assert given._serving(ServerSettings(timeout=3)).server.timeout == 3


def test_one_query_at_a_time(kg: KnowledgeGraph) -> None:
    with pytest.raises(UsageError, match="no query"):
        kg.query()
    with pytest.raises(UsageError, match="not both"):
        kg.query("ASK {}", name="sponsors")
    answer = kg.query("SELECT ?id { ?t kg:registryId ?id } ORDER BY ?id", params={})
    assert answer.kind == "solutions" and answer.rows()[0] == {"id": "NCT00298376"}
    graph = kg.query("CONSTRUCT { ?t kg:registryId ?id } WHERE { ?t kg:registryId ?id }")
    assert graph.kind == "graph" and len(graph.triples()) == 6
    ask = kg.query("ASK { ?t kg:registryId ?id }")
    assert ask.kind == "boolean" and bool(ask)


def test_export_to_a_stream_or_a_file(kg: KnowledgeGraph, tmp_path: Path) -> None:
    out = io.BytesIO()
    kg.export(out, format="nquads")
    kg.export(tmp_path / "all.nq", format="nquads")
    assert out.getvalue() and (tmp_path / "all.nq").read_bytes() == out.getvalue()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # starlette's TestClient over httpx
def test_the_app_mounts_inside_another_app(kg: KnowledgeGraph) -> None:
    """Mounted, the endpoint gets no lifespan of its own: its workers start with the first request."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    host = FastAPI()
    app = kg.app(ServerSettings(timeout=20, workers=1, threads=1))
    host.mount("/trials", app)

    @host.get("/")
    def home() -> dict:
        return {"host": True}

    try:
        with TestClient(host) as client:
            assert client.get("/").json() == {"host": True}
            query = "SELECT (COUNT(*) AS ?n) { ?t <https://w3id.org/kg-builder/ontology#registryId> ?id }"
            answer = client.get("/trials/sparql", params={"query": query},
                                headers={"Accept": "application/sparql-results+json"})
            assert answer.status_code == 200, answer.text
            assert answer.json()["results"]["bindings"][0]["n"]["value"] == "6"
    finally:
        app.state.service.pool.close()
