/**
 * Headless Chromium and a static server, for the browser demo's scripts, the browser benchmark and
 * the browser tests: Debian's /usr/bin/chromium (or CORTADO_CHROMIUM) driven by playwright-core,
 * with a fresh empty profile; pages served from a folder on 127.0.0.1 only, cross-origin isolated
 * (COOP/COEP headers, so SharedArrayBuffer is available to threaded WebAssembly).
 * `chromiumUnavailable()` gives the reason a caller should skip, or null.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, resolve, sep } from 'node:path';

export const CHROMIUM = process.env.CORTADO_CHROMIUM ?? '/usr/bin/chromium';

type PlaywrightCore = typeof import('playwright-core');

async function playwright(): Promise<PlaywrightCore | null> {
  try {
    return await import('playwright-core');
  } catch {
    return null;
  }
}

/** Why headless Chromium cannot run here, or null when it can. */
export async function chromiumUnavailable(): Promise<string | null> {
  if (!existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (install Debian's chromium, as .ci/run does, or set CORTADO_CHROMIUM)`;
  if (!(await playwright())) return 'playwright-core is not installed (npm install; it is a devDependency)';
  return null;
}

/** The flags every launch gets; `extraArgs` add to them (say, WebGL on SwiftShader instead of --disable-gpu). */
const BASE_ARGS = ['--headless', '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Launches headless Chromium with a fresh profile; `gpu: false` (default) passes --disable-gpu. */
export async function launchChromium(options: { gpu?: boolean; extraArgs?: string[] } = {}) {
  const pw = await playwright();
  if (!pw) throw new Error('playwright-core is not installed (npm install; it is a devDependency)');
  const profile = mkdtempSync(join(tmpdir(), 'cortado-chromium-'));
  const context = await pw.chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    args: [...BASE_ARGS, ...(options.gpu ? [] : ['--disable-gpu']), ...(options.extraArgs ?? [])],
  });
  return {
    browser: context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.json': 'application/json', '.png': 'image/png',
};

/**
 * Serves the files under `dir` on 127.0.0.1 (any free port), GET only, with the headers that make
 * a page cross-origin isolated. Resolves with its base URL (ending in '/') and `close()`.
 */
export async function serveFolder(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const base = resolve(dir);
  const server = createServer((req, res) => {
    const file = resolve(base, '.' + decodeURIComponent((req.url ?? '/').split('?')[0]).replace(/\/$/, '/index.html'));
    if (!file.startsWith(base + sep)) return void res.writeHead(403).end();
    let body: Buffer;
    try {
      body = readFileSync(file);
    } catch {
      return void res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${req.url}\n`);
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
      'cross-origin-resource-policy': 'same-origin',
      'cache-control': 'no-store',
    }).end(body);
  });
  await new Promise<void>((r, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => r());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    }),
  };
}
