// Measures a running `kalshi-direct serve` from outside, over HTTP on 127.0.0.1. Each API call
// is timed both computed (sent with Cache-Control: no-cache, so the server computes the answer:
// what the first viewer after a sync waits for) and kept (the answer the server keeps for the
// data's version: every later viewer until the next sync), sequentially on one keep-alive
// connection after two warm-up calls. The page is timed in Chromium from navigation to
// <body data-ready="1"> (every card, chart and table of the load drawn), computed and kept, and
// after a date-range change. Prints a Markdown report on stdout. Used by tools/bench/dashboard.sh.
//
//   node tools/bench/dashboard.mjs --url http://127.0.0.1:PORT [--runs 40] [--page-runs 7]
import { createRequire } from 'node:module';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../../web/package.json'));
const { chromium } = require('playwright-core');

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) => {
  if (arg.startsWith('--')) pairs.push([arg.slice(2), all[i + 1]]);
  return pairs;
}, []));
const base = args.url;
const runs = Number(args.runs || 40);
const pageRuns = Number(args['page-runs'] || 7);
if (!base) {
  console.error('dashboard.mjs: --url is required');
  process.exit(2);
}

// What the page calls, plus the heavier variants a user can ask for.
const CALLS = [
  ['page load: summary', '/api/v1/summary'],
  ['', '/api/v1/equity'],
  ['', '/api/v1/daily'],
  ['', '/api/v1/categories'],
  ['', '/api/v1/series'],
  ['', '/api/v1/edge'],
  ['', '/api/v1/positions'],
  ['', '/api/v1/reconciliation'],
  ['', '/api/v1/orders?limit=50&offset=0&sort=created_at&order=desc'],
  ['', '/api/v1/fills?limit=50&offset=0&sort=filled_at&order=desc'],
  ['', '/api/v1/meta'],
  ['', '/api/v1/sync'],
  ['filters', '/api/v1/summary?range=ytd&category=weather'],
  ['', '/api/v1/daily?range=1y&subaccount=1'],
  ['', '/api/v1/series?q=KXH'],
  ['', '/api/v1/stats?range=1y'],
  ['', '/api/v1/pnl?by=month'],
  ['', '/api/v1/orders?range=mtd&category=crypto'],
  ['', '/api/v1/fills?range=1y&subaccount=0'],
  ['', '/api/v1/orders?q=KXBTC'],
  ['', '/api/v1/fills?q=KXBTC'],
  ['', '/api/v1/orders?status=resting'],
  ['sorting and paging', '/api/v1/orders?sort=ticker&order=asc'],
  ['', '/api/v1/orders?sort=pnl'],
  ['', '/api/v1/fills?sort=price'],
  ['', '/api/v1/fills?sort=fee&order=asc'],
  ['', '/api/v1/fills?offset=1000'],
  ['', '/api/v1/fills?offset=100000'],
  ['', '/api/v1/fills?limit=500&format=csv'],
  ['monitoring', '/healthz'],
  ['', '/metrics'],
];

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

// One GET; `fresh` sends Cache-Control: no-cache, so the server computes the answer instead of
// serving the one it kept for this data version (what the first viewer after a sync waits for).
function get(url, fresh = false) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const headers = fresh ? { 'Cache-Control': 'no-cache' } : {};
    http.get(base + url, { agent, headers }, (res) => {
      let bytes = 0;
      res.on('data', (chunk) => { bytes += chunk.length; });
      res.on('end', () => resolve({
        status: res.statusCode, bytes, ms: Number(process.hrtime.bigint() - started) / 1e6,
      }));
    }).on('error', reject);
  });
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const lines = [];
lines.push('| call | computed p50 | computed p95 | kept p50 | kept p95 | bytes |',
  '|---|---|---|---|---|---|');
let worst = { computed: 0, computedUrl: '', kept: 0, keptUrl: '' };
async function timings(url, fresh) {
  for (let i = 0; i < 2; i += 1) await get(url, fresh); // warm-up: page cache, connection
  const times = [];
  let bytes = 0;
  for (let i = 0; i < runs; i += 1) {
    const r = await get(url, fresh);
    if (r.status !== 200) {
      console.error(`dashboard.mjs: ${url} answered ${r.status}`);
      process.exit(1);
    }
    times.push(r.ms);
    bytes = r.bytes;
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95), bytes };
}
for (const [group, url] of CALLS) {
  if (group) lines.push(`| *${group}* | | | | | |`);
  const computed = await timings(url, true);
  const kept = await timings(url, false);
  if (computed.p95 > worst.computed) Object.assign(worst, { computed: computed.p95, computedUrl: url });
  if (kept.p95 > worst.kept) Object.assign(worst, { kept: kept.p95, keptUrl: url });
  lines.push(`| \`${url}\` | ${computed.p50.toFixed(1)} ms | ${computed.p95.toFixed(1)} ms | `
    + `${kept.p50.toFixed(1)} ms | ${kept.p95.toFixed(1)} ms | ${kept.bytes.toLocaleString('en-US')} |`);
}
agent.destroy();

const browser = await chromium.launch({
  executablePath: process.env.KD_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
// A page load whose every call is computed (no-cache: the first viewer after a sync), then one
// served from what the server kept (every later viewer, every refresh until the next sync).
async function pageLoad(fresh) {
  const context = await browser.newContext({
    viewport: { width: 1400, height: 1000 },
    extraHTTPHeaders: fresh ? { 'Cache-Control': 'no-cache' } : {},
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const t0 = Date.now();
  await page.goto(`${base}/`);
  await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 30000 });
  const load = Date.now() - t0;
  const loads = await page.evaluate(() => Number(document.body.dataset.loads));
  const t1 = Date.now();
  await page.click('[data-testid="ranges"] button[data-range="ytd"]');
  await page.waitForFunction((n) => Number(document.body.dataset.loads) > n && document.body.dataset.ready === '1',
    loads, { timeout: 30000 });
  const change = Date.now() - t1;
  if (errors.length) {
    console.error(`dashboard.mjs: page errors: ${errors.join('; ')}`);
    process.exit(1);
  }
  await context.close();
  return { load, change };
}
const computedLoads = [];
const keptLoads = [];
for (let i = 0; i < pageRuns; i += 1) {
  computedLoads.push(await pageLoad(true));
  keptLoads.push(await pageLoad(false));
}
await browser.close();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const row = (label, xs) => `| ${label} | ${median(xs)} ms | ${Math.max(...xs)} ms |`;
lines.push('', '| page (Chromium, 1400×1000) | median | slowest |', '|---|---|---|');
lines.push(row('first load, every call computed: navigation to every chart drawn', computedLoads.map((r) => r.load)));
lines.push(row('date range changed (All → YTD), computed, redrawn', computedLoads.map((r) => r.change)));
lines.push(row('first load, answers kept by the server', keptLoads.map((r) => r.load)));
lines.push(row('date range changed (All → YTD), kept, redrawn', keptLoads.map((r) => r.change)));
lines.push('', `Slowest call at p95, computed: \`${worst.computedUrl}\` ${worst.computed.toFixed(1)} ms; `
  + `kept: \`${worst.keptUrl}\` ${worst.kept.toFixed(1)} ms.`);
console.log(lines.join('\n'));
