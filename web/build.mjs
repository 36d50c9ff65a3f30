// Builds the dashboard page into OUT (default dist/): index.html, app.js (src/app.js bundled and
// minified by esbuild), charts.js (the charts and the parts of ECharts they use: a script of its
// own, loaded beside app.js) and app.css. The CMake build runs
// it with --out build/web and embeds the three files in kalshi-direct
// (tools/kalshi-direct/serve/web_assets.h). Same sources, same bytes: no time stamps.
//
//   node build.mjs [--out DIR]
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
let out = path.join(here, 'dist');
for (let i = 0; i < args.length; i += 1) {
  if (args[i] === '--out' && args[i + 1]) {
    out = path.resolve(args[i + 1]);
    i += 1;
  } else {
    console.error(`build.mjs: unknown argument '${args[i]}' (usage: node build.mjs [--out DIR])`);
    process.exit(2);
  }
}

try {
  await mkdir(out, { recursive: true });
  for (const [entry, file] of [['src/app.js', 'app.js'], ['src/charts_entry.js', 'charts.js']]) {
    await build({
      entryPoints: [path.join(here, entry)],
      outfile: path.join(out, file),
      bundle: true,
      minify: true,
      format: 'iife',
      target: ['es2020'],
      legalComments: 'eof',
      logLevel: 'warning',
    });
  }
  await build({
    entryPoints: [path.join(here, 'src/app.css')],
    outfile: path.join(out, 'app.css'),
    bundle: true,
    minify: true,
    logLevel: 'warning',
  });
  await copyFile(path.join(here, 'src/index.html'), path.join(out, 'index.html'));
} catch (error) {
  console.error(`build.mjs: ${error.message.split('\n')[0]}`);
  process.exit(1);
}
