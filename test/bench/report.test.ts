/** The printed table: rows per system, Cortado / peer ratios, memory and notes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatReport, formatRounds, type Outcome } from '../../bench/report.js';

const outcomes: Outcome[] = [
  { id: 'cortado-js', result: { trainIps: 200, inferIps: 800, latencyMs: 2, sgemmGflops: { 128: 5, 512: 10, 2048: 12 }, threads: 1, version: '0.1.0' } },
  { id: 'pytorch', result: { trainIps: 100, inferIps: 1600, latencyMs: 1, sgemmGflops: { 128: 50, 512: 100, 2048: 120, 4096: 130 }, threads: 2, version: '1.13', blas: 'OpenBLAS', blasCore: 'Cooperlake', blasCoreDetected: 'Prescott', blasCoreForced: 'Cooperlake' } },
  { id: 'tfjs-cpu', result: { trainIps: 400, inferIps: 100, latencyMs: 8, threads: 1, version: '4.22.0' } },
  { id: 'tfjs-wasm', result: { inferIps: 1000, latencyMs: 4, threads: 1, version: '4.22.0' } },
  { id: 'onnxruntime', skipped: 'npm package onnxruntime-node not installed' },
  { id: 'cortado-native', error: 'exit code 1: BackendError: the native backend is not available' },
  { id: 'memory-js', result: { mode: 'memory', system: 'cortado-js', iters: 1020, peakRssMiB: 80, rssGrowthMiB: 12.5, heapGrowthMiB: 0.1, grows: true } },
];

const lines = formatReport(outcomes, { quick: true }).split('\n');
const row = (start: string) => {
  const l = lines.find((x) => x.startsWith(start));
  assert.ok(l, `no line starting with "${start}" in:\n${lines.join('\n')}`);
  return l.split(/\s{2,}/);
};

test('one row per measured system, with its figures', () => {
  assert.deepEqual(row('pytorch ').slice(0, 8), ['pytorch', '100', '1,600', '1.00', '50.0', '100', '120', '130']);
  assert.deepEqual(row('tfjs-wasm ').slice(0, 4), ['tfjs-wasm', '-', '1,000', '4.00']);
  assert.ok(lines.some((l) => l.includes('provisional')));
});

test('ratios to PyTorch are speed ratios, latency inverted', () => {
  // Sizes a row did not measure (js stops at 2048) are '-'.
  assert.deepEqual(row('cortado-js / pytorch'), ['cortado-js / pytorch', '2.00x', '0.50x', '0.50x', '0.10x', '0.10x', '0.10x', '-']);
});

test('ratios to TF.js take the best TF.js backend of each metric and name it', () => {
  assert.deepEqual(row('cortado-js / best tfjs').slice(0, 4), ['cortado-js / best tfjs', '0.50x (cpu)', '0.80x (wasm)', '2.00x (wasm)']);
});

test('memory, BLAS core, skipped and failed systems are reported', () => {
  assert.deepEqual(row('cortado-js ').length >= 2, true);
  const mem = lines.find((l) => l.includes('1020'));
  assert.match(mem ?? '', /80\.0.*\+12\.5.*\+0\.1.*YES/);
  assert.ok(lines.some((l) => l.includes('detected Prescott') && l.includes('OPENBLAS_CORETYPE=Cooperlake')));
  assert.ok(lines.some((l) => l.startsWith('- onnxruntime: skipped, npm package onnxruntime-node not installed')));
  assert.ok(lines.some((l) => l.startsWith('- cortado-native: FAILED') && l.includes('BackendError')));
});

test('browser rows: each Cortado row against the best TF.js row of the same browser and the same backend in Node, with their notes', () => {
  const browser: Outcome[] = [
    { id: 'cortado-js', result: { trainIps: 200, inferIps: 800, latencyMs: 2 } },
    { id: 'browser-cortado-js', result: { trainIps: 100, inferIps: 400, latencyMs: 4, browser: 'Chromium 156', agreement: { lossRelDiff: 0, gradRelDiff: 2.5e-7 } } },
    { id: 'browser-tfjs-cpu', result: { trainIps: 50, inferIps: 100, latencyMs: 8, browser: 'Chromium 156' } },
    { id: 'browser-tfjs-webgl', result: { inferIps: 1000, latencyMs: 1, browser: 'Chromium 156', trainError: 'no kernel', renderer: 'SwiftShader', note: 'tfjs-webgl: on SwiftShader' } },
    { id: 'browser-cortado-wasm', result: { trainIps: 1100, inferIps: 4000, latencyMs: 0.5, browser: 'Chromium 156', isa: 'wasm relaxed-simd', threads: 1 } },
    { id: 'browser-cortado-wasm-threads', skipped: 'no Chromium at /usr/bin/chromium' },
  ];
  const text = formatReport(browser, { quick: false }).split('\n');
  const line = (start: string) => text.find((l) => l.startsWith(start))?.split(/\s{2,}/);
  assert.deepEqual(line('browser-cortado-js / best browser tfjs'), ['browser-cortado-js / best browser tfjs', '2.00x (cpu)', '0.40x (webgl)', '0.25x (webgl)']);
  assert.deepEqual(line('browser-cortado-js / cortado-js in Node'), ['browser-cortado-js / cortado-js in Node', '0.50x', '0.50x', '0.50x']);
  assert.ok(text.some((l) => l.includes('headless Chromium 156')));
  assert.ok(text.some((l) => l.startsWith('- browser-tfjs-webgl: inference only') && l.includes('no kernel')));
  assert.ok(text.some((l) => l.includes('WebGL renderer SwiftShader')));
  assert.ok(text.some((l) => l.startsWith('- browser-cortado-wasm-threads: skipped, no Chromium')));
  assert.deepEqual(line('browser-cortado-wasm / browser-cortado-js'), ['browser-cortado-wasm / browser-cortado-js', '11.0x', '10.0x', '8.00x']);
  assert.ok(text.some((l) => l === '- browser-cortado-wasm: wasm relaxed-simd kernels, 1 thread'));
  assert.ok(text.some((l) => l.startsWith('- browser-cortado-js: one LeNet forward+backward against js') && l.includes('loss 0.0e+0, gradients 2.5e-7')));
});

test('the wasm rows are compared with js, native on one thread and on all, and threaded wasm with one thread', () => {
  const r = (trainIps: number, threads: number) => ({ trainIps, inferIps: trainIps * 4, latencyMs: 1, sgemmGflops: { 128: trainIps / 100 }, threads });
  const text = formatReport([
    { id: 'cortado-js', result: r(200, 1) },
    { id: 'cortado-native', result: r(8000, 2) },
    { id: 'cortado-native-1t', result: r(4000, 1) },
    { id: 'cortado-wasm', result: r(2000, 1) },
    { id: 'cortado-wasm-threads', result: r(3000, 2) },
  ], { quick: true }).split('\n');
  const ratioRow = (start: string) => text.find((l) => l.startsWith(start))?.split(/\s{2,}/).slice(0, 2);
  assert.deepEqual(ratioRow('cortado-wasm / cortado-js'), ['cortado-wasm / cortado-js', '10.0x']);
  assert.deepEqual(ratioRow('cortado-wasm / cortado-native-1t'), ['cortado-wasm / cortado-native-1t', '0.50x']);
  assert.deepEqual(ratioRow('cortado-wasm-threads / cortado-wasm'), ['cortado-wasm-threads / cortado-wasm', '1.50x']);
  assert.deepEqual(ratioRow('cortado-wasm-threads / cortado-native'), ['cortado-wasm-threads / cortado-native', '0.38x']);
});

test('ratios to onnxruntime cover inference and latency, the figures it measures', () => {
  const text = formatReport([
    { id: 'cortado-native', result: { trainIps: 5000, inferIps: 20000, latencyMs: 0.1, sgemmGflops: { 128: 100 }, threads: 2 } },
    { id: 'onnxruntime', result: { inferIps: 10000, latencyMs: 0.2, threads: 2, version: '1.30.0' } },
  ], { quick: false }).split('\n');
  const line = text.find((l) => l.startsWith('cortado-native / onnxruntime'))?.split(/\s{2,}/);
  assert.deepEqual(line?.slice(0, 5), ['cortado-native / onnxruntime', '-', '2.00x', '2.00x', '-']);
});

test('rounds: each ratio taken within its round, then the median over the rounds with the lowest and highest', () => {
  const round = (cortado: number, torch: number, onnxInfer?: number): Outcome[] => [
    { id: 'cortado-native', result: { trainIps: cortado, inferIps: 2 * cortado, latencyMs: 0.1 } },
    { id: 'pytorch', result: { trainIps: torch, inferIps: torch, latencyMs: 0.4 } },
    onnxInfer === undefined ? { id: 'onnxruntime', error: 'exit code 1' } : { id: 'onnxruntime', result: { inferIps: onnxInfer, latencyMs: 0.2 } },
    { id: 'memory-native', result: { mode: 'memory', system: 'cortado-native', iters: 100, rssGrowthMiB: 0 } },
  ];
  // Training ratios 4, 3 and 5 (the systems' own speeds drift between rounds; the ratios are
  // what the median is taken of, not the speeds); onnxruntime failed in the second round.
  const lines = formatRounds([round(8000, 2000, 4000), round(3000, 1000), round(5000, 1000, 2000)]).split('\n');
  assert.match(lines[0], /^Over 3 rounds/);
  const row = (start: string) => lines.find((l) => l.startsWith(start))?.split(/\s{2,}/);
  assert.deepEqual(row('cortado-native / pytorch')?.slice(0, 4), ['cortado-native / pytorch', '4.00x (3.00x-5.00x)', '8.00x (6.00x-10.0x)', '4.00x (4.00x-4.00x)']);
  // Two rounds measured it: the median is their mean.
  assert.deepEqual(row('cortado-native / onnxruntime')?.slice(0, 4), ['cortado-native / onnxruntime', '-', '4.50x (4.00x-5.00x)', '2.00x (2.00x-2.00x)']);
});
