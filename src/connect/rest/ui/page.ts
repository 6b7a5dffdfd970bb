// The status page: one HTML document and one script, served as they are (no build step, no dependency). The
// script fetches /ui/status.json every few seconds (?refresh=N seconds, default 2) and renders with textContent
// only, so topic, group and connector names can never inject markup.
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Ferry status</title>
<style>
  :root { --ok:#1a7f37; --warn:#9a6700; --bad:#cf222e; --muted:#57606a; --line:#d0d7de; --bg:#f6f8fa; }
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1f2328; background: #fff; }
  header { display: flex; align-items: baseline; gap: 16px; padding: 12px 20px; border-bottom: 1px solid var(--line); background: var(--bg); }
  header h1 { font-size: 18px; margin: 0; }
  header .meta { color: var(--muted); font-size: 12px; }
  main { padding: 8px 20px 24px; }
  h2 { font-size: 16px; margin: 20px 0 8px; }
  h3 { font-size: 14px; margin: 12px 0 6px; }
  .flow { border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; margin-bottom: 12px; }
  .flow-head { display: flex; gap: 16px; align-items: baseline; flex-wrap: wrap; }
  .flow-name { font-weight: 600; font-size: 15px; }
  .kv { color: var(--muted); } .kv b { color: #1f2328; font-weight: 600; }
  table { border-collapse: collapse; min-width: 420px; margin: 4px 0 8px; }
  th, td { text-align: left; padding: 3px 10px 3px 0; border-bottom: 1px solid #eaeef2; vertical-align: top; }
  th { color: var(--muted); font-weight: 500; font-size: 12px; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  .state { display: inline-block; padding: 0 7px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; background: var(--muted); }
  .state.RUNNING, .state.ok { background: var(--ok); } .state.FAILED, .state.failing { background: var(--bad); }
  .state.PAUSED, .state.STOPPED, .state.UNASSIGNED, .state.RESTARTING, .state.starting { background: var(--warn); }
  .lagging { color: var(--bad); font-weight: 600; }
  .trace { color: var(--bad); font-family: ui-monospace, monospace; font-size: 12px; white-space: pre-wrap; }
  .empty { color: var(--muted); font-style: italic; }
  #error { color: var(--bad); }
</style>
</head>
<body>
<header><h1>Ferry</h1><span class="meta" id="updated">loading…</span><span class="meta" id="error" role="alert"></span></header>
<main>
  <h2>Flows</h2>
  <div id="flows"><p class="empty">No mirroring flow on this process.</p></div>
  <h2>Workers, connectors and tasks</h2>
  <div id="workers"></div>
</main>
<script src="/ui/app.js"></script>
</body>
</html>
`;

export const APP_JS = `'use strict';
(function () {
  var params = new URLSearchParams(location.search);
  var refreshMs = Math.max(0.5, Number(params.get('refresh') || 2)) * 1000;
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) { if (k === 'text') e.textContent = attrs[k]; else if (k === 'cls') e.className = attrs[k]; else e.setAttribute(k, attrs[k]); }
    (children || []).forEach(function (c) { if (c) e.appendChild(c); });
    return e;
  }
  function state(s) { return el('span', { cls: 'state ' + (s || 'none'), text: s || 'unknown' }); }
  function secs(v) { if (v === null || v === undefined) return 'n/a'; return v < 10 ? v.toFixed(1) + ' s' : Math.round(v) + ' s'; }
  function num(v) { return v === null || v === undefined ? 'n/a' : Number(v).toLocaleString('en-US'); }
  function table(headers, rows) {
    var head = el('tr', null, headers.map(function (h) { return el('th', { text: h.t, cls: h.n ? 'num' : '' }); }));
    return el('table', null, [el('thead', null, [head]), el('tbody', null, rows)]);
  }
  function renderFlow(f) {
    var box = el('section', { cls: 'flow', 'data-flow': f.name });
    box.appendChild(el('div', { cls: 'flow-head' }, [
      el('span', { cls: 'flow-name', text: f.source + ' \\u2192 ' + f.target }), state(f.state),
      el('span', { cls: 'kv' }, [document.createTextNode('recovery point '), el('b', { 'data-recovery-point': '', text: secs(f.recoveryPointSeconds) })]),
    ]));
    box.appendChild(el('h3', { text: 'Topics' }));
    if (f.topics.length === 0) box.appendChild(el('p', { cls: 'empty', text: 'No topic mirrored by a task of this process yet.' }));
    else box.appendChild(table([{ t: 'topic' }, { t: 'partitions', n: 1 }, { t: 'lag (records)', n: 1 }, { t: 'lag (seconds)', n: 1 }, { t: 'mirrored (this task run)', n: 1 }],
      f.topics.map(function (t) {
        return el('tr', { 'data-topic': t.topic }, [
          el('td', { text: t.topic }), el('td', { cls: 'num', text: String(t.partitions) }),
          el('td', { cls: 'num' + (t.lagRecords > 0 ? ' lagging' : ''), 'data-lag-records': String(t.lagRecords), text: num(t.lagRecords) }),
          el('td', { cls: 'num', 'data-lag-seconds': String(t.lagSeconds), text: secs(t.lagSeconds) }),
          el('td', { cls: 'num', text: num(t.recordsMirrored) }),
        ]);
      })));
    box.appendChild(el('h3', { text: 'Checkpoints' }));
    if (f.checkpoints.length === 0) box.appendChild(el('p', { cls: 'empty', text: 'No checkpoint written by a task of this process yet.' }));
    else box.appendChild(table([{ t: 'consumer group' }, { t: 'newest checkpoint', n: 1 }, { t: 'latency', n: 1 }],
      f.checkpoints.map(function (c) {
        return el('tr', { 'data-checkpoint-group': c.group }, [
          el('td', { text: c.group }), el('td', { cls: 'num', 'data-age-seconds': String(c.ageSeconds), text: secs(c.ageSeconds) + ' ago' }),
          el('td', { cls: 'num', text: c.latencyMs === null ? 'n/a' : Math.round(c.latencyMs) + ' ms' }),
        ]);
      })));
    return box;
  }
  function renderWorker(w) {
    var box = el('section', { cls: 'flow', 'data-worker': w.name });
    box.appendChild(el('div', { cls: 'flow-head' }, [el('span', { cls: 'flow-name', text: w.name }), state(w.ready ? 'ok' : 'starting'),
      el('span', { cls: 'kv', text: w.workerId ? 'worker ' + w.workerId : '' })]));
    if (w.error) box.appendChild(el('p', { cls: 'trace', text: w.error }));
    var rows = [];
    w.connectors.forEach(function (c) {
      rows.push(el('tr', { 'data-connector': c.name }, [el('td', { text: c.name }), el('td', { text: c.type }), el('td', null, [state(c.state)]),
        el('td', { text: c.workerId }), el('td', { cls: 'trace', text: c.trace || '' })]));
      c.tasks.forEach(function (t) {
        var errs = t.recordErrors === null ? '' : (t.recordErrors + ' record error(s), ' + t.recordsSkipped + ' skipped');
        rows.push(el('tr', { 'data-task': c.name + '-' + t.id }, [el('td', { text: '\\u2003task ' + t.id }), el('td', { text: errs }), el('td', null, [state(t.state)]),
          el('td', { text: t.workerId }), el('td', { cls: 'trace', text: t.trace || '' })]));
      });
    });
    if (rows.length === 0) box.appendChild(el('p', { cls: 'empty', text: w.ready ? 'No connector.' : 'Starting…' }));
    else box.appendChild(table([{ t: 'connector / task' }, { t: 'type / errors' }, { t: 'state' }, { t: 'worker' }, { t: 'error' }], rows));
    return box;
  }
  function render(r) {
    var flows = document.getElementById('flows');
    flows.replaceChildren.apply(flows, r.flows.length ? r.flows.map(renderFlow) : [el('p', { cls: 'empty', text: 'No mirroring flow on this process.' })]);
    var workers = document.getElementById('workers');
    workers.replaceChildren.apply(workers, r.workers.map(renderWorker));
    document.getElementById('updated').textContent = 'updated ' + new Date(r.generatedAt).toLocaleTimeString() + ' \\u00b7 every ' + refreshMs / 1000 + ' s';
    document.getElementById('error').textContent = '';
  }
  function load() {
    fetch('/ui/status.json', { credentials: 'same-origin', cache: 'no-store' })
      .then(function (res) { if (!res.ok) throw new Error('HTTP ' + res.status); return res.json(); })
      .then(render)
      .catch(function (e) { document.getElementById('error').textContent = 'refresh failed: ' + e.message; })
      .finally(function () { setTimeout(load, refreshMs); });
  }
  load();
})();
`;
