/**
 * The table `npm run bench` prints: one row per system, then the ratios of each Cortado backend
 * to PyTorch and to the best TF.js backend, Cortado's training memory, and notes (BLAS core,
 * skipped or failed systems).
 */

import { median } from './measure.js';

/** What became of one system: its JSON result, or why there is none. */
export interface Outcome {
  id: string;
  seconds?: number;
  result?: Record<string, unknown>;
  skipped?: string;
  error?: string;
}

const SIZES = ['128', '512', '2048', '4096'];

function num(r: Record<string, unknown> | undefined, key: string): number | undefined {
  const v = r?.[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function gflops(r: Record<string, unknown> | undefined, size: string): number | undefined {
  const g = r?.sgemmGflops as Record<string, number> | undefined;
  return typeof g?.[size] === 'number' ? g[size] : undefined;
}

/** 3 significant digits, thousands grouped: 12,345 / 123 / 12.3 / 1.23 / 0.0123. */
function fmt(v: number | undefined): string {
  if (v === undefined) return '-';
  if (v >= 100) return Math.round(v).toLocaleString('en-US');
  return v.toPrecision(3);
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The metrics compared, each as a speed (higher is better). */
const METRICS: { label: string; speed: (r?: Record<string, unknown>) => number | undefined }[] = [
  { label: 'train', speed: (r) => num(r, 'trainIps') },
  { label: 'infer', speed: (r) => num(r, 'inferIps') },
  { label: 'latency@1', speed: (r) => { const l = num(r, 'latencyMs'); return l ? 1 / l : undefined; } },
  ...SIZES.map((s) => ({ label: `sgemm ${s}`, speed: (r?: Record<string, unknown>) => gflops(r, s) })),
];

export function formatReport(outcomes: Outcome[], opts: { quick: boolean }): string {
  const ok = outcomes.filter((o) => o.result && o.result.mode !== 'memory');
  const byId = new Map(ok.map((o) => [o.id, o.result!]));
  const out: string[] = [];

  out.push(`LeNet (Caffe's MNIST net), batch 64, float32, CPU; medians over repetitions after warm-up${opts.quick ? ' (--quick: provisional)' : ''}`);
  out.push('images/s (higher is better), latency in ms at batch 1 (lower is better), SGEMM in GFLOP/s (n x n x n)\n');
  out.push(table(
    ['system', 'train img/s', 'infer img/s', 'latency@1 ms', ...SIZES.map((s) => `sgemm ${s}`), 'threads', 'version'],
    ok.map((o) => {
      const r = o.result!;
      return [o.id, fmt(num(r, 'trainIps')), fmt(num(r, 'inferIps')), fmt(num(r, 'latencyMs')), ...SIZES.map((s) => fmt(gflops(r, s))), String(r.threads ?? '-'), String(r.version ?? '-')];
    }),
  ));

  const rows = ratioRows(ok).map((r) => [r.label, ...r.cells.map((c) => (c.from && c.v !== undefined ? `${times(c.v)} (${c.from})` : times(c.v)))]);
  if (rows.length) {
    out.push('\nCortado / peer, as speed ratios (> 1: Cortado is faster; latency compared as 1 / latency)\n');
    out.push(table(['', ...METRICS.map((m) => m.label)], rows));
  }

  out.push(...browserRatios(ok, byId));

  const mem = outcomes.filter((o) => o.result?.mode === 'memory');
  if (mem.length) {
    out.push('\nCortado LeNet training memory (RSS and V8 heap sampled after a full GC, from after warm-up to the end)\n');
    out.push(table(['backend', 'iterations', 'peak RSS MiB', 'RSS growth MiB', 'heap growth MiB', 'grows'], mem.map((o) => {
      const r = o.result!;
      return [String(r.system), String(r.iters), fmt(num(r, 'peakRssMiB')), fmtSigned(num(r, 'rssGrowthMiB')), fmtSigned(num(r, 'heapGrowthMiB')), r.grows ? 'YES' : 'no'];
    })));
  }

  const notes: string[] = [];
  const torch = byId.get('pytorch');
  if (torch) {
    const detected = torch.blasCoreDetected !== torch.blasCore ? ` (OpenBLAS detected ${String(torch.blasCoreDetected)}, a generic fallback core, so OPENBLAS_CORETYPE=${String(torch.blasCoreForced)} was set)` : '';
    notes.push(`pytorch ${String(torch.version)}: ${String(torch.threads)} threads, SGEMM via ${String(torch.blas)}, core ${String(torch.blasCore)}${detected}`);
  }
  const kernels = (o: Outcome) => `${o.id}: ${String(o.result!.isa)} kernels, ${String(o.result!.threads)} thread${o.result!.threads === 1 ? '' : 's'}`;
  for (const c of ok.filter((o) => CORTADO.includes(o.id))) if (c.result!.isa) notes.push(kernels(c));
  if (byId.has('tfjs-wasm')) notes.push('tfjs-wasm: inference only; TF.js runs its WASM backend single-threaded in Node');
  const browsers = [...new Set(ok.filter((o) => o.id.startsWith('browser-')).map((o) => String(o.result!.browser ?? 'a browser')))];
  if (browsers.length) notes.push(`browser-*: measured in headless ${browsers.join(', ')}, one page per row, LeNet as above`);
  for (const o of ok.filter((x) => x.id.startsWith('browser-'))) {
    const r = o.result!;
    if (r.trainError) notes.push(`${o.id}: inference only; training failed in the page: ${String(r.trainError)}`);
    if (r.renderer) notes.push(`${o.id}: WebGL renderer ${String(r.renderer)}`);
    if (r.isa) notes.push(kernels(o));
    if (r.crossOriginIsolated === false) notes.push(`${o.id}: the page was not cross-origin isolated (no SharedArrayBuffer)`);
    if (r.note) notes.push(String(r.note));
    const a = r.agreement as { lossRelDiff?: number; gradRelDiff?: number } | undefined;
    if (a) notes.push(`${o.id}: one LeNet forward+backward against js in the same page: loss ${fmtRel(a.lossRelDiff)}, gradients ${fmtRel(a.gradRelDiff)} (largest difference / largest magnitude)`);
  }
  for (const o of outcomes) {
    if (o.skipped) notes.push(`${o.id}: skipped, ${o.skipped}`);
    if (o.error) notes.push(`${o.id}: FAILED, ${o.error}`);
  }
  if (notes.length) out.push('\n' + notes.map((n) => `- ${n}`).join('\n'));
  return out.join('\n');
}

const CORTADO = ['cortado-js', 'cortado-native', 'cortado-native-1t', 'cortado-wasm', 'cortado-wasm-threads'];

/** One ratio of a row: Cortado's speed over the peer's, and which TF.js backend was the best peer. */
interface Cell {
  v?: number;
  from?: string;
}

/** The rows of the ratio table, one cell per metric: each Cortado backend against PyTorch, onnxruntime and the best TF.js backend, and the wasm pairs. */
function ratioRows(ok: Outcome[]): { label: string; cells: Cell[] }[] {
  const byId = new Map(ok.map((o) => [o.id, o.result!]));
  const div = (a: number | undefined, b: number | undefined): Cell => ({ v: quotient(a, b) });
  const cortado = ok.filter((o) => CORTADO.includes(o.id));
  const tfjs = ok.filter((o) => o.id.startsWith('tfjs-'));
  const torch = byId.get('pytorch');
  // onnxruntime only infers: its row gives the inference and latency ratios (issue 14's targets).
  const onnx = byId.get('onnxruntime');
  const rows: { label: string; cells: Cell[] }[] = [];
  // The wasm backend against the two it sits between (issue 11: at least 10x js, a third of
  // native on one thread), and its threads against one thread and against native's threads.
  const pairs = [['cortado-wasm', 'cortado-js'], ['cortado-wasm', 'cortado-native-1t'], ['cortado-wasm', 'cortado-native'],
    ['cortado-wasm-threads', 'cortado-wasm'], ['cortado-wasm-threads', 'cortado-native']];
  for (const [mine, other] of pairs) {
    const a = byId.get(mine), o = byId.get(other);
    if (a && o) rows.push({ label: `${mine} / ${other}`, cells: METRICS.map((m) => div(m.speed(a), m.speed(o))) });
  }
  for (const c of cortado) {
    const mine = METRICS.map((m) => m.speed(c.result));
    if (torch) rows.push({ label: `${c.id} / pytorch`, cells: METRICS.map((m, i) => div(mine[i], m.speed(torch))) });
    if (onnx) rows.push({ label: `${c.id} / onnxruntime`, cells: METRICS.map((m, i) => div(mine[i], m.speed(onnx))) });
    if (tfjs.length) {
      rows.push({ label: `${c.id} / best tfjs`, cells: METRICS.map((m, i) => {
        const best = tfjs.map((t) => ({ id: t.id, v: m.speed(t.result) })).filter((t) => t.v !== undefined).sort((a, b) => b.v! - a.v!)[0];
        return best ? { ...div(mine[i], best.v), from: best.id.slice(5) } : {};
      }) });
    }
  }
  return rows;
}

/**
 * `npm run bench -- --rounds N`: the systems ran N times in turn. Each ratio of the Cortado / peer
 * table is taken within one round, then summed up over the rounds that measured it: the median,
 * the lowest and the highest. (The browser's ratios are left to each round's own table.)
 */
export function formatRounds(rounds: Outcome[][]): string {
  const perRound = rounds.map((outcomes) => ratioRows(outcomes.filter((o) => o.result && o.result.mode !== 'memory')));
  const labels = [...new Set(perRound.flatMap((rows) => rows.map((r) => r.label)))];
  const rows = labels.map((label) => [label, ...METRICS.map((_, i) => {
    const vs = perRound.map((round) => round.find((r) => r.label === label)?.cells[i]?.v).filter((v): v is number => v !== undefined);
    if (!vs.length) return '-';
    return vs.length === 1 ? times(vs[0]) : `${times(median(vs))} (${times(Math.min(...vs))}-${times(Math.max(...vs))})`;
  })]);
  if (!rows.length) return '';
  return [`Over ${rounds.length} rounds: median ratio (lowest-highest), each ratio within one round\n`, table(['', ...METRICS.map((m) => m.label)], rows)].join('\n');
}

/** In the browser: each Cortado row against the best TF.js row of the same browser, and against the same backend in Node. */
function browserRatios(ok: Outcome[], byId: Map<string, Record<string, unknown>>): string[] {
  const metrics = METRICS.slice(0, 3);
  const tfjs = ok.filter((o) => o.id.startsWith('browser-tfjs-'));
  const rows: string[][] = [];
  // Rows measuring no speed (webgpu on SwiftShader: correctness only) have no ratio to show.
  const measured = (o: Outcome) => METRICS.slice(0, 3).some((m) => m.speed(o.result) !== undefined);
  for (const c of ok.filter((o) => o.id.startsWith('browser-cortado-') && measured(o))) {
    if (tfjs.length) {
      rows.push([`${c.id} / best browser tfjs`, ...metrics.map((m) => {
        const best = tfjs.map((t) => ({ id: t.id, v: m.speed(t.result) })).filter((t) => t.v !== undefined).sort((a, b) => b.v! - a.v!)[0];
        return best ? `${ratio(m.speed(c.result), best.v)} (${best.id.slice('browser-tfjs-'.length)})` : '-';
      })]);
    }
    const inNode = byId.get(c.id.slice('browser-'.length));
    if (inNode) rows.push([`${c.id} / ${c.id.slice('browser-'.length)} in Node`, ...metrics.map((m) => ratio(m.speed(c.result), m.speed(inNode)))]);
    // The wasm rows against js in the same browser (issue 11: wasm at least 10x js).
    const js = byId.get('browser-cortado-js');
    if (c.id.startsWith('browser-cortado-wasm') && js) rows.push([`${c.id} / browser-cortado-js`, ...metrics.map((m) => ratio(m.speed(c.result), m.speed(js)))]);
  }
  if (!rows.length) return [];
  return ['\nIn the browser: Cortado / TF.js in the same headless Chromium, / the same backend in Node, and wasm / js in the browser (speed ratios)\n', table(['', ...metrics.map((m) => m.label)], rows)];
}

function quotient(a: number | undefined, b: number | undefined): number | undefined {
  return a !== undefined && b !== undefined && b > 0 ? a / b : undefined;
}

/** A ratio as printed: 2.50x, 12.5x; '-' where there is none. */
function times(v: number | undefined): string {
  return v === undefined ? '-' : `${v >= 10 ? v.toFixed(1) : v.toFixed(2)}x`;
}

function ratio(a: number | undefined, b: number | undefined): string {
  return times(quotient(a, b));
}

function fmtRel(v: number | undefined): string {
  return v === undefined ? '-' : v.toExponential(1);
}

function fmtSigned(v: number | undefined): string {
  return v === undefined ? '-' : `${v >= 0 ? '+' : ''}${v.toFixed(1)}`;
}
