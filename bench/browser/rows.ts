/**
 * The browser rows of `npm run bench`: one entry per row, a system (Cortado or TF.js) with a backend
 * and its options, measured by bench/browser/run.ts in headless Chromium on the page
 * bench/browser/page.ts. A new backend adds one entry here (and nothing else): `--only` takes its
 * id, or the group `browser`.
 */
import { existsSync } from 'node:fs';
import { absentPackages } from '../packages.js';
import { CHROMIUM } from '../../examples/common/browser.js';

export interface BrowserRow {
  /** The row's name in the table and in --only. */
  id: string;
  system: 'cortado' | 'tfjs';
  /** Cortado: a backend the page can make ('js', 'wasm'); TF.js: a backend name ('cpu', 'wasm', 'webgl'). */
  backend: string;
  /** Threads the backend may use: a number, or 'all' (the page's navigator.hardwareConcurrency); default 1. */
  threads?: number | 'all';
  /** Measure training too (default true); inference and latency are measured unless `speed` is false. */
  train?: boolean;
  /**
   * Measure speed (default true). Cortado rows always compare one LeNet forward and backward with
   * the js backend in the same page (the loss and every parameter gradient); with `speed: false`
   * that check is all the row does (a backend on a software device, say).
   */
  speed?: boolean;
  /** Chromium flags for this row (WebGL on SwiftShader, say); the others run with --disable-gpu. */
  chromium?: { gpu?: boolean; extraArgs?: string[] };
  /** A line for the report's notes. */
  note?: string;
}

export const BROWSER_ROWS: BrowserRow[] = [
  { id: 'browser-cortado-js', system: 'cortado', backend: 'js' },
  { id: 'browser-cortado-wasm', system: 'cortado', backend: 'wasm', threads: 1 },
  { id: 'browser-cortado-wasm-threads', system: 'cortado', backend: 'wasm', threads: 'all' },
  {
    id: 'browser-cortado-webgpu', system: 'cortado', backend: 'webgpu', speed: false,
    chromium: { gpu: true, extraArgs: ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'] },
    note: 'browser-cortado-webgpu: WebGPU on SwiftShader (a CPU implementation): correctness only, one LeNet forward+backward at batch 8 against js',
  },
  { id: 'browser-tfjs-cpu', system: 'tfjs', backend: 'cpu' },
  { id: 'browser-tfjs-wasm', system: 'tfjs', backend: 'wasm', threads: 1 },
  {
    id: 'browser-tfjs-webgl', system: 'tfjs', backend: 'webgl',
    chromium: { gpu: true, extraArgs: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'] },
    note: 'tfjs-webgl: WebGL on SwiftShader (a CPU rasterizer): headless Chromium here has no GPU',
  },
];

/** Why `row` cannot be measured here (checked before a child is spawned), or undefined. */
export function browserRowMissing(row: BrowserRow): string | undefined {
  if (!existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (apt-get install chromium, as .ci/run does, or set CORTADO_CHROMIUM)`;
  const pkgs = ['playwright-core', 'esbuild', ...(row.system === 'tfjs' ? ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm'] : [])];
  const absent = absentPackages(pkgs);
  return absent.length ? `npm package ${absent.join(', ')} not installed (devDependencies)` : undefined;
}
