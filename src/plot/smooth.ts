/**
 * Smoothing of a learning curve, for drawing a noisy statistic (the training loss) under a clearer
 * trend. Both keep the length of the series; the x values (iterations) stay as they are.
 */

/**
 * Centred moving average over a window of `k` points: y_i = mean(x_j) for j in
 * [i - floor((k - 1) / 2), i + ceil((k - 1) / 2)], clipped to the series (the ends average fewer
 * points). Centred, so that a falling curve is not drawn late. k = 1 returns a copy.
 */
export function movingAverage(values: readonly number[], k: number): number[] {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`moving average: window must be an integer >= 1, found ${k}`);
  const before = Math.floor((k - 1) / 2);
  const after = k - 1 - before;
  const prefix = new Float64Array(values.length + 1);
  for (let i = 0; i < values.length; i++) prefix[i + 1] = prefix[i] + values[i];
  return values.map((_, i) => {
    const lo = Math.max(0, i - before);
    const hi = Math.min(values.length, i + after + 1);
    return (prefix[hi] - prefix[lo]) / (hi - lo);
  });
}

/**
 * Exponential moving average with weight `beta` in [0, 1): y_0 = x_0, y_i = beta y_{i-1} +
 * (1 - beta) x_i (trailing: it lags a trend by about beta / (1 - beta) points). beta = 0 returns a
 * copy; beta near 1 smooths more.
 */
export function exponentialAverage(values: readonly number[], beta: number): number[] {
  if (!(beta >= 0 && beta < 1)) throw new RangeError(`exponential average: weight must be in [0, 1), found ${beta}`);
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = i === 0 ? values[0] : beta * out[i - 1] + (1 - beta) * values[i];
  return out;
}

/** How to smooth: none, a moving average of `window` points, or an exponential one of weight `beta`. */
export type Smoothing = { kind: 'none' } | { kind: 'moving'; window: number } | { kind: 'exponential'; beta: number };

/**
 * Reads a --smooth value: an integer K >= 1 is a moving average of K points (1: none), a number in
 * (0, 1) an exponential average of that weight. Returns null for anything else.
 */
export function parseSmoothing(text: string): Smoothing | null {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v)) return null;
  if (Number.isInteger(v) && v >= 1) return v === 1 ? { kind: 'none' } : { kind: 'moving', window: v };
  if (v > 0 && v < 1) return { kind: 'exponential', beta: v };
  return null;
}

export function smooth(values: readonly number[], s: Smoothing): number[] {
  switch (s.kind) {
    case 'none':
      return [...values];
    case 'moving':
      return movingAverage(values, s.window);
    case 'exponential':
      return exponentialAverage(values, s.beta);
  }
}
