// Copies the built browser files of the pinned npm packages (web/package.json, web/package-lock.json)
// into the Python package's static folder, with every license they carry, and writes MANIFEST.json
// (name, version, license, files with size and sha256) for the test that keeps the two in step.
// Run by `make vendor` after `npm ci`; nothing here is needed at run time.
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const MODULES = join(HERE, "node_modules");
const OUT = join(HERE, "..", "kg_builder", "server", "static", "vendor");

// What each page loads. `bundles: true` when the built file contains the package's dependencies, whose
// licenses then ship too (THIRD-PARTY-LICENSES.txt).
const PACKAGES = [
  { name: "@zazuko/yasgui", dir: "yasgui", files: ["build/yasgui.min.js", "build/yasgui.min.css"], bundles: true,
    use: "SPARQL editor (YASQE, CodeMirror 5), results viewer (YASR, DataTables), tabs and share links" },
  { name: "echarts", dir: "echarts", files: ["dist/echarts.min.js"], bundles: true,
    use: "charts: the query page's chart and graph views, the landscape page" },
  { name: "world-atlas", dir: "world_atlas", files: ["countries-110m.json"], bundles: false,
    use: "country shapes (Natural Earth 1:110m, TopoJSON) for the sites map" },
  { name: "topojson-client", dir: "topojson_client", files: ["dist/topojson-client.min.js"], bundles: false,
    use: "TopoJSON to GeoJSON for the map" },
  { name: "i18n-iso-countries", dir: "i18n_iso_countries", files: ["codes.json"], bundles: false,
    use: "ISO 3166 alpha-2 to numeric codes (the map's shapes are keyed by numeric code)" },
];

const LICENSE_FILE = /^(licen[cs]e|copying|notice)(\.(md|txt|markdown))?$/i;

function packageDir(name, from = MODULES) {
  // node's resolution: the nearest node_modules up from `from`
  for (let dir = from; dir.startsWith(MODULES); dir = dirname(dir)) {
    const candidate = join(dir.endsWith("node_modules") ? dir : join(dir, "node_modules"), name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
  }
  const top = join(MODULES, name);
  if (existsSync(join(top, "package.json"))) return top;
  throw new Error(`${name} is not installed: run npm ci in web/`);
}

function readJson(path) {
  return JSON.parse(readFileSync(path, "utf8"));
}

function licenseFiles(dir) {
  const found = readdirSync(dir).filter((f) => LICENSE_FILE.test(f)).sort();
  const extra = join(dir, "licenses");
  if (existsSync(extra)) for (const f of readdirSync(extra).sort()) found.push(join("licenses", f));
  return found;
}

// The package's own license text; a package that ships none gets its package.json declaration, said as such.
// (MIT needs its notice shipped: the standard text with the package.json author as the holder).
function declared(meta) {
  const license = meta.license ?? meta.licenses?.map((l) => l.type).join(" OR ");
  return typeof license === "string" ? license : license?.type || "no license field (see the text)";
}

function licenseText(dir, meta) {
  const files = licenseFiles(dir);
  if (files.length) return files.map((f) => readFileSync(join(dir, f), "utf8").trim()).join("\n\n");
  if (declared(meta) !== "MIT") {
    return `${meta.name} ${meta.version}: the npm package ships no license file; its package.json declares ` +
      `${declared(meta)}.`;
  }
  const author = (typeof meta.author === "string" ? meta.author : meta.author?.name) || "the authors";
  return `${meta.name} ${meta.version}: the npm package ships no license file; its package.json declares
"license": "MIT" and "author": "${author}". The MIT License, with that author as the holder:

Copyright (c) ${author} and contributors

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction, including
without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the
following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial
portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT
LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO
EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER
IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE
USE OR OTHER DEALINGS IN THE SOFTWARE.`;
}

// Every package reachable through `dependencies` from `dir`, once each, in name order.
function dependencyTree(dir, seen = new Map()) {
  const meta = readJson(join(dir, "package.json"));
  for (const dep of Object.keys(meta.dependencies || {}).sort()) {
    const depDir = packageDir(dep, dir);
    const key = `${dep}@${readJson(join(depDir, "package.json")).version}`;
    if (!seen.has(key)) {
      seen.set(key, depDir);
      dependencyTree(depDir, seen);
    }
  }
  return seen;
}

function thirdParty(dir) {
  const parts = [];
  for (const [key, depDir] of [...dependencyTree(dir)].sort(([a], [b]) => a.localeCompare(b))) {
    const meta = readJson(join(depDir, "package.json"));
    parts.push(`${"=".repeat(78)}\n${key} (${declared(meta)})\n${"=".repeat(78)}\n${licenseText(depDir, meta)}`);
  }
  return parts.join("\n\n") + "\n";
}

function sha256(path) {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

rmSync(OUT, { recursive: true, force: true });
const manifest = { note: "Written by web/vendor.mjs (make vendor); do not edit the vendored files by hand.",
  packages: [] };
for (const spec of PACKAGES) {
  const dir = packageDir(spec.name);
  const meta = readJson(join(dir, "package.json"));
  const target = join(OUT, spec.dir);
  mkdirSync(target, { recursive: true });
  const written = [];
  for (const file of spec.files) {
    const dest = join(target, file.split("/").pop());
    copyFileSync(join(dir, file), dest);
    written.push(dest);
  }
  writeFileSync(join(target, "LICENSE.txt"), licenseText(dir, meta) + "\n");
  written.push(join(target, "LICENSE.txt"));
  if (spec.bundles && Object.keys(meta.dependencies || {}).length) {
    writeFileSync(join(target, "THIRD-PARTY-LICENSES.txt"), thirdParty(dir));
    written.push(join(target, "THIRD-PARTY-LICENSES.txt"));
  }
  manifest.packages.push({
    name: spec.name, version: meta.version, license: declared(meta), use: spec.use,
    files: written.map((path) => ({ path: relative(OUT, path), bytes: readFileSync(path).length, sha256: sha256(path) })),
  });
}
writeFileSync(join(OUT, "MANIFEST.json"), JSON.stringify(manifest, null, 2) + "\n");
console.log(manifest.packages.map((p) => `${p.name}@${p.version} (${p.license})`).join("\n"));
