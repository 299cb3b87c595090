/** Forward references of the deterministic data layers: what their first forward serves. */
import { count, field, type ForwardReference } from './common.js';

/** MemoryData without shuffling: top_k[b] = scale_k × entry_k[b mod N] for b < batchSize. */
export const memoryData: ForwardReference = (_x, _p, row) => {
  const batch = field(row, 'batchSize', 0);
  const entries = field<{ values: ArrayLike<number>; shape: number[]; scale?: number }[]>(row, 'data', []);
  return entries.map((e) => {
    const per = count(e.shape.slice(1));
    const y = new Float64Array(batch * per);
    for (let b = 0; b < batch; b++) for (let j = 0; j < per; j++) y[b * per + j] = (e.scale ?? 1) * e.values[(b % e.shape[0]) * per + j];
    return y;
  });
};

/**
 * SequenceData's first window (position 0): with S = floor((L - 1) / N) tokens per stream,
 * data[t, n] = tokens[n S + t], label[t, n] = tokens[n S + t + 1], cont[t, n] = t > 0.
 */
export const sequenceData: ForwardReference = (_x, _p, row) => {
  const tokens = field<ArrayLike<number>>(row, 'tokens', []);
  const [T, N] = [field(row, 'timeSteps', 0), field(row, 'streams', 0)];
  const S = Math.floor((tokens.length - 1) / N);
  const [data, cont, label] = [new Float64Array(T * N), new Float64Array(T * N), new Float64Array(T * N)];
  for (let t = 0; t < T; t++) for (let n = 0; n < N; n++) {
    data[t * N + n] = tokens[n * S + t];
    label[t * N + n] = tokens[n * S + t + 1];
    cont[t * N + n] = t > 0 ? 1 : 0;
  }
  return [data, cont, label];
};
