"""The endpoint as SPARQL clients see it: a live uvicorn on 127.0.0.1, driven by SPARQLWrapper and httpx."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
import rdflib
from SPARQLWrapper import CSV, JSON, JSONLD, N3, POST, POSTDIRECTLY, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from kg_builder.server.testing import LiveServer, nct, write_store
from kg_builder.vocab import DEFAULT_BASE, sparql_prefixes

STUDIES = 30
TRIAL = f"{DEFAULT_BASE}trial/{nct(3)}"
GRAPH = f"{DEFAULT_BASE}graph/{nct(3)}"
COUNT_TRIALS = sparql_prefixes() + "SELECT (COUNT(?t) AS ?n) WHERE { ?t a kg:ClinicalTrial }"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LiveServer]:
    store = tmp_path_factory.mktemp("store")
    write_store(store, STUDIES)
    with LiveServer(store, max_rows=500) as live:
        yield live


@pytest.fixture
def http(server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


def wrapper(server: LiveServer, query: str, fmt: str, method: str | None = None) -> SPARQLWrapper:
    sparql = SPARQLWrapper(server.url + "/sparql")
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    if method == "form":
        sparql.setMethod(POST)
    elif method == "direct":
        sparql.setMethod(POST)
        sparql.setRequestMethod(POSTDIRECTLY)
    return sparql


@pytest.mark.parametrize("method", [None, "form", "direct"])
@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_select_in_every_format(server, fmt, method) -> None:
    result = wrapper(server, COUNT_TRIALS, fmt, method).query()
    if fmt == JSON:
        assert result.convert()["results"]["bindings"][0]["n"]["value"] == str(STUDIES)
    elif fmt == XML:
        values = [n.firstChild.data for n in result.convert().getElementsByTagName("literal")]
        assert values == [str(STUDIES)]
    else:
        lines = result.convert().decode().split()
        assert lines[0] in ("n", "?n")
        assert lines[1].split("^^")[0].strip('"') == str(STUDIES)


@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_ask(server, fmt) -> None:
    query = f"ASK {{ <{TRIAL}> ?p ?o }}"
    result = wrapper(server, query, fmt).query()
    converted = result.convert()
    if fmt == JSON:
        assert converted["boolean"] is True
    elif fmt == XML:
        assert converted.getElementsByTagName("boolean")[0].firstChild.data == "true"
    else:
        assert b"true" in converted


@pytest.mark.parametrize("form", ["CONSTRUCT", "DESCRIBE"])
@pytest.mark.parametrize("fmt", [TURTLE, N3, JSONLD, RDFXML])
def test_graph_queries_in_every_format(server, form, fmt) -> None:
    query = (f"CONSTRUCT {{ <{TRIAL}> ?p ?o }} WHERE {{ <{TRIAL}> ?p ?o }}" if form == "CONSTRUCT"
             else f"DESCRIBE <{TRIAL}>")
    converted = wrapper(server, query, fmt).query().convert()
    graph = converted if isinstance(converted, rdflib.Graph) else rdflib.Graph().parse(
        data=converted, format="turtle")
    clinical_trial = rdflib.URIRef("https://w3id.org/kg-builder/ontology#ClinicalTrial")
    assert (rdflib.URIRef(TRIAL), rdflib.RDF.type, clinical_trial) in graph
    assert len(graph) > 8


@pytest.mark.parametrize(
    ("accept", "media_type", "rdflib_format"),
    [("application/n-triples", "application/n-triples", "nt"), ("text/turtle", "text/turtle", "turtle"),
     ("application/ld+json", "application/ld+json", "json-ld"), ("application/rdf+xml", "application/rdf+xml", "xml")],
)
def test_construct_negotiated(http, accept, media_type, rdflib_format) -> None:
    response = http.get("/sparql", params={"query": f"DESCRIBE <{TRIAL}>"}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    assert len(rdflib.Graph().parse(data=response.text, format=rdflib_format)) > 8


def test_format_parameter_overrides_accept(http) -> None:
    response = http.get("/sparql", params={"query": COUNT_TRIALS, "format": "csv"},
                        headers={"Accept": "application/sparql-results+json"})
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.split() == ["n", str(STUDIES)]


def test_dataset_parameters(http) -> None:
    one = http.get("/sparql", params={"query": COUNT_TRIALS, "default-graph-uri": GRAPH, "format": "csv"})
    assert one.text.split()[1] == "1"  # the default graph is now that one study's graph
    graphs = http.post("/sparql", data={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                                        "named-graph-uri": GRAPH}, headers={"Accept": "text/csv"})
    assert graphs.text.split() == ["g", GRAPH]
    union = http.get("/sparql", params={"query": COUNT_TRIALS, "format": "csv"})
    assert union.text.split()[1] == str(STUDIES)  # no dataset given: the union of all graphs


def error_of(response: httpx.Response) -> dict:
    return response.json()["error"]


def test_syntax_error_is_400_with_position(http) -> None:
    response = http.get("/sparql", params={"query": "SELECT * WHERE {\n  ?s ?p \n}"})
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "syntax-error"
    assert error["position"]["line"] in (2, 3)
    assert "expected" in error["message"]


def test_not_acceptable_is_406(http) -> None:
    response = http.get("/sparql", params={"query": COUNT_TRIALS}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "application/sparql-results+json" in error_of(response)["hint"]
    graph = http.get("/sparql", params={"query": f"DESCRIBE <{TRIAL}>", "format": "csv"})
    assert graph.status_code == 406


def test_other_client_errors(http) -> None:
    assert http.post("/sparql", content="x", headers={"Content-Type": "text/plain"}).status_code == 415
    assert http.get("/sparql", params={"update": "CLEAR ALL"}).status_code == 405
    assert http.post("/sparql", data={"nothing": "here"}).status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE SILENT ?where { ?s ?p ?o } }",
        "PREFIX r: <http://127.0.0.1:9/> SELECT * WHERE { service r:sparql { ?s ?p ?o } }",
    ],
)
def test_service_refused(http, query) -> None:
    response = http.get("/sparql", params={"query": query})
    assert response.status_code == 403
    assert error_of(response)["code"] == "remote-refused"
    assert "--allow-service" in error_of(response)["hint"]


@pytest.mark.parametrize(
    ("content_type", "body"),
    [("application/sparql-update", "CLEAR ALL"),
     ("application/x-www-form-urlencoded", "update=LOAD%20%3Chttp%3A%2F%2F127.0.0.1%3A9%2Fx.ttl%3E")],
)
def test_update_refused_when_read_only(http, content_type, body) -> None:
    response = http.post("/sparql", content=body, headers={"Content-Type": content_type})
    assert response.status_code == 403
    assert error_of(response)["code"] == "read-only"
    for method in ("PUT", "DELETE"):
        assert http.request(method, "/rdf-graphs", params={"graph": GRAPH}, content="").status_code == 403
    assert http.get("/sparql", params={"query": COUNT_TRIALS, "format": "csv"}).text.split()[1] == str(STUDIES)


def test_row_limit(http) -> None:
    response = http.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }", "format": "json"})
    assert response.status_code == 200
    assert len(response.json()["results"]["bindings"]) == 500
    assert response.headers["X-SPARQL-MaxRows"] == "500"


def test_body_size_limit(http) -> None:
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * (2 << 20)
    response = http.post("/sparql", content=big, headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 413
    assert error_of(response)["code"] == "body-too-large"


def test_service_description(http) -> None:
    response = http.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    assert (None, rdflib.RDF.type, sd.Service) in graph
    assert (None, sd.feature, sd.UnionDefaultGraph) in graph
    browser = http.get("/sparql", headers={"Accept": "text/html,*/*;q=0.8"}, follow_redirects=False)
    assert browser.status_code == 200 and browser.headers["content-type"].startswith("text/html")
    assert 'href="/"' in browser.text and "UnionDefaultGraph" in browser.text  # the description, and the query page


def test_void(http) -> None:
    response = http.get("/.well-known/void")
    assert response.status_code == 200
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    void = rdflib.Namespace("http://rdfs.org/ns/void#")
    dataset = next(graph.subjects(void.sparqlEndpoint, None))
    assert int(graph.value(dataset, void.triples)) > STUDIES * 10
    partitions = {str(c): int(graph.value(p, void.entities)) for p in graph.objects(None, void.classPartition)
                  for c in graph.objects(p, void["class"])}
    assert partitions["https://w3id.org/kg-builder/ontology#ClinicalTrial"] == STUDIES
    links = {(str(graph.value(s, void.linkPredicate)), str(graph.value(s, void.objectsTarget)))
             for s in graph.subjects(rdflib.RDF.type, void.Linkset)}
    assert ("https://w3id.org/kg-builder/ontology#conditionMesh", "http://id.nlm.nih.gov/mesh/") in links


def test_graph_store_read(http) -> None:
    response = http.get("/rdf-graphs", params={"graph": GRAPH})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    assert (rdflib.URIRef(TRIAL), None, None) in graph
    assert http.get("/rdf-graphs", params={"graph": DEFAULT_BASE + "graph/NCT00000000"}).status_code == 404
    assert http.get("/rdf-graphs").status_code == 400
    default = http.get("/rdf-graphs", params={"default": ""}, headers={"Accept": "application/n-triples"})
    assert default.status_code == 200 and default.headers["X-SPARQL-MaxRows"] == "500"


def test_named_queries(http) -> None:
    listed = {q["name"]: q for q in http.get("/queries").json()}
    assert "trial-overview" in listed
    assert listed["trial-overview"]["description"]
    assert listed["trial-overview"]["params"][0]["name"] == "nct"
    rows = http.get("/queries/trial-overview", params={"nct": nct(3)}).json()["results"]["bindings"]
    assert [r["trial"]["value"] for r in rows] == [TRIAL]
    # a value is bound as a term: an attempt to change the query finds nothing instead
    injected = http.get("/queries/trial-overview", params={"nct": '" } } ; DROP ALL ; #'})
    assert injected.status_code == 200 and injected.json()["results"]["bindings"] == []
    as_csv = http.get("/queries/trial-overview", params={"nct": nct(3), "format": "csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert http.get("/queries/trial-overview").status_code == 400
    assert http.get("/queries/trial-overview", params={"nct": "x", "bogus": "1"}).status_code == 400
    assert http.get("/queries/no-such-query").status_code == 404


def test_linked_data(http) -> None:
    path = "/" + TRIAL.split("/", 3)[3]  # the path of the minted IRI under the default base
    page = http.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<h1>Study 3 of drug" in page.text
    assert 'href="/kg-builder/id/org/' in page.text  # a neighbour, browsable here
    assert 'href="http://id.nlm.nih.gov/mesh/' in page.text  # an external identifier
    assert "https://clinicaltrials.gov/study/" + nct(3) in page.text
    turtle = http.get(path, headers={"Accept": "text/turtle"})
    assert turtle.headers["content-type"].startswith("text/turtle")
    assert (rdflib.URIRef(TRIAL), None, None) in rdflib.Graph().parse(data=turtle.text, format="turtle")
    via_resource = http.get("/resource", params={"iri": TRIAL, "format": "nt"})
    assert via_resource.headers["content-type"].startswith("application/n-triples")
    assert len(via_resource.text.splitlines()) == len(rdflib.Graph().parse(data=turtle.text, format="turtle"))
    missing = http.get("/resource", params={"iri": DEFAULT_BASE + "trial/NCT00000000"}, headers={"Accept": "text/html"})
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]
    assert http.get("/resource", params={"iri": TRIAL}, headers={"Accept": "image/png"}).status_code == 406
    graph_page = http.get("/resource?iri=" + quote(GRAPH, safe=""), headers={"Accept": "text/html"})
    assert graph_page.status_code == 200 and "named graph" in graph_page.text


def test_health_openapi_cors(http) -> None:
    health = http.get("/health").json()
    assert health["status"] == "ok" and health["workers"] >= 2
    schema = http.get("/openapi.json").json()
    assert {"/sparql", "/queries/{name}", "/rdf-graphs", "/resource", "/health"} <= set(schema["paths"])
    cors = http.get("/sparql", params={"query": COUNT_TRIALS}, headers={"Origin": "https://example.org"})
    assert cors.headers["access-control-allow-origin"] == "*"
    page = http.get("/")
    assert page.status_code == 200 and '<div id="yasgui">' in page.text
    assert not re.findall(r'(?:src|href)="(?:https?:)?//', page.text)  # nothing from another host


def test_updates_with_token(tmp_path) -> None:
    write_store(tmp_path, 3)
    with LiveServer(tmp_path, allow_update=True, token="s3cret") as live, \
            httpx.Client(base_url=live.url, timeout=30) as http:
        update = "INSERT DATA { GRAPH <http://ex/g> { <http://ex/a> <http://ex/p> 'added' } }"
        headers = {"Content-Type": "application/sparql-update"}
        assert http.post("/sparql", content=update, headers=headers).status_code == 401
        wrong = http.post("/sparql", content=update, headers={**headers, "Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and "Bearer" in wrong.headers["www-authenticate"]
        ok = http.post("/sparql", content=update, headers={**headers, "Authorization": "Bearer s3cret"})
        assert ok.status_code == 204
        ask = http.get("/sparql", params={"query": "ASK { <http://ex/a> <http://ex/p> 'added' }"}).json()
        assert ask["boolean"] is True
        put = http.put("/rdf-graphs", params={"graph": "http://ex/g2"}, content="<http://ex/b> <http://ex/p> 1 .",
                       headers={"Content-Type": "text/turtle", "Authorization": "Bearer s3cret"})
        assert put.status_code == 204
        assert "<http://ex/b>" in http.get("/rdf-graphs", params={"graph": "http://ex/g2", "format": "nt"}).text
        load = http.post("/sparql", content="LOAD <http://127.0.0.1:9/x.ttl>",
                         headers={**headers, "Authorization": "Bearer s3cret"})
        assert load.status_code == 403 and error_of(load)["code"] == "remote-refused"
