// The landscape page: each figure runs its named query (/queries/NAME, SPARQL JSON) and draws it with the
// vendored ECharts; the world map's shapes are the vendored Natural Earth countries (world-atlas).
"use strict";

(function () {
  const MAP_SHAPES = "/static/vendor/world_atlas/countries-110m.json";
  const ISO_CODES = "/static/vendor/i18n_iso_countries/codes.json";
  const TOP_COUNTRIES = 20;
  const ANTARCTICA = "010"; // no trial sites, and a fifth of the map's height
  const STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];

  async function getJson(url, accept = "application/json") {
    const response = await fetch(url, { headers: { Accept: accept } });
    if (!response.ok) throw new Error(`${url}: ${response.status} ${(await response.text()).slice(0, 200)}`);
    return response.json();
  }

  function runNamed(name) {
    return getJson(`/queries/${encodeURIComponent(name)}`, "application/sparql-results+json");
  }

  function num(term) {
    return term ? Number(term.value) : 0;
  }

  function say(figure, text) {
    figure.querySelector(".summary").textContent = text;
  }

  function links(figure) {
    const name = figure.dataset.query;
    const span = figure.querySelector(".links");
    span.innerHTML = "<a class=\"sparql\">SPARQL</a> · <a class=\"edit\">open in the editor</a>";
    span.querySelector(".sparql").href = `/queries/${encodeURIComponent(name)}`;
    span.querySelector(".edit").href = `/?${new URLSearchParams({ named: name })}`;
  }

  function empty(element, text) {
    element.classList.add("empty");
    element.textContent = text;
  }

  function phaseStatus(figure, data) {
    const bindings = data.results.bindings;
    const total = bindings.reduce((sum, b) => sum + num(b.trials), 0);
    if (!bindings.length) return empty(figure.querySelector(".chart"), "No trials in this graph.");
    KgCharts.bars(figure.querySelector(".chart"), { vars: data.head.vars, bindings, prefixes: {} });
    say(figure, `${total} trials; a bar per combination of phases as the registry states them, stacked by overall status.`);
  }

  function classesYears(figure, data) {
    const bindings = data.results.bindings.filter((b) => b.year);
    if (!bindings.length) return empty(figure.querySelector(".chart"), "No trial with both a start date and a classed drug.");
    const years = bindings.map((b) => num(b.year));
    const xs = [];
    for (let y = Math.min(...years); y <= Math.max(...years); y += 1) xs.push(String(y));
    const groups = new Map();
    for (const b of bindings) {
      const name = b.class.value;
      if (!groups.has(name)) groups.set(name, new Array(xs.length).fill(0));
      groups.get(name)[xs.indexOf(String(num(b.year)))] += num(b.trials);
    }
    const ordered = new Map([...groups].sort((a, b) => b[1].reduce((x, y) => x + y) - a[1].reduce((x, y) => x + y)));
    KgCharts.lines(figure.querySelector(".chart"), { xs, groups: ordered, xName: "start year", yName: "trials" });
    say(figure, `Trials that started in each year, per drug class of their interventions (a trial with drugs of ` +
      `two classes counts in both), ${xs[0]}–${xs[xs.length - 1]}.`);
  }

  // Shapes that cross the antimeridian (Russia, Fiji) come split at ±180°: drawn as they are, their rings
  // streak across the map. Their western pieces move east by 360°, so each ring is drawn in one piece.
  function unwrap(feature) {
    const polygons = feature.geometry.type === "Polygon" ? [feature.geometry.coordinates] : feature.geometry.coordinates;
    const lons = polygons.flat(3).filter((_, i) => i % 2 === 0);
    if (!(Math.min(...lons) < -170 && Math.max(...lons) > 170)) return feature;
    const shift = (ring) => ring.map(([lon, lat]) => [lon < 0 ? lon + 360 : lon, lat]);
    const moved = polygons.map((polygon) => polygon.map(shift));
    return { ...feature, geometry: feature.geometry.type === "Polygon" ? { type: "Polygon", coordinates: moved[0] }
      : { type: "MultiPolygon", coordinates: moved } };
  }

  // Colour classes 1, 2–4, 5–9, 10–19 … up to the largest count: the few countries with most trials do not
  // wash out the others, as a linear scale would.
  function pieces(max) {
    const bounds = STEPS.filter((step) => step <= max);
    return bounds.map((low, i) => (i + 1 < bounds.length ? { min: low, max: bounds[i + 1] - 1 } : { min: low }))
      .map((p) => ({ ...p, label: p.max === undefined ? `${p.min}+` : p.min === p.max ? `${p.min}` : `${p.min}–${p.max}` }));
  }

  async function worldMap() {
    const [topology, codes] = await Promise.all([getJson(MAP_SHAPES), getJson(ISO_CODES)]);
    const alpha2 = Object.fromEntries(codes.map(([a2, , numeric]) => [numeric, a2]));
    const world = topojson.feature(topology, topology.objects.countries);
    world.features = world.features.filter((f) => f.id !== ANTARCTICA).map(unwrap);
    for (const feature of world.features) {
      // shapes are keyed by ISO 3166 numeric code; the graph states alpha-2 codes
      feature.properties = { ...feature.properties, name: alpha2[feature.id] || feature.properties.name };
    }
    echarts.registerMap("world", world);
    return new Set(world.features.map((f) => f.properties.name));
  }

  async function sitesCountries(figure, data) {
    const rows = data.results.bindings.map((b) => ({ country: b.country.value, code: b.code ? b.code.value : null,
      sites: num(b.sites), trials: num(b.trials) }));
    const [mapElement, barElement] = figure.querySelectorAll(".chart");
    if (!rows.length) {
      empty(mapElement, "No site with a country in this graph.");
      barElement.remove();
      return;
    }
    const shapes = await worldMap();
    const onMap = rows.filter((r) => r.code && shapes.has(r.code));
    const offMap = rows.filter((r) => !onMap.includes(r));
    const byCode = Object.fromEntries(onMap.map((r) => [r.code, r]));
    const map = KgCharts.init(mapElement);
    map.setOption({
      tooltip: { trigger: "item", formatter: (p) => {
        const row = byCode[p.name];
        return row ? `<b>${row.country}</b><br>${row.trials} trials, ${row.sites} sites` : `${p.name}: no site`;
      } },
      visualMap: { type: "piecewise", pieces: pieces(Math.max(...onMap.map((r) => r.trials), 1)), left: 8, bottom: 8,
        showLabel: true, inRange: { color: ["#cfe0f7", "#1f5fbf", "#0b2e66"] } },
      series: [{ type: "map", map: "world", roam: true, name: "trials", nameProperty: "name",
        itemStyle: { areaColor: "#f1f3f6", borderColor: "#b8c0cc", borderWidth: 0.5 },
        emphasis: { label: { show: false }, itemStyle: { areaColor: "#e07b39" } },
        data: onMap.map((r) => ({ name: r.code, value: r.trials })) }],
    });
    const top = [...rows].sort((a, b) => b.trials - a.trials || b.sites - a.sites).slice(0, TOP_COUNTRIES);
    const term = (value, datatype) => ({ type: "literal", value: String(value), datatype });
    const XSD_INT = "http://www.w3.org/2001/XMLSchema#integer";
    KgCharts.bars(barElement, { vars: ["country", "trials"], horizontal: true, prefixes: {},
      bindings: top.map((r) => ({ country: term(r.country), trials: term(r.trials, XSD_INT) })) });
    const sites = rows.reduce((sum, r) => sum + r.sites, 0);
    let text = `${rows.length} countries, ${sites} site records; the map and the bars count distinct trials with a ` +
      `site in the country (top ${Math.min(TOP_COUNTRIES, rows.length)} on the right).`;
    if (offMap.length) {
      text += ` Not on this 1:110m map: ${offMap.map((r) => `${r.country} (${r.trials})`).join(", ")}.`;
    }
    say(figure, text);
  }

  function adcTargets(figure, data) {
    const bindings = data.results.bindings;
    if (!bindings.length) return empty(figure.querySelector(".chart"), "No antibody–drug conjugate trial in this graph.");
    KgCharts.bars(figure.querySelector(".chart"), { vars: ["target", "trials"], bindings, prefixes: {}, horizontal: true });
    const trials = bindings.reduce((sum, b) => sum + num(b.trials), 0);
    say(figure, `${bindings.length} targets over ${trials} trial–target pairs; a trial testing ADCs against two ` +
      `targets counts for each.`);
  }

  const DRAW = { "phase-status": phaseStatus, "classes-years": classesYears, "sites-countries": sitesCountries,
    "adc-targets": adcTargets };

  for (const figure of document.querySelectorAll("figure[data-query]")) {
    links(figure);
    say(figure, "Running the query…");
    runNamed(figure.dataset.query)
      .then((data) => DRAW[figure.id](figure, data))
      .then(() => figure.classList.add("drawn"))
      .catch((error) => {
        figure.classList.add("failed");
        const box = document.createElement("p");
        box.className = "error";
        box.textContent = `This chart could not be drawn: ${error.message}`;
        figure.querySelector(".summary").replaceWith(box);
      });
  }
})();
