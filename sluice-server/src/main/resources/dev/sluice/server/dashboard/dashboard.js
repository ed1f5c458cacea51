'use strict';
// The Sluice dashboard: polls /admin/stats every 2 s and draws what it says. It reads with the
// sign-in cookie (HttpOnly: this script never sees it); a change (the reload button) sends the
// admin token typed into the page in an Authorization header, and keeps it nowhere.
(function () {
  // One colour per rule; the outcome is the line's style: allowed solid, refused dashed, a
  // shadow rule's would-be denials dotted.
  const PALETTE = ['#0f766e', '#2563eb', '#d97706', '#db2777', '#65a30d', '#0891b2', '#9333ea',
    '#b45309', '#475569', '#dc2626'];
  const DASH = { allowed: [], shadow_denied: [2, 3] };
  const SMOOTH_SECONDS = 5;
  const colors = new Map();

  function $(id) { return document.getElementById(id); }

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function fmt(n) {
    return Number(n).toLocaleString('en-US');
  }

  function rate(n) {
    if (n === 0) return '0';
    return n >= 10 ? n.toFixed(0) : n >= 1 ? n.toFixed(1) : n.toFixed(2);
  }

  function colorOf(series) {
    if (!colors.has(series.rule)) {
      colors.set(series.rule, PALETTE[colors.size % PALETTE.length]);
    }
    return colors.get(series.rule);
  }

  function dashOf(series) {
    return DASH[series.outcome] || [7, 4];
  }

  /** Each second's value as the average of the last SMOOTH_SECONDS seconds. */
  function smooth(points) {
    const out = [];
    let sum = 0;
    for (let i = 0; i < points.length; i++) {
      sum += points[i];
      if (i >= SMOOTH_SECONDS) sum -= points[i - SMOOTH_SECONDS];
      out.push(sum / Math.min(i + 1, SMOOTH_SECONDS));
    }
    return out;
  }

  function state(text, cls) {
    const s = $('state');
    s.textContent = text;
    s.className = 'pill ' + (cls || '');
  }

  function replaceRows(tbody, rows, emptyText, columns) {
    tbody.replaceChildren();
    if (rows.length === 0) {
      const tr = el('tr', null, 'empty');
      const td = el('td', emptyText);
      td.colSpan = columns;
      tr.appendChild(td);
      tbody.appendChild(tr);
      return;
    }
    rows.forEach(r => tbody.appendChild(r));
  }

  function drawChart(rates) {
    const canvas = $('chart');
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth || 1000;
    const h = canvas.clientHeight || 260;
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
    const g = canvas.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    const left = 48, right = 12, top = 12, bottom = 26;
    const pw = w - left - right, ph = h - top - bottom;
    const series = rates.series.filter(s => s.points.some(p => p > 0))
      .map(s => Object.assign({}, s, { points: smooth(s.points) }));
    let max = 0;
    series.forEach(s => s.points.forEach(p => { if (p > max) max = p; }));
    const step = niceStep(Math.max(max, 0.4) / 4);
    const yMax = Math.max(step * 4, step * Math.ceil(max / step));
    g.font = '11px -apple-system, "Segoe UI", Roboto, Arial, sans-serif';
    g.textBaseline = 'middle';
    for (let v = 0; v <= yMax + 1e-9; v += step) {
      const y = top + ph - (v / yMax) * ph;
      g.strokeStyle = v === 0 ? '#cbd2d9' : '#eef1f4';
      g.lineWidth = 1;
      g.beginPath();
      g.moveTo(left, Math.round(y) + 0.5);
      g.lineTo(left + pw, Math.round(y) + 0.5);
      g.stroke();
      g.fillStyle = '#667085';
      g.textAlign = 'right';
      g.fillText(fmt(Math.round(v * 100) / 100), left - 8, y);
    }
    const n = rates.seconds;
    g.textAlign = 'center';
    g.textBaseline = 'top';
    for (let s = 0; s <= n; s += 30) {
      const x = left + pw * (s / n);
      g.fillStyle = '#667085';
      g.fillText(s === n ? 'now' : '-' + (n - s) + 's', x, top + ph + 8);
    }
    if (series.length === 0) {
      g.fillStyle = '#98a2b3';
      g.textAlign = 'center';
      g.textBaseline = 'middle';
      g.font = '13px -apple-system, "Segoe UI", Roboto, Arial, sans-serif';
      g.fillText('No decisions in the last two minutes', left + pw / 2, top + ph / 2);
      return;
    }
    series.forEach(s => {
      g.strokeStyle = colorOf(s);
      g.lineWidth = 2;
      g.lineJoin = 'round';
      g.setLineDash(dashOf(s));
      g.beginPath();
      s.points.forEach((p, i) => {
        const x = left + pw * ((i + 1) / n);
        const y = top + ph - (p / yMax) * ph;
        if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
      });
      g.stroke();
    });
    g.setLineDash([]);
  }

  function niceStep(raw) {
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const f = raw / mag;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
  }

  function renderRates(stats) {
    const rates = stats.rates;
    let allowed = 0, denied = 0, shadow = 0;
    const rows = rates.series
      .slice()
      .sort((a, b) => b.last_minute - a.last_minute || a.rule.localeCompare(b.rule))
      .map(s => {
        if (s.outcome === 'allowed') allowed += s.last_minute;
        if (s.outcome === 'denied') denied += s.last_minute;
        if (s.outcome === 'shadow_denied') shadow += s.last_minute;
        const tr = el('tr');
        tr.dataset.rule = s.rule;
        tr.dataset.outcome = s.outcome;
        const sw = el('span', null, 'swatch');
        sw.style.borderTopColor = colorOf(s);
        sw.style.borderTopStyle = s.outcome === 'allowed' ? 'solid'
          : s.outcome === 'shadow_denied' ? 'dotted' : 'dashed';
        const c0 = el('td');
        c0.appendChild(sw);
        tr.appendChild(c0);
        tr.appendChild(el('td', s.rule, 'mono rule'));
        const oc = el('td');
        oc.appendChild(el('span', s.outcome, 'tag ' + s.outcome));
        tr.appendChild(oc);
        tr.appendChild(el('td', fmt(s.last_minute), 'num last-minute'));
        tr.appendChild(el('td', rate(s.last_minute / 60), 'num per-second'));
        tr.appendChild(el('td', fmt(s.points.reduce((a, b) => a + b, 0)), 'num'));
        return tr;
      });
    replaceRows($('rate-rows'), rows, 'No decisions yet.', 6);
    $('sum-allowed').textContent = fmt(allowed);
    $('sum-denied').textContent = fmt(denied);
    $('sum-shadow').textContent = fmt(shadow);
    drawChart(rates);
  }

  function resetsIn(resetEpochSeconds, nowMs) {
    const s = Math.max(0, Math.round(resetEpochSeconds - nowMs / 1000));
    if (s < 120) return s + ' s';
    if (s < 7200) return Math.round(s / 60) + ' min';
    if (s < 172800) return Math.round(s / 3600) + ' h';
    return Math.round(s / 86400) + ' d';
  }

  function renderTop(stats) {
    const now = Date.parse(stats.time);
    const rows = stats.top.map(t => {
      const tr = el('tr');
      tr.dataset.identity = t.identity;
      const id = el('td', t.identity, 'mono identity');
      if (t.shadow) id.appendChild(el('span', 'shadow', 'tag shadow'));
      tr.appendChild(id);
      const rule = el('td', t.rule, 'mono');
      if (t.tier) rule.appendChild(el('span', t.tier, 'tag'));
      tr.appendChild(rule);
      tr.appendChild(el('td', t.limit, 'mono'));
      const barCell = el('td');
      const bar = el('div', null, 'bar' + (t.percent >= 100 ? ' full' : t.percent >= 80 ? ' warn' : ''));
      const fill = el('span');
      fill.style.width = Math.min(100, t.percent) + '%';
      bar.appendChild(fill);
      barCell.appendChild(bar);
      tr.appendChild(barCell);
      tr.appendChild(el('td', fmt(t.used) + ' / ' + fmt(t.capacity) + ' (' + t.percent + '%)', 'num used'));
      tr.appendChild(el('td', fmt(t.remaining), 'num remaining'));
      tr.appendChild(el('td', resetsIn(t.reset, now), 'num'));
      return tr;
    });
    replaceRows($('top-rows'), rows, 'Nobody has used any limit yet.', 7);
  }

  function renderDeliveries(stats) {
    const rows = stats.deliveries.map(d => {
      const tr = el('tr');
      tr.appendChild(el('td', d.time.replace('T', ' ').replace('Z', ' UTC'), 'mono'));
      const oc = el('td');
      oc.appendChild(el('span', d.outcome, 'tag ' + d.outcome));
      tr.appendChild(oc);
      tr.appendChild(el('td', d.status || '–', 'num'));
      tr.appendChild(el('td', d.attempts, 'num'));
      const rl = el('td', d.rule + ' / ' + d.limit, 'mono');
      if (d.shadow) rl.appendChild(el('span', 'shadow', 'tag shadow'));
      tr.appendChild(rl);
      tr.appendChild(el('td', d.threshold + '%', 'num'));
      tr.appendChild(el('td', d.identity, 'mono'));
      const ep = el('td', d.url, 'mono');
      if (d.error) {
        ep.appendChild(el('div', d.error, 'error-text'));
      }
      tr.appendChild(ep);
      return tr;
    });
    replaceRows($('delivery-rows'), rows, 'No webhook events yet.', 8);
    const w = stats.webhooks;
    $('sum-webhooks').textContent = fmt(w.delivered) + ' / ' + fmt(w.failed) + ' / ' + fmt(w.dropped);
  }

  // Webhook events that failed for good, each with a button that queues it again. A change, so the
  // admin token goes in a header (never in a cookie or the URL).
  function renderFailed(stats) {
    const failed = stats.webhooks_failed || [];
    $('failed-count').textContent = fmt(stats.webhooks.failed_kept || 0);
    const rows = failed.map(f => {
      const e = f.event || {};
      const tr = el('tr');
      tr.appendChild(el('td', f.failed.replace('T', ' ').replace('Z', ' UTC'), 'mono'));
      tr.appendChild(el('td', f.reason, 'error-text'));
      tr.appendChild(el('td', f.attempts, 'num'));
      tr.appendChild(el('td', e.rule + ' / ' + e.limit, 'mono'));
      tr.appendChild(el('td', e.threshold + '%', 'num'));
      tr.appendChild(el('td', e.identity, 'mono'));
      tr.appendChild(el('td', f.url, 'mono'));
      const act = el('td');
      const b = el('button', 'Resend', 'resend');
      b.type = 'button';
      b.dataset.id = f.id;
      b.addEventListener('click', () => resend(b));
      act.appendChild(b);
      tr.appendChild(act);
      return tr;
    });
    replaceRows($('failed-rows'), rows, 'No failed webhook events.', 8);
  }

  // The admin token is the one typed into the Changes form below, sent with this request only.
  async function resend(button) {
    const field = $('admin-token');
    if (!field.value) {
      button.textContent = 'Type the admin token below';
      field.focus();
      return;
    }
    button.disabled = true;
    try {
      const r = await fetch('/admin/webhooks/failed/' + encodeURIComponent(button.dataset.id) + '/resend', {
        method: 'POST', cache: 'no-store', credentials: 'omit',
        headers: { Authorization: 'Bearer ' + field.value }
      });
      button.textContent = r.ok ? 'Queued' : 'Error ' + r.status;
    } catch (e) {
      button.textContent = 'Unreachable';
    }
    field.value = '';
    refresh();
  }

  // The in-memory bucket table: its fill, and the new identities counted coarsely (absent with Redis).
  function renderTable(stats) {
    const t = stats.table;
    if (!t) {
      $('sum-table').textContent = 'in the shared store';
      $('table-bar').hidden = true;
      return;
    }
    const percent = Math.round(1000 * t.fill) / 10;
    $('sum-table').textContent = percent + '%';
    const bar = $('table-bar');
    bar.className = 'bar wide' + (t.state === 'full' ? ' full' : t.state === 'reserve' ? ' warn' : '');
    bar.firstElementChild.style.width = Math.min(100, percent) + '%';
    let coarse = 0;
    Object.values(t.overflows).forEach(byAction => Object.values(byAction).forEach(n => { coarse += n; }));
    $('table-note').textContent = fmt(t.buckets) + ' of ' + fmt(t.capacity) + ' buckets' +
        (coarse > 0 ? '; ' + fmt(coarse) + ' new identities counted coarsely' : '');
  }

  function renderInstances(stats) {
    $('policy-hash').textContent = stats.policy_hash || '–';
    const list = stats.instances || [];
    const rows = list.map(i => {
      const tr = el('tr');
      tr.dataset.instance = i.instance;
      const name = el('td', i.instance, 'mono');
      if (i.self) name.appendChild(el('span', 'this one', 'tag'));
      tr.appendChild(name);
      tr.appendChild(el('td', i.policy_hash || '–', 'mono policy-hash'));
      const st = el('td');
      st.appendChild(el('span', i.live ? 'live' : 'silent', 'tag ' + (i.live ? 'allowed' : 'denied')));
      tr.appendChild(st);
      tr.appendChild(el('td', i.seen.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC'), 'mono'));
      return tr;
    });
    $('instances').hidden = list.length === 0;
    replaceRows($('instance-rows'), rows, 'No other instance.', 4);
    const hashes = new Set(list.filter(i => i.live).map(i => i.policy_hash));
    $('instances-note').textContent = hashes.size > 1
      ? 'Instances run ' + hashes.size + ' different policies.' : '';
    $('top-scope').textContent = stats.scope === 'fleet'
      ? 'every instance on the shared store; others as of their last publication (every 10 s)'
      : 'this instance';
  }

  function render(stats) {
    renderInstances(stats);
    renderRates(stats);
    renderTable(stats);
    renderTop(stats);
    renderDeliveries(stats);
    renderFailed(stats);
    $('sum-overrides').textContent = fmt(stats.overrides);
    $('updated').textContent = 'as of ' + stats.time.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
    state('live', 'live');
  }

  async function refresh() {
    try {
      const r = await fetch('/admin/stats', { cache: 'no-store', credentials: 'same-origin' });
      if (r.status === 401) { // the session ended (expired, signed out, or the server restarted)
        location.replace('/dashboard/sign-in?expired');
        return;
      }
      if (!r.ok) {
        state('error ' + r.status, 'error');
        return;
      }
      render(await r.json());
    } catch (e) {
      state('unreachable', 'error');
    }
  }

  // A change: the admin token goes in a header, typed here for this one request, never stored.
  $('reload-form').addEventListener('submit', async ev => {
    ev.preventDefault();
    const field = $('admin-token');
    const out = $('reload-result');
    out.textContent = 'reloading…';
    try {
      const r = await fetch('/admin/reload', {
        method: 'POST', cache: 'no-store', credentials: 'omit',
        headers: { Authorization: 'Bearer ' + field.value }
      });
      const body = await r.json().catch(() => ({}));
      out.textContent = r.ok ? 'reloaded: ' + body.rules + ' rules'
        : (body.error && body.error.message) || ('refused: ' + r.status);
    } catch (e) {
      out.textContent = 'unreachable';
    }
    field.value = '';
    refresh();
  });

  refresh();
  setInterval(refresh, 2000);
  window.addEventListener('resize', () => refresh());
})();
