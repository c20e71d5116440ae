// Charts over SPARQL results, drawn by the vendored Apache ECharts (SVG renderer): shared by the query page's
// chart view and the landscape page. Terms are SPARQL JSON terms ({type, value, datatype}).
"use strict";

const KgCharts = (function () {
  const XSD = "http://www.w3.org/2001/XMLSchema#";
  const NUMERIC = new Set(["integer", "decimal", "double", "float", "int", "long", "short", "byte",
    "nonNegativeInteger", "positiveInteger", "nonPositiveInteger", "negativeInteger", "unsignedInt",
    "unsignedLong", "unsignedShort", "unsignedByte"].map((t) => XSD + t));
  const PALETTE = ["#1f5fbf", "#e07b39", "#3a9d5d", "#c2417a", "#7a5cc7", "#d4a72c", "#2a9fb0", "#8c6d46",
    "#5f6b7a", "#b94a48", "#6ba539", "#a05fb8", "#e0b84f", "#4b7fd1", "#9a9a9a"];

  function isNumber(term) {
    if (!term || term.type !== "literal" && term.type !== "typed-literal") return false;
    if (term.datatype) return NUMERIC.has(term.datatype);
    return term.value.trim() !== "" && Number.isFinite(Number(term.value));
  }

  let base = null; // this graph's base IRI: its IRIs read as their path under it (trial/NCT01234567)

  function setBase(iri) {
    base = iri;
  }

  // kg:phase for an IRI under a known namespace, trial/NCT… under the base, the value of a literal
  function label(term, prefixes) {
    if (!term) return "(none)";
    if (term.type !== "uri") return term.value;
    if (base && term.value.startsWith(base) && term.value.length > base.length) return term.value.slice(base.length);
    let best = "";
    let name = null;
    for (const [prefix, ns] of Object.entries(prefixes || {})) {
      if (term.value.startsWith(ns) && ns.length > best.length && term.value.length > ns.length) {
        best = ns;
        name = prefix;
      }
    }
    return name === null ? term.value : `${name}:${term.value.slice(best.length)}`;
  }

  // Which columns are measures (numbers in every row that has them) and which are categories.
  function columns(vars, bindings) {
    const measures = [];
    const categories = [];
    for (const v of vars) {
      const bound = bindings.filter((b) => b[v]);
      if (bound.length && bound.every((b) => isNumber(b[v]))) measures.push(v);
      else categories.push(v);
    }
    return { measures, categories };
  }

  function init(element) {
    const existing = echarts.getInstanceByDom(element);
    if (existing) existing.dispose();
    const chart = echarts.init(element, null, { renderer: "svg" });
    new ResizeObserver(() => chart.resize()).observe(element);
    return chart;
  }

  const AXIS_LABEL = { interval: 0, rotate: 30, width: 180, overflow: "truncate" };

  // Bars: one per category value, a series per measure; or, with a second category column and one measure,
  // that column's values stacked within each bar (phase × status).
  function bars(element, { vars, bindings, prefixes, title, horizontal = false }) {
    const { measures, categories } = columns(vars, bindings);
    if (!measures.length) throw new Error("no numeric column to draw");
    const key = categories[0];
    const stackBy = categories.length >= 2 && measures.length === 1 ? categories[1] : null;
    const xs = [];
    for (const b of bindings) {
      const x = key ? label(b[key], prefixes) : String(xs.length + 1);
      if (!xs.includes(x)) xs.push(x);
    }
    let series;
    if (stackBy) {
      const groups = new Map();
      for (const b of bindings) {
        const group = label(b[stackBy], prefixes);
        if (!groups.has(group)) groups.set(group, new Array(xs.length).fill(0));
        groups.get(group)[xs.indexOf(label(b[key], prefixes))] += Number(b[measures[0]].value);
      }
      series = [...groups].map(([name, data]) => ({ name, type: "bar", stack: "total", data, emphasis: { focus: "series" } }));
    } else {
      series = measures.map((m) => ({ name: m, type: "bar", data: xs.map(() => 0) }));
      bindings.forEach((b, row) => {
        const x = xs.indexOf(key ? label(b[key], prefixes) : String(row + 1));
        measures.forEach((m, i) => { if (b[m]) series[i].data[x] += Number(b[m].value); });
      });
    }
    const categoryAxis = { type: "category", data: xs, axisLabel: horizontal ? { width: 160, overflow: "truncate" } : AXIS_LABEL,
      inverse: horizontal };
    const valueAxis = { type: "value", name: stackBy || measures.length === 1 ? measures[0] : "", minInterval: 1,
      nameLocation: horizontal ? "middle" : "end", nameGap: horizontal ? 24 : 12 };
    const zoom = xs.length > 40 ? [{ type: "slider", [horizontal ? "yAxisIndex" : "xAxisIndex"]: 0, endValue: 39 }] : [];
    const chart = init(element);
    chart.setOption({
      color: PALETTE,
      title: title ? { text: title, left: 0, textStyle: { fontSize: 14 } } : undefined,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
      legend: series.length > 1 ? { type: "scroll", top: title ? 24 : 0, left: "center" } : undefined,
      grid: { left: 8, right: 24, top: series.length > 1 || title ? 60 : 28, bottom: zoom.length ? 48 : horizontal ? 28 : 8,
        containLabel: true },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      dataZoom: zoom,
      series,
    });
    return chart;
  }

  // Lines over an ordered numeric or date column (years), one line per value of a category column.
  function lines(element, { xs, groups, title, xName, yName }) {
    const chart = init(element);
    chart.setOption({
      color: PALETTE,
      title: title ? { text: title, left: 0, textStyle: { fontSize: 14 } } : undefined,
      tooltip: { trigger: "axis", confine: true, order: "valueDesc" },
      legend: { type: "scroll", top: title ? 24 : 0 },
      grid: { left: 8, right: 24, top: 64, bottom: 28, containLabel: true },
      xAxis: { type: "category", data: xs, name: xName, nameLocation: "middle", nameGap: 28, boundaryGap: false },
      yAxis: { type: "value", name: yName, minInterval: 1 },
      series: [...groups].map(([name, data]) => ({ name, type: "line", stack: "total", areaStyle: {}, symbolSize: 4,
        emphasis: { focus: "series" }, data })),
    });
    return chart;
  }

  return { PALETTE, setBase, isNumber, label, columns, init, bars, lines };
})();
