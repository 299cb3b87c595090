/**
 * Trains the demo page in headless Chromium and reports what it reached: test accuracy,
 * iterations, time and images/s. Builds the page (build.mjs) into a temporary folder, serves it on
 * 127.0.0.1 (cross-origin isolated) and waits for the run to end.
 *
 *   node dist/examples/browser-mnist/check.js [--iterations 3000] [--train 60000] [--test 10000]
 *        [--validate-every 500] [--batch 64] [--backend wasm|js] [--thread worker|main] [--min-accuracy 0.985]
 *
 * Prints a progress line at each validation and, last, one JSON line with the result; exits 1 when
 * --min-accuracy is given and not reached.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromiumUnavailable, launchChromium, serveFolder } from '../common/browser.js';
import type { DemoResult } from './page.js';

const root = resolve(fileURLToPath(import.meta.url), '../../../..');
const { values: f } = parseArgs({
  options: {
    iterations: { type: 'string', default: '3000' }, train: { type: 'string', default: '60000' }, test: { type: 'string', default: '10000' },
    'validate-every': { type: 'string', default: '500' }, batch: { type: 'string', default: '64' }, backend: { type: 'string', default: 'wasm' }, thread: { type: 'string', default: 'worker' },
    'min-accuracy': { type: 'string' },
  },
});

const why = await chromiumUnavailable();
if (why) {
  console.error(`browser-mnist check: cannot run: ${why}`);
  process.exit(2);
}
const out = mkdtempSync(join(tmpdir(), 'cortado-browser-mnist-'));
execFileSync(process.execPath, [join(root, 'examples/browser-mnist/build.mjs'), out], { stdio: 'inherit' });
const server = await serveFolder(out);
const { browser, close } = await launchChromium();
try {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const query = new URLSearchParams({ iterations: f.iterations!, train: f.train!, test: f.test!, validateEvery: f['validate-every']!, batch: f.batch!, backend: f.backend!, thread: f.thread! });
  console.log(`browser-mnist check: ${server.url}?${query} in ${await browser.browser()?.version() ?? 'Chromium'}`);
  await page.goto(`${server.url}?${query}`);
  let shown = -1;
  for (;;) {
    const s = await page.evaluate(() => {
      const d = (globalThis as { cortadoDemo?: { running: boolean; statistics: Record<string, [number, number][]>; result?: unknown } }).cortadoDemo;
      const last = d?.statistics['validation/accuracy']?.at(-1);
      return d ? { iter: last?.[0] ?? -1, running: d.running, accuracy: last?.[1], result: d.result } : null;
    });
    const text = await page.locator('#status').innerText();
    if (text.startsWith('error:') || errors.length) throw new Error(`the page failed: ${[text, ...errors].join('; ')}`);
    if (s && s.accuracy !== undefined && s.iter !== shown) {
      shown = s.iter;
      console.log(`  iteration ${s.iter}: test accuracy ${(100 * s.accuracy).toFixed(2)}%`);
    }
    if (s && !s.running && s.result) {
      const r = s.result as DemoResult;
      console.log(`browser-mnist check: ${text}`);
      console.log(JSON.stringify({ ...r, browser: browser.browser()?.version(), date: new Date().toISOString() }));
      const min = f['min-accuracy'] === undefined ? undefined : Number(f['min-accuracy']);
      if (min !== undefined && !((r.accuracy ?? 0) >= min)) {
        console.error(`browser-mnist check: test accuracy ${r.accuracy} is below --min-accuracy ${min}`);
        process.exitCode = 1;
      }
      break;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
} finally {
  await close();
  await server.close();
  rmSync(out, { recursive: true, force: true });
}
