// Watches a `kalshi-direct serve --live` page in Chromium and records, for every change of the
// fills table's total, when the page showed it (wall clock, µs): a fill is on the dashboard once
// the total counts it. Used by tools/bench/live.py, which maps totals to the fills that made them.
//
//   node tools/bench/live_page.mjs --url http://127.0.0.1:PORT/ --seconds 60 --out FILE.json
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../../web/package.json'));
const { chromium } = require('playwright-core');

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) => {
  if (arg.startsWith('--')) pairs.push([arg.slice(2), all[i + 1]]);
  return pairs;
}, []));
const seconds = Number(args.seconds || 60);

const browser = await chromium.launch({
  executablePath: process.env.KD_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
const seen = [];
await page.exposeFunction('kdSeen', (total, wallMs) => seen.push([total, Math.round(wallMs * 1000)]));
await page.goto(args.url);
await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 60000 });
await page.evaluate(() => {
  const range = document.querySelector('[data-testid="fills-range"]');
  let last = range.dataset.total;
  // performance.timeOrigin + now(): the wall clock with sub-millisecond resolution.
  new MutationObserver(() => {
    if (range.dataset.total !== last) {
      last = range.dataset.total;
      window.kdSeen(Number(last), performance.timeOrigin + performance.now());
    }
  }).observe(range, { attributes: true, attributeFilter: ['data-total'] });
  window.kdSeen(Number(last), performance.timeOrigin + performance.now());
});
console.error(`live_page: watching ${args.url} for ${seconds} s`);
await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
writeFileSync(args.out, JSON.stringify(seen));
await browser.close();
