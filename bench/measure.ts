/**
 * The measuring protocol shared by every system in `npm run bench` (bench/peers/pytorch_lenet.py
 * follows the same one):
 * 1. warm up: `warmup` steps, or fewer when the steps after the first pass `warmupMs` (at least
 *    two when `warmup` is two or more: the first carries one-time costs, compiling, autotuning,
 *    allocating, which may outlast `warmupMs` alone);
 * 2. size a repetition to about `repMs` (at least one step) from the warm-up steps after the first
 *    (from the first when it was the only one);
 * 3. time `reps` repetitions, fewer (not under `minReps`) when they would pass `budgetMs`, so that
 *    a system taking seconds per step still finishes;
 * 4. report the median rate over the repetitions.
 * Each system runs in its own child process, which prints one JSON line on stdout (the last line)
 * for bench/run.ts to collect.
 */

import type { Backend, Replayer } from '../src/backend/backend.js';

export interface Protocol {
  warmup: number;
  warmupMs: number;
  reps: number;
  minReps: number;
  repMs: number;
  budgetMs: number;
}

/** Full runs: 10 warm-up steps, 7 repetitions of about 1 s. `--quick`: 3 and 3 of 0.3 s. */
export function protocol(quick: boolean): Protocol {
  return quick
    ? { warmup: 3, warmupMs: 1000, reps: 3, minReps: 1, repMs: 300, budgetMs: 5000 }
    : { warmup: 10, warmupMs: 5000, reps: 7, minReps: 3, repMs: 1000, budgetMs: 60000 };
}

/** One warm-up step and one timed step: a check that a child runs, not a measurement (--smoke). */
export const SMOKE: Protocol = { warmup: 1, warmupMs: 0, reps: 1, minReps: 1, repMs: 0, budgetMs: 0 };

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export interface Rate {
  /** Median items per second over the repetitions. */
  perSecond: number;
  /** Steps in one repetition. */
  steps: number;
  /** Repetitions timed. */
  reps: number;
  /** Every repetition's rate, for the results file. */
  all: number[];
}

/**
 * Median rate of `step`, which handles `items` items (images, flops) per call. `sync`, where given,
 * waits for queued work (a GPU backend's `synchronize`): it runs after every warm-up step and at
 * the end of each repetition, inside the timing, so that steps queue within a repetition as they
 * do in a training loop (PyTorch's peers do the same with torch.cuda.synchronize).
 */
export async function measure(step: () => void | Promise<void>, items: number, p: Protocol, sync?: () => void): Promise<Rate> {
  const now = () => performance.now();
  const start = now();
  await step();
  sync?.();
  // The steps after the first, and when they began: the rate they give sizes the repetitions.
  let after = 0;
  let t = now();
  while (1 + after < p.warmup && (after === 0 || now() - t < p.warmupMs)) {
    await step();
    sync?.();
    after++;
  }
  const perStep = Math.max(after > 0 ? (now() - t) / after : t - start, 1e-4);
  const steps = Math.max(1, Math.round(p.repMs / perStep));
  const reps = Math.min(p.reps, Math.max(p.minReps, Math.floor(p.budgetMs / (steps * perStep))));
  const all: number[] = [];
  for (let r = 0; r < reps; r++) {
    t = now();
    for (let i = 0; i < steps; i++) await step();
    sync?.();
    all.push((items * steps * 1000) / (now() - t));
  }
  return { perSecond: median(all), steps, reps, all };
}

/** Command-line flags of a bench script: `--quick`, `--name value` pairs. */
export interface BenchArgs {
  quick: boolean;
  /** The value after `--name`; `def` where the flag is absent. A flag with no value after it is an error. */
  get(name: string): string | undefined;
  get(name: string, def: string): string;
}

export function childArgs(argv = process.argv.slice(2)): BenchArgs {
  function get(name: string): string | undefined;
  function get(name: string, def: string): string;
  function get(name: string, def?: string): string | undefined {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return def;
    if (i + 1 >= argv.length) throw new Error(`--${name} needs a value`);
    return argv[i + 1];
  }
  return { quick: argv.includes('--quick'), get };
}

/**
 * Node flags for the memory checks' children (`npm run bench`'s memory rows, `memory-long.ts`):
 * V8's young generation pinned at 2 MiB semi-spaces. Left adaptive, V8 sizes it by the allocation
 * rate and moves RSS by tens of MiB either way with no leak. Pinned at 16 MiB, RSS still stepped
 * by up to 13.5 MiB between samples, all of it in V8's 256 KiB pages (/proc/self/smaps) with the
 * heap in use flat, each step under the size of one semi-space. Pinned at 2 MiB no step above
 * 3.4 MiB was seen (bench/README.md, "The two levels").
 */
export const MEMORY_NODE_FLAGS = ['--expose-gc', '--min-semi-space-size=2', '--max-semi-space-size=2'];

/** Prints the child's result as the one JSON line bench/run.ts reads. */
export function emit(result: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(result) + '\n');
}

/** LeNet's input: one fixed batch of uniform [0, 1) pixels and labels in 0..9, from a small LCG. */
export function randomBatch(batch: number, seed = 1): { images: Float32Array; labels: Float32Array } {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const images = new Float32Array(batch * 28 * 28).map(next);
  const labels = new Float32Array(batch).map(() => Math.floor(next() * 10));
  return { images, labels };
}

/**
 * `fn` as a measured step: run through a replayer of `backend` (each call one CUDA graph, see
 * Backend.replayer) when `graphs` is set and the backend has one, else as it is. `stats()` says
 * how the calls ran (undefined without a replayer), and `destroy()` frees the graph.
 */
export function graphedStep(backend: Backend, graphs: boolean, what: string, fn: () => void):
  { step: () => void; stats: () => Replayer['stats'] | undefined; destroy: () => void } {
  const r = graphs ? backend.replayer?.(what) : undefined;
  if (!r) return { step: fn, stats: () => undefined, destroy: () => undefined };
  return { step: () => r.run(fn), stats: () => ({ ...r.stats }), destroy: () => r.destroy() };
}
