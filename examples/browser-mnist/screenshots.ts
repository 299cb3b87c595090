/**
 * The README's screenshots, taken by Playwright in headless Chromium:
 *
 *   node dist/examples/browser-mnist/screenshots.js [--out docs/images] [--iterations 500]
 *
 * - browser-mnist.png: the demo page (this folder) after training LeNet in a Web Worker on 10,000
 *   MNIST images for `--iterations`, with its curves, sample predictions and weights buttons;
 * - dashboard.png: `cortado train --dashboard`'s page (src/node/dashboard.ts) after the same
 *   training in Node (train() with the dashboard kept up), on the fastest CPU backend here.
 * Each is reduced to a 64-colour palette PNG (sharp) and written atomically.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { chromiumUnavailable, launchChromium, serveFolder } from '../common/browser.js';
import { loadMnist } from '../../src/node/data/mnist.js';
import { createBackend } from '../../src/node/backends.js';
import { train } from '../../src/node/train.js';
import { lenet } from '../mnist/lenet.js';

const root = resolve(fileURLToPath(import.meta.url), '../../../..');
const { values: f } = parseArgs({ options: { out: { type: 'string', default: join(root, 'docs/images') }, iterations: { type: 'string', default: '500' } } });
const iterations = Number(f.iterations);
const outDir = resolve(f.out!);
const why = await chromiumUnavailable();
if (why) {
  console.error(`screenshots: cannot run: ${why}`);
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });

/** A full-page screenshot of `page`, palette-reduced, written atomically as `name`. */
async function shoot(page: Page, name: string): Promise<void> {
  const png = await sharp(await page.screenshot({ fullPage: true })).png({ palette: true, colors: 64, compressionLevel: 9 }).toBuffer();
  const file = join(outDir, name);
  writeFileSync(`${file}.tmp`, png);
  renameSync(`${file}.tmp`, file);
  console.log(`screenshots: ${file} (${Math.round(png.length / 1024)} KiB)`);
}

const build = mkdtempSync(join(tmpdir(), 'cortado-screenshots-'));
const server = await (async () => {
  execFileSync(process.execPath, [join(root, 'examples/browser-mnist/build.mjs'), build], { stdio: 'inherit' });
  return serveFolder(build);
})();
const { browser, close } = await launchChromium();
try {
  const page = await browser.newPage();
  await page.setViewportSize({ width: 1000, height: 800 });
  await page.goto(`${server.url}?iterations=${iterations}&train=10000&test=1000&validateEvery=100`);
  await page.waitForFunction(() => (globalThis as { cortadoDemo?: { running: boolean } }).cortadoDemo?.running === false, undefined, { timeout: 600_000 });
  await page.waitForTimeout(300); // the last frame
  await shoot(page, 'browser-mnist.png');

  const mnist = loadMnist();
  const slice = (s: typeof mnist.train, n: number) => ({ images: s.images.subarray(0, n * 784), labels: s.labels.subarray(0, n), count: n });
  const run = await train({
    backend: createBackend('auto'),
    layers: lenet({ train: slice(mnist.train, 10000), test: slice(mnist.test, 1000) }),
    solver: { baseLr: 0.01, momentum: 0.9, weightDecay: 0.0005, lrPolicy: { type: 'inv', gamma: 0.0001, power: 0.75 }, maxIter: iterations },
    coffeeBreaks: { summaryEvery: 10, validateEvery: 100, snapshotEvery: 0 },
    dashboard: { keep: true, title: 'LeNet on 10,000 MNIST images: the dashboard of cortado train --dashboard' },
    stopOnSignals: false,
    log: () => {},
  });
  const dash = run.dashboard!;
  await page.goto(dash.url);
  await page.locator('figure.sample').first().waitFor();
  await shoot(page, 'dashboard.png');
  await dash.close();
} finally {
  await close();
  await server.close();
  rmSync(build, { recursive: true, force: true });
}
