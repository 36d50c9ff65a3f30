// The dashboard in a real browser: Playwright (npm playwright-core) drives Debian's Chromium
// against `kalshi-direct serve` over a database that `kalshi-direct run backfill` filled from a
// kalshi-sim, all on 127.0.0.1. It checks what a trader would look at:
//   - the page loads with no console error and every chart is drawn;
//   - the header cards show the API's numbers, which are `kalshi-direct report`'s;
//   - changing the date range changes the charts and the totals;
//   - after a sync adds fills, the page updates without a reload;
//   - a token-protected server refuses a request without its token;
//   - `serve --live` against a trading simulator shows each fill as it is made, without a
//     reload, and says in its header that the feed is live;
//   - the orders' CSV download is the page's rows.
// Screenshots (light, dark, phone) go to $KD_ARTIFACTS (build/artifacts/browser by default).
//
//   KD_BIN=build/bin node tests/browser/dashboard.test.mjs
// Exits 0 when every check passes, 1 when one fails, 77 (skipped) when Chromium is missing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const bin = path.resolve(process.env.KD_BIN || path.join(root, 'build/bin'));
const artifacts = path.resolve(process.env.KD_ARTIFACTS || path.join(root, 'build/artifacts/browser'));
const chromiumPath = process.env.KD_CHROMIUM || '/usr/bin/chromium';
const SKIP = 77;

if (!existsSync(chromiumPath)) {
  console.log(`SKIP: no Chromium at ${chromiumPath} (tools/test.sh installs Debian's chromium)`);
  process.exit(SKIP);
}
// playwright-core is a dev dependency of web/ (web/package-lock.json).
const require = createRequire(path.join(root, 'web/package.json'));
const { chromium } = require('playwright-core');

const TOKEN = 'tok-sim-3f9a2c7e51';
const SERVE_TOKEN = 'dash-7c1e90b2aa41';
const WAIT_MS = 30000;
const work = mkdtempSync(path.join(os.tmpdir(), 'kd-browser-'));
const db = path.join(work, 'kalshi.db');
const children = [];
let simPort = 0;
let browser = null;

// Hard bound on the whole file, whatever hangs.
const watchdog = setTimeout(() => {
  console.error('FAIL: the browser test took more than 5 minutes');
  cleanup();
  process.exit(1);
}, 300000);
watchdog.unref();

function cleanup() {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
}
process.on('exit', cleanup);

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Starts a server that writes its port to a file; resolves with {child, port}.
async function startServer(program, args, name) {
  const portFile = path.join(work, `${name}.port`);
  const log = path.join(work, `${name}.log`);
  const child = spawn(path.join(bin, program), [...args, '--port', '0', '--port-file', portFile], {
    cwd: work, env: environment(), stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  for (let i = 0; i < 600; i += 1) {
    if (existsSync(portFile)) {
      const port = Number(readFileSync(portFile, 'utf8').trim());
      if (port > 0) return { child, port, output: () => output };
    }
    if (child.exitCode !== null) throw new Error(`${name} exited ${child.exitCode}: ${output}`);
    await sleep(50);
  }
  throw new Error(`${name} did not start: ${output || log}`);
}

function environment() {
  return {
    PATH: process.env.PATH,
    HOME: work,
    KALSHI_API_BASE_URL: `http://127.0.0.1:${simPort}/trade-api/v2`,
    KALSHI_API_KEY: TOKEN,
    KALSHI_API_KEY_ID: '',
    KALSHI_PRIVATE_KEY_PATH: '',
    KALSHI_PRIVATE_KEY: '',
    KALSHI_RATE_LIMIT: 'off',
    KALSHI_MAX_RETRY_TIME: '3s',
    KALSHI_DB: db,
  };
}

// Runs the CLI to completion; returns stdout, fails the test on a non-zero exit.
function cli(...args) {
  const result = spawnSync(path.join(bin, 'kalshi-direct'), args, {
    cwd: work, env: environment(), encoding: 'utf8', timeout: 120000,
  });
  assert.equal(result.status, 0, `kalshi-direct ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

// The same, with environment variables changed.
function cliWith(overrides, ...args) {
  const result = spawnSync(path.join(bin, 'kalshi-direct'), args, {
    cwd: work, env: { ...environment(), ...overrides }, encoding: 'utf8', timeout: 120000,
  });
  assert.equal(result.status, 0, `kalshi-direct ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

function report(...args) {
  return JSON.parse(cli('report', '--db', db, '--format', 'json', ...args));
}

async function api(port, url, headers = {}) {
  const res = await fetch(`http://127.0.0.1:${port}${url}`, { headers });
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
}

async function apiJson(port, url) {
  const res = await api(port, url);
  assert.equal(res.status, 200, `${url}: ${res.body}`);
  return JSON.parse(res.body);
}

// A page that records every console error, page error and failed response.
async function openPage(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, ...options });
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (msg) => { if (msg.type() === 'error') page.problems.push(`console: ${msg.text()}`); });
  page.on('pageerror', (err) => page.problems.push(`page error: ${err.message}`));
  page.on('response', (res) => {
    if (res.status() >= 400) page.problems.push(`HTTP ${res.status()} ${res.url()}`);
  });
  return page;
}

async function loads(page) {
  return Number(await page.evaluate(() => document.body.dataset.loads || 0));
}

// Waits until a load after `previous` loads has finished and drawn everything.
async function waitLoaded(page, previous = 0) {
  await page.waitForFunction(
    (n) => Number(document.body.dataset.loads || 0) > n && document.body.dataset.ready === '1',
    previous, { timeout: WAIT_MS },
  );
}

async function card(page, id) {
  return page.$eval(`[data-testid="card-${id}"]`, (c) => ({
    value: c.dataset.value, text: c.querySelector('.value').textContent,
  }));
}

async function chartInfo(page, id) {
  return page.$eval(`[data-testid="chart-${id}"]`, (c) => {
    const canvas = c.querySelector('canvas');
    return {
      count: Number(c.dataset.count || 0),
      width: canvas ? canvas.width : 0,
      height: canvas ? canvas.height : 0,
    };
  });
}

const CHARTS = ['equity', 'daily', 'calendar', 'drawdown', 'categories', 'edge'];
let serve = null;

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  const sim = await startServer('kalshi-sim', ['--fills', '1500', '--seed', '7', '--anchor', 'now',
    '--bearer-token', TOKEN, '--subaccounts', '2', '--days', '90'], 'sim');
  simPort = sim.port;
  cli('run', 'backfill', '--full', '--quiet');
  serve = await startServer('kalshi-direct', ['serve', '--db', db], 'serve');
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  if (browser) await browser.close();
  cleanup();
  rmSync(work, { recursive: true, force: true });
});

test('the page loads with no console error and draws every chart', async () => {
  const page = await openPage();
  await page.goto(`http://127.0.0.1:${serve.port}/`);
  await waitLoaded(page);
  for (const id of CHARTS) {
    const info = await chartInfo(page, id);
    assert.ok(info.count > 0, `chart ${id} has no data`);
    assert.ok(info.width > 100 && info.height > 100, `chart ${id} is not drawn: ${JSON.stringify(info)}`);
  }
  await page.waitForFunction(() => document.body.dataset.accounts !== undefined, null, { timeout: WAIT_MS });
  assert.equal(await page.isVisible('[data-testid="account"]'), false, 'a SQLite file has one account');
  // The first 100 open positions, and all of them on asking.
  const positionRows = () => page.$$eval('[data-testid="table-positions"] tbody tr:not(.empty)', (r) => r.length);
  const api = await apiJson(serve.port, '/api/v1/positions');
  assert.equal(await positionRows(), Math.min(api.rows.length, 100));
  if (api.rows.length > 100) {
    await page.click('[data-testid="positions-more"]');
    assert.equal(await positionRows(), api.rows.length);
  } else {
    assert.equal(await page.isVisible('[data-testid="positions-more"]'), false);
  }
  assert.deepEqual(page.problems, []);
  await page.screenshot({ path: path.join(artifacts, 'dashboard.png'), fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(`http://127.0.0.1:${serve.port}/`);
  await waitLoaded(page);
  await page.screenshot({ path: path.join(artifacts, 'dashboard-dark.png'), fullPage: true });
  assert.deepEqual(page.problems, []);
  await page.context().close();

  const phone = await openPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await phone.goto(`http://127.0.0.1:${serve.port}/`);
  await waitLoaded(phone);
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the phone page scrolls sideways by ${overflow}px`);
  await phone.screenshot({ path: path.join(artifacts, 'dashboard-phone.png'), fullPage: false });
  assert.deepEqual(phone.problems, []);
  await phone.context().close();
});

test('the header cards show the API\'s numbers, which are report\'s', async () => {
  const page = await openPage();
  await page.goto(`http://127.0.0.1:${serve.port}/`);
  await waitLoaded(page);
  const summary = await apiJson(serve.port, '/api/v1/summary');
  const stats = report('--stats').stats;
  const byCategory = report('--by', 'category');
  assert.equal((await card(page, 'balance')).value, summary.balance_dollars);
  assert.equal((await card(page, 'portfolio')).value, summary.portfolio_value_dollars);
  assert.equal((await card(page, 'pnl')).value, summary.pnl_dollars);
  assert.equal(summary.pnl_dollars, stats.pnl_dollars);
  assert.equal(summary.realized_pnl_dollars, byCategory.total.realized_pnl_dollars);
  assert.equal(Number((await card(page, 'roi')).value), stats.roi);
  assert.equal(Number((await card(page, 'winrate')).value), stats.win_rate);
  assert.equal(Number((await card(page, 'drawdown')).value), stats.max_drawdown.fraction);
  // What is shown is the exact amount, formatted: "$1,234.56" for "1234.56".
  const balance = await card(page, 'balance');
  const [int, frac] = summary.balance_dollars.split('.');
  assert.equal(balance.text.replace(/[$,]/g, ''), `${int}.${frac.replace(/0+$/, '').padEnd(2, '0')}`);
  // The category table's total is report --by category's.
  const total = await page.$eval('[data-testid="table-categories"] tfoot td:nth-child(2)', (td) => td.dataset.value);
  assert.equal(total, byCategory.total.realized_pnl_dollars);
  // The balance is the latest snapshot's in the database (sqlite3 when it is installed).
  const sqlite = spawnSync('sqlite3', [db, "SELECT COALESCE(balance_dollars, printf('%.2f', balance_cents / 100.0)) FROM kalshi_snapshots ORDER BY id DESC LIMIT 1"], { encoding: 'utf8' });
  if (sqlite.status === 0 && sqlite.stdout.trim()) {
    assert.equal(Number(sqlite.stdout.trim()), Number(summary.balance_dollars));
  }
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('changing the date range changes the charts and the totals', async () => {
  const page = await openPage();
  await page.goto(`http://127.0.0.1:${serve.port}/`);
  await waitLoaded(page);
  const allDays = (await chartInfo(page, 'daily')).count;
  const allRealized = await page.$eval('[data-testid="table-categories"] tfoot td:nth-child(2)', (td) => td.dataset.value);
  const before = await loads(page);
  await page.click('[data-testid="ranges"] button[data-range="mtd"]');
  await waitLoaded(page, before);
  assert.match(page.url(), /range=mtd/);
  const mtdDays = (await chartInfo(page, 'daily')).count;
  assert.ok(mtdDays < allDays, `MTD shows ${mtdDays} days of ${allDays}`);
  const mtd = report('--range', 'mtd', '--by', 'category');
  const mtdRealized = await page.$eval('[data-testid="table-categories"] tfoot td:nth-child(2)', (td) => td.dataset.value);
  assert.equal(mtdRealized, mtd.total.realized_pnl_dollars);
  assert.notEqual(mtdRealized, allRealized);
  const mtdStats = report('--range', 'mtd', '--stats').stats;
  assert.equal((await card(page, 'pnl')).value, mtdStats.pnl_dollars);
  // A category narrows the tables; the address keeps every filter.
  const category = (await apiJson(serve.port, '/api/v1/meta')).categories[0];
  const beforeCategory = await loads(page);
  await page.selectOption('[data-testid="category"]', category);
  await waitLoaded(page, beforeCategory);
  assert.match(page.url(), new RegExp(`category=${category}`));
  const rows = await page.$$eval('[data-testid="table-categories"] tbody tr:not(.empty) td:first-child', (t) => t.map((x) => x.textContent));
  assert.deepEqual([...new Set(rows)].filter((r) => r !== category), []);
  assert.deepEqual(page.problems, []);
  await page.screenshot({ path: path.join(artifacts, 'dashboard-mtd.png'), fullPage: true });
  await page.context().close();
});

test('after a sync adds fills, the page updates without a reload', async () => {
  const page = await openPage();
  await page.goto(`http://127.0.0.1:${serve.port}/`);
  await waitLoaded(page);
  const version = await page.evaluate(() => document.body.dataset.version);
  const fillsBefore = Number(await page.$eval('[data-testid="fills-range"]', (n) => n.dataset.total));
  await page.evaluate(() => { window.kdSamePage = true; });
  const added = await fetch(`http://127.0.0.1:${simPort}/admin/add-fills`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"count":25}',
  });
  assert.equal(added.status, 200);
  cli('run', 'sync', '--quiet');
  await page.waitForFunction((v) => document.body.dataset.version !== v && document.body.dataset.ready === '1',
    version, { timeout: WAIT_MS });
  assert.equal(await page.evaluate(() => window.kdSamePage), true, 'the page was reloaded');
  const fillsAfter = Number(await page.$eval('[data-testid="fills-range"]', (n) => n.dataset.total));
  assert.equal(fillsAfter, fillsBefore + 25);
  const api = await apiJson(serve.port, '/api/v1/fills?limit=1');
  assert.equal(fillsAfter, api.total);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the orders\' CSV download is the rows the page shows', async () => {
  const page = await openPage();
  await page.goto(`http://127.0.0.1:${serve.port}/?range=all`);
  await waitLoaded(page);
  const href = await page.$eval('[data-testid="orders-csv"]', (a) => a.getAttribute('href'));
  assert.match(href, /^\/api\/v1\/orders\?.*format=csv/);
  const csv = await api(serve.port, href);
  assert.equal(csv.status, 200);
  assert.match(csv.type, /text\/csv/);
  const lines = csv.body.trim().split('\n');
  const shown = await page.$$eval('[data-testid="table-orders"] tbody tr:not(.empty)', (r) => r.length);
  assert.equal(lines.length - 1, shown);
  const firstId = (await apiJson(serve.port, '/api/v1/orders?limit=1')).rows[0].id;
  assert.ok(lines[1].includes(firstId), `the CSV's first row is not order ${firstId}`);
  await page.context().close();
});

// tools/test.sh starts a PostgreSQL server and names it in KD_TEST_POSTGRES_URL.
const postgres = process.env.KD_TEST_POSTGRES_URL || '';
test('the account selector of a PostgreSQL database switches the whole page', {
  skip: postgres ? false : 'no PostgreSQL server (KD_TEST_POSTGRES_URL; tools/test.sh starts one)',
}, async () => {
  const name = `kd_browser_${process.pid}`;
  const created = spawnSync('psql', [postgres, '-qc', `CREATE DATABASE ${name}`], { encoding: 'utf8' });
  assert.equal(created.status, 0, `psql: ${created.stderr}`);
  const at = new URL(postgres);
  at.pathname = `/${name}`;
  const url = at.toString();
  const bobSim = await startServer('kalshi-sim', ['--fills', '400', '--seed', '9', '--anchor', 'now',
    '--bearer-token', TOKEN, '--days', '60'], 'sim-bob');
  let server = null;
  try {
    cliWith({}, 'run', 'backfill', '--full', '--quiet', '--db', url, '--account', 'alice');
    cliWith({ KALSHI_API_BASE_URL: `http://127.0.0.1:${bobSim.port}/trade-api/v2` },
      'run', 'backfill', '--full', '--quiet', '--db', url, '--account', 'bob');
    server = await startServer('kalshi-direct', ['serve', '--db', url], 'serve-accounts');
    const alice = await apiJson(server.port, '/api/v1/summary?account=alice');
    const bob = await apiJson(server.port, '/api/v1/summary?account=bob');
    assert.notEqual(alice.balance_dollars, bob.balance_dollars, 'the two accounts look alike');

    const page = await openPage();
    await page.goto(`http://127.0.0.1:${server.port}/`);
    await waitLoaded(page);
    await page.waitForFunction(() => document.body.dataset.accounts === '2', null, { timeout: WAIT_MS });
    assert.equal(await page.isVisible('[data-testid="account"]'), true, 'no account selector');
    const options = await page.$$eval('[data-testid="account"] option', (o) => o.map((x) => x.value));
    assert.deepEqual(options, ['alice', 'bob']);
    assert.equal(await page.$eval('[data-testid="account"]', (s) => s.value), 'alice');
    assert.equal((await card(page, 'balance')).value, alice.balance_dollars);

    const before = await loads(page);
    await page.selectOption('[data-testid="account"]', 'bob');
    await waitLoaded(page, before);
    assert.equal(new URL(page.url()).searchParams.get('account'), 'bob');
    assert.equal((await card(page, 'balance')).value, bob.balance_dollars);
    const fills = Number(await page.$eval('[data-testid="fills-range"]', (n) => n.dataset.total));
    assert.equal(fills, (await apiJson(server.port, '/api/v1/fills?limit=1&account=bob')).total);
    // The address keeps the account: a reload shows bob again.
    await page.reload();
    await waitLoaded(page);
    await page.waitForFunction(() => document.body.dataset.accounts === '2', null, { timeout: WAIT_MS });
    assert.equal(await page.$eval('[data-testid="account"]', (s) => s.value), 'bob');
    assert.equal((await card(page, 'balance')).value, bob.balance_dollars);
    assert.deepEqual(page.problems, []);
    await page.context().close();
  } finally {
    if (server) server.child.kill('SIGTERM');
    bobSim.child.kill('SIGTERM');
  }
});

test('a token-protected server refuses a request without its token', async () => {
  const guarded = await startServer('kalshi-direct', ['serve', '--db', db, '--token', SERVE_TOKEN], 'serve-token');
  try {
    const page = await openPage();
    const refused = await page.goto(`http://127.0.0.1:${guarded.port}/`);
    assert.equal(refused.status(), 401);
    assert.match(await page.textContent('body'), /token/);
    assert.equal((await api(guarded.port, '/api/v1/summary')).status, 401);
    assert.equal((await api(guarded.port, '/api/v1/summary', { Authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await api(guarded.port, '/api/v1/summary', { Authorization: `Bearer ${SERVE_TOKEN}` })).status, 200);
    page.problems = [];
    await page.goto(`http://127.0.0.1:${guarded.port}/?token=${SERVE_TOKEN}`);
    await waitLoaded(page);
    assert.ok(!page.url().includes(SERVE_TOKEN), 'the token stays in the address');
    assert.deepEqual(page.problems, []);
    assert.ok(!guarded.output().includes(SERVE_TOKEN), 'serve logged its token');
    await page.context().close();
  } finally {
    guarded.child.kill('SIGTERM');
  }
});

// Last: the live run holds the database's lock while it runs.
test('serve --live shows fills as the simulator makes them, without a reload', async () => {
  const live = await startServer('kalshi-direct', ['serve', '--db', db, '--live'], 'serve-live');
  const trade = (rate) => fetch(`http://127.0.0.1:${simPort}/admin/trade-rate?rate=${rate}`, { method: 'POST' });
  try {
    const page = await openPage();
    await page.goto(`http://127.0.0.1:${live.port}/`);
    await waitLoaded(page);
    // The header says the feed is live once its catch-up is committed.
    await page.waitForFunction(() => {
      const pill = document.querySelector('[data-testid="live-feed"]');
      return !pill.hidden && pill.textContent === 'live feed';
    }, null, { timeout: WAIT_MS });
    await page.evaluate(() => { window.kdSamePage = true; });
    const total = () => page.$eval('[data-testid="fills-range"]', (n) => Number(n.dataset.total));
    let shown = await total();
    assert.equal((await trade(5)).status, 200);
    // Fills arrive one after the other, each growing the table in place.
    for (let i = 0; i < 3; i += 1) {
      await page.waitForFunction((n) => Number(document.querySelector('[data-testid="fills-range"]').dataset.total) > n
        && document.body.dataset.ready === '1', shown, { timeout: WAIT_MS });
      shown = await total();
    }
    await page.screenshot({ path: path.join(artifacts, 'dashboard-live.png') });
    assert.equal((await trade(0)).status, 200); // returns once the trade in flight is made
    // Every fill made lands, once: the page ends at the simulator's count.
    const truth = await (await fetch(`http://127.0.0.1:${simPort}/admin/truth`)).json();
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="fills-range"]').dataset.total) === n,
      truth.counts.fills, { timeout: WAIT_MS });
    assert.equal((await apiJson(live.port, '/api/v1/fills?limit=1')).total, truth.counts.fills);
    assert.equal(await page.evaluate(() => window.kdSamePage), true, 'the page was reloaded');
    assert.match(await page.textContent('[data-testid="live-last"]'), /^last message \d\d:\d\d:\d\d UTC/);
    assert.deepEqual(page.problems, []);
    await page.context().close();
  } finally {
    await trade(0);
    live.child.kill('SIGTERM');
    await new Promise((resolve) => (live.child.exitCode !== null ? resolve() : live.child.on('exit', resolve)));
  }
  assert.match(live.output(), /pipeline 'live' finished|live pipeline finished/);
});
