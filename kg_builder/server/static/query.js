// The query page: the vendored YASGUI (editor, tabs, results) set up for this endpoint and this graph.
// What YASGUI does not know is added here: the prefixes the endpoint predeclares, autocompletion from the
// ontology (no lookups on other hosts), named queries with their parameter fields, history, permalinks,
// downloads in every format the endpoint offers and a cancel button. Nothing is loaded from another host.
"use strict";

(function () {
  const { Yasqe } = Yasgui;
  const ENDPOINT = location.origin + "/sparql";
  const HISTORY_KEY = "kg-builder.history";
  const HISTORY_SIZE = 40;
  const DEFAULT_QUERY = "SELECT ?trial ?title WHERE {\n  ?trial a kg:ClinicalTrial ;\n         rdfs:label ?title .\n}\n" +
    "ORDER BY ?title\nLIMIT 500\n";
  const EXTENSIONS = { json: "srj", xml: "srx", csv: "csv", tsv: "tsv", turtle: "ttl", ntriples: "nt", jsonld: "jsonld",
    rdfxml: "rdf" };
  const $ = (id) => document.getElementById(id);

  let yasgui = null;
  let config = null;
  let named = {}; // name → the named query from /queries
  let startedAt = 0;
  let ticker = null;
  const watched = new WeakSet();

  // ---- the editor knows what the endpoint knows ---------------------------------------------------
  // The endpoint predeclares config.prefixes (as `kg-builder query` does): the SPARQL mode starts every
  // query with them, so `kg:` needs no PREFIX line, raises no error marker and completes like a declared one.
  function predeclare(prefixes) {
    const CodeMirror = Object.getPrototypeOf(Yasqe);
    const original = CodeMirror.modes.sparql11;
    CodeMirror.defineMode("sparql11", function (options, modeOptions) {
      const mode = original(options, modeOptions);
      const startState = mode.startState;
      mode.startState = function () {
        const state = startState.apply(this, arguments);
        state.prefixes = { ...prefixes };
        return state;
      };
      return mode;
    });
  }

  // Prefixes, classes and properties from this server (the stock completers ask prefix.cc and LOV). Classes and
  // properties pop up once a name is begun (kg:, <…): on an empty position a list would take the Enter key.
  function registerCompleters(terms, prefixes) {
    const iris = (list) => list.map((t) => t.iri);
    const begun = (stock) => (yasqe) => /^[A-Za-z_<]/.test(yasqe.getCompleteToken().string) && stock(yasqe);
    Yasqe.forkAutocompleter("prefixes", { name: "kg-prefixes", persistenceId: null,
      get: Object.entries(prefixes).map(([p, iri]) => `${p}: <${iri}>`).sort() }, false);
    Yasqe.forkAutocompleter("property", { name: "kg-properties", persistenceId: null, bulk: true, autoShow: true,
      get: iris(terms.properties), isValidCompletionPosition: begun(Yasqe.Autocompleters.property.isValidCompletionPosition) },
    false);
    Yasqe.forkAutocompleter("class", { name: "kg-classes", persistenceId: null, bulk: true, autoShow: true,
      get: iris(terms.classes), isValidCompletionPosition: begun(Yasqe.Autocompleters.class.isValidCompletionPosition) },
    false);
    // lodash's merge would mix the stock list into ours index by index: replace it in place
    Yasqe.defaults.autocompleters.splice(0, Infinity, "variables", "kg-prefixes", "kg-properties", "kg-classes");
  }

  // ---- named queries: an unedited one with parameters runs at /queries/NAME, bound by the server -----
  function tabOf(yasqe) {
    // (null while YASGUI's constructor runs the tab of a share link: not a named query)
    return yasgui && Object.values(yasgui._tabs).find((tab) => tab.getYasqe() === yasqe);
  }

  function namedState(tab) {
    const state = tab && tab.getPersistedJson().kgNamed;
    return state && named[state.name] ? state : null;
  }

  function namedUrl(tab, accept) {
    const state = namedState(tab);
    if (!state || !named[state.name].params.length || tab.getQuery() !== named[state.name].query) return null;
    const params = new URLSearchParams(state.values);
    if (accept) params.set("format", accept);
    return `/queries/${encodeURIComponent(state.name)}?${params}`;
  }

  // What Yasqe's own executeQuery does (the same events, so tabs and results follow), for a GET of `url`.
  async function runAt(yasqe, url) {
    const started = Date.now();
    yasqe.emit("queryBefore", yasqe, {});
    const controller = new AbortController();
    const request = new Request(url, { headers: { Accept: "application/sparql-results+json" },
      signal: controller.signal });
    yasqe.emit("query", request, controller);
    try {
      const response = await fetch(request);
      if (!response.ok) throw new Error((await response.text()) || response.statusText);
      const result = { ok: true, status: response.status, statusText: response.statusText,
        headers: response.headers, type: response.type, content: await response.text() };
      yasqe.emit("queryResponse", result, Date.now() - started);
      yasqe.emit("queryResults", result.content, Date.now() - started);
      return result;
    } catch (error) {
      yasqe.emit("queryResponse", error, Date.now() - started);
      yasqe.emit("error", error);
      throw error;
    }
  }

  const stockQuery = Yasqe.prototype.query;
  Yasqe.prototype.query = function (options) {
    const url = namedUrl(tabOf(this));
    if (!url) return stockQuery.call(this, options);
    this.abortQuery();
    return runAt(this, url);
  };

  function openNamed(name, values, { run = false } = {}) {
    const query = named[name];
    const defaults = {};
    for (const p of query.params) defaults[p.name] = exampleValue(p);
    const tab = yasgui.addTab(true, { name: query.title, yasqe: { value: query.query } });
    tab.getPersistedJson().kgNamed = { name, values: { ...defaults, ...values } };
    tab.emit("change", tab, tab.getPersistedJson());
    placeBar();
    if (run) tab.query().catch(() => {});
    return tab;
  }

  function exampleValue(param) {
    const match = /e\.g\.\s*"?([^",]+)"?/.exec(param.description || "");
    return match ? match[1].trim() : "";
  }

  // The parameter fields of the tab's named query (drawn once per tab, then only told whether the text changed).
  function showParams(tab) {
    const form = $("params");
    const state = namedState(tab);
    const query = state && named[state.name];
    if (!query || !query.params.length) {
      form.hidden = true;
      form.dataset.tab = "";
      return;
    }
    form.hidden = false;
    const fields = form.querySelector(".params-fields");
    if (form.dataset.tab !== tab.getId()) {
      form.dataset.tab = tab.getId();
      drawParams(tab, query, state, fields);
    }
    const edited = tab.getQuery() !== query.query;
    fields.querySelectorAll("input").forEach((input) => { input.disabled = edited; });
    form.querySelector(".params-note").textContent = edited
      ? "The text was edited: it runs as written, without these parameters (reopen the named query to use them)."
      : `Bound as RDF terms by the server (/queries/${query.name}).`;
  }

  function drawParams(tab, query, state, fields) {
    $("params").querySelector(".params-title").textContent = `${query.title}:`;
    fields.replaceChildren();
    for (const p of query.params) {
      const label = document.createElement("label");
      label.textContent = `${p.name} `;
      const input = document.createElement("input");
      input.name = p.name;
      input.value = state.values[p.name] ?? "";
      input.title = p.description || p.type;
      input.placeholder = p.type;
      input.addEventListener("input", () => {
        state.values[p.name] = input.value;
        tab.emit("change", tab, tab.getPersistedJson());
      });
      label.appendChild(input);
      fields.appendChild(label);
    }
  }

  // ---- the bar under the active tab's editor: run, cancel, status, permalink, downloads -------------
  function placeBar() {
    const tab = yasgui.getTab();
    if (!tab || !tab.getYasr()) return;
    const bar = $("run-bar");
    tab.getYasr().rootEl.before(bar);
    if (!watched.has(tab.getYasqe())) {  // the parameters note and the formats follow the text as it is typed
      watched.add(tab.getYasqe());
      tab.getYasqe().on("change", () => { if (tab === yasgui.getTab()) { showParams(tab); showFormats(tab); } });
    }
    bar.hidden = false;
    showParams(tab);
    showFormats(tab);
    $("permalink-text").hidden = true;
    const running = !!tab.getYasqe().req;
    $("cancel").hidden = !running;
    $("run").disabled = running;
    if (!running) $("status").textContent = tab.kgStatus || "";
  }

  function showFormats(tab) {
    const graph = ["CONSTRUCT", "DESCRIBE"].includes(tab.getYasqe().getQueryType());
    const select = $("download-format");
    const offers = graph ? config.formats.graph : config.formats.results;
    if (select.dataset.kind === (graph ? "graph" : "results")) return;
    select.dataset.kind = graph ? "graph" : "results";
    select.replaceChildren(...offers.map((f) => new Option(`${f.name.toUpperCase()} (${f.media_type})`, f.name)));
  }

  function setRunning(tab, running) {
    if (tab !== yasgui.getTab()) return;
    $("run").disabled = running;
    $("cancel").hidden = !running;
    clearInterval(ticker);
    if (running) {
      startedAt = performance.now();
      const tick = () => { $("status").textContent = `Running… ${((performance.now() - startedAt) / 1000).toFixed(1)} s`; };
      tick();
      ticker = setInterval(tick, 200);
    }
  }

  function finished(tab) {
    const yasr = tab.getYasr();
    const results = yasr && yasr.results;
    let text = "";
    if (tab.kgCancelled) text = "Cancelled.";
    else if (results && results.hasError()) text = "The query failed (see below).";
    else if (results) {
      const bindings = results.getBindings();
      const seconds = (results.getResponseTime() / 1000).toFixed(2);
      text = bindings ? `${bindings.length} row${bindings.length === 1 ? "" : "s"} in ${seconds} s` : `Answered in ${seconds} s`;
      const capped = results.res && results.res.headers && results.res.headers.get && results.res.headers.get("X-SPARQL-MaxRows");
      if (capped) text += ` (cut at the server's limit of ${capped} rows)`;
    }
    tab.kgStatus = text;
    if (tab === yasgui.getTab()) $("status").textContent = text;
  }

  async function download() {
    const tab = yasgui.getTab();
    const format = config.formats.results.concat(config.formats.graph).find((f) => f.name === $("download-format").value);
    const url = namedUrl(tab, format.alias);
    const request = url ? fetch(url) : fetch(ENDPOINT, { method: "POST",
      headers: { Accept: format.media_type, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ query: tab.getQuery() }) });
    const response = await request;
    if (!response.ok) {
      $("status").textContent = `Download failed: ${response.status} ${(await response.text()).slice(0, 300)}`;
      return;
    }
    const a = document.createElement("a");
    a.href = URL.createObjectURL(await response.blob());
    const stem = tab.getName().toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "results";
    a.download = `${stem}.${EXTENSIONS[format.name] || format.name}`;
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  function permalink() {
    const tab = yasgui.getTab();
    const state = namedState(tab);
    let link;
    if (state && tab.getQuery() === named[state.name].query) {
      link = `${location.origin}/?${new URLSearchParams({ named: state.name, ...state.values })}`;
    } else {
      link = tab.getShareableLink();
    }
    const box = $("permalink-text");
    box.value = link;
    box.hidden = false;
    box.select();
    if (navigator.clipboard) navigator.clipboard.writeText(link).catch(() => {});
  }

  // ---- history: the queries run here, newest first, kept in this browser ------------------------------
  function remember(tab) {
    const state = namedState(tab);
    const entry = { query: tab.getQuery(), name: tab.getName(), at: new Date().toISOString(),
      named: state && tab.getQuery() === named[state.name].query ? { name: state.name, values: { ...state.values } } : null };
    const list = readHistory().filter((e) => e.query !== entry.query || JSON.stringify(e.named) !== JSON.stringify(entry.named));
    list.unshift(entry);
    localStorage.setItem(HISTORY_KEY, JSON.stringify(list.slice(0, HISTORY_SIZE)));
    drawHistory();
  }

  function readHistory() {
    try {
      return JSON.parse(localStorage.getItem(HISTORY_KEY)) || [];
    } catch (_) {
      return [];
    }
  }

  function drawHistory() {
    const list = $("history-list");
    const entries = readHistory();
    $("history-empty").hidden = entries.length > 0;
    list.replaceChildren(...entries.map((entry) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "history-entry";
      const summary = entry.query.split("\n").filter((l) => l.trim() && !/^\s*(#|PREFIX)/i.test(l)).join(" ").slice(0, 90);
      const when = new Date(entry.at).toLocaleString();
      button.innerHTML = "<span class=\"title\"></span><span class=\"desc\"></span>";
      const values = entry.named ? Object.values(entry.named.values).join(", ") : "";
      button.querySelector(".title").textContent = entry.named ? entry.name + (values ? ` (${values})` : "") : summary;
      button.querySelector(".desc").textContent = when;
      button.title = entry.query;
      button.addEventListener("click", () => {
        if (entry.named && named[entry.named.name]) openNamed(entry.named.name, entry.named.values);
        else {
          yasgui.addTab(true, { name: entry.name, yasqe: { value: entry.query } });
          placeBar();
        }
      });
      const li = document.createElement("li");
      li.appendChild(button);
      return li;
    }));
  }

  function drawExamples(queries) {
    $("example-list").replaceChildren(...queries.map((q) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "example";
      button.dataset.name = q.name;
      button.innerHTML = "<span class=\"title\"></span><span class=\"desc\"></span>";
      button.querySelector(".title").textContent = q.title + (q.params.length ? ` (${q.params.map((p) => p.name).join(", ")})` : "");
      button.querySelector(".desc").textContent = q.description;
      button.addEventListener("click", () => {
        openNamed(q.name, {});
        yasgui.getTab().getYasqe().focus();
        $("yasgui").scrollIntoView({ block: "start" });
      });
      const li = document.createElement("li");
      li.appendChild(button);
      return li;
    }));
  }

  async function getJson(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    return response.json();
  }

  async function main() {
    const [pageConfig, queries] = await Promise.all([getJson("/config.json"), getJson("/queries")]);
    config = pageConfig;
    named = Object.fromEntries(queries.map((q) => [q.name, q]));
    predeclare(config.prefixes);
    registerCompleters(config.terms, config.prefixes);
    KgCharts.setBase(config.base);
    KgYasr.register();
    yasgui = new Yasgui($("yasgui"), {
      requestConfig: { endpoint: ENDPOINT, method: "POST", acceptHeaderSelect: "application/sparql-results+json",
        acceptHeaderGraph: "text/turtle" },
      copyEndpointOnNewTab: true,
      endpointCatalogueOptions: { getData: () => [] },
      persistenceId: "kg-builder-query",
      autofocus: false,
      yasqe: { value: DEFAULT_QUERY, editorHeight: "240px", resizeable: true },
      yasr: { prefixes: config.prefixes, pluginOrder: ["table", "chart", "graph", "response"], defaultPlugin: "table" },
    });
    $("loading").remove();
    yasgui.on("tabSelect", () => setTimeout(placeBar));
    yasgui.on("tabClose", () => setTimeout(placeBar));
    yasgui.on("query", (_, tab) => { tab.kgCancelled = false; setRunning(tab, true); remember(tab); });
    yasgui.on("queryAbort", (_, tab) => { tab.kgCancelled = true; setRunning(tab, false); finished(tab); });
    yasgui.on("queryResponse", (_, tab) => setTimeout(() => { setRunning(tab, false); finished(tab); }));
    $("run").addEventListener("click", () => yasgui.getTab().query().catch(() => {}));
    $("cancel").addEventListener("click", () => yasgui.getTab().getYasqe().abortQuery());
    $("download").addEventListener("click", download);
    $("permalink").addEventListener("click", permalink);
    $("params").addEventListener("submit", (event) => { event.preventDefault(); yasgui.getTab().query().catch(() => {}); });
    drawExamples(queries);
    drawHistory();
    const asked = new URLSearchParams(location.search);
    const name = asked.get("named");
    if (name && named[name]) {
      asked.delete("named");
      history.replaceState(null, "", "/");
      openNamed(name, Object.fromEntries(asked), { run: true });
    }
    placeBar();
  }

  main().catch((error) => {
    const box = $("loading");
    if (box) {
      box.className = "error";
      box.textContent = `The query page could not start: ${error}`;
    }
  });
})();
