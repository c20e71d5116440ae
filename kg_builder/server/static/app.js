// The query page: an editor with highlighting, named queries as examples, a results table.
// Plain browser JavaScript, nothing loaded from another host.
"use strict";

const editor = document.getElementById("editor");
const highlightCode = document.getElementById("highlight-code");
const highlightPre = document.getElementById("highlight");
const runButton = document.getElementById("run");
const statusLine = document.getElementById("status");
const errorBox = document.getElementById("error");
const results = document.getElementById("results");
const paramsBox = document.getElementById("params");

const KEYWORDS = new Set(("SELECT CONSTRUCT DESCRIBE ASK WHERE PREFIX BASE FROM NAMED GRAPH OPTIONAL UNION MINUS " +
  "FILTER BIND VALUES SERVICE SILENT DISTINCT REDUCED AS LIMIT OFFSET ORDER BY ASC DESC GROUP HAVING COUNT SUM " +
  "MIN MAX AVG SAMPLE GROUP_CONCAT SEPARATOR EXISTS NOT IN STR LANG LANGMATCHES DATATYPE BOUND IRI URI BNODE " +
  "REGEX CONTAINS STRSTARTS STRENDS LCASE UCASE STRLEN SUBSTR REPLACE CONCAT ISIRI ISURI ISBLANK ISLITERAL " +
  "ISNUMERIC YEAR MONTH DAY NOW COALESCE IF STRAFTER STRBEFORE ENCODE_FOR_URI ABS ROUND CEIL FLOOR TRUE FALSE A")
  .split(" "));
const TOKEN = /(#[^\n]*)|("""[\s\S]*?"""|'''[\s\S]*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|(<[^<>"{}|^`\\\s]*>)|([?$][\w]+)|([A-Za-z_][\w.-]*:[\w.:%-]*|:[\w.-]*)|(\b\d+(?:\.\d+)?\b)|([A-Za-z_]\w*)/g;

let loadedExample = null; // {query, text}: the named query in the editor, while unedited

function escapeHtml(text) {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}

function highlight() {
  const text = editor.value;
  let html = "";
  let last = 0;
  for (const m of text.matchAll(TOKEN)) {
    html += escapeHtml(text.slice(last, m.index));
    const cls = m[1] ? "com" : m[2] ? "str" : m[3] ? "iri" : m[4] ? "var" : m[5] ? "pn" : m[6] ? "num"
      : KEYWORDS.has(m[7].toUpperCase()) ? "kw" : null;
    html += cls ? `<span class="tok-${cls}">${escapeHtml(m[0])}</span>` : escapeHtml(m[0]);
    last = m.index + m[0].length;
  }
  highlightCode.innerHTML = html + escapeHtml(text.slice(last)) + "\n";
  syncScroll();
}

function syncScroll() {
  highlightPre.scrollTop = editor.scrollTop;
  highlightPre.scrollLeft = editor.scrollLeft;
}

function entityHref(iri) {
  return "/resource?iri=" + encodeURIComponent(iri);
}

function cell(term) {
  const td = document.createElement("td");
  if (!term) return td;
  if (term.type === "uri") {
    const a = document.createElement("a");
    a.href = entityHref(term.value);
    a.textContent = term.value;
    a.className = "entity-link";
    td.appendChild(a);
  } else if (term.type === "bnode") {
    td.textContent = "_:" + term.value;
  } else {
    const span = document.createElement("span");
    span.className = "lit";
    span.textContent = term.value;
    td.appendChild(span);
    const note = term["xml:lang"] ? "@" + term["xml:lang"] : term.datatype ? term.datatype.replace(/^.*[#/]/, "") : "";
    if (note) {
      const small = document.createElement("span");
      small.className = "datatype";
      small.textContent = note;
      td.appendChild(small);
    }
  }
  return td;
}

function showTable(data) {
  const vars = data.head.vars || [];
  const table = document.createElement("table");
  table.id = "results-table";
  const head = table.createTHead().insertRow();
  for (const v of vars) {
    const th = document.createElement("th");
    th.textContent = v;
    head.appendChild(th);
  }
  const body = table.createTBody();
  for (const binding of data.results.bindings) {
    const row = body.insertRow();
    for (const v of vars) row.appendChild(cell(binding[v]));
  }
  results.replaceChildren(table);
  return data.results.bindings.length;
}

// The request for the current editor content: the named query while unedited, else /sparql.
function currentRequest(accept) {
  if (loadedExample && editor.value === loadedExample.text) {
    const params = new URLSearchParams();
    for (const input of paramsBox.querySelectorAll("input")) params.set(input.name, input.value);
    return { url: `/queries/${encodeURIComponent(loadedExample.query.name)}?${params}`, init: { headers: { Accept: accept } } };
  }
  return {
    url: "/sparql",
    init: { method: "POST", headers: { Accept: accept, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ query: editor.value }) },
  };
}

async function run() {
  errorBox.hidden = true;
  runButton.disabled = true;
  statusLine.textContent = "Running…";
  const started = performance.now();
  const request = currentRequest("application/sparql-results+json, text/turtle;q=0.9");
  try {
    const response = await fetch(request.url, request.init);
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    const type = response.headers.get("content-type") || "";
    if (!response.ok) {
      const text = await response.text();
      let message = text;
      try {
        const err = JSON.parse(text).error;
        message = `${err.status} ${err.code}: ${err.message}` + (err.hint ? `\n${err.hint}` : "");
      } catch (_) { /* not our JSON error shape: show it as it came */ }
      errorBox.textContent = message;
      errorBox.hidden = false;
      statusLine.textContent = `Failed after ${seconds} s`;
      return;
    }
    const truncated = response.headers.get("X-SPARQL-MaxRows");
    let summary;
    if (type.includes("json")) {
      const data = await response.json();
      if ("boolean" in data) {
        results.replaceChildren(Object.assign(document.createElement("p"), { textContent: `Answer: ${data.boolean}` }));
        summary = "ASK answered";
      } else {
        const rows = showTable(data);
        summary = `${rows} row${rows === 1 ? "" : "s"}`;
      }
    } else {
      const pre = document.createElement("pre");
      pre.textContent = await response.text();
      results.replaceChildren(pre);
      summary = "graph";
    }
    statusLine.textContent = `${summary} in ${seconds} s` + (truncated ? ` (cut at the server's limit of ${truncated} rows)` : "");
  } catch (exc) {
    errorBox.textContent = String(exc);
    errorBox.hidden = false;
    statusLine.textContent = "";
  } finally {
    runButton.disabled = false;
  }
}

async function download(kind) {
  const accept = kind === "csv" ? "text/csv" : "application/sparql-results+json, application/ld+json;q=0.9";
  const request = currentRequest(accept);
  const response = await fetch(request.url, request.init);
  if (!response.ok) {
    errorBox.textContent = await response.text();
    errorBox.hidden = false;
    return;
  }
  const blob = await response.blob();
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = `results.${kind}`;
  document.body.appendChild(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

function showParams(query) {
  paramsBox.replaceChildren();
  for (const p of query.params) {
    const label = document.createElement("label");
    label.textContent = `${p.name} `;
    const input = document.createElement("input");
    input.name = p.name;
    input.placeholder = p.description || p.type;
    input.title = p.description;
    const example = /e\.g\.\s*"?([^",]+)"?/.exec(p.description || "");
    if (example) input.value = example[1].trim();
    label.appendChild(input);
    paramsBox.appendChild(label);
  }
}

function loadExample(query) {
  editor.value = query.query;
  loadedExample = { query, text: query.query };
  showParams(query);
  highlight();
}

async function init() {
  const [config, queries] = await Promise.all([
    fetch("/config.json").then((r) => r.json()),
    fetch("/queries").then((r) => r.json()),
  ]);
  editor.value = config.prefixes +
    "\nSELECT ?trial ?title WHERE {\n  ?trial a kg:ClinicalTrial ;\n         rdfs:label ?title .\n}\nLIMIT 20\n";
  highlight();
  const list = document.getElementById("example-list");
  for (const q of queries) {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "example";
    button.dataset.name = q.name;
    button.innerHTML = `${escapeHtml(q.title)}<span class="desc">${escapeHtml(q.description)}</span>`;
    button.addEventListener("click", () => loadExample(q));
    li.appendChild(button);
    list.appendChild(li);
  }
}

editor.addEventListener("input", () => {
  if (loadedExample && editor.value !== loadedExample.text) paramsBox.replaceChildren();
  highlight();
});
editor.addEventListener("scroll", syncScroll);
editor.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    run();
  } else if (event.key === "Tab") {
    event.preventDefault();
    editor.setRangeText("  ", editor.selectionStart, editor.selectionEnd, "end");
    highlight();
  }
});
runButton.addEventListener("click", run);
document.getElementById("download-csv").addEventListener("click", (e) => { e.preventDefault(); download("csv"); });
document.getElementById("download-json").addEventListener("click", (e) => { e.preventDefault(); download("json"); });
init();
