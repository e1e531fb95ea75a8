// The local status page: one self-contained HTML document (no external assets: the box may have no
// internet) that polls /api/v1/status every second.
#include "edgegw/web/routes.hpp"

namespace edgegw::web {

const char* status_page_html() {
  return R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>edgegw status</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #1d2733; background: #f6f8fa; }
  h1 { font-size: 1.4rem; margin: 0 0 .2rem; }
  .sub { color: #5b6b7c; margin-bottom: 1rem; }
  .cards { display: flex; gap: 1rem; flex-wrap: wrap; margin-bottom: 1rem; }
  .card { background: #fff; border: 1px solid #d8dee4; border-radius: 6px; padding: .6rem 1rem; min-width: 9rem; }
  .card b { display: block; font-size: 1.2rem; }
  table { border-collapse: collapse; background: #fff; width: 100%; }
  th, td { border: 1px solid #d8dee4; padding: .35rem .6rem; text-align: right; font-variant-numeric: tabular-nums; }
  th:first-child, td:first-child, .l { text-align: left; }
  .up { color: #1a7f37; font-weight: 600; } .down { color: #cf222e; font-weight: 600; }
  #err { color: #cf222e; }
  h2 { font-size: 1.1rem; margin: 1.2rem 0 .4rem; }
  .warn { color: #9a6700; font-weight: 600; }
</style>
</head>
<body>
<h1>edgegw <span id="node"></span></h1>
<div class="sub">version <span id="ver">?</span> &middot; up <span id="uptime">?</span> &middot; config <span id="cfg">?</span> <span id="err"></span></div>
<div class="cards">
  <div class="card">Ports up<b id="ports-up">-</b></div>
  <div class="card">Packets in<b id="rx">-</b></div>
  <div class="card">Packets out<b id="tx">-</b></div>
  <div class="card">Drops<b id="drops">-</b></div>
</div>
<table id="ports">
  <thead><tr><th>Port</th><th class="l">Network</th><th class="l">State</th><th>RX pkts</th><th>RX bytes</th><th>TX pkts</th><th>TX bytes</th><th>Drops</th></tr></thead>
  <tbody></tbody>
</table>
<h2 id="slices-title">Slices</h2>
<table id="slices">
  <thead><tr><th>Slice</th><th class="l">Class</th><th>Priority</th><th>Guaranteed</th><th>Ceiling</th><th class="l">S-NSSAI</th><th>Packets</th><th>Sent</th><th>Dropped</th><th>Queue</th><th>Queue p99 us</th><th>p99.9 us</th><th>Over budget</th></tr></thead>
  <tbody></tbody>
</table>
<h2 id="guests-title" hidden>Guests <span id="accel" class="sub"></span></h2>
<table id="guests" hidden>
  <thead><tr><th>Guest</th><th class="l">State</th><th>PID</th><th>vCPUs</th><th>Memory MB</th><th class="l">NICs</th><th>Uptime</th><th>Restarts</th><th class="l">Last exit</th></tr></thead>
  <tbody></tbody>
</table>
<script>
function fmt(n) { return Number(n).toLocaleString('en-US'); }
function dur(s) { const h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60); return h + 'h ' + m + 'm ' + (s % 60) + 's'; }
function cell(text, cls) { const td = document.createElement('td'); td.textContent = text; if (cls) td.className = cls; return td; }
async function refresh() {
  try {
    const r = await fetch('/api/v1/status', { cache: 'no-store' });
    if (!r.ok) throw new Error('HTTP ' + r.status);
    const s = await r.json();
    document.getElementById('node').textContent = s.node_id;
    document.getElementById('ver').textContent = s.version;
    document.getElementById('uptime').textContent = dur(s.uptime_s);
    document.getElementById('cfg').textContent = s.config ? 'v' + s.config.version + ' (' + s.config.source + ')' : 'none';
    let up = 0, rx = 0, tx = 0, drops = 0;
    const body = document.querySelector('#ports tbody');
    body.replaceChildren();
    for (const p of s.ports) {
      if (p.state === 'up') up++;
      rx += p.rx_packets; tx += p.tx_packets; drops += p.drops_total;
      const tr = document.createElement('tr');
      tr.dataset.port = p.name;
      tr.append(cell(p.name), cell(p.network, 'l'),
                cell(p.state + (p.reason ? ' (' + p.reason + ')' : ''), p.state === 'up' ? 'up l' : 'down l'),
                cell(fmt(p.rx_packets)), cell(fmt(p.rx_bytes)), cell(fmt(p.tx_packets)), cell(fmt(p.tx_bytes)),
                cell(fmt(p.drops_total)));
      body.append(tr);
    }
    document.getElementById('ports-up').textContent = up + ' / ' + s.ports.length;
    document.getElementById('rx').textContent = fmt(rx);
    document.getElementById('tx').textContent = fmt(tx);
    document.getElementById('drops').textContent = fmt(drops);
    await refreshSlices();
    await refreshGuests(s.guests);
    document.getElementById('err').textContent = '';
  } catch (e) {
    document.getElementById('err').textContent = '(gateway unreachable: ' + e.message + ')';
  }
}
function rate(kbit) { return kbit === 0 ? '-' : kbit % 1000 === 0 ? fmt(kbit / 1000) + ' Mbit/s' : fmt(kbit) + ' kbit/s'; }
async function refreshSlices() {
  const r = await fetch('/api/v1/slices', { cache: 'no-store' });
  if (!r.ok) throw new Error('HTTP ' + r.status);
  const body = document.querySelector('#slices tbody');
  body.replaceChildren();
  for (const sl of await r.json()) {
    // The worst queue of the slice over its shaped ports.
    let p99 = null, p999 = null, over = 0;
    for (const q of sl.queues) {
      over += q.over_budget;
      if (q.sojourn.count > 0) { p99 = Math.max(p99 ?? 0, q.sojourn.p99_us); p999 = Math.max(p999 ?? 0, q.sojourn.p999_us); }
    }
    const tr = document.createElement('tr');
    tr.dataset.slice = sl.name;
    const label = sl.snssai ? sl.snssai.sst + (sl.snssai.sd ? '/' + sl.snssai.sd : '') : '-';
    tr.append(cell(sl.name + (sl.default ? ' (default)' : '')), cell(sl.class, 'l'), cell(sl.priority),
              cell(rate(sl.guaranteed_kbit)), cell(rate(sl.ceiling_kbit)), cell(label, 'l'), cell(fmt(sl.packets)),
              cell(fmt(sl.sent_packets)), cell(fmt(sl.dropped_packets)), cell(fmt(sl.depth_packets)),
              cell(p99 === null ? '-' : p99.toFixed(1)), cell(p999 === null ? '-' : p999.toFixed(1)),
              cell(fmt(over), over > 0 ? 'warn' : ''));
    body.append(tr);
  }
}
async function refreshGuests(summary) {
  const shown = summary && summary.configured > 0;
  document.getElementById('guests-title').hidden = !shown;
  document.getElementById('guests').hidden = !shown;
  if (!shown) return;
  document.getElementById('accel').textContent = summary.accel ? '(' + summary.accel + ')' : '';
  const r = await fetch('/api/v1/guests', { cache: 'no-store' });
  if (!r.ok) throw new Error('HTTP ' + r.status);
  const body = document.querySelector('#guests tbody');
  body.replaceChildren();
  const now = Date.now();
  for (const g of await r.json()) {
    const tr = document.createElement('tr');
    tr.dataset.guest = g.name;
    const cls = g.state === 'running' ? 'up l' : g.state === 'backoff' ? 'down l' : 'warn l';
    tr.append(cell(g.name), cell(g.state + (g.next_start_in_ms !== null ? ' (retry in ' + Math.ceil(g.next_start_in_ms / 1000) + 's)' : ''), cls),
              cell(g.pid || '-'), cell(g.vcpus), cell(fmt(g.memory_mb)),
              cell(g.nics.map(n => n.port + (n.link_up === true ? ' up' : n.link_up === false ? ' down' : '')).join(', '), 'l'),
              cell(g.started_at_ms ? dur(Math.max(0, Math.floor((now - g.started_at_ms) / 1000))) : '-'),
              cell(fmt(g.restarts)), cell(g.last_exit || '-', 'l'));
    body.append(tr);
  }
}
refresh();
setInterval(refresh, 1000);
</script>
</body>
</html>
)html";
}

}  // namespace edgegw::web
