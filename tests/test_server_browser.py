"""The query page and the landscape page in a real headless Chromium (Debian's, driven by Playwright).

The server runs over the example records (built once for the module). Every page is watched: a request to
any host but the server, or an uncaught script error, fails the test that caused it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from helpers_store import EXAMPLES, select

from kg_builder.server.testing import LiveServer

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("KG_BUILDER_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VENDOR = Path(__file__).resolve().parents[1] / "kg_builder" / "server" / "static" / "vendor"
ACTIVE = ".tabPanel.active"
ROWS = f"{ACTIVE} .yasr table.dataTable tbody tr"
EDITOR_TEXT = "document.querySelector('.tabPanel.active .CodeMirror').CodeMirror.getValue()"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # billions of rows


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"no Chromium at {CHROMIUM}: .ci/install-browser.sh installs Debian's chromium (apt, as root)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is a test dependency")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    from kg_builder.build import build

    path = tmp_path_factory.mktemp("store")
    build([EXAMPLES / "ctgov-json", EXAMPLES / "seeds"], path, validate=False)
    return path


@pytest.fixture(scope="module")
def server(store) -> Iterator[LiveServer]:
    with LiveServer(store, timeout=10) as live:  # the runaway query's worker is stopped by then
        yield live


class Watched:
    """A fresh browser context (empty storage) whose requests and script errors are recorded."""

    def __init__(self, browser, server: LiveServer) -> None:
        self.server = server
        self.context = browser.new_context(accept_downloads=True, viewport={"width": 1360, "height": 900})
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.pages: list[object] = []

    def open(self, path: str):
        page = self.context.new_page()
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.goto(path if path.startswith("http") else self.server.url + path)
        self.pages.append(page)
        return page

    def check(self) -> None:
        here = (self.server.url + "/", "blob:", "data:")
        outside = [u for u in self.requests if not u.startswith(here)]
        assert not outside, f"the page reached outside the server: {outside}"
        assert not self.errors, f"script errors: {self.errors}"


@contextmanager
def watching(browser, server: LiveServer) -> Iterator[Watched]:
    session = Watched(browser, server)
    try:
        yield session
    finally:
        session.context.close()
    session.check()


@pytest.fixture
def watched(browser, server) -> Iterator[Watched]:
    with watching(browser, server) as session:
        yield session


@pytest.fixture
def page(watched):
    page = watched.open("/")
    page.locator(f"{ACTIVE} .CodeMirror").wait_for()
    page.locator("#run-bar").wait_for()
    return page


def replace_query(page, text: str) -> None:
    page.click(f"{ACTIVE} .CodeMirror-code")
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.type(text)


def trials(store: Path) -> list[str]:
    return sorted(r["id"] for r in select(store, "SELECT ?id WHERE { ?t a kg:ClinicalTrial ; kg:registryId ?id }"))


def test_page_loads_offline_with_the_editor(page, watched, server) -> None:
    # the vendored libraries came from this server (and nothing else did: see Watched.check)
    loaded = {url.removeprefix(server.url) for url in watched.requests}
    assert {"/static/vendor/yasgui/yasgui.min.js", "/static/vendor/echarts/echarts.min.js"} <= loaded
    text = page.evaluate(EDITOR_TEXT)
    assert text.startswith("SELECT") and "PREFIX" not in text  # the endpoint predeclares the prefixes
    assert page.locator(f"{ACTIVE} .cm-keyword, {ACTIVE} .cm-variable-3, {ACTIVE} .cm-string-2").count() > 0  # coloured
    assert page.locator(f"{ACTIVE} .parseErrorIcon").count() == 0  # kg: is known to the editor
    assert page.locator("button.example").count() >= 10


def test_syntax_error_is_marked_and_reported(page) -> None:
    replace_query(page, "SELECT * WHERE { ?s ?p }")
    page.locator(f"{ACTIVE} .parseErrorIcon").wait_for()  # the editor marks the line
    page.keyboard.press("Control+Enter")
    error = page.locator(f"{ACTIVE} .kg-error")
    error.wait_for()
    assert error.inner_text().startswith("400 syntax-error")


def test_query_typed_with_autocompletion_runs(page, store) -> None:
    hints = page.locator(".CodeMirror-hints li")
    replace_query(page, "PREFIX sko")
    hints.filter(has_text="skos: <http://www.w3.org/2004/02/skos/core#>").first.wait_for()  # the predeclared ones
    replace_query(page, "SELECT ?trial ?id WHERE {\n?trial a kg:Clinical")
    hints.filter(has_text="kg:ClinicalTrial").first.click()  # classes of the ontology (a click picks one)
    hints.first.wait_for(state="detached")
    page.locator(f"{ACTIVE} .CodeMirror-focused").wait_for()  # the editor takes the focus back
    page.keyboard.type(" ;\nkg:regist")
    hints.filter(has_text="kg:registryId").first.click()  # and its properties
    hints.first.wait_for(state="detached")
    page.locator(f"{ACTIVE} .CodeMirror-focused").wait_for()
    page.keyboard.press("End")
    page.keyboard.type(" ?id }\nORDER BY ?id")
    text = page.evaluate(EDITOR_TEXT)
    assert "a kg:ClinicalTrial" in text and "kg:registryId ?id" in text
    page.click("#run")
    page.locator(ROWS).first.wait_for()
    expected = trials(store)
    assert page.locator(ROWS).count() == len(expected)
    assert page.locator("#status").inner_text().startswith(f"{len(expected)} rows")
    link = page.locator(f"{ROWS} a.entity-link").first
    assert link.inner_text() == "trial/" + expected[0]  # a short name, the IRI as its title and link
    assert link.get_attribute("href").startswith("/resource?iri=https%3A%2F%2F")
    link.click()
    page.wait_for_load_state()
    assert page.locator("table.entity").count() >= 1 and expected[0] in page.content()


def test_results_are_paged_sorted_and_filtered(page, store) -> None:
    query = "SELECT ?id ?site WHERE { ?t kg:registryId ?id ; kg:site ?site } ORDER BY ?id ?site LIMIT 120"
    rows = select(store, query)
    assert len(rows) == 120, "the example records have more than 120 sites"
    replace_query(page, query)
    page.click("#run")
    page.locator(ROWS).first.wait_for()
    info = page.locator(f"{ACTIVE} .dt-info")
    assert info.inner_text() == "Showing 1 to 50 of 120 entries"
    assert page.locator(ROWS).count() == 50
    page.click(f"{ACTIVE} .dt-paging-button.next")
    assert info.inner_text() == "Showing 51 to 100 of 120 entries"
    assert page.locator(f"{ROWS} .rowNumber").first.inner_text() == "51"
    header = page.locator(f"{ACTIVE} table.dataTable thead th:nth-child(2)")
    for order in ("asc", "desc"):  # sorted by id, descending on the second click
        header.click()
        page.locator(f"{ACTIVE} table.dataTable thead th.dt-ordering-{order}").wait_for()
    assert max(r["id"] for r in rows) in page.locator(ROWS).first.inner_text()
    wanted = sorted({r["id"] for r in rows})[1]
    page.locator(f"{ACTIVE} .tableFilter").press_sequentially(wanted)  # YASR filters on key presses
    expected = sum(r["id"] == wanted for r in rows)
    page.wait_for_function(f"document.querySelector('.tabPanel.active .dt-info').innerText.endsWith("
                           f"'of {expected} entries (filtered from 120 total entries)')")
    assert all(wanted in row for row in page.locator(ROWS).all_inner_texts())


@pytest.fixture
def elsewhere(browser, server) -> Iterator[Watched]:
    """A second browser context: what a permalink opens for someone else (nothing stored)."""
    with watching(browser, server) as session:
        yield session


def test_permalink_reopens_the_same_query(page, elsewhere) -> None:
    query = "SELECT ?id WHERE { ?t kg:registryId ?id } ORDER BY DESC(?id) LIMIT 3"
    replace_query(page, query)
    page.click("#run")
    page.locator(ROWS).first.wait_for()
    page.click("#permalink")
    again = elsewhere.open(page.input_value("#permalink-text"))
    again.locator(ROWS).first.wait_for()
    assert again.evaluate(EDITOR_TEXT) == query
    assert again.locator(ROWS).count() == 3


def test_history_reopens_what_ran(page) -> None:
    queries = ["SELECT ?id WHERE { ?t kg:registryId ?id } LIMIT 1", "SELECT ?t WHERE { ?t a kg:Site } LIMIT 2"]
    for query in queries:
        replace_query(page, query)
        page.click("#run")
        page.locator(ROWS).first.wait_for()
    entries = page.locator("#history-list button")
    assert entries.count() == 2 and entries.first.get_attribute("title") == queries[1]  # newest first
    tabs = page.locator(".yasgui .tabsList .tab")
    before = tabs.count()
    entries.nth(1).click()
    assert tabs.count() == before + 1  # in a tab of its own
    assert page.evaluate(EDITOR_TEXT) == queries[0]


def test_named_query_with_parameters_runs_downloads_and_has_a_permalink(page, elsewhere, store) -> None:
    nct = trials(store)[1]
    page.click("button.example[data-name='trial-overview']")
    field = page.locator("#params input[name='nct']")
    assert field.input_value()  # the example value of the query's header
    field.fill(nct)
    with page.expect_request(lambda r: "/queries/trial-overview?" in r.url) as asked:
        page.click("#run")
    assert f"nct={nct}" in asked.value.url  # bound by the server, not pasted into the text
    page.locator(ROWS).first.wait_for()
    assert nct in page.locator(ROWS).first.inner_text()
    expected = {"json": '"bindings"', "xml": "<sparql", "csv": "nct,trial", "tsv": "?nct\t?trial"}
    for fmt, marker in expected.items():
        page.select_option("#download-format", fmt)
        with page.expect_download() as download:
            page.click("#download")
        body = Path(download.value.path()).read_text()
        assert marker in body and nct in body, fmt
    page.click("#permalink")
    again = elsewhere.open(page.input_value("#permalink-text"))
    again.locator(ROWS).first.wait_for()
    assert again.locator("#params input[name='nct']").input_value() == nct
    assert nct in again.locator(ROWS).first.inner_text()


def test_construct_is_a_table_and_a_graph(page) -> None:
    replace_query(page, "CONSTRUCT { ?t kg:phase ?p ; kg:registryId ?id } WHERE { ?t kg:phase ?p ; kg:registryId ?id }")
    page.click("#run")
    page.locator(ROWS).first.wait_for()
    headings = page.locator(f"{ACTIVE} .yasr table.dataTable th").all_inner_texts()
    assert headings[1:] == ["subject", "predicate", "object"]
    assert "TURTLE" in page.locator("#download-format").inner_text()  # graph formats on offer
    page.select_option("#download-format", "turtle")
    with page.expect_download() as download:
        page.click("#download")
    assert "kg:registryId" in Path(download.value.path()).read_text()
    page.click(f"{ACTIVE} .yasr .select_graph")
    nodes = page.locator(f"{ACTIVE} .kg-graph svg path")
    nodes.first.wait_for()
    assert nodes.count() > 3


def test_chart_view_draws_bars_of_counts(page) -> None:
    page.click("button.example[data-name='trials-by-drug-class']")
    page.click("#run")
    page.locator(ROWS).first.wait_for()
    classes = [row.split("\t")[1].strip() for row in page.locator(ROWS).all_inner_texts()]
    page.click(f"{ACTIVE} .yasr .select_chart")
    chart = page.locator(f"{ACTIVE} .kg-chart svg")
    chart.wait_for()
    assert labelled(set(classes), chart.locator("text").all_text_contents())  # a bar per class, labelled
    assert chart.locator("path[fill='#1f5fbf']").count() >= len(classes)


def test_runaway_query_is_cancelled_from_the_page(page, server) -> None:
    before = httpx.get(server.url + "/health").json()
    replace_query(page, RUNAWAY)
    page.click("#run")
    cancel = page.locator("#cancel")
    cancel.wait_for(state="visible")
    page.wait_for_function("document.getElementById('status').innerText.startsWith('Running')")
    with page.expect_event("requestfailed") as failed:
        cancel.click()
    assert failed.value.url.endswith("/sparql") and "ABORTED" in failed.value.failure  # the request itself stopped
    cancel.wait_for(state="hidden")
    assert page.locator("#status").inner_text() == "Cancelled."
    assert page.locator(f"{ACTIVE} .kg-error").inner_text() == "The query was cancelled."
    # the server stopped the work too (its worker, not left busy until the 10 s limit)
    page.wait_for_function(f"""fetch('/health').then(r => r.json()).then(h =>
        h.cancelled_queries > {before['cancelled_queries']})""", polling=200, timeout=30_000)
    after = httpx.get(server.url + "/health").json()
    assert after["stopped_queries"] == before["stopped_queries"]  # cancelled, not stopped by the time limit
    replace_query(page, "SELECT ?id WHERE { ?t kg:registryId ?id } LIMIT 2")  # and the page goes on working
    page.click("#run")
    page.locator(ROWS).first.wait_for()
    assert page.locator(ROWS).count() == 2


def labelled(names: set[str], texts: list[str]) -> bool:
    """Every name is among the chart's texts, whole or as ECharts shortens a long label (a prefix and "...")."""
    cut = [t[:-3] for t in texts if t.endswith("...")]
    return all(n in texts or any(n.startswith(c) for c in cut if c) for n in names)


def run_named(server: LiveServer, name: str) -> list[dict]:
    response = httpx.get(f"{server.url}/queries/{name}", headers={"Accept": "application/sparql-results+json"},
                         timeout=30)
    return [{k: v["value"] for k, v in b.items()} for b in response.json()["results"]["bindings"]]


def on_map(rows: list[dict]) -> list[dict]:
    """The countries of ``rows`` that the vendored 1:110m map draws (its shapes are keyed by ISO numeric code)."""
    codes = json.loads((VENDOR / "i18n_iso_countries/codes.json").read_text())
    numeric = {alpha2: number for alpha2, _, number, *_ in codes}
    shapes = json.loads((VENDOR / "world_atlas/countries-110m.json").read_text())["objects"]["countries"]["geometries"]
    drawn = {g.get("id") for g in shapes}
    return [r for r in rows if numeric.get(r.get("code")) in drawn]


def test_landscape_draws_its_charts(watched, server) -> None:
    page = watched.open("/landscape")
    page.wait_for_function("document.querySelectorAll('figure.drawn, figure.failed').length === 4")
    assert page.locator("figure.failed").count() == 0

    def svg(figure: str, chart: str = ".chart"):
        return page.locator(f"#{figure} {chart} svg")

    phases = {r["phase"] for r in run_named(server, "trials-by-phase-and-status")}
    statuses = {r["status"] for r in run_named(server, "trials-by-phase-and-status")}
    texts = svg("phase-status").locator("text").all_text_contents()
    assert labelled(phases | statuses, texts)  # a bar per phase, a colour per status in the legend
    assert svg("phase-status").locator("path[fill='#1f5fbf']").count() >= 1

    classes = {r["class"] for r in run_named(server, "drug-classes-by-start-year")}
    assert classes and labelled(classes, svg("classes-years").locator("text").all_text_contents())
    assert svg("classes-years").locator("path[fill='none']").count() >= len(classes)  # a line per class

    countries = run_named(server, "sites-by-country")
    drawn = on_map(countries)
    assert drawn, "the example records have sites in countries the map draws"
    shapes = svg("sites-countries", ".map").locator("path")
    assert shapes.count() > 150  # the world's countries
    coloured = [f for f in shapes.evaluate_all("ps => ps.map(p => p.getAttribute('fill'))") if f and f != "#f1f3f6"]
    assert len(coloured) >= len(drawn)
    names = svg("sites-countries", ".bars").locator("text").all_text_contents()
    assert labelled({r["country"] for r in countries[:5]}, names)

    targets = {r["target"] for r in run_named(server, "adc-trials-by-target")}
    assert targets, "the example records have an antibody–drug conjugate trial"
    assert labelled(targets, svg("adc-targets").locator("text").all_text_contents())
    assert svg("adc-targets").locator("path[fill='#1f5fbf']").count() >= len(targets)
