/**
 * Field mutations of plain-JSON configs (layer definitions, solver settings): delete a field,
 * rename it (snake_case, typos), give it a value of the wrong type or an absurd number, add an
 * unknown field. Each mutation says whether it makes the input invalid by construction, so that
 * accepting the result can be counted as a silent acceptance.
 */
import type { FuzzRng } from './random.js';
import type { Validity } from './outcome.js';

export type Json = Record<string, unknown>;

export interface Mutation {
  desc: string;
  validity: Validity;
  /** The field it changed, as `<where>.<key>` (set by mutateFields); a renamed field's new name. */
  path?: string;
  /** A renamed field's old path: the rename undoes marks on it too. */
  from?: string;
}

/** Values that no numeric, string or list field should take without a word. */
const WEIRD: readonly unknown[] = ['x', '', NaN, Infinity, -Infinity, -1, 0, 2.5, 2 ** 31, 2 ** 53 + 2, 1e308, -1e308, {}, [], null, true, [1, 2, 3, 4], '3'];
/** Fields whose value must be a positive integer (pad: non-negative). */
const SIZE_KEYS = new Set(['numOutput', 'batchSize', 'kernel', 'stride', 'pad', 'dilation', 'group', 'chunkSize', 'maxIter', 'iterSize', 'stepsize', 'checkLossEvery']);
/** Fields whose range is known: the test says whether a number is in it. */
const RANGES: Record<string, (v: number) => boolean> = {
  ratio: (v) => v >= 0 && v < 1, eps: (v) => v > 0, movingAverageFraction: (v) => v >= 0 && v <= 1,
  baseLr: (v) => v > 0, momentum: (v) => v >= 0 && v <= 1, weightDecay: (v) => v >= 0, delta: (v) => v > 0,
  rmsDecay: (v) => v >= 0 && v <= 1, beta1: (v) => v >= 0 && v < 1, beta2: (v) => v >= 0 && v <= 1, epsilon: (v) => v > 0,
  clipGradients: (v) => v > 0, lrMult: (v) => v >= 0, decayMult: (v) => v >= 0,
};
const ZERO_OK = new Set(['pad', 'stepsize', 'maxIter', 'checkLossEvery']);
const STRING_KEYS = new Set(['type', 'name', 'method', 'operation', 'regularization']);

export function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** A one-letter typo of `key`: a letter dropped, doubled or two letters swapped. */
export function typo(key: string, rng: FuzzRng): string {
  const i = rng.int(0, Math.max(0, key.length - 2));
  const kind = rng.int(0, 2);
  if (kind === 0 && key.length > 1) return key.slice(0, i) + key.slice(i + 1);
  if (kind === 1) return key.slice(0, i + 1) + key[i] + key.slice(i + 1);
  return key.slice(0, i) + (key[i + 1] ?? '') + key[i] + key.slice(i + 2);
}

/** Whether `value` for field `key`, whose valid value was `was`, is invalid by construction. */
function invalidValue(key: string, was: unknown, value: unknown): boolean {
  if (typeof was === 'number') {
    if (typeof value !== 'number') return !(Array.isArray(value) && value.length > 0 && value.length <= 2 && key !== 'numOutput');
    if (!Number.isFinite(value)) return true;
    // 0 is valid for these: no padding, the sigmoid policy's centre, a run of no iterations, no loss check.
    if (SIZE_KEYS.has(key)) return !Number.isInteger(value) || value < (ZERO_OK.has(key) ? 0 : 1);
    return RANGES[key] ? !RANGES[key](value) : false;
  }
  if (typeof was === 'string' && STRING_KEYS.has(key)) return typeof value !== 'string' || (key === 'type' && value !== was) || (key !== 'name' && value === '');
  if (typeof was === 'boolean') return typeof value !== 'boolean';
  if (Array.isArray(was) && (key === 'tops' || key === 'bottoms')) return !Array.isArray(value) && typeof value !== 'string';
  return false;
}

/** Applies one random field mutation to `obj` (in place). */
export function mutateFields(obj: Json, rng: FuzzRng, where: string): Mutation {
  const m = mutateField(obj, rng, where);
  // The field the result's validity hangs on: a renamed field's new name (deleting it undoes it).
  const quoted = [...m.desc.slice(where.length).matchAll(/"([^"]*)"/g)].map((q) => q[1]);
  const renamed = m.desc.includes(': rename "');
  const key = renamed ? quoted[1] : quoted[0];
  return { ...m, path: `${where}.${key ?? ''}`, ...(renamed && { from: `${where}.${quoted[0]}` }) };
}

/** A fresh copy of a WEIRD value, so that later mutations never change the table (or make cycles). */
function fresh(value: unknown): unknown {
  return Array.isArray(value) ? [...value] : value && typeof value === 'object' ? {} : value;
}

function mutateField(obj: Json, rng: FuzzRng, where: string): Mutation {
  const keys = Object.keys(obj);
  const key = keys.length > 0 ? rng.pick(keys) : 'x';
  const was = obj[key];
  switch (rng.int(0, 5)) {
    case 0: {
      delete obj[key];
      return { desc: `${where}: delete "${key}"`, validity: key === 'type' ? 'invalid' : 'unknown' };
    }
    case 1: {
      const to = rng.chance(0.5) ? snakeCase(key) : typo(key, rng);
      if (to === key || to in obj) return mutateField(obj, rng, where);
      obj[to] = was;
      delete obj[key];
      return { desc: `${where}: rename "${key}" to "${to}"`, validity: 'invalid' };
    }
    case 2:
    case 3: {
      const value = rng.pick(WEIRD);
      obj[key] = fresh(value);
      return { desc: `${where}: "${key}" = ${show(value)}`, validity: invalidValue(key, was, value) ? 'invalid' : 'unknown' };
    }
    case 4: {
      const value = rng.pick([2 ** 20, 2 ** 24, 1e9, 2 ** 31 - 1, 2 ** 31, 2 ** 40]);
      const big = rng.pick(keys.filter((k) => SIZE_KEYS.has(k)).concat(key));
      const before = obj[big];
      obj[big] = value;
      const mismatch = typeof before === 'string' || typeof before === 'boolean' || Array.isArray(before);
      return { desc: `${where}: "${big}" = ${show(value)} (huge)`, validity: mismatch ? 'invalid' : 'unknown' };
    }
    default: {
      const unknown = rng.pick(['kernal', 'snapshotEvry', 'num_output', 'bottom', 'top', 'lr_mult', '__proto__x', 'constructor']);
      if (unknown in obj) return mutateField(obj, rng, where);
      obj[unknown] = fresh(rng.pick(WEIRD));
      return { desc: `${where}: add unknown field "${unknown}"`, validity: 'invalid' };
    }
  }
}

/** A value as JSON shows it, with NaN and the infinities spelled out. */
export function show(v: unknown): string {
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  return JSON.stringify(v) ?? String(v);
}
