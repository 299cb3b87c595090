/**
 * Axis ticks: "nice" steps (1, 2 or 5 times a power of ten) covering a range, and labels that
 * show as many decimals as the step needs.
 */

export interface Axis {
  /** The drawn range, widened to whole steps around the data. */
  lo: number;
  hi: number;
  step: number;
  ticks: number[];
}

/** The smallest nice step (1, 2, 5 × 10^e) that covers `span` in at most `count` steps. */
export function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const e = Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) {
    const step = m * 10 ** e;
    if (step >= raw * (1 - 1e-9)) return step;
  }
  return 10 ** (e + 1);
}

/**
 * An axis for data in [min, max] with about `count` intervals. An empty range (min = max) is
 * widened around its value so that a constant series still gets a scale.
 */
export function niceAxis(min: number, max: number, count = 5): Axis {
  if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) throw new RangeError(`axis: bad range [${min}, ${max}]`);
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.05;
    min -= pad;
    max += pad;
  }
  const step = niceStep(max - min, count);
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let i = 0; lo + i * step <= hi + step * 1e-9; i++) ticks.push(clean(lo + i * step, step));
  return { lo: clean(lo, step), hi: clean(hi, step), step, ticks };
}

/** A tick label: plain with the decimals the step needs, exponent form for tiny steps or huge values. */
export function formatTick(v: number, step: number): string {
  if (v === 0) return '0';
  if (step < 1e-6 * (1 - 1e-9) || Math.abs(v) >= 1e7) return trimExponent(v.toExponential(Math.max(0, exponentDigits(v, step))));
  return v.toFixed(Math.max(0, -Math.floor(Math.log10(step) + 1e-9)));
}

/** Rounds away float noise (0.30000000000000004) at the step's precision. */
function clean(v: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 2);
  return Number(v.toFixed(Math.min(decimals, 20)));
}

function exponentDigits(v: number, step: number): number {
  return Math.floor(Math.log10(Math.abs(v))) - Math.floor(Math.log10(step) + 1e-9);
}

function trimExponent(s: string): string {
  return s.replace('e+', 'e');
}
