// The JSON API of `kalshi-direct serve` (docs/api.md) and the page's filters, which live in
// the address's query string and go to every call as its query parameters.

export const RANGES = ['today', 'wtd', 'mtd', 'ytd', '1y', 'all'];
const DAY = /^\d{4}-\d{2}-\d{2}$/;

// Which filters each endpoint takes (docs/api.md); the others are not sent.
const LEDGER = ['range', 'from', 'to', 'category', 'series', 'subaccount'];
// `account` (a PostgreSQL database of several accounts) goes to every call but /accounts.
const ACCEPTS = {
  summary: [...LEDGER, 'account'],
  daily: [...LEDGER, 'account'],
  categories: [...LEDGER, 'account'],
  series: [...LEDGER, 'q', 'account'],
  edge: [...LEDGER, 'account'],
  equity: ['range', 'from', 'to', 'subaccount', 'account'],
  positions: ['category', 'subaccount', 'q', 'account'],
  orders: ['range', 'from', 'to', 'category', 'subaccount', 'q', 'account'],
  fills: ['range', 'from', 'to', 'category', 'subaccount', 'q', 'account'],
  reconciliation: ['account'],
  sync: ['account'],
  meta: ['account'],
  events: ['account'],
  accounts: [],
};
const ACCOUNT = /^[a-z][a-z0-9_]{0,39}$/;

export class ApiError extends Error {
  // kind: "unauthorized" (401), "nodata" (503), "bad-request" (400), "network", "http".
  constructor(kind, status, message) {
    super(message);
    this.kind = kind;
    this.status = status;
  }
}

// The filters of a query string. Unknown or malformed values are dropped, so a hand-edited
// link still shows a page.
export function readFilters(search) {
  const p = new URLSearchParams(search);
  const f = { range: 'all', from: '', to: '', category: '', series: '', subaccount: '', q: '', account: '' };
  const from = p.get('from') || '';
  const to = p.get('to') || '';
  if (DAY.test(from) && DAY.test(to)) {
    f.range = 'custom';
    f.from = from;
    f.to = to;
  } else if (RANGES.includes(p.get('range'))) {
    f.range = p.get('range');
  }
  f.category = p.get('category') || '';
  f.series = p.get('series') || '';
  const sub = p.get('subaccount') || '';
  f.subaccount = /^\d{1,2}$/.test(sub) ? sub : '';
  f.q = (p.get('q') || '').slice(0, 64);
  const account = p.get('account') || '';
  f.account = ACCOUNT.test(account) ? account : '';
  return f;
}

// All the filters as query parameters (defaults left out): the page's address and the base
// of every call.
export function filterParams(f) {
  const p = new URLSearchParams();
  if (f.range === 'custom') {
    p.set('from', f.from);
    p.set('to', f.to);
  } else if (f.range && f.range !== 'all') {
    p.set('range', f.range);
  }
  for (const key of ['account', 'category', 'series', 'subaccount', 'q']) {
    if (f[key] !== undefined && f[key] !== '') p.set(key, f[key]);
  }
  return p;
}

// The query string of one endpoint: the filters it accepts plus its own parameters.
export function endpointParams(endpoint, filters, extra = {}) {
  const all = filterParams(filters);
  const p = new URLSearchParams();
  for (const [key, value] of all) if (ACCEPTS[endpoint].includes(key)) p.set(key, value);
  for (const [key, value] of Object.entries(extra)) {
    if (value !== undefined && value !== null && value !== '') p.set(key, String(value));
  }
  return p;
}

export function endpointUrl(endpoint, filters, extra) {
  const qs = endpointParams(endpoint, filters, extra).toString();
  return `/api/v1/${endpoint}${qs ? `?${qs}` : ''}`;
}

// GET one endpoint as JSON; failures become ApiError, never an unhandled rejection.
export async function getJson(endpoint, filters, extra) {
  const url = endpointUrl(endpoint, filters || {}, extra);
  let res;
  try {
    res = await fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
  } catch {
    throw new ApiError('network', 0, 'cannot reach the server');
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (res.ok && body && typeof body === 'object') return body;
  const message = body && typeof body.error === 'string' ? body.error : `HTTP ${res.status}`;
  if (res.status === 401) throw new ApiError('unauthorized', 401, message);
  if (res.status === 503) throw new ApiError('nodata', 503, message);
  if (res.status === 400) throw new ApiError('bad-request', 400, message);
  if (res.ok) throw new ApiError('http', res.status, 'the server sent an answer that is not JSON');
  throw new ApiError('http', res.status, message);
}
