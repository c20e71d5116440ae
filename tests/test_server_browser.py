"""The query page in a real headless Chromium (Debian's, driven by Playwright): type, run, see rows, follow a link."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg_builder.server.testing import LiveServer, nct, write_store

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("KG_BUILDER_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


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
def server(tmp_path_factory) -> Iterator[LiveServer]:
    store = tmp_path_factory.mktemp("store")
    write_store(store, 12)
    with LiveServer(store) as live:
        yield live


@pytest.fixture
def page(browser, server):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(server.url + "/")
    yield page
    context.close()
    outside = [url for url in requests if not url.startswith(server.url) and not url.startswith(("blob:", "data:"))]
    assert not outside, f"the page reached outside the server: {outside}"


def test_type_run_see_rows_follow_link(page, server) -> None:
    editor = page.locator("#editor")
    # prefixes preloaded (the page fills the editor once /config.json arrives, after the load event)
    page.wait_for_function("document.querySelector('#editor').value.includes('PREFIX kg:')")
    assert "PREFIX kg: <https://w3id.org/kg-builder/ontology#>" in editor.input_value()
    page.locator(".tok-kw").first.wait_for()  # syntax highlighting is on
    editor.fill("")
    editor.type("PREFIX kg: <https://w3id.org/kg-builder/ontology#>\n"
                "SELECT ?trial ?id WHERE { ?trial kg:registryId ?id } ORDER BY ?id LIMIT 5")
    page.click("#run")
    rows = page.locator("#results-table tbody tr")
    rows.first.wait_for()
    assert rows.count() == 5
    assert page.locator("#status").inner_text().startswith("5 rows")
    first_id = rows.first.locator("td").nth(1).inner_text()
    assert first_id == nct(0)
    rows.first.locator("a.entity-link").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("Study 0 of drug")
    assert page.locator("table.entity").count() >= 1
    assert page.get_by_text("registry record").count() == 1


def test_named_query_example_and_downloads(page, server) -> None:
    page.locator("button.example[data-name='trial-overview']").click()
    assert "# title: Trial overview" in page.locator("#editor").input_value()
    page.fill("#params input[name='nct']", nct(4))
    page.click("#run")
    page.locator("#results-table tbody tr").first.wait_for()
    assert nct(4) in page.locator("#results-table").inner_text()
    with page.expect_download() as info:
        page.click("#download-csv")
    csv_text = Path(info.value.path()).read_text()
    assert csv_text.splitlines()[0].startswith("nct,trial") or "trial" in csv_text.splitlines()[0]
    assert nct(4) in csv_text
    with page.expect_download() as info:
        page.click("#download-json")
    assert '"bindings"' in Path(info.value.path()).read_text()


def test_syntax_error_is_shown(page) -> None:
    editor = page.locator("#editor")
    editor.fill("SELECT * WHERE { ?s ?p ")
    editor.press("Control+Enter")
    error = page.locator("#error")
    error.wait_for(state="visible")
    assert "400 syntax-error" in error.inner_text()
