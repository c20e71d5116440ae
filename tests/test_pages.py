"""Pages for people by content negotiation (named queries, VoID, the service description), the query page's
/config.json, and the pieces behind them; RDF and JSON clients keep their formats at the same addresses."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from kg_builder.server import negotiation as neg
from kg_builder.server.browse import ontology_terms
from kg_builder.server.pages import EntityView, description_page, wants_html
from kg_builder.server.testing import LiveServer, nct, write_store
from kg_builder.settings import Settings
from kg_builder.vocab import PREFIXES

CHROME = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
KG = PREFIXES["kg"]


@pytest.mark.parametrize(("accept", "format", "html"), [
    (CHROME, None, True), (FIREFOX, None, True), ("text/html", None, True),
    ("*/*", None, False), (None, None, False), ("", None, False),  # curl, and clients that state nothing
    ("application/sparql-results+json", None, False), ("application/json, text/html;q=0.5", None, False),
    (CHROME, "csv", False), ("*/*", "html", True),  # format= decides
])
def test_wants_html(accept, format, html) -> None:
    assert wants_html(accept, format, neg.RESULT_FORMATS) is html


def test_ontology_terms(tmp_path: Path) -> None:
    (tmp_path / "o.ttl").write_text("""
        @prefix owl: <http://www.w3.org/2002/07/owl#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix ex: <http://example.org/> .
        @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
        ex:Trial a owl:Class ; rdfs:label "trial"@en , "essai"@fr ; rdfs:comment "A study."@en .
        ex:phase a owl:ObjectProperty ; rdfs:domain ex:Trial ; rdfs:range skos:Concept .
        ex:size a owl:DatatypeProperty ; rdfs:range xsd:integer .
        ex:PHASE1 skos:notation "PHASE1" .
    """)
    terms = ontology_terms(tmp_path)
    classes = {t["iri"]: t for t in terms["classes"]}
    properties = {t["iri"] for t in terms["properties"]}
    # declared ones, and the classes and predicates the ontology itself uses; never a datatype
    assert set(classes) == {"http://example.org/Trial", "http://www.w3.org/2004/02/skos/core#Concept"}
    assert classes["http://example.org/Trial"]["label"] == "trial"
    assert classes["http://example.org/Trial"]["comment"] == "A study."
    assert {"http://example.org/phase", "http://example.org/size", "http://www.w3.org/2004/02/skos/core#notation",
            PREFIXES["rdfs"] + "label", PREFIXES["rdf"] + "type"} <= properties
    assert not any(iri.startswith(PREFIXES["xsd"]) for iri in [*classes, *properties])


def test_the_project_ontology_completes() -> None:
    terms = ontology_terms(Settings().ontology_dir)
    classes = {t["iri"] for t in terms["classes"]}
    properties = {t["iri"] for t in terms["properties"]}
    assert {KG + "ClinicalTrial", KG + "Site", PREFIXES["skos"] + "Concept"} <= classes
    assert {KG + "registryId", KG + "phase", PREFIXES["skos"] + "notation", PREFIXES["rdfs"] + "label"} <= properties
    assert not classes & properties


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(found["id"])
        if tag == "a" and (found.get("href") or "").startswith("#"):
            self.links.append(found["href"][1:])


def test_description_page_links_blank_nodes_within_and_is_stable() -> None:
    turtle = b"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <http://x/sparql> a sd:Service ; sd:defaultDataset [ a sd:Dataset ; sd:defaultGraph [ a sd:Graph ] ] ;
            sh:declare [ sh:prefix "b" ; sh:namespace "http://b/" ] , [ sh:prefix "a" ; sh:namespace "http://a/" ] ."""
    view = EntityView(link=lambda iri: iri, is_local=lambda iri: False)
    page = description_page(view, "Service", "intro", turtle, [("turtle", "/sparql?format=ttl")])
    assert page == description_page(view, "Service", "intro", turtle, [("turtle", "/sparql?format=ttl")])
    anchors = _Anchors()
    anchors.feed(page)
    # the named subject first; a node leading further is a section of its own, linked; one of values reads inline
    assert anchors.ids == ["subject-1", "node-1"] and anchors.links == ["node-1"]
    assert page.count('<table class="inline">') == 3 and page.index("http://a/") < page.index("http://b/")
    assert "sd:defaultDataset" in page


@pytest.fixture(scope="module")
def http(tmp_path_factory) -> Iterator[httpx.Client]:
    store = tmp_path_factory.mktemp("store")
    write_store(store, 6)
    with LiveServer(store) as live, httpx.Client(base_url=live.url, timeout=30) as client:
        yield client


def page_of(response: httpx.Response) -> str:
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert "Accept" in response.headers["vary"]
    return response.text


def test_named_queries_list(http) -> None:
    listed = http.get("/queries").json()  # JSON clients: unchanged
    html = page_of(http.get("/queries", headers={"Accept": CHROME}))
    for query in listed:
        assert f'href="/queries/{query["name"]}"' in html and f'/?named={query["name"]}' in html
    assert isinstance(http.get("/queries", headers={"Accept": "*/*"}).json(), list)


def test_named_query_page_and_its_results(http) -> None:
    html = page_of(http.get("/queries/trial-overview", headers={"Accept": FIREFOX}))
    assert "Trial overview" in html and 'name="nct"' in html  # its parameter as a form field
    assert "kg:registryId ?nct" in html and "&lt;https://w3id.org/kg-builder/ontology#&gt;" in html  # the text, escaped
    assert page_of(http.get("/queries/trial-overview", params={"format": "html"}))
    for accept in ("*/*", "application/sparql-results+json", None):
        headers = {"Accept": accept} if accept else {}
        rows = http.get("/queries/trial-overview", params={"nct": nct(2)}, headers=headers)
        assert rows.headers["content-type"].startswith("application/sparql-results+json")
        assert rows.json()["results"]["bindings"][0]["nct"]["value"] == nct(2)
    csv = http.get("/queries/trial-overview", params={"nct": nct(2)}, headers={"Accept": "text/csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert http.get("/queries/no-such-query", headers={"Accept": CHROME}).status_code == 404


def test_void_page(http) -> None:
    turtle = http.get("/.well-known/void")
    assert turtle.headers["content-type"].startswith("text/turtle")
    html = page_of(http.get("/.well-known/void", headers={"Accept": CHROME}))
    assert "void:triples" in html and "void:classPartition" in html
    assert all(f'href="/.well-known/void?format={f.aliases[0]}"' in html for f in neg.GRAPH_FORMATS)
    assert "kg:ClinicalTrial" in html  # a class partition, linked to the class's page here
    assert http.get("/.well-known/void", headers={"Accept": "application/ld+json"}).headers[
        "content-type"].startswith("application/ld+json")


def test_service_description_page(http) -> None:
    assert http.get("/sparql", headers={"Accept": "text/turtle"}).headers["content-type"].startswith("text/turtle")
    html = page_of(http.get("/sparql", headers={"Accept": CHROME}))
    assert 'href="/"' in html and "UnionDefaultGraph" in html and "node-1" in html


def test_page_config(http) -> None:
    config = http.get("/config.json").json()
    assert config["prefixes"] == PREFIXES  # what the endpoint predeclares
    assert {KG + "ClinicalTrial"} <= {t["iri"] for t in config["terms"]["classes"]}
    assert [f["name"] for f in config["formats"]["results"]] == [f.name for f in neg.RESULT_FORMATS]
    assert [f["name"] for f in config["formats"]["graph"]] == [f.name for f in neg.GRAPH_FORMATS]


def test_pages_load_only_from_this_server(http) -> None:
    for path in ("/", "/landscape"):
        html = http.get(path).text
        sources = [part.split('"', 1)[0] for part in html.split('src="')[1:] + html.split('href="')[1:]]
        assert sources and all(s.startswith(("/", "#", "data:")) and not s.startswith("//") for s in sources), sources
        for source in sources:
            if source.startswith("/static/"):
                assert http.get(source).status_code == 200, source
