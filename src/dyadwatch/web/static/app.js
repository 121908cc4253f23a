// dyadwatch dashboard: draws the charts of a page with the bundled Vega-Lite and fills
// tables from the JSON API. Every text from the database is put in with textContent,
// never as markup.
"use strict";

const QUADS = ["verbal cooperation", "material cooperation", "verbal conflict", "material conflict"];
const QUAD_COLORS = ["#74add1", "#2c7bb6", "#fdae61", "#d7191c"];
const QUAD_SCALE = { domain: QUADS, range: QUAD_COLORS };
const EMBED = { actions: false, renderer: "svg" };

async function getJSON(url) {
  const r = await fetch(url, { headers: { Accept: "application/json" } });
  const body = await r.json();
  if (!r.ok) { throw new Error(body.error || ("HTTP " + r.status)); }
  return body;
}

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) { e.textContent = String(text); }
  if (cls) { e.className = cls; }
  return e;
}

function showError(node, err) {
  node.replaceChildren(el("p", String(err.message || err), "error"));
}

function empty(node, text) {
  node.replaceChildren(el("p", text, "hint"));
}

async function volumeChart(node) {
  const data = await getJSON(node.dataset.url);
  if (!data.volume.length) { return empty(node, "No events yet."); }
  const spec = {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    width: "container", height: 220,
    data: { values: data.volume },
    mark: { type: "bar" },
    encoding: {
      x: { field: "period", type: "temporal", timeUnit: data.by === "year" ? "utcyear" : "utcyearmonth",
           title: null },
      y: { field: "events", type: "quantitative", aggregate: "sum", title: "events" },
      color: { field: "quad_name", type: "nominal", title: "quad class", scale: QUAD_SCALE },
      order: { field: "quad_class" },
      tooltip: [{ field: "period" }, { field: "quad_name", title: "quad class" },
                { field: "events", aggregate: "sum", title: "events" }],
    },
  };
  await vegaEmbed(node, spec, EMBED);
}

async function mapChart(node) {
  const data = await getJSON(node.dataset.url);
  const spec = {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    width: "container", height: 380,
    data: { url: node.dataset.geometry, format: { type: "topojson", feature: "countries" } },
    transform: [
      { lookup: "id", from: { data: { values: data.countries.filter((c) => c.id) }, key: "id",
                              fields: ["events", "iso3"] } },
      { calculate: "datum.events || 0", as: "n" },
    ],
    projection: { type: "equalEarth" },
    mark: { type: "geoshape", stroke: "#888", strokeWidth: 0.3, cursor: "pointer" },
    encoding: {
      color: { condition: { test: "datum.n > 0", field: "n", type: "quantitative",
                            title: "events", scale: { type: "symlog", scheme: "blues" } },
               value: "#eeeeee" },
      tooltip: [{ field: "properties.name", title: "country" }, { field: "n", title: "events" }],
    },
  };
  const result = await vegaEmbed(node, spec, EMBED);
  result.view.addEventListener("click", (_event, item) => {
    if (item && item.datum && item.datum.iso3 && item.datum.n > 0) {
      window.location.href = "/actor?code=" + encodeURIComponent(item.datum.iso3);
    }
  });
}

function eventsTable(events, withDirection) {
  const table = el("table", null, "events");
  const head = table.createTHead().insertRow();
  const cols = ["date"].concat(withDirection ? ["direction"] : [],
                               ["source", "target", "event", "evidence", "story"]);
  for (const c of cols) { head.appendChild(el("th", c)); }
  const body = table.createTBody();
  for (const e of events) {
    const tr = body.insertRow();
    tr.className = "q" + e.quad_class;
    tr.appendChild(el("td", e.date));
    if (withDirection) { tr.appendChild(el("td", e.direction)); }
    const s = el("td", e.source); s.title = e.source_text || ""; tr.appendChild(s);
    const t = el("td", e.target); t.title = e.target_text || ""; tr.appendChild(t);
    const ev = el("td");
    ev.appendChild(el("span", e.code, "code"));
    ev.appendChild(document.createTextNode(" " + (e.name || "")));
    tr.appendChild(ev);
    tr.appendChild(el("td", e.sentence, "sentence"));
    const st = el("td");
    const a = el("a", e.story_id);
    a.href = "/story?id=" + encodeURIComponent(e.story_id);
    st.appendChild(a);
    tr.appendChild(st);
  }
  return table;
}

async function showPeriod(node, period) {
  const target = document.getElementById("period-events");
  const title = document.getElementById("period-title");
  const q = new URLSearchParams({ a: node.dataset.a, b: node.dataset.b, by: node.dataset.by,
                                  period: period });
  target.replaceChildren(el("p", "loading…", "hint"));
  try {
    const data = await getJSON("/api/dyads/period-events?" + q.toString());
    title.textContent = "Events of " + data.from + (data.to !== data.from ? " to " + data.to : "") +
      " (" + data.events.length + ")";
    if (!data.events.length) { return empty(target, "No events in this period."); }
    target.replaceChildren(eventsTable(data.events, true));
  } catch (err) { showError(target, err); }
}

async function seriesChart(node) {
  const q = new URLSearchParams({ a: node.dataset.a, b: node.dataset.b, by: node.dataset.by });
  const data = await getJSON("/api/dyads/series?" + q.toString());
  if (!data.series.length) { return empty(node, "No events between these actors."); }
  const keys = ["verbal_cooperation", "material_cooperation", "verbal_conflict", "material_conflict"];
  const spec = {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    width: "container", height: 240,
    data: { values: data.series },
    transform: [
      { fold: keys, as: ["quad_key", "n"] },
      { calculate: "replace(datum.quad_key, '_', ' ')", as: "quad class" },
      { calculate: "indexof(" + JSON.stringify(keys) + ", datum.quad_key)", as: "quad_order" },
      { filter: "datum.n > 0" },  // no zero-height bars; empty periods stay on the axis
    ],
    mark: { type: "bar", cursor: "pointer" },
    encoding: {
      x: { field: "period", type: "ordinal", title: null, axis: { labelAngle: -45 },
           scale: { domain: [...new Set(data.series.map((r) => r.period))] } },
      y: { field: "n", type: "quantitative", aggregate: "sum", title: "events" },
      color: { field: "quad class", type: "nominal", scale: QUAD_SCALE },
      order: { field: "quad_order" },
      tooltip: [{ field: "period" }, { field: "quad class" },
                { field: "n", aggregate: "sum", title: "events" }],
    },
  };
  const result = await vegaEmbed(node, spec, EMBED);
  result.view.addEventListener("click", (_event, item) => {
    if (item && item.datum && item.datum.period) { showPeriod(node, item.datum.period); }
  });
  node.dataset.ready = "true";
}

function forecastBars() {
  for (const bar of document.querySelectorAll(".bar[data-p]")) {
    bar.style.width = Math.round(120 * Number(bar.dataset.p)) + "px";
  }
}

function searchPage(form) {
  const results = document.getElementById("search-results");
  const count = document.getElementById("search-count");
  const error = document.getElementById("search-error");
  const prev = document.getElementById("prev");
  const next = document.getElementById("next");
  const pageNo = document.getElementById("page-no");
  let page = 1;
  // Fill the form from the page's own query string (links such as /search?actor=RUS).
  const initial = new URLSearchParams(window.location.search);
  for (const [k, v] of initial) { if (form.elements[k]) { form.elements[k].value = v; } }

  async function run() {
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(form)) { if (String(v).trim()) { q.append(k, String(v).trim()); } }
    q.set("page", String(page));
    error.hidden = true;
    try {
      const data = await getJSON("/api/events?" + q.toString());
      const pages = Math.max(1, Math.ceil(data.total / data.page_size));
      count.textContent = data.total + " events";
      pageNo.textContent = "page " + data.page + " of " + pages;
      prev.disabled = data.page <= 1;
      next.disabled = data.page >= pages;
      results.replaceChildren(eventsTable(data.events, false));
    } catch (err) {
      error.textContent = String(err.message || err);
      error.hidden = false;
      results.replaceChildren();
      count.textContent = "";
    }
  }
  form.addEventListener("submit", (ev) => { ev.preventDefault(); page = 1; run(); });
  prev.addEventListener("click", () => { page -= 1; run(); });
  next.addEventListener("click", () => { page += 1; run(); });
  run();
}

const CHARTS = { volume: volumeChart, map: mapChart, series: seriesChart };

document.addEventListener("DOMContentLoaded", () => {
  for (const node of document.querySelectorAll("[data-chart]")) {
    const draw = CHARTS[node.dataset.chart];
    draw(node).catch((err) => showError(node, err));
  }
  forecastBars();
  const form = document.getElementById("search-form");
  if (form) { searchPage(form); }
});
