/**
 * Yielding to the event loop during training, so that a page keeps painting and a Node process
 * keeps serving timers, sockets and signals while `Solver.run` goes on.
 *
 * `yieldToEventLoop()` resolves after the host has had one turn of its event loop: `setImmediate`
 * where it exists (Node: the timers, I/O and signal phases all run before it fires), else a
 * `MessageChannel` message (browsers and workers: a task, unclamped, between which the page may
 * render and run input handlers), else `setTimeout(0)` (clamped to ~4 ms after nesting, hence last).
 *
 * A `YieldBudget` says when to yield: after `ms` milliseconds of work since the last yield, or
 * after every `iterations` iterations, or never. Yielding changes nothing computed: the same
 * iterations run on the same data in the same order, only the wall-clock interleaving differs.
 */
import { ConfigError } from '../core/errors.js';

/** How often `Solver.run` yields: by time, by iterations, or never (`false`). */
export type YieldEvery = { ms: number } | { iterations: number } | false;

/** The default: yield after ~16 ms of work (one frame at 60 Hz), in browsers and in Node alike. */
export const DEFAULT_YIELD_EVERY: YieldEvery = { ms: 16 };

type Later = (f: () => void) => void;

const host = globalThis as unknown as {
  setImmediate?: (f: () => void) => unknown;
  MessageChannel?: new () => { port1: { onmessage: ((e: unknown) => void) | null; close(): void }; port2: { postMessage(m: unknown): void; close(): void } };
  setTimeout: (f: () => void, ms: number) => unknown;
};

let later: Later | undefined;

function pickLater(): Later {
  if (typeof host.setImmediate === 'function') {
    const si = host.setImmediate;
    return (f) => void si(f);
  }
  if (typeof host.MessageChannel === 'function') {
    // One channel for all yields; callbacks queue in order. Its port is never closed, which is
    // harmless in pages and workers (no process to keep alive).
    const queue: (() => void)[] = [];
    const ch = new host.MessageChannel();
    ch.port1.onmessage = () => queue.shift()?.();
    return (f) => {
      queue.push(f);
      ch.port2.postMessage(0);
    };
  }
  return (f) => void host.setTimeout(f, 0);
}

/** Resolves after one turn of the host's event loop (see the file comment for which primitive). */
export function yieldToEventLoop(): Promise<void> {
  later ??= pickLater();
  const l = later;
  return new Promise((resolve) => l(resolve));
}

/** Checks a `yieldEvery` setting; `where` names it in errors. */
export function parseYieldEvery(raw: unknown, where: string): YieldEvery {
  if (raw === undefined) return DEFAULT_YIELD_EVERY;
  if (raw === false) return false;
  const o = raw as Record<string, unknown>;
  const keys = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? Object.keys(o) : null;
  if (keys?.length === 1 && keys[0] === 'ms' && typeof o.ms === 'number' && Number.isFinite(o.ms) && o.ms >= 0) return { ms: o.ms };
  if (keys?.length === 1 && keys[0] === 'iterations' && Number.isInteger(o.iterations) && (o.iterations as number) >= 1) return { iterations: o.iterations as number };
  throw new ConfigError(`${where}: expected { ms: N } (N >= 0 milliseconds of work between yields), { iterations: N } (an integer N >= 1) or false (never yield), found ${JSON.stringify(raw)?.slice(0, 60)}`);
}

/** Decides, iteration by iteration, when `Solver.run` yields. */
export class YieldBudget {
  private since = 0;
  private count = 0;
  /** Yields taken so far. */
  yields = 0;

  constructor(readonly every: YieldEvery, private readonly now: () => number = () => performance.now()) {
    this.since = every && 'ms' in every ? now() : 0;
  }

  /** Call after each iteration: yields when the budget is spent, else resolves at once (no await needed). */
  async tick(): Promise<void> {
    const e = this.every;
    if (!e) return;
    if ('iterations' in e) {
      if (++this.count < e.iterations) return;
      this.count = 0;
    } else if (this.now() - this.since < e.ms) {
      return;
    }
    await yieldToEventLoop();
    this.yields++;
    if ('ms' in e) this.since = this.now();
  }
}
