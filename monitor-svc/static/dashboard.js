// The live dashboard page: plain JS, no framework, no build step. The monitor pushes whole
// snapshots over Server-Sent Events; every render replaces what is shown, so a reconnect or a
// missed message can never leave stale pieces behind. Data is only ever inserted as text
// (textContent), never as HTML: causes and details come from replicas and the database.
'use strict';

(() => {
  const EVENTS_URL = '/dashboard/events';
  /** Ticks come every second; this much silence means the stream is dead even if the socket is not. */
  const STALE_AFTER_MS = 5000;
  /** After a refused connection EventSource gives up for good; we try again after this. */
  const RETRY_CLOSED_MS = 2000;
  const CHART_WINDOW_MS = 120_000;
  /** Samples further apart than this were not taken in between (monitor down): the line breaks. */
  const CHART_GAP_MS = 3000;
  const TOKEN_KEY = 'ftlab.adminToken';
  const STATUSES = ['PENDING', 'RESERVED', 'CONFIRMED', 'REJECTED', 'CANCELLED'];

  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    for (const c of children) node.append(c);
    return node;
  };
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const svg = (tag, attrs = {}) => {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    return node;
  };

  // ------------------------------------------------------------------------------------------
  // Formatting

  const fmtMs = (ms) => (ms === null || ms === undefined ? '—' : ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`);
  const fmtTime = (iso) => (iso ? new Date(iso).toLocaleTimeString([], { hour12: false }) : '—');
  const fmtShare = (x) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(x === 1 ? 0 : 1)} %`);
  const fmtCount = (n) => (n === null || n === undefined ? '—' : n.toLocaleString('en'));
  function fmtDuration(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) return `${s} s`;
    if (s < 3600) return `${Math.floor(s / 60)} m ${s % 60} s`;
    return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} m`;
  }

  // ------------------------------------------------------------------------------------------
  // Connection

  let source;
  let lastMessageAt = 0;
  let retryTimer;

  function setConnection(state, text) {
    const box = $('connection');
    box.dataset.state = state;
    $('connection-text').textContent = text;
    document.body.classList.toggle('stale', state !== 'live');
  }

  function connect() {
    clearTimeout(retryTimer);
    source?.close();
    source = new EventSource(EVENTS_URL);
    source.addEventListener('snapshot', (event) => {
      lastMessageAt = Date.now();
      setConnection('live', 'live');
      render(JSON.parse(event.data));
    });
    source.addEventListener('error', () => {
      setConnection('reconnecting', 'reconnecting…');
      // CONNECTING: the browser retries by itself (after the server's `retry:`). CLOSED: it gave up
      // (e.g. a 503 while the monitor shut down), so we start over.
      if (source.readyState === EventSource.CLOSED) retryTimer = setTimeout(connect, RETRY_CLOSED_MS);
    });
  }

  setInterval(() => {
    if ($('connection').dataset.state === 'live' && Date.now() - lastMessageAt > STALE_AFTER_MS) {
      setConnection('reconnecting', 'no data, reconnecting…');
      connect();
    }
  }, 1000);

  // ------------------------------------------------------------------------------------------
  // Rendering

  function render(snap) {
    const now = Date.parse(snap.at);
    $('updated').textContent = fmtTime(snap.at);
    $('updated').dateTime = snap.at;
    $('monitor-pid').textContent = String(snap.monitor.pid);
    document.body.dataset.monitorPid = String(snap.monitor.pid);
    renderReplicas(snap.replicas, now);
    renderVoter(snap.voter);
    renderOrders(snap.orders);
    renderGateway(snap.gateway);
    renderSaga(snap.orders, snap.payments, snap.notifications);
    renderChart(mergeHistory(snap.latency_history, now), now);
    renderFailures(snap.failures);
    const link = $('report-link');
    link.dataset.available = String(snap.report.available);
    link.textContent = snap.report.available ? `latest experiment report (${fmtTime(snap.report.updated_at)})` : 'no experiment report yet';
  }

  function replicaCard(id) {
    const existing = document.querySelector(`.card[data-instance="${CSS.escape(id)}"]`);
    if (existing) return existing;
    const dd = (cls) => el('dd', { class: cls });
    const card = el(
      'article',
      { class: 'card', 'data-instance': id, 'data-status': 'unknown' },
      el('header', {}, el('h3', {}, `inventory-${id}`), el('span', { class: 'badge' }, '?')),
      el('dl', {}, el('dt', {}, 'since'), dd('since'), el('dt', {}, 'cause'), dd('cause'), el('dt', {}, 'last probe'), dd('probe'), el('dt', {}, 'probes'), dd('probes')),
      el('span', { class: 'flag', hidden: '' }, 'quarantined: answers differ from the majority'),
      el('div', { class: 'url' }),
    );
    $('replicas').append(card);
    return card;
  }

  function renderReplicas(replicas, now) {
    for (const r of replicas) {
      const card = replicaCard(r.instance_id);
      const set = (cls, text) => (card.querySelector(`.${cls}`).textContent = text);
      card.dataset.status = r.status;
      card.dataset.cause = r.status === 'OFF' ? r.cause ?? 'unknown' : '';
      set('badge', r.status);
      set('since', r.since ? `${fmtTime(r.since)} (${fmtDuration(now - Date.parse(r.since))})` : '—');
      // The cause is the detector's reason for OFF; an ON replica has none.
      set('cause', card.dataset.cause);
      set('probe', r.last_probe_at ? `${fmtMs(r.last_probe_latency_ms)} ${r.last_probe_ok ? 'ok' : 'failed'} at ${fmtTime(r.last_probe_at)}` : 'none yet');
      set('probes', `${fmtCount(r.probes_total)} (${fmtCount(r.probe_failures_total)} failed)`);
      set('url', r.url);
      card.querySelector('.flag').hidden = !r.quarantined;
    }
  }

  /** Shows a part's error instead of its figures when the monitor could not get them. */
  function availability(panelId, errorId, part) {
    $(panelId).dataset.available = String(part.available);
    $(errorId).textContent = part.available ? '' : `unavailable: ${part.error}`;
    return part.available ? part.value : undefined;
  }

  function renderVoter(part) {
    const v = availability('voter-panel', 'voter-error', part);
    if (!v) return;
    $('quorum-rate').textContent = fmtShare(v.quorum_rate);
    $('voter-requests').textContent = fmtCount(v.requests_total);
    $('quorum-failed').textContent = fmtCount(v.quorum_failed);
    $('disagreements').textContent = fmtCount(v.disagreements);
    const rows = ['1', '2', '3'].map((id) =>
      el('tr', {}, el('td', {}, `inventory-${id}`), ...[v.outliers, v.lagging, v.failures].map((m) => el('td', { class: 'num' }, fmtCount(m[id] ?? 0)))),
    );
    $('voter-replicas').tBodies[0].replaceChildren(...rows);
  }

  function renderOrders(part) {
    const counts = availability('orders-panel', 'orders-error', part);
    if (!counts) return;
    const total = STATUSES.reduce((sum, s) => sum + (counts[s] ?? 0), 0);
    const figure = (label, n) => el('div', { class: 'figure', 'data-status': label }, el('span', { class: 'value' }, fmtCount(n)), el('span', { class: 'label' }, label.toLowerCase()));
    $('order-counts').replaceChildren(figure('TOTAL', total), ...STATUSES.map((s) => figure(s, counts[s] ?? 0)));
  }

  /** The gateway's breaker per upstream and its rate limiter: the limits, how many 429s, and to whom. */
  function renderGateway(part) {
    const g = availability('gateway-panel', 'gateway-error', part);
    if (!g) return;
    $('gateway-instance').textContent = `(${g.instance}, ${fmtCount(g.stale_cache_entries)} products cached)`;
    const upstreams = ['voter', 'orders'].map((name) => {
      const u = g.upstreams[name];
      return el(
        'tr',
        { 'data-upstream': name, 'data-breaker': u.breaker },
        el('td', {}, name === 'voter' ? 'voter-svc' : 'orders-svc'),
        el('td', { class: 'breaker' }, u.breaker.replace('_', '-')),
        el('td', { class: 'num' }, `${fmtCount(u.breaker_opens)}×`),
        el('td', { class: 'num' }, `${fmtCount(u.in_flight)} / ${fmtCount(u.max_in_flight)}`),
        el('td', { class: 'num' }, fmtCount(u.queued)),
      );
    });
    $('gateway-upstreams').tBodies[0].replaceChildren(...upstreams);
    const limits = ['read', 'order'].map((limit) => {
      const p = g.limits[limit];
      return el(
        'tr',
        { 'data-limit': limit },
        el('td', {}, limit === 'read' ? 'reads' : 'orders'),
        el('td', { class: 'policy' }, `${fmtCount(p.rate_per_s)}/s + ${fmtCount(p.burst)} per ${p.burst_window_s} s`),
        el('td', { class: 'num in-window' }, fmtCount(g.limited.in_window[limit])),
        el('td', { class: 'num' }, fmtCount(g.limited.total[limit])),
      );
    });
    $('gateway-limits').tBodies[0].replaceChildren(...limits);
    const refused = g.recent_limited.length
      ? g.recent_limited.map((r) => el('tr', {}, el('td', {}, fmtTime(r.at)), el('td', { class: 'client' }, r.client), el('td', {}, r.limit)))
      : [el('tr', {}, el('td', { colspan: '3' }, 'none in the last minute'))];
    $('gateway-refused').tBodies[0].replaceChildren(...refused);
  }

  /**
   * The saga: orders paying, confirmed and cancelled (orders-svc), the payment breaker and the
   * charges under way (payment-svc), the emails not yet sent (notification-svc). A service that
   * does not answer blanks its own figures and is named in the panel's error line.
   */
  function renderSaga(orders, payments, notifications) {
    const parts = [orders, payments, notifications];
    const missing = parts.filter((p) => !p.available);
    $('saga-panel').dataset.available = String(missing.length === 0);
    $('saga-error').textContent = missing.length ? `unavailable: ${missing.map((p) => p.error).join('; ')}` : '';
    const value = (part, pick) => (part.available ? pick(part.value) : undefined);
    for (const s of ['RESERVED', 'CONFIRMED', 'CANCELLED']) $(`saga-${s.toLowerCase()}`).textContent = fmtCount(value(orders, (c) => c[s] ?? 0));
    const breaker = value(payments, (p) => p.breaker);
    $('payment-breaker').dataset.breaker = breaker ?? 'unknown';
    $('payment-breaker-state').textContent = breaker ? breaker.replace('_', '-') : '—';
    $('payment-breaker-opens').textContent = fmtCount(value(payments, (p) => p.breaker_opens));
    $('payments-charging').textContent = fmtCount(value(payments, (p) => p.charging));
    $('payments-to-check').textContent = fmtCount(value(payments, (p) => p.to_check));
    $('emails-waiting').textContent = fmtCount(value(notifications, (n) => n.pending));
  }

  function renderFailures(part) {
    const rows = availability('failures-panel', 'failures-error', part);
    if (!rows) return;
    const body = $('failures').tBodies[0];
    if (rows.length === 0) {
      body.replaceChildren(el('tr', {}, el('td', { class: 'empty', colspan: '9' }, 'no failures recorded')));
      return;
    }
    body.replaceChildren(
      ...rows.map((f) =>
        el(
          'tr',
          { class: f.resolved_at ? 'resolved' : 'open', 'data-instance': f.instance_id, 'data-fault-type': f.fault_type ?? 'real' },
          el('td', {}, `inventory-${f.instance_id}`),
          el('td', {}, f.cause),
          el('td', {}, f.fault_type ?? 'real'),
          el('td', {}, fmtTime(f.started_at)),
          el('td', {}, fmtTime(f.detected_at)),
          el('td', { class: 'num' }, fmtMs(f.ttd_ms)),
          el('td', {}, f.resolved_at ? fmtTime(f.resolved_at) : 'open'),
          el('td', { class: 'num' }, fmtMs(f.ttr_ms)),
          el('td', { class: 'detail' }, f.detail ?? ''),
        ),
      ),
    );
  }

  // ------------------------------------------------------------------------------------------
  // Latency chart: hand-drawn SVG, time on x (the last two minutes), milliseconds on y.

  /**
   * The monitor keeps the last two minutes, but a restarted monitor starts from nothing: the page
   * keeps what it has seen too, so the chart survives a monitor restart (with a gap).
   */
  let chartHistory = new Map();
  function mergeHistory(incoming, now) {
    for (const s of incoming) chartHistory.set(s.t, s);
    chartHistory = new Map([...chartHistory].filter(([t]) => t >= now - CHART_WINDOW_MS).sort(([a], [b]) => a - b));
    return [...chartHistory.values()];
  }

  const CHART = { width: 960, height: 240, left: 56, right: 12, top: 10, bottom: 26 };

  /** A round axis maximum (1, 2 or 5 times a power of ten) at or above the largest value. */
  function niceMax(value) {
    if (!(value > 0)) return 10;
    const power = 10 ** Math.floor(Math.log10(value));
    return [1, 2, 5, 10].map((m) => m * power).find((m) => m >= value);
  }

  function renderChart(history, now) {
    const chart = $('latency-chart');
    const plotW = CHART.width - CHART.left - CHART.right;
    const plotH = CHART.height - CHART.top - CHART.bottom;
    const start = now - CHART_WINDOW_MS;
    const points = history.filter((s) => s.t >= start);
    const yMax = niceMax(Math.max(0, ...points.flatMap((s) => [s.p50, s.p95, s.p99]).filter((v) => v !== null)));
    const x = (t) => CHART.left + ((t - start) / CHART_WINDOW_MS) * plotW;
    const y = (v) => CHART.top + plotH - (Math.min(v, yMax) / yMax) * plotH;

    const parts = [];
    const grid = svg('g', { class: 'grid' });
    for (let i = 0; i <= 4; i++) {
      const v = (yMax / 4) * i;
      grid.append(svg('line', { x1: CHART.left, x2: CHART.width - CHART.right, y1: y(v), y2: y(v) }));
      const label = svg('text', { x: CHART.left - 6, y: y(v) + 4, 'text-anchor': 'end' });
      label.textContent = `${Number(v.toPrecision(3))} ms`;
      grid.append(label);
    }
    for (let secondsAgo = 120; secondsAgo >= 0; secondsAgo -= 30) {
      const tx = x(now - secondsAgo * 1000);
      grid.append(svg('line', { x1: tx, x2: tx, y1: CHART.top, y2: CHART.top + plotH }));
      const label = svg('text', { x: tx, y: CHART.height - 8, 'text-anchor': 'middle' });
      label.textContent = secondsAgo === 0 ? 'now' : `-${secondsAgo} s`;
      grid.append(label);
    }
    parts.push(grid, svg('line', { class: 'axis', x1: CHART.left, x2: CHART.left, y1: CHART.top, y2: CHART.top + plotH }));

    for (const key of ['p50', 'p95', 'p99']) {
      // A null sample breaks the line: no reads or no voter then, which is not "0 ms".
      let d = '';
      let pen = 'M';
      let previous = -Infinity;
      for (const s of points) {
        if (s[key] === null) {
          pen = 'M';
          continue;
        }
        if (s.t - previous > CHART_GAP_MS) pen = 'M';
        d += `${pen}${x(s.t).toFixed(1)},${y(s[key]).toFixed(1)}`;
        pen = 'L';
        previous = s.t;
      }
      parts.push(svg('path', { class: key, d: d || 'M0,0' }));
    }
    if (!points.some((s) => s.p50 !== null)) {
      const note = svg('text', { x: CHART.left + plotW / 2, y: CHART.top + plotH / 2, 'text-anchor': 'middle' });
      note.textContent = 'no reads through the voter in the last 2 minutes';
      parts.push(note);
    }
    chart.replaceChildren(...parts);
    const latest = points.at(-1);
    for (const key of ['p50', 'p95', 'p99']) $(`now-${key}`).textContent = fmtMs(latest ? latest[key] : null);
  }

  // ------------------------------------------------------------------------------------------
  // Fault injection, through the monitor's proxy (same origin; the replicas are on other ports).

  const tokenInput = $('token');
  // The token lives in this tab only: sessionStorage is per tab and cleared when it closes.
  tokenInput.value = sessionStorage.getItem(TOKEN_KEY) ?? '';
  tokenInput.addEventListener('input', () => sessionStorage.setItem(TOKEN_KEY, tokenInput.value));
  $('forget-token').addEventListener('click', () => {
    tokenInput.value = '';
    sessionStorage.removeItem(TOKEN_KEY);
  });

  const typeSelect = $('fault-type');
  const showFaultFields = () => {
    for (const field of document.querySelectorAll('[data-fault]')) field.hidden = field.dataset.fault !== typeSelect.value;
    $('fault-submit').textContent = typeSelect.value === 'clear' ? 'Clear' : 'Inject';
  };
  typeSelect.addEventListener('change', showFaultFields);
  showFaultFields();

  function faultBody(type) {
    switch (type) {
      case 'latency':
        return { type, latency_ms: Number($('fault-latency').value) };
      case 'intermittent':
        return { type, probability: Number($('fault-probability').value) };
      case 'incorrect':
        return { type, product_id: $('fault-product').value.trim() };
      default:
        return { type };
    }
  }

  function showResult(outcome, text) {
    const out = $('fault-result');
    out.dataset.outcome = outcome;
    out.textContent = text;
  }

  $('fault-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const token = tokenInput.value.trim();
    if (!token) return showResult('error', 'enter the admin token first');
    const instance = $('fault-instance').value;
    const body = faultBody(typeSelect.value);
    const button = $('fault-submit');
    button.disabled = true;
    showResult('pending', 'sending…');
    try {
      const res = await fetch(`/dashboard/faults/${encodeURIComponent(instance)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
      const answer = await res.json().catch(() => ({}));
      if (!res.ok) return showResult('error', `inventory-${instance}: HTTP ${res.status}: ${answer.error ?? 'failed'}`);
      showResult(
        'ok',
        body.type === 'clear' ? `inventory-${instance}: fault cleared` : `inventory-${instance}: ${body.type} injected (fault #${answer.fault_id ?? '?'})`,
      );
    } catch (err) {
      showResult('error', `request failed: ${err.message}`);
    } finally {
      button.disabled = false;
    }
  });

  connect();
})();
