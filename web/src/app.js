// The dashboard page of `kalshi-direct serve`: reads the JSON API (docs/api.md) with the
// filters of the address's query string, draws the cards, charts and tables, and reloads
// whenever the server says the data changed (server-sent events, polling as a fallback).
//
// Readiness hooks for tests and scripts: <body data-ready="1"> once everything of the latest
// load is drawn, data-loads counts finished loads, data-version is the data's version
// ("r<run>.s<snapshot>"), data-accounts how many accounts the selector offers once it knows.
// Every card keeps the API's raw value in data-value.

import { ApiError, RANGES, endpointUrl, filterParams, getJson, readFilters } from './api.js';
import { CHART_IDS } from './chart_ids.js';
import { byTestId, el, setText } from './dom.js';
import {
  formatAgo, formatDollars, formatInteger, formatPercent, formatSignedDollars, signOf,
} from './format.js';
import { PagedTable, SortableTable } from './tables.js';

const POLL_MS = 10000;
const RECONNECT_MS = 30000;
const TICK_MS = 15000;

const state = {
  filters: readFilters(window.location.search),
  generation: 0, // the latest load; older ones drop their results
  loads: 0,
  version: '',
  timezone: 'UTC',
  sync: null, // the last /api/v1/sync answer and when it arrived
  syncAt: 0,
  lastData: null,
  metaLoaded: false,
  defaultAccount: '', // the account a page without ?account= shows (GET /api/v1/accounts)
};

// ---- the cards ----

function setCard(id, value, text, sub, sign = 0) {
  const card = byTestId(`card-${id}`);
  const valueNode = card.querySelector('.value');
  card.dataset.value = value === null || value === undefined ? '' : String(value);
  setText(valueNode, text);
  valueNode.classList.toggle('pos', sign > 0);
  valueNode.classList.toggle('neg', sign < 0);
  setText(card.querySelector('.sub'), sub);
}

function drawCards(s) {
  setCard('balance', s.balance_dollars, formatDollars(s.balance_dollars),
    s.equity_dollars ? `equity ${formatDollars(s.equity_dollars)}` : 'cash');
  setCard('portfolio', s.portfolio_value_dollars, formatDollars(s.portfolio_value_dollars),
    `unrealized ${formatSignedDollars(s.unrealized_pnl_dollars)}`);
  setCard('pnl', s.pnl_dollars, formatSignedDollars(s.pnl_dollars),
    `realized ${formatSignedDollars(s.realized_pnl_dollars)} · fees ${formatDollars(s.fees_dollars)}`,
    signOf(s.pnl_dollars));
  setCard('today', s.today_realized_pnl_dollars, formatSignedDollars(s.today_realized_pnl_dollars),
    `realized on ${s.today}, net of fees`, signOf(s.today_realized_pnl_dollars));
  setCard('roi', s.roi, formatPercent(s.roi),
    `on net deposits of ${formatDollars(s.net_deposits_dollars)}`, Math.sign(s.roi ?? 0));
  const dd = s.max_drawdown;
  setCard('drawdown', dd ? dd.fraction : null, dd ? formatPercent(dd.fraction) : '—',
    dd ? `${formatDollars(dd.amount_dollars)} · ${dd.peak_day} → ${dd.trough_day}` : 'no drawdown');
  setCard('winrate', s.win_rate, formatPercent(s.win_rate, 1),
    `${formatInteger(s.closed_positions)} closed positions`);
  setText(byTestId('scope'), `${s.scope} · ${s.from ?? 'first day'} to ${s.to ?? 'today'} · ${s.timezone}`);
}

// ---- sync status: the card, the header pill, the stale banner ----

function drawSync() {
  const sync = state.sync;
  if (!sync) return;
  const elapsed = (Date.now() - state.syncAt) / 1000;
  const age = sync.age_seconds === null || sync.age_seconds === undefined ? null : sync.age_seconds + elapsed;
  const run = sync.last_run;
  const source = sync.source || run?.source || 'unknown';
  const pill = byTestId('source');
  setText(pill, source === 'fallback' ? 'fallback: last known state' : source);
  pill.className = `pill ${source}`;
  const running = sync.running ? ' · syncing now' : '';
  setText(byTestId('sync-age'), `last sync ${formatAgo(age)}${running}`);
  let sub = 'no sync recorded';
  if (run) {
    sub = `${run.pipeline}: ${run.result}`;
    if (run.result !== 'ok' && run.error) sub += ` (${run.error})`;
  }
  if (sync.next_sync_at) sub += ` · next ${sync.next_sync_at.slice(11, 16)} UTC`;
  setCard('sync', sync.last_success_at, formatAgo(age), sub);
  drawLiveFeed(sync, elapsed);
  byTestId('card-sync').classList.toggle('stale', !!sync.stale);
  const banner = byTestId('stale-banner');
  const stale = !!sync.stale || source === 'fallback';
  banner.hidden = !stale;
  if (stale) {
    const parts = [];
    if (sync.stale) {
      parts.push(sync.last_success_at
        ? `The data is stale: the last successful sync was ${formatAgo(age)}.`
        : 'No successful sync is recorded yet.');
    }
    if (source === 'fallback') {
      parts.push(`The last sync could not reach Kalshi${sync.last_run?.fallback_reason ? ` (${sync.last_run.fallback_reason})` : ''}: this is the last known state.`);
    }
    setText(banner, parts.join(' '));
  }
}

// The live feed (a `live` pipeline or `serve --live`): whether it streams, and its last message.
function drawLiveFeed(sync, elapsed) {
  const live = sync.live;
  const pill = byTestId('live-feed');
  const last = byTestId('live-last');
  pill.hidden = !live;
  last.hidden = !live;
  if (!live) {
    byTestId('source').hidden = false;
    return;
  }
  const up = live.status === 'live';
  setText(pill, up ? 'live feed' : 'live feed down');
  // The feed says "live" already: the source pill stays only to say "fallback".
  byTestId('source').hidden = (sync.source || 'live') === 'live';
  pill.className = `pill ${up ? 'streaming' : 'down'}`;
  if (!live.last_message_at) {
    setText(last, 'no message yet');
    return;
  }
  const ago = (Date.parse(sync.now) - Date.parse(live.last_message_at)) / 1000 + elapsed;
  setText(last, `last message ${live.last_message_at.slice(11, 19)} UTC (${formatAgo(ago)})`);
}

// ---- the tables ----

const money = (key, label, extra = {}) => ({ key, label, type: 'money', ...extra });
const signed = (key, label, extra = {}) => money(key, label, { signed: true, ...extra });
const int = (key, label, extra = {}) => ({ key, label, type: 'int', ...extra });
const qty = (key, label, extra = {}) => ({ key, label, type: 'qty', ...extra });
const text = (key, label, extra = {}) => ({ key, label, type: 'text', ...extra });
const time = (key, label, extra = {}) => ({ key, label, type: 'time', ...extra });

const groupColumns = (label) => [
  text('group', label),
  signed('realized_pnl_dollars', 'Realized P&L'),
  money('fees_dollars', 'Fees'),
  int('fills', 'Fills'),
  int('markets_closed', 'Closed'),
  int('winning_closes', 'Won'),
  int('losing_closes', 'Lost'),
  signed('won_dollars', 'Won $'),
  signed('lost_dollars', 'Lost $'),
];

let tables = null;

function makeTables() {
  const t = (id) => byTestId(id);
  tables = {
    categories: new SortableTable(t('table-categories'), groupColumns('Category'),
      { sort: { key: 'realized_pnl_dollars', order: 'desc' } }),
    series: new SortableTable(t('table-series'), groupColumns('Series'),
      { sort: { key: 'realized_pnl_dollars', order: 'desc' } }),
    positions: new SortableTable(t('table-positions'), [
      text('ticker', 'Ticker'), int('subaccount', 'Sub'), text('category', 'Category'),
      text('side', 'Side'), qty('quantity', 'Qty'), money('mark_dollars', 'Mark'),
      money('cost_dollars', 'Cost'), money('value_dollars', 'Value'),
      signed('unrealized_pnl_dollars', 'Unrealized'), { key: 'age_seconds', label: 'Age', type: 'age' },
    ], {
      sort: { key: 'cost_dollars', order: 'desc' }, empty: 'No open positions',
      limit: 100, more: t('positions-more'),
    }),
    differences: new SortableTable(t('table-differences'), [
      text('ticker', 'Ticker'), int('subaccount', 'Sub'), text('field', 'Field'),
      money('computed_dollars', 'Computed'), money('reported_dollars', 'Kalshi'),
      signed('difference_dollars', 'Difference'),
    ], { empty: 'None: every market agrees with Kalshi' }),
    checks: new SortableTable(t('table-balance-checks'), [
      text('day', 'Day'),
      text('subaccount', 'Sub', { get: (r) => (r.subaccount < 0 ? 'whole account' : String(r.subaccount)) }),
      time('checked_at', 'Checked'), money('reported_balance_dollars', 'Kalshi balance'),
      money('cash_dollars', 'Rebuilt cash'), int('unexplained_cents', 'Unexplained ¢'),
    ], { sort: { key: 'day', order: 'desc' }, empty: 'No balance checks yet' }),
    orders: new PagedTable({
      table: t('table-orders'), prev: t('orders-prev'), next: t('orders-next'),
      range: t('orders-range'), csv: t('orders-csv'), defaultSort: 'created_at',
      columns: [
        time('created_at', 'Created', { sortKey: 'created_at' }),
        text('ticker', 'Ticker', { sortKey: 'ticker' }), text('side', 'Side'),
        text('contract_side', 'Contract'), text('status', 'Status', { sortKey: 'status' }),
        text('type', 'Type'), qty('quantity', 'Qty'), qty('filled_quantity', 'Filled'),
        money('yes_price_dollars', 'Yes price'), money('fees_dollars', 'Fees'),
        signed('pnl_dollars', 'P&L', { sortKey: 'pnl' }), text('category', 'Category'),
        int('subaccount', 'Sub'),
      ],
      onChange: () => loadPage('orders'),
    }),
    fills: new PagedTable({
      table: t('table-fills'), prev: t('fills-prev'), next: t('fills-next'),
      range: t('fills-range'), csv: t('fills-csv'), defaultSort: 'filled_at',
      columns: [
        time('filled_at', 'Time', { sortKey: 'filled_at' }),
        text('ticker', 'Ticker', { sortKey: 'ticker' }), text('side', 'Side'),
        text('contract_side', 'Contract'), qty('quantity', 'Qty'),
        money('yes_price_dollars', 'Yes price', { sortKey: 'price' }),
        money('no_price_dollars', 'No price'), money('fee_dollars', 'Fee', { sortKey: 'fee' }),
        text('is_taker', 'Role', { get: (r) => (r.is_taker === null ? null : r.is_taker ? 'taker' : 'maker') }),
        text('category', 'Category'), int('subaccount', 'Sub'),
      ],
      onChange: () => loadPage('fills'),
    }),
  };
  const status = byTestId('orders-status');
  status.addEventListener('change', () => {
    tables.orders.state.status = status.value;
    tables.orders.reset();
    loadPage('orders');
  });
}

function fetchPage(name) {
  return getJson(name, state.filters, tables[name].params());
}

function drawPage(name, data) {
  const table = tables[name];
  table.render(data, endpointUrl(name, state.filters, { ...table.params(), format: 'csv' }),
    { timezone: state.timezone });
}

// Another page, sort or status of the orders or fills: that table alone.
async function loadPage(name) {
  const generation = state.generation;
  try {
    const data = await fetchPage(name);
    if (generation === state.generation) drawPage(name, data);
  } catch (error) {
    if (generation === state.generation) showError(error);
  }
}

// ---- loading everything ----

function showError(error) {
  const banner = byTestId('error-banner');
  if (!error) {
    banner.hidden = true;
    return;
  }
  let message = error.message || String(error);
  if (error instanceof ApiError && error.kind === 'unauthorized') {
    message = 'This server needs its token: open it once as /?token=YOUR_TOKEN (the --token given to kalshi-direct serve).';
  } else if (error instanceof ApiError && error.kind === 'nodata') {
    message = `No data yet: ${error.message}`;
  } else if (error instanceof ApiError && error.kind === 'network') {
    message = 'Cannot reach kalshi-direct serve: is it still running?';
  }
  setText(banner, message);
  banner.hidden = false;
}

async function loadMeta() {
  const meta = await getJson('meta', state.filters);
  state.timezone = meta.timezone || 'UTC';
  const category = byTestId('category');
  const subaccount = byTestId('subaccount');
  const categories = new Set([...(meta.categories || []), state.filters.category].filter(Boolean));
  category.replaceChildren(el('option', { value: '' }, 'All'),
    ...[...categories].map((c) => el('option', { value: c }, c)));
  const subs = new Set([...(meta.subaccounts || []).map(String), state.filters.subaccount].filter((s) => s !== ''));
  subaccount.replaceChildren(el('option', { value: '' }, 'Whole account'),
    ...[...subs].map((s) => el('option', { value: s }, `Subaccount ${s}`)));
  for (const input of [byTestId('from'), byTestId('to')]) {
    if (meta.first_day) input.min = meta.first_day;
    if (meta.today) input.max = meta.today;
  }
  state.metaLoaded = true;
}

// The accounts of a PostgreSQL database of several: the selector, shown when there are any.
async function loadAccounts() {
  let answer = null;
  try {
    answer = await getJson('accounts');
  } catch {
    answer = null; // an older server: one account
  }
  const names = answer?.accounts?.map((a) => a.name) || [];
  state.defaultAccount = answer?.default || '';
  document.body.dataset.accounts = String(names.length);
  if (names.length === 0) return;
  const select = byTestId('account');
  select.replaceChildren(...names.map((n) => el('option', { value: n }, n)));
  byTestId('account-label').hidden = false;
  select.value = state.filters.account || state.defaultAccount;
}

function drawFilters() {
  const f = state.filters;
  const account = byTestId('account');
  if (account.options.length) account.value = f.account || state.defaultAccount;
  for (const button of byTestId('ranges').querySelectorAll('button')) {
    const active = button.dataset.range === f.range;
    button.classList.toggle('active', active);
    button.setAttribute('aria-pressed', String(active));
  }
  byTestId('from').value = f.range === 'custom' ? f.from : '';
  byTestId('to').value = f.range === 'custom' ? f.to : '';
  byTestId('category').value = f.category;
  byTestId('subaccount').value = f.subaccount;
  const search = byTestId('search');
  if (document.activeElement !== search) search.value = f.q;
}

function drawReconciliation(recon) {
  tables.differences.setRows(recon.markets || [], null, { timezone: state.timezone });
  tables.checks.setRows(recon.balance_checks || [], null, { timezone: state.timezone });
  const cents = recon.unexplained_cents;
  const node = byTestId('unexplained');
  node.dataset.value = cents === null || cents === undefined ? '' : String(cents);
  const markets = (recon.markets || []).length;
  setText(node, `${formatInteger(markets)} market${markets === 1 ? '' : 's'} differ from Kalshi's figures · `
    + `unexplained balance: ${cents === null || cents === undefined ? '—' : `${formatInteger(cents)}¢`}`);
  node.className = cents ? 'warn-text' : '';
}

async function load() {
  state.generation += 1;
  const generation = state.generation;
  document.body.dataset.ready = '0';
  const f = state.filters;
  try {
    const meta = state.metaLoaded ? null : loadMeta().then(drawFilters);
    drawFilters();
    const [summary, equity, daily, categories, series, edge, positions, recon, orders, fills] = await Promise.all([
      getJson('summary', f), getJson('equity', f), getJson('daily', f), getJson('categories', f),
      getJson('series', f), getJson('edge', f), getJson('positions', f), getJson('reconciliation', f),
      fetchPage('orders'), fetchPage('fills'), meta,
    ]);
    if (generation !== state.generation) return;
    performance.mark(`kd-data-${generation}`);
    state.sync = summary.sync;
    state.syncAt = Date.now();
    state.version = summary.sync?.version || '';
    state.timezone = summary.timezone || state.timezone;
    showError(null);
    drawCards(summary);
    drawSync();
    const ctx = { timezone: state.timezone };
    tables.categories.setRows(categories.rows, categories.total, ctx);
    tables.series.setRows(series.rows, series.total, ctx);
    tables.positions.setRows(positions.rows, null, ctx);
    setText(byTestId('positions-count'), `(${formatInteger(positions.rows?.length ?? 0)})`);
    drawReconciliation(recon);
    drawPage('orders', orders);
    drawPage('fills', fills);
    state.lastData = { equity, daily, categories, edge, today: summary.today };
    performance.mark(`kd-tables-${generation}`);
    await (await chartsReady()).render(state.lastData);
    performance.mark(`kd-drawn-${generation}`);
    if (generation !== state.generation) return;
    setText(byTestId('version'), `data ${state.version}`);
    state.loads += 1;
    document.body.dataset.version = state.version;
    document.body.dataset.loads = String(state.loads);
    document.body.dataset.ready = '1';
  } catch (error) {
    if (generation !== state.generation) return;
    showError(error);
    state.loads += 1;
    document.body.dataset.loads = String(state.loads);
    document.body.dataset.ready = 'error';
  }
}

// ---- filters: the address is the state ----

function applyFilters(next) {
  state.filters = { ...state.filters, ...next };
  const qs = filterParams(state.filters).toString();
  window.history.pushState(null, '', qs ? `?${qs}` : window.location.pathname);
  tables.orders.reset();
  tables.fills.reset();
  load();
}

function wireFilters() {
  for (const button of byTestId('ranges').querySelectorAll('button')) {
    button.addEventListener('click', () => {
      if (RANGES.includes(button.dataset.range)) applyFilters({ range: button.dataset.range, from: '', to: '' });
    });
  }
  const from = byTestId('from');
  const to = byTestId('to');
  const custom = () => {
    if (from.value && to.value) {
      const [a, b] = from.value <= to.value ? [from.value, to.value] : [to.value, from.value];
      applyFilters({ range: 'custom', from: a, to: b });
    }
  };
  from.addEventListener('change', custom);
  to.addEventListener('change', custom);
  byTestId('account').addEventListener('change', (e) => {
    // Another account: its own subaccounts, series and categories, and its own change feed.
    const account = e.target.value === state.defaultAccount ? '' : e.target.value;
    state.metaLoaded = false;
    state.version = '';
    applyFilters({ account, subaccount: '', series: '', category: '' });
    listen();
  });
  byTestId('category').addEventListener('change', (e) => applyFilters({ category: e.target.value }));
  byTestId('subaccount').addEventListener('change', (e) => applyFilters({ subaccount: e.target.value }));
  let typing = 0;
  byTestId('search').addEventListener('input', (e) => {
    clearTimeout(typing);
    typing = setTimeout(() => applyFilters({ q: e.target.value.trim().slice(0, 64) }), 250);
  });
  byTestId('filters').addEventListener('submit', (e) => e.preventDefault());
  window.addEventListener('popstate', () => {
    const account = state.filters.account;
    state.filters = readFilters(window.location.search);
    if (state.filters.account !== account) {
      state.metaLoaded = false;
      listen();
    }
    load();
  });
}

// ---- freshness: events from the server, polling when they break ----

// New data while a load is under way (a live feed commits 4 times a second): that load finishes
// and is drawn, then one more follows. Starting over at each update instead would supersede
// every load before it is drawn, and a busy feed would leave the page behind.
const refreshing = { running: null, again: false };
function refresh() {
  if (refreshing.running) {
    refreshing.again = true;
    return;
  }
  refreshing.running = load().finally(() => {
    refreshing.running = null;
    if (refreshing.again) {
      refreshing.again = false;
      refresh();
    }
  });
}

async function checkVersion() {
  try {
    const sync = await getJson('sync', state.filters);
    state.sync = sync;
    state.syncAt = Date.now();
    drawSync();
    if (sync.version && sync.version !== state.version) refresh();
  } catch {
    // The error banner is for loads; a failed poll just tries again.
  }
}

// The open event stream (of the account shown) and its fallback poller.
const feed = { source: null, poller: 0, retry: 0 };

function listen() {
  if (feed.source) feed.source.close();
  clearInterval(feed.poller);
  clearTimeout(feed.retry);
  feed.poller = 0;
  if (!('EventSource' in window)) {
    feed.poller = setInterval(checkVersion, POLL_MS);
    return;
  }
  const source = new EventSource(endpointUrl('events', state.filters));
  feed.source = source;
  source.addEventListener('update', (event) => {
    clearInterval(feed.poller);
    feed.poller = 0;
    let version = '';
    try {
      version = JSON.parse(event.data).version || '';
    } catch {
      version = '';
    }
    if (version && version !== state.version) refresh();
  });
  source.addEventListener('error', () => {
    if (feed.source !== source) return; // replaced (another account)
    if (!feed.poller) feed.poller = setInterval(checkVersion, POLL_MS);
    if (source.readyState === EventSource.CLOSED) feed.retry = setTimeout(listen, RECONNECT_MS);
  });
}

// ---- start ----

// The charts come with charts.js, which the page loads beside this script (index.html).
let charts = null;
let chartsLoading = null;
function chartsReady() {
  if (!chartsLoading) {
    chartsLoading = new Promise((resolve) => {
      const make = () => {
        const containers = Object.fromEntries(CHART_IDS.map((id) => [id, byTestId(`chart-${id}`)]));
        charts = new window.kdCharts.Charts(containers);
        resolve(charts);
      };
      if (window.kdCharts) make();
      else window.addEventListener('kd-charts', make, { once: true });
    });
  }
  return chartsLoading;
}

function start() {
  makeTables();
  wireFilters();
  drawFilters();
  setInterval(drawSync, TICK_MS);
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    if (state.lastData && charts) charts.render(state.lastData);
  });
  // The account selector fills in beside the first load (which the server answers for its
  // default account when the address names none).
  loadAccounts().then(drawFilters);
  load().then(listen);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
