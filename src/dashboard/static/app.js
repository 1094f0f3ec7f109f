// claude-ingest dashboard: reads the JSON API, draws the charts with ECharts, keeps the view in the URL.
// Money arrives as exact decimal strings; it is only ever formatted here (charts plot Number() of it,
// tooltips and tables show the exact string rounded to cents). window.__dashboard exposes what was
// loaded and plotted (for tests and for anyone curious in the console).
'use strict';

(function () {
  const state = { from: '', to: '', workspace: '', model: '', stack: 'workspace' };
  const dash = {
    state,
    meta: null,
    data: {},
    plotted: {},
    errors: [],
    ready: false,
    generation: 0,
    timings: {},
  };
  window.__dashboard = dash;
  const charts = {};
  const sorts = {};
  const $ = (id) => document.getElementById(id);

  // ------------------------------------------------------------ formatting

  /** "$1,234.57" from an exact decimal string, rounding half to even like the CLI (no float arithmetic). */
  function formatUsd(text) {
    let s = String(text).trim();
    const neg = s.startsWith('-');
    if (neg || s.startsWith('+')) s = s.slice(1);
    const parts = s.split('.');
    const intPart = parts[0] || '0';
    const frac = (parts[1] || '').padEnd(3, '0');
    const digits = (intPart + frac.slice(0, 2)).split('').map(Number);
    const first = frac[2];
    const tail = frac.slice(3);
    const last = digits[digits.length - 1];
    const up = first > '5' || (first === '5' && (/[1-9]/.test(tail) || last % 2 === 1));
    if (up) {
      let i = digits.length - 1;
      while (i >= 0 && digits[i] === 9) digits[i--] = 0;
      if (i < 0) digits.unshift(1);
      else digits[i] += 1;
    }
    const all = digits.join('');
    const whole = all.slice(0, -2).replace(/^0+(?=\d)/, '') || '0';
    const cents = all.slice(-2);
    return `${neg ? '-' : ''}$${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${cents}`;
  }
  const formatInt = (n) => Number(n).toLocaleString('en-US');
  const formatPct = (r) => (r === null || r === undefined ? '–' : `${(r * 100).toFixed(1)}%`);
  const compactUsd = (v) => (Math.abs(v) >= 1000 ? `$${(v / 1000).toFixed(v >= 10000 ? 0 : 1)}k` : `$${Math.round(v)}`);
  const compactInt = (v) => (v >= 1e9 ? `${(v / 1e9).toFixed(1)}B` : v >= 1e6 ? `${(v / 1e6).toFixed(1)}M` : v >= 1e3 ? `${(v / 1e3).toFixed(0)}k` : String(v));
  dash.formatUsd = formatUsd;

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
  }

  // ------------------------------------------------------------ URL state

  function readUrl() {
    const q = new URLSearchParams(window.location.search);
    state.from = q.get('from') || '';
    state.to = q.get('to') || '';
    state.workspace = q.get('workspace') || '';
    state.model = q.get('model') || '';
    state.stack = q.get('stack') === 'model' ? 'model' : 'workspace';
  }

  function writeUrl(push) {
    const q = new URLSearchParams();
    for (const k of ['from', 'to', 'workspace', 'model']) if (state[k]) q.set(k, state[k]);
    if (state.stack !== 'workspace') q.set('stack', state.stack);
    const url = `${window.location.pathname}?${q.toString()}`;
    if (push) window.history.pushState(null, '', url);
    else window.history.replaceState(null, '', url);
  }

  function apiQuery(withFilters, extra) {
    const q = new URLSearchParams();
    if (state.from) q.set('from', state.from);
    if (state.to) q.set('to', state.to);
    if (withFilters) {
      if (state.workspace) q.set('workspace', state.workspace);
      if (state.model) q.set('model', state.model);
    }
    for (const [k, v] of Object.entries(extra || {})) q.set(k, v);
    return q.toString();
  }

  // ------------------------------------------------------------ fetching

  class ApiError extends Error {
    constructor(status, message, busy) {
      super(message);
      this.status = status;
      this.busy = busy;
    }
  }

  async function getJson(path) {
    const res = await fetch(path, { headers: { accept: 'application/json' } });
    let body;
    try {
      body = await res.json();
    } catch {
      throw new ApiError(res.status, `${path}: the server answered ${res.status} without JSON`, false);
    }
    if (!res.ok) throw new ApiError(res.status, body.error || `${path}: HTTP ${res.status}`, res.status === 503);
    return body;
  }

  function showBanner(id, html) {
    const el = $(id);
    if (html) {
      el.innerHTML = html;
      el.hidden = false;
    } else {
      el.hidden = true;
      el.innerHTML = '';
    }
  }

  let retryTimer = null;
  function handleErrors(errors) {
    dash.errors = errors.map((e) => ({ status: e.status, message: e.message }));
    const busy = errors.find((e) => e.busy);
    const other = errors.filter((e) => !e.busy);
    showBanner('banner-busy', busy ? `${escapeHtml(busy.message)} — retrying in 3 s…` : '');
    showBanner('banner-error', other.length ? other.map((e) => escapeHtml(e.message)).filter((m, i, a) => a.indexOf(m) === i).join('<br>') : '');
    if (busy && !retryTimer) {
      retryTimer = window.setTimeout(() => {
        retryTimer = null;
        refresh();
      }, 3000);
    }
  }

  // ------------------------------------------------------------ charts

  function chart(id) {
    if (!charts[id]) charts[id] = echarts.init($(id), null, { renderer: 'canvas' });
    return charts[id];
  }

  function plot(id, option, plotted) {
    const c = chart(id);
    c.setOption({ animation: false, ...option }, true);
    dash.plotted[id] = plotted;
    const el = $(id);
    el.dataset.rendered = 'true';
    el.dataset.points = String(plotted.points);
  }

  const usdTooltip = (params) => {
    const list = Array.isArray(params) ? params : [params];
    const head = list[0] ? escapeHtml(list[0].axisValueLabel || list[0].name) : '';
    const rows = list
      .filter((p) => p.data && p.data.exact !== undefined && p.data.exact !== '0')
      .map((p) => `${p.marker}${escapeHtml(p.seriesName || p.name)}: <b>${formatUsd(p.data.exact)}</b>`);
    return [head, ...rows].join('<br>');
  };

  // Up to a quarter, one bar per day; beyond it bars are a few pixels wide and a year of stacked bars
  // takes ECharts 2-3 x longer to draw than stacked areas, which read better at that width anyway.
  const BARS_UP_TO_DAYS = 92;
  function dailyShape(days) {
    return days <= BARS_UP_TO_DAYS
      ? { type: 'bar', barMaxWidth: 28 }
      : { type: 'line', showSymbol: false, step: 'middle', lineStyle: { width: 0.5 }, areaStyle: { opacity: 0.85 } };
  }

  function drawSpend(spend) {
    // Plain numbers, not {value, exact} items: a year stacked by a dozen workspaces is thousands of
    // bars, and ECharts draws plain arrays far faster. The tooltip looks the exact strings up.
    const series = spend.series.map((s) => ({
      name: s.name,
      stack: 'spend',
      ...dailyShape(spend.days.length),
      data: s.usd.map(Number),
    }));
    const spendTooltip = (params) => {
      const list = Array.isArray(params) ? params : [params];
      const head = list[0] ? escapeHtml(list[0].axisValueLabel || list[0].name) : '';
      const rows = list
        .map((p) => ({ p, exact: spend.series[p.seriesIndex] && spend.series[p.seriesIndex].usd[p.dataIndex] }))
        .filter(({ exact }) => exact !== undefined && Number(exact) !== 0)
        .map(({ p, exact }) => `${p.marker}${escapeHtml(p.seriesName)}: <b>${formatUsd(exact)}</b>`);
      return [head, ...rows].join('<br>');
    };
    plot(
      'chart-spend',
      {
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: spendTooltip, confine: true },
        legend: { type: 'scroll', top: 0 },
        grid: { left: 60, right: 20, top: 36, bottom: 30 },
        xAxis: { type: 'category', data: spend.days },
        yAxis: { type: 'value', axisLabel: { formatter: compactUsd } },
        series,
      },
      { points: spend.days.length, stack: spend.stack, days: spend.days, series: spend.series.map((s) => ({ key: s.key, name: s.name, usd: s.usd })) },
    );
  }

  function drawBars(id, rows, labelOf) {
    const sorted = rows.slice().reverse();
    plot(
      id,
      {
        tooltip: { trigger: 'item', formatter: usdTooltip, confine: true },
        grid: { left: 10, right: 60, top: 6, bottom: 20, containLabel: true },
        xAxis: { type: 'value', axisLabel: { formatter: compactUsd } },
        yAxis: { type: 'category', data: sorted.map(labelOf), axisLabel: { width: 150, overflow: 'truncate' } },
        series: [
          {
            type: 'bar',
            itemStyle: { color: '#c15f3c' },
            label: { show: true, position: 'right', formatter: (p) => formatUsd(p.data.exact) },
            data: sorted.map((r) => ({ value: Number(r.usd), exact: r.usd, name: labelOf(r) })),
          },
        ],
      },
      { points: rows.length, rows: rows.map((r) => ({ key: r.key, name: labelOf(r), usd: r.usd })) },
    );
  }

  function drawKeys(keys) {
    const top = keys.rows.slice(0, 15).reverse();
    plot(
      'chart-keys',
      {
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v) => formatInt(v), confine: true },
        legend: { top: 0 },
        grid: { left: 10, right: 20, top: 30, bottom: 20, containLabel: true },
        xAxis: { type: 'value', axisLabel: { formatter: compactInt } },
        yAxis: { type: 'category', data: top.map((k) => k.name), axisLabel: { width: 150, overflow: 'truncate' } },
        series: [
          { name: 'uncached input', type: 'bar', stack: 't', data: top.map((k) => k.uncached_input_tokens) },
          { name: 'cache read', type: 'bar', stack: 't', data: top.map((k) => k.cache_read_input_tokens) },
          { name: 'cache write', type: 'bar', stack: 't', data: top.map((k) => k.cache_creation_5m_input_tokens + k.cache_creation_1h_input_tokens) },
          { name: 'output', type: 'bar', stack: 't', data: top.map((k) => k.output_tokens) },
        ],
      },
      { points: keys.rows.length, rows: keys.rows.map((k) => ({ name: k.name, all_input_tokens: k.all_input_tokens, output_tokens: k.output_tokens, cache_hit_rate: k.cache_hit_rate })) },
    );
    $('keys-hit-rate').textContent = `cache hit rate overall ${formatPct(keys.totals.cache_hit_rate)}`;
  }

  function drawClaudeCode(cc) {
    plot(
      'chart-cc-users',
      {
        tooltip: { trigger: 'axis', confine: true },
        legend: { top: 0 },
        grid: { left: 40, right: 50, top: 40, bottom: 30 },
        xAxis: { type: 'category', data: cc.days },
        yAxis: [
          { type: 'value', minInterval: 1, name: 'actors' },
          { type: 'value', minInterval: 1, name: 'sessions', splitLine: { show: false } },
        ],
        series: [
          { name: 'users', type: 'line', showSymbol: false, areaStyle: { opacity: 0.15 }, data: cc.daily.map((d) => d.active_users) },
          { name: 'API keys', type: 'line', showSymbol: false, data: cc.daily.map((d) => d.active_api_actors) },
          { name: 'sessions', type: 'line', yAxisIndex: 1, showSymbol: false, lineStyle: { type: 'dashed' }, data: cc.daily.map((d) => d.sessions) },
        ],
      },
      { points: cc.days.length, days: cc.days, active_users: cc.daily.map((d) => d.active_users), sessions: cc.daily.map((d) => d.sessions) },
    );
    plot(
      'chart-cc-lines',
      {
        tooltip: { trigger: 'axis', confine: true, valueFormatter: (v) => formatInt(Math.abs(v)) },
        legend: { top: 0 },
        grid: { left: 50, right: 20, top: 30, bottom: 30 },
        xAxis: { type: 'category', data: cc.days },
        yAxis: { type: 'value', axisLabel: { formatter: (v) => compactInt(Math.abs(v)) } },
        series: [
          { name: 'added', stack: 'l', ...dailyShape(cc.days.length), itemStyle: { color: '#16a34a' }, data: cc.daily.map((d) => d.lines_added) },
          { name: 'removed', stack: 'l', ...dailyShape(cc.days.length), itemStyle: { color: '#dc2626' }, data: cc.daily.map((d) => -d.lines_removed) },
        ],
      },
      { points: cc.days.length, lines_added: cc.daily.map((d) => d.lines_added), lines_removed: cc.daily.map((d) => d.lines_removed) },
    );
    plot(
      'chart-cc-tools',
      {
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true, valueFormatter: (v) => `${v}%` },
        grid: { left: 10, right: 50, top: 10, bottom: 20, containLabel: true },
        xAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
        yAxis: { type: 'category', data: cc.tools.map((t) => t.tool) },
        series: [
          {
            type: 'bar',
            name: 'accepted',
            itemStyle: { color: '#2563eb' },
            label: { show: true, position: 'right', formatter: (p) => `${p.value}%` },
            data: cc.tools.map((t) => (t.acceptance_rate === null ? 0 : Math.round(t.acceptance_rate * 1000) / 10)),
          },
        ],
      },
      { points: cc.tools.length, tools: cc.tools },
    );
    const t = cc.totals;
    const kpis = [
      ['Active users', formatInt(t.active_users), `${formatInt(t.active_api_actors)} API keys`],
      ['Sessions', formatInt(t.sessions), ''],
      ['Lines added / removed', `+${formatInt(t.lines_added)}`, `−${formatInt(t.lines_removed)}`],
      ['Commits', formatInt(t.commits), ''],
      ['Pull requests', formatInt(t.pull_requests), ''],
      ['Tool acceptance', formatPct(t.tool_acceptance_rate), 'edit, multi-edit, write, notebook'],
      ['Estimated cost (estimate)', formatUsd(t.estimated_cost_usd_estimate), 'not billing data'],
    ];
    $('cc-kpis').innerHTML = kpis
      .map(([l, v, s], i) => `<div class="kpi"><div class="label">${escapeHtml(l)}</div><div class="value" id="cc-kpi-${i}">${escapeHtml(v)}</div><div class="sub">${escapeHtml(s)}</div></div>`)
      .join('');
  }

  // ------------------------------------------------------------ tables

  // Rows drawn at first: a year of a large org has thousands of keys and users, and laying out every
  // row would cost the page more than all its charts. Sorting always covers every row.
  const TABLE_ROWS_SHOWN = 100;
  const showAll = {};

  /** A sortable table: columns [{key, label, kind: text|int|usd|pct}], click a header to sort. */
  function table(id, columns, rows) {
    const el = $(id);
    const sort = sorts[id];
    const view = rows.slice();
    if (sort) {
      const col = columns.find((c) => c.key === sort.key);
      const dir = sort.dir === 'ascending' ? 1 : -1;
      const val = (r) => r[sort.key];
      view.sort((a, b) => {
        const x = val(a);
        const y = val(b);
        if (x === null || x === undefined) return 1;
        if (y === null || y === undefined) return -1;
        if (col.kind === 'text') return dir * String(x).localeCompare(String(y));
        return dir * (Number(x) - Number(y));
      });
    }
    const cell = (c, v) => {
      if (v === null || v === undefined) return '–';
      if (c.kind === 'usd') return formatUsd(v);
      if (c.kind === 'int') return formatInt(v);
      if (c.kind === 'pct') return formatPct(v);
      return escapeHtml(v);
    };
    const shown = showAll[id] ? view : view.slice(0, TABLE_ROWS_SHOWN);
    const head = columns
      .map((c) => `<th data-key="${c.key}" class="${c.kind === 'text' ? '' : 'num'}"${sort && sort.key === c.key ? ` aria-sort="${sort.dir}"` : ''}>${escapeHtml(c.label)}</th>`)
      .join('');
    const body = shown.map((r) => `<tr>${columns.map((c) => `<td class="${c.kind === 'text' ? '' : 'num'}">${cell(c, r[c.key])}</td>`).join('')}</tr>`).join('');
    const more =
      shown.length < view.length
        ? `<tfoot><tr><td colspan="${columns.length}"><button type="button" class="show-all">Show all ${formatInt(view.length)} rows</button> <span class="muted">(first ${shown.length} shown)</span></td></tr></tfoot>`
        : '';
    el.innerHTML = `<thead><tr>${head}</tr></thead><tbody>${body || `<tr><td colspan="${columns.length}" class="muted">no data in range</td></tr>`}</tbody>${more}`;
    el.onclick = (ev) => {
      if (ev.target.closest('button.show-all')) {
        showAll[id] = true;
        return table(id, columns, rows);
      }
      const th = ev.target.closest('th');
      if (!th) return;
      const key = th.dataset.key;
      const col = columns.find((c) => c.key === key);
      const prev = sorts[id];
      const dir = prev && prev.key === key ? (prev.dir === 'ascending' ? 'descending' : 'ascending') : col.kind === 'text' ? 'ascending' : 'descending';
      sorts[id] = { key, dir };
      table(id, columns, rows);
    };
    dash.plotted[id] = { points: rows.length, shown: shown.length, order: view.map((r) => r[columns[0].key]) };
  }

  const KEY_COLUMNS = [
    { key: 'name', label: 'API key', kind: 'text' },
    { key: 'all_input_tokens', label: 'input tokens', kind: 'int' },
    { key: 'output_tokens', label: 'output tokens', kind: 'int' },
    { key: 'cache_read_input_tokens', label: 'cache read', kind: 'int' },
    { key: 'cache_hit_rate', label: 'cache hit rate', kind: 'pct' },
    { key: 'web_search_requests', label: 'web searches', kind: 'int' },
  ];

  const USER_COLUMNS = [
    { key: 'name', label: 'user', kind: 'text' },
    { key: 'actor_type', label: 'type', kind: 'text' },
    { key: 'sessions', label: 'sessions', kind: 'int' },
    { key: 'lines_added', label: 'lines added', kind: 'int' },
    { key: 'lines_removed', label: 'lines removed', kind: 'int' },
    { key: 'commits', label: 'commits', kind: 'int' },
    { key: 'pull_requests', label: 'PRs', kind: 'int' },
    { key: 'tool_acceptance_rate', label: 'tool acceptance', kind: 'pct' },
    { key: 'estimated_cost_usd_estimate', label: 'est. cost (estimate)', kind: 'usd' },
  ];

  // ------------------------------------------------------------ sections

  function drawKpis(spend) {
    const m = spend.month;
    $('range-label').textContent = `${spend.filter.from} .. ${spend.filter.to}${state.workspace ? ` · workspace ${labelOfWorkspace(state.workspace)}` : ''}${state.model ? ` · ${state.model}` : ''}`;
    $('kpi-total').textContent = formatUsd(spend.total.usd);
    $('kpi-total-sub').textContent = `${spend.total.days} days with spend`;
    $('kpi-mtd').textContent = formatUsd(m.current.usd);
    $('kpi-mtd-label').textContent = `Month to date (${m.current.from.slice(0, 7)})`;
    $('kpi-mtd-sub').textContent = `${m.current.from} .. ${m.current.to}`;
    $('kpi-prev').textContent = formatUsd(m.previous.usd);
    $('kpi-prev-label').textContent = `Previous month to the same day`;
    const change = m.change === null ? '' : `${m.change >= 0 ? '▲' : '▼'} ${Math.abs(m.change * 100).toFixed(1)}% vs previous`;
    $('kpi-prev-sub').innerHTML = `${m.previous.from} .. ${m.previous.to}${change ? ` · <span class="${m.change >= 0 ? 'up' : 'down'}">${change}</span>` : ''}`;
    $('kpi-forecast').textContent = formatUsd(m.forecast.usd);
    $('kpi-forecast-sub').textContent = `straight line to ${m.forecast.monthEnd} (${m.forecast.daysElapsed}/${m.forecast.daysInMonth} days)`;
  }

  function labelOfWorkspace(id) {
    const w = dash.meta && dash.meta.workspaces.find((x) => x.id === id);
    return w ? w.name : id;
  }

  function drawHealth(h) {
    const facts = [
      ['Today (UTC)', h.today],
      ['Last complete day', h.lastCompleteDay || 'none yet'],
      ...h.streams.map((s) => [`  ${s.stream}`, s.lastCompleteDay || 'none yet']),
      ['Failed windows', String(h.failedWindows.length)],
      ['Last run', h.lastRuns[0] ? `${h.lastRuns[0].command} ${h.lastRuns[0].status} at ${h.lastRuns[0].startedAt}` : 'none'],
    ];
    $('health-facts').innerHTML = facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('');
    $('failed-windows').innerHTML = h.failedWindows
      .slice(0, 20)
      .map((w) => `<li>${escapeHtml(`${w.stream} ${w.from}..${w.to} ${w.status}${w.error ? `: ${w.error}` : ''}`)}</li>`)
      .join('');
    const v = h.validation;
    const pill = $('validation-status');
    pill.textContent = v ? v.status : 'no data';
    pill.className = `pill ${v ? v.status : ''}`;
    $('table-checks').innerHTML = v
      ? `<thead><tr><th>check</th><th>status</th><th>figure</th><th>what it means / what to do</th></tr></thead><tbody>${v.results
          .map(
            (r) =>
              `<tr><td>${escapeHtml(r.id)}</td><td class="status-${r.status}">${r.status}</td><td>${escapeHtml(r.figure)}</td><td class="wrap">${escapeHtml(r.detail)}${r.action ? ` → <code>${escapeHtml(r.action)}</code>` : ''}</td></tr>`,
          )
          .join('')}</tbody>`
      : '';
    const failed = v ? v.results.filter((r) => r.status === 'FAIL') : [];
    showBanner(
      'banner-check',
      failed.length
        ? `<b>${failed.length} validation check${failed.length > 1 ? 's' : ''} FAILED</b> for ${escapeHtml(h.range.from)}..${escapeHtml(h.range.to)}: the figures below may be wrong.<ul>${failed
            .map((r) => `<li><b>${escapeHtml(r.id)}</b>: ${escapeHtml(r.figure)} — ${escapeHtml(r.detail)}${r.action ? ` → <code>${escapeHtml(r.action)}</code>` : ''}</li>`)
            .join('')}</ul>`
        : '',
    );
  }

  // ------------------------------------------------------------ controls

  function syncControls() {
    $('from').value = state.from;
    $('to').value = state.to;
    $('workspace').value = state.workspace;
    $('model').value = state.model;
    for (const b of document.querySelectorAll('[data-stack]')) b.setAttribute('aria-pressed', String(b.dataset.stack === state.stack));
  }

  function fillSelect(id, items, allLabel) {
    const sel = $(id);
    sel.innerHTML = `<option value="">${escapeHtml(allLabel)}</option>${items.map((i) => `<option value="${escapeHtml(i.value)}">${escapeHtml(i.label)}</option>`).join('')}`;
  }

  function addDays(day, n) {
    const d = new Date(`${day}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + n);
    return d.toISOString().slice(0, 10);
  }

  function change(patch) {
    Object.assign(state, patch);
    writeUrl(true);
    syncControls();
    refresh();
  }

  function bindControls() {
    $('from').addEventListener('change', (e) => e.target.value && change({ from: e.target.value }));
    $('to').addEventListener('change', (e) => e.target.value && change({ to: e.target.value }));
    $('workspace').addEventListener('change', (e) => change({ workspace: e.target.value }));
    $('model').addEventListener('change', (e) => change({ model: e.target.value }));
    for (const b of document.querySelectorAll('[data-stack]')) b.addEventListener('click', () => change({ stack: b.dataset.stack }));
    for (const b of document.querySelectorAll('[data-range]')) {
      b.addEventListener('click', () => {
        const span = dash.meta && dash.meta.span;
        if (!span) return;
        const r = b.dataset.range;
        const to = span.to;
        let from = span.from;
        if (r === 'mtd') from = `${to.slice(0, 7)}-01`;
        else if (r !== 'all') from = addDays(to, -(Number(r) - 1));
        if (from < span.from) from = span.from;
        change({ from, to });
      });
    }
    window.addEventListener('popstate', () => {
      readUrl();
      syncControls();
      refresh();
    });
    window.addEventListener('resize', () => Object.values(charts).forEach((c) => c.resize()));
  }

  // ------------------------------------------------------------ loading

  // Deferred scripts run in order (app.js, then echarts) before DOMContentLoaded: the API calls start
  // at once, and drawing waits for the DOM and ECharts.
  const domReady = new Promise((resolve) => {
    if (typeof echarts !== 'undefined' || document.readyState === 'complete') resolve();
    else document.addEventListener('DOMContentLoaded', resolve);
  });

  function onMeta(meta) {
    dash.meta = meta;
    $('warehouse').textContent = `${meta.warehouse.kind}: ${meta.warehouse.location}`;
    fillSelect('workspace', meta.workspaces.map((w) => ({ value: w.id, label: w.name })), 'All workspaces');
    fillSelect('model', meta.models.map((m) => ({ value: m, label: m })), 'All models');
    if (meta.span) {
      state.from = state.from || meta.span.from;
      state.to = state.to || meta.span.to;
      $('from').min = $('to').min = meta.span.from;
    }
    $('banner-empty').hidden = Boolean(meta.span);
    writeUrl(false);
    syncControls();
  }

  /** Loads and draws every section; each is drawn as soon as its answer arrives. */
  async function refresh() {
    const generation = ++dash.generation;
    dash.ready = false;
    const errors = [];
    const current = () => generation === dash.generation;
    const metaLoad = dash.meta ? Promise.resolve(dash.meta) : getJson('/api/meta');
    // Without from/to (first visit) the API defaults to the whole span of the data, like `report`.
    const section = (path, draw) =>
      Promise.all([getJson(path), metaLoad, domReady])
        .then(([body, meta]) => {
          if (!current()) return;
          if (!dash.meta) onMeta(meta);
          if (!meta.span) return;
          const started = performance.now();
          draw(body);
          dash.timings[path.split('?')[0]] = { drawnAt: Math.round(performance.now()), drawMs: Math.round(performance.now() - started) };
        })
        .catch((e) => errors.push(e));
    await Promise.all([
      metaLoad.then((meta) => domReady.then(() => !dash.meta && current() && onMeta(meta))).catch((e) => errors.push(e)),
      section(`/api/spend?${apiQuery(true, { stack: state.stack })}`, (spend) => {
        dash.data.spend = spend;
        drawKpis(spend);
        drawSpend(spend);
      }),
      section(`/api/breakdown?${apiQuery(true)}`, (breakdown) => {
        dash.data.breakdown = breakdown;
        drawBars('chart-workspace', breakdown.workspace, (r) => r.name);
        drawBars('chart-model', breakdown.model, (r) => r.name);
        drawBars('chart-cost-type', breakdown.cost_type, (r) => r.name);
      }),
      section(`/api/keys?${apiQuery(true)}`, (keys) => {
        dash.data.keys = keys;
        drawKeys(keys);
        table('table-keys', KEY_COLUMNS, keys.rows);
      }),
      section(`/api/claude-code?${apiQuery(false)}`, (cc) => {
        dash.data.claudeCode = cc;
        drawClaudeCode(cc);
        table('table-users', USER_COLUMNS, cc.users);
      }),
      section(`/api/health?${apiQuery(false)}`, (health) => {
        dash.data.health = health;
        drawHealth(health);
      }),
    ]);
    if (!current()) return;
    handleErrors(errors);
    dash.readyAt = performance.now();
    dash.ready = true;
    document.body.dataset.ready = String(dash.generation);
  }

  readUrl();
  refresh();
  domReady.then(() => {
    syncControls();
    bindControls();
  });
})();
