// The explorer page: every number on it comes from the read API of the same process
// (/api/...), and every download link asks that API for exactly what is on screen.
import * as Plot from "@observablehq/plot";
import { feature, mesh } from "topojson-client";

const $ = (selector) => document.querySelector(selector);
const state = { releases: [], vintage: null, series: null, mode: "vintages", period: null, frequency: null };
// A line of BEA's tables may hold annual, quarterly and monthly values: the chart draws one
// frequency at a time, the finest by default.
const FREQUENCIES = { M: "monthly", Q: "quarterly", A: "annual" };
const atlases = new Map();

function url(path, params) {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== null && v !== undefined && v !== ""));
  return `${path}?${query}`;
}

async function api(path, params = {}) {
  const response = await fetch(url(path, params));
  const body = await response.json();
  if (!response.ok) throw new Error(body.detail ?? `${response.status} ${response.statusText}`);
  return body;
}

function showError(error) {
  const box = $("#error");
  box.textContent = error ? String(error.message ?? error) : "";
  box.hidden = !error;
}

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text ?? "";
  if (className) td.className = className;
  return td;
}

function fill(tbody, rows, render) {
  tbody.replaceChildren(...rows.map((row) => {
    const tr = document.createElement("tr");
    tr.append(...render(row));
    return tr;
  }));
}

const number = new Intl.NumberFormat("en-US", { maximumFractionDigits: 3 });
const shown = (value, status) => (value === null ? status : number.format(value));
const asDate = (text) => new Date(`${text}T00:00:00Z`);
// BEA gives a unit and the power of ten its values are in; Regional's units already name that
// power ("Thousands of dollars" with 3), so the power is shown only where the unit does not.
const SCALES = { 3: "thousands", 6: "millions", 9: "billions", 12: "trillions" };
function unitText(row) {
  const unit = row.unit ?? "";
  const power = Number(row.unit_mult ?? 0);
  const scale = SCALES[power];
  if (!power || (scale && unit.toLowerCase().startsWith(scale))) return unit;
  return `${unit}, in ${scale ?? `10^${power}`}`;
}

// ---- vintages and releases -------------------------------------------------------------

async function loadReleases() {
  state.releases = await api("/api/releases");
  const options = state.releases.map((r) => {
    const names = r.bea_releases;
    const label = names.length === 1 ? names[0] : `${names.length || "no"} BEA releases`;
    const option = new Option(`${r.release_date} (${label})`, r.release_date);
    option.title = names.join(", ");
    return option;
  });
  $("#vintage").replaceChildren(...options.map((o) => o.cloneNode(true)));
  $("#release").replaceChildren(...options);
  state.vintage = fromHash().vintage ?? state.releases[0]?.release_date ?? null;
  $("#vintage").value = state.vintage;
}

// ---- search ---------------------------------------------------------------------------------

async function runSearch(event) {
  event?.preventDefault();
  const form = new FormData($("#search"));
  const found = await api("/api/series", { q: form.get("q"), geography: form.get("geography"), limit: 50 });
  $("#results-note").textContent = found.length ? `${found.length} series` : "no series matches every word";
  $("#results").replaceChildren(...found.map((s) => {
    const item = document.createElement("li");
    const open = document.createElement("button");
    open.type = "button";
    open.className = "series-link";
    open.dataset.series = s.series;
    open.textContent = `${s.line_description ?? s.series_code ?? s.series_id}${s.geo_name ? ` — ${s.geo_name}` : ""}`;
    const where = document.createElement("span");
    where.className = "series-name";
    where.textContent = ` ${[s.metric_name ?? s.unit, s.series].filter(Boolean).join(" · ")}`;
    // BEA's title of the table tells apart lines that read alike ("Gross domestic product").
    const table = document.createElement("span");
    table.className = "table-title";
    table.textContent = s.table_title ?? "";
    open.addEventListener("click", () => openSeries(s.series).catch(showError));
    item.append(open, where, table);
    return item;
  }));
}

// ---- one series -----------------------------------------------------------------------------

function fromHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  return { series: params.get("series"), vintage: params.get("vintage") };
}

function toHash() {
  const params = new URLSearchParams();
  if (state.series) params.set("series", state.series);
  if (state.vintage) params.set("vintage", state.vintage);
  history.replaceState(null, "", `#${params}`);
}

async function openSeries(series) {
  showError(null);
  state.series = series;
  toHash();
  const [all, revisions] = await Promise.all([
    api("/api/observations", { series, output: "all" }),
    api("/api/revisions", { series }),
  ]);
  state.all = all;
  state.revisions = revisions;
  const [dataset, table] = series.split("/");
  const first = all[0] ?? {};
  const found = [...$("#results").querySelectorAll(".series-link")].find((b) => b.dataset.series === series);
  $("#series-title").textContent = found ? found.textContent : series;
  const vintages = new Set(all.map((r) => r.published_in));
  const revised = revisions.filter((r) => r.revision > 0).length;
  $("#series-meta").textContent =
    `${series} · ${dataset} ${table} · ${unitText(first)} · ` +
    `${vintages.size} vintage${vintages.size === 1 ? "" : "s"} · ${revised} revised value${revised === 1 ? "" : "s"}`;
  const frequencies = Object.keys(FREQUENCIES).filter((f) => all.some((r) => r.frequency === f));
  state.frequency = frequencies[0] ?? null;
  $("#frequency").replaceChildren(...frequencies.map((f) => new Option(FREQUENCIES[f], f)));
  $("#frequency-choice").hidden = frequencies.length < 2;
  $("#series-panel").hidden = false;
  await showVintage();
}

const ofFrequency = (rows) => rows.filter((r) => r.frequency === state.frequency);

// The curve BEA published as of each release that changed the series: the rows whose real-time
// period holds that release's date.
function curves(rows) {
  const vintages = [...new Set(rows.map((r) => r.published_in))].sort();
  return vintages.flatMap((v) =>
    rows.filter((r) => r.realtime_start <= v && v <= r.realtime_end).map((r) => ({ ...r, vintage: v })),
  );
}

async function drawChart() {
  const chart = $("#chart");
  let marks;
  let color;
  if (state.mode === "vintages") {
    const data = curves(ofFrequency(state.all)).map((r) => ({ ...r, date: asDate(r.period_start) }));
    const shownVintage = [...new Set(data.map((r) => r.vintage))].filter((v) => v <= state.vintage).pop();
    color = { type: "ordinal", scheme: "dark2", legend: true, label: "vintage" };
    marks = [
      Plot.line(data, { x: "date", y: "value", stroke: "vintage", z: "vintage", strokeWidth: (r) => (r.vintage === shownVintage ? 2.5 : 1.2), strokeOpacity: (r) => (r.vintage === shownVintage ? 1 : 0.55), sort: (r) => r.vintage === shownVintage }),
      Plot.dot(data.filter((r) => r.vintage === shownVintage), { x: "date", y: "value", fill: "vintage", r: 2, tip: true, title: (r) => `${r.time_period}: ${shown(r.value, r.value_status)} (vintage ${r.vintage})` }),
    ];
  } else {
    const [initial, latest] = await Promise.all([
      api("/api/observations", { series: state.series, output: "initial" }),
      api("/api/observations", { series: state.series }),
    ]);
    const data = [
      ...ofFrequency(initial).map((r) => ({ ...r, which: "first release", date: asDate(r.period_start) })),
      ...ofFrequency(latest).map((r) => ({ ...r, which: "latest", date: asDate(r.period_start) })),
    ];
    color = { domain: ["first release", "latest"], range: ["#d95f02", "#1b9e77"], legend: true };
    marks = [
      Plot.line(data, { x: "date", y: "value", stroke: "which", z: "which", strokeWidth: 2 }),
      Plot.dot(data, { x: "date", y: "value", fill: "which", r: 2, tip: true, title: (r) => `${r.which} ${r.time_period}: ${shown(r.value, r.value_status)} (${r.published_in})` }),
    ];
  }
  chart.replaceChildren(Plot.plot({ width: 900, height: 360, marginLeft: 70, color, x: { type: "utc", label: null }, y: { grid: true, label: null }, marks }));
  chart.dataset.mode = state.mode;
}

async function showVintage() {
  if (!state.series) return;
  const params = { series: state.series, as_of: state.vintage };
  const values = await api("/api/observations", params);
  $("#values-title").textContent = `${values.length} values as BEA published them on ${state.vintage}`;
  fill($("#values tbody"), values, (r) => [cell(r.time_period), cell(shown(r.value, r.value_status), "number"), cell(r.value_status), cell(r.published_in)]);
  $("#download").href = url("/api/observations", { ...params, format: "csv" });
  $("#download-all").href = url("/api/observations", { series: state.series, output: "all", format: "csv" });
  await drawChart();
  await setUpMap(values);
}

// ---- the map of a Regional line --------------------------------------------------------------

async function setUpMap(values) {
  const [dataset, table, seriesId] = state.series.split("/");
  const panel = $("#map-panel");
  const years = values.filter((r) => r.frequency === "A").map((r) => r.time_period);
  if (dataset !== "Regional" || !years.length) {
    panel.hidden = true;
    return;
  }
  state.mapLine = { table, line: seriesId.split("|")[0] };
  const select = $("#period");
  const keep = years.includes(state.period) ? state.period : years[years.length - 1];
  select.replaceChildren(...years.map((y) => new Option(y, y)));
  select.value = keep;
  state.period = keep;
  panel.hidden = false;
  await drawMap();
}

async function atlas(name) {
  if (!atlases.has(name)) atlases.set(name, fetch(`/assets/${name}`).then((r) => r.json()));
  return atlases.get(name);
}

async function drawMap() {
  const { table, line } = state.mapLine;
  const params = { table, line, period: state.period, as_of: state.vintage };
  const places = await api("/api/map", params);
  const counties = places.some((p) => p.geo_level === "local" || !p.geo_fips.endsWith("000"));
  const topology = await atlas(counties ? "counties-10m.json" : "states-10m.json");
  const shapes = feature(topology, counties ? topology.objects.counties : topology.objects.states).features;
  // BEA's state codes are the Census code and three zeros (Alabama 01000); us-atlas's are "01".
  const byId = new Map(places.map((p) => [counties ? p.geo_fips : p.geo_fips.slice(0, 2), p]));
  const drawn = shapes.filter((s) => byId.has(s.id)).length;
  const first = places[0];
  $("#map-title").textContent =
    `${table} line ${line}, ${state.period}, ${counties ? "counties" : "states"}, as of ${state.vintage}` +
    ` (${unitText(first)})`;
  const figure = $("#map");
  figure.replaceChildren(Plot.plot({
    width: 900,
    projection: "albers-usa",
    color: { type: "quantile", n: 7, scheme: "blues", legend: true, width: 420, tickFormat: "~s", label: `${table} line ${line} (quantiles)`, unknown: "#ddd" },
    marks: [
      Plot.geo(shapes, {
        fill: (s) => byId.get(s.id)?.value ?? null,
        stroke: counties ? null : "white",
        title: (s) => { const p = byId.get(s.id); return p ? `${p.geo_name}: ${shown(p.value, p.value_status)}` : "no value"; },
        tip: true,
      }),
      Plot.geo(mesh(topology, topology.objects.states, (a, b) => a !== b), { stroke: "white", strokeWidth: counties ? 0.8 : 0 }),
    ],
  }));
  figure.dataset.places = String(places.length);
  figure.dataset.drawn = String(drawn);
  $("#map-download").href = url("/api/map", { ...params, format: "csv" });
}

// ---- what a release changed ------------------------------------------------------------------

async function showRelease() {
  const release = $("#release").value;
  if (!release) return;
  const summary = await api(`/api/releases/${release}/summary`);
  fill($("#summary tbody"), summary, (r) => {
    const open = document.createElement("button");
    open.type = "button";
    open.className = "table-link";
    open.textContent = r.table_name;
    open.addEventListener("click", () => showChanges(release, r.dataset, r.table_name).catch(showError));
    const name = document.createElement("td");
    name.append(open);
    return [cell(r.dataset), name, cell(String(r.revised), "number"), cell(String(r.new), "number"), cell(String(r.dropped), "number")];
  });
  $("#summary").dataset.release = release;
  const busiest = [...summary].sort((a, b) => b.revised + b.new + b.dropped - (a.revised + a.new + a.dropped))[0];
  if (busiest) await showChanges(release, busiest.dataset, busiest.table_name);
}

async function showChanges(release, dataset, table) {
  const params = { dataset, table_name: table, limit: 25 };
  const changes = await api(`/api/releases/${release}/diff`, params);
  $("#changes-title").textContent = `${dataset} ${table} on ${release}: ${changes.length ? "the largest changes first" : "nothing changed"}`;
  fill($("#changes tbody"), changes, (r) => [
    cell(String(r.rank), "number"),
    cell(`${r.line_description ?? r.series_id}${r.geo_name ? ` — ${r.geo_name}` : ""}`),
    cell(r.time_period),
    cell(r.change_kind),
    cell(r.previous_release ? shown(r.previous_value, r.previous_status) : "", "number"),
    cell(r.change_kind === "dropped" ? "" : shown(r.value, r.value_status), "number"),
    cell(r.percent_change === null ? "" : number.format(r.percent_change), "number"),
  ]);
  const link = $("#changes-download");
  link.href = url(`/api/releases/${release}/diff`, { dataset, table_name: table, format: "csv" });
  link.hidden = false;
}

// ---- wiring ---------------------------------------------------------------------------------

function guarded(handler) {
  return (event) => handler(event).catch(showError);
}

async function start() {
  await loadReleases();
  $("#search").addEventListener("submit", guarded(runSearch));
  $("#vintage").addEventListener("change", guarded(async () => {
    state.vintage = $("#vintage").value;
    toHash();
    await showVintage();
  }));
  $("#frequency").addEventListener("change", guarded(async () => {
    state.frequency = $("#frequency").value;
    await drawChart();
  }));
  $("#period").addEventListener("change", guarded(async () => {
    state.period = $("#period").value;
    await drawMap();
  }));
  $("#release").addEventListener("change", guarded(showRelease));
  for (const [id, mode] of [["#mode-vintages", "vintages"], ["#mode-first-latest", "first-latest"]]) {
    $(id).addEventListener("click", guarded(async () => {
      state.mode = mode;
      $("#mode-vintages").setAttribute("aria-pressed", String(mode === "vintages"));
      $("#mode-first-latest").setAttribute("aria-pressed", String(mode === "first-latest"));
      await drawChart();
    }));
  }
  await showRelease();
  const { series } = fromHash();
  if (series) await openSeries(series);
  document.body.dataset.ready = "true";
}

start().catch(showError);
