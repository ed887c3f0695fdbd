#include "fake-mx/api/inbox_page.hpp"

namespace relaylab::fakemx::api {

// Text goes into the table through textContent only: subjects and addresses are sender input.
std::string_view inbox_page_html() {
    return R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>relaylab fake MX inbox</title>
<style>
body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.3em;margin:0 0 .6em}
form{margin:0 0 1em;display:flex;gap:.5em;flex-wrap:wrap}
input{padding:.3em .5em;border:1px solid #bbb;border-radius:4px}
button{padding:.3em .8em}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.35em .6em;border-bottom:1px solid #e4e4e4;vertical-align:top}
th{background:#f4f4f4;position:sticky;top:0}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr:hover td{background:#fafafa}
.muted{color:#777}
#status{margin:.5em 0;color:#555}
</style></head>
<body>
<h1>relaylab fake MX inbox</h1>
<form id="filters">
<input name="to" placeholder="to">
<input name="from" placeholder="from">
<input name="subject" placeholder="subject contains">
<input name="tracking_id" placeholder="tracking id">
<input name="host" placeholder="fake MX host">
<button type="submit">Filter</button>
<button type="button" id="refresh">Refresh</button>
</form>
<div id="status">Loading…</div>
<table><thead><tr><th>#</th><th>Received (UTC)</th><th>From</th><th>To</th><th>Subject</th>
<th>Tracking id</th><th>Size</th><th>TLS</th><th>Auth</th><th>Host</th><th>Raw</th></tr></thead>
<tbody id="rows"></tbody></table>
<script>
"use strict";
const form = document.getElementById("filters");
function cell(row, text, cls) {
  const td = document.createElement("td");
  td.textContent = text == null ? "" : String(text);
  if (cls) td.className = cls;
  row.appendChild(td);
  return td;
}
function authText(auth) {
  if (auth == null) return "";
  if (typeof auth !== "object") return String(auth);
  return Object.entries(auth).map(([k, v]) => k + "=" + (typeof v === "object" ? JSON.stringify(v) : v)).join(" ");
}
async function load() {
  const params = new URLSearchParams();
  for (const [k, v] of new FormData(form)) if (v) params.set(k, v);
  params.set("limit", "200");
  const status = document.getElementById("status");
  try {
    const response = await fetch("/api/v1/messages?" + params);
    const data = await response.json();
    if (!response.ok) { status.textContent = "Error: " + data.error; return; }
    const rows = document.getElementById("rows");
    rows.replaceChildren();
    for (const m of data.messages) {
      const row = document.createElement("tr");
      cell(row, m.id, "num");
      cell(row, m.received_at);
      cell(row, m.from || "<>");
      cell(row, m.to.join(", "));
      cell(row, m.subject);
      cell(row, m.tracking_id, "muted");
      cell(row, m.size, "num");
      cell(row, m.tls ? m.tls.version : "none");
      cell(row, authText(m.auth));
      cell(row, m.host);
      const raw = cell(row, "");
      if (m.raw_available) {
        const a = document.createElement("a");
        a.href = "/api/v1/messages/" + encodeURIComponent(m.id) + "/raw";
        a.textContent = "raw";
        raw.appendChild(a);
      } else {
        raw.textContent = "gone";
        raw.className = "muted";
      }
      rows.appendChild(row);
    }
    status.textContent = "Showing " + data.messages.length + " of " + data.total + " messages, newest first.";
  } catch (e) {
    status.textContent = "Error: " + e;
  }
}
form.addEventListener("submit", (e) => { e.preventDefault(); load(); });
document.getElementById("refresh").addEventListener("click", load);
load();
</script>
</body></html>
)html";
}

}  // namespace relaylab::fakemx::api
