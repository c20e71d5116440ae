// Result views for the vendored YASR: the table links IRIs to this server's entity pages; a chart view draws
// SELECT counts as bars; a graph view draws CONSTRUCT/DESCRIBE results as nodes and edges. Errors from this
// endpoint (JSON: status, code, message, hint) are shown as such.
"use strict";

const KgYasr = (function () {
  const { Yasr } = Yasgui;
  const MAX_NODES = 400;

  function entityHref(iri) {
    return "/resource?iri=" + encodeURIComponent(iri);
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }

  // The stock table, with IRIs as prefixed names that open their page on this server (the full IRI as title).
  class Table extends Yasr.plugins.table {
    getUriLinkFromBinding(binding, prefixes) {
      const text = KgCharts.label(binding, prefixes);
      return `<a class="iri entity-link" href="${escapeHtml(entityHref(binding.value))}" title="${escapeHtml(binding.value)}">` +
        `${escapeHtml(text)}</a>`;
    }

    // a value as it reads (a number is a number); its datatype or language small after it, as the stock table does
    formatLiteral(binding, prefixes) {
      const value = escapeHtml(binding.value);
      if (this.persistentConfig.compact || KgCharts.isNumber(binding)) return value;
      if (binding["xml:lang"]) return `${value}<sup>@${escapeHtml(binding["xml:lang"])}</sup>`;
      if (binding.datatype) return `${value}<sup>${escapeHtml(KgCharts.label({ type: "uri", value: binding.datatype }, prefixes))}</sup>`;
      return value;
    }

    getColumns() {
      // numbers sort as numbers (the stock table sorts every column as text)
      const columns = super.getColumns();
      const bindings = this.yasr.results.getBindings() || [];
      for (const column of columns.slice(1)) {
        const bound = bindings.filter((b) => b[column.name]);
        if (bound.length && bound.every((b) => KgCharts.isNumber(b[column.name]))) {
          const render = column.render;
          column.type = "num";
          column.render = (term, kind, row, meta) => (kind === "sort" || kind === "type") && term !== ""
            ? Number(term.value) : render(term, kind, row, meta);
        }
      }
      return columns;
    }
  }

  function resultShape(yasr) {
    const results = yasr.results;
    if (!results || results.hasError()) return null;
    const bindings = results.getBindings();
    const vars = results.getVariables();
    if (!bindings || !vars || !vars.length) return null;
    return { vars, bindings };
  }

  // A YASR view drawn by ECharts: a label, a text icon, an ECharts instance to dispose of when left.
  class EChartsView {
    constructor(yasr, label, icon, priority) {
      this.yasr = yasr;
      this.label = label;
      this.icon = icon;
      this.priority = priority;
      this.chart = null;
    }

    getIcon() {
      const icon = document.createElement("span");
      icon.textContent = this.icon;
      return icon;
    }

    destroy() {
      if (this.chart) this.chart.dispose();
      this.chart = null;
    }
  }

  class Chart extends EChartsView {
    constructor(yasr) {
      super(yasr, "Chart", "▮▮", 5);
    }

    canHandleResults() {
      const shape = resultShape(this.yasr);
      if (!shape || !shape.bindings.length || shape.bindings.length > 5000) return false;
      if (this.yasr.results.getType() === "ttl") return false;
      return KgCharts.columns(shape.vars, shape.bindings).measures.length > 0;
    }

    draw() {
      const shape = resultShape(this.yasr);
      const element = document.createElement("div");
      element.className = "kg-chart";
      this.yasr.resultsEl.appendChild(element);
      this.chart = KgCharts.bars(element, { ...shape, prefixes: this.yasr.getPrefixes() });
    }
  }

  class Graph extends EChartsView {
    constructor(yasr) {
      super(yasr, "Graph", "◉–◉", 0);
    }

    canHandleResults() {
      const shape = resultShape(this.yasr);
      return !!shape && ["subject", "predicate", "object"].every((v) => shape.vars.includes(v));
    }

    draw() {
      const prefixes = this.yasr.getPrefixes();
      const { bindings } = resultShape(this.yasr);
      const nodes = new Map();
      const links = [];
      const name = (term) => (term.type === "bnode" ? "_:" + term.value : KgCharts.label(term, prefixes));
      const node = (term) => {
        const id = term.type + " " + term.value;
        if (!nodes.has(id)) {
          if (nodes.size >= MAX_NODES) return null;
          nodes.set(id, { id, name: name(term), iri: term.type === "uri" ? term.value : null, facts: [], degree: 0 });
        }
        return nodes.get(id);
      };
      let dropped = 0;
      for (const b of bindings) {
        const s = node(b.subject);
        if (!s) { dropped += 1; continue; }
        if (b.object.type === "literal" || b.object.type === "typed-literal") {
          s.facts.push(`${name(b.predicate)}: ${b.object.value}`);
          if (/#label$|\/name$|#prefLabel$/.test(b.predicate.value)) s.name = b.object.value;
          continue;
        }
        const o = node(b.object);
        if (!o) { dropped += 1; continue; }
        s.degree += 1;
        o.degree += 1;
        links.push({ source: s.id, target: o.id, name: name(b.predicate) });
      }
      const element = document.createElement("div");
      element.className = "kg-chart kg-graph";
      if (dropped) {
        const note = document.createElement("p");
        note.className = "note";
        note.textContent = `Showing the first ${MAX_NODES} nodes; ${dropped} statements left out (see the table).`;
        this.yasr.resultsEl.appendChild(note);
      }
      this.yasr.resultsEl.appendChild(element);
      this.chart = KgCharts.init(element);
      this.chart.setOption({
        color: KgCharts.PALETTE,
        tooltip: { confine: true, formatter: (p) => p.dataType === "edge" ? escapeHtml(p.data.name)
          : `<b>${escapeHtml(p.data.name)}</b><br>${p.data.facts.slice(0, 12).map(escapeHtml).join("<br>")}` },
        series: [{
          type: "graph", layout: "force", roam: true, draggable: true,
          force: { repulsion: 220, edgeLength: [60, 140] },
          label: { show: nodes.size <= 80, position: "right", fontSize: 11, width: 160, overflow: "truncate" },
          edgeSymbol: ["none", "arrow"], edgeSymbolSize: 6,
          edgeLabel: { show: links.length <= 60, fontSize: 9, formatter: (p) => p.data.name },
          lineStyle: { color: "#9aa3b2", curveness: 0.1 },
          data: [...nodes.values()].map((n) => ({ ...n, symbolSize: Math.min(8 + 3 * n.degree + n.facts.length, 40) })),
          links,
        }],
      });
      this.chart.on("click", (p) => { if (p.dataType === "node" && p.data.iri) location.href = entityHref(p.data.iri); });
    }
  }

  // An error of this endpoint ({"error": {status, code, message, hint}}), a cancelled query, or YASR's own view.
  async function renderError(error) {
    const box = document.createElement("div");
    box.className = "error kg-error";
    if (/abort/i.test(error.text || "") && !error.status) {
      box.textContent = "The query was cancelled.";
      return box;
    }
    try {
      const { error: e } = JSON.parse(error.text);
      box.textContent = `${e.status} ${e.code}: ${e.message}` + (e.hint ? `\n${e.hint}` : "");
      return box;
    } catch (_) {
      return undefined;
    }
  }

  function register() {
    Yasr.defaults.errorRenderers = [renderError];  // YASGUI's tabs take YASR's defaults, not their own config's
    Yasr.registerPlugin("table", Table);
    Yasr.registerPlugin("chart", Chart);
    Yasr.registerPlugin("graph", Graph);
  }

  return { register };
})();
