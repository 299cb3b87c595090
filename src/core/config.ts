/**
 * Reading plain-JSON layer and solver definitions: every field is typed, checked and defaulted in
 * one place, and a field the reader never asked for is reported as unknown (a typo such as
 * `kernal` is an error, not a silently ignored setting).
 */
import { ConfigError } from './errors.js';
import { MAX_INT32 } from './limits.js';

export type Raw = Record<string, unknown>;

declare const untypedMark: unique symbol;
/**
 * Settings whose shape is known only at run time (a Raw value read from JSON): nothing is checked
 * at compile time, the ConfigReader checks every field when they are read. A literal object does
 * not fit it unless it fits the typed form, so `new Solver(net, { baseLR: 0.1 })` is a compile error.
 */
export interface Untyped {
  readonly [untypedMark]?: never;
}

interface NumberRule {
  min?: number;
  max?: number;
  /** Strictly greater than. */
  above?: number;
}

export class ConfigReader {
  private readonly used = new Set<string>();

  /** `where` prefixes every message, e.g. `layer "conv1" (Convolution)`. */
  constructor(readonly raw: Raw, readonly where: string) {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new ConfigError(`${where}: expected an object, found ${describe(raw)}`);
    }
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined;
  }

  /** Marks keys as read without reading them (fields handled elsewhere). */
  accept(...keys: string[]): void {
    for (const k of keys) this.used.add(k);
  }

  protected get(key: string): unknown {
    this.used.add(key);
    return this.raw[key];
  }

  fail(key: string, expected: string, found: unknown): never {
    if (found === undefined && expected.startsWith('given')) this.unknownMeant(key);
    throw new ConfigError(`${this.where}: field "${key}" must be ${expected}, found ${describe(found)}`);
  }

  number(key: string, def?: number, rule: NumberRule = {}): number {
    const v = this.get(key);
    if (v === undefined) {
      if (def === undefined) this.fail(key, 'given (a number)', v);
      return def;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(key, 'a finite number', v);
    checkRange(this, key, v, rule);
    return v;
  }

  /**
   * An integer; unless `rule` sets a bound, it lies in [-MAX_INT32, MAX_INT32] (2^31 - 1, see
   * limits.ts), and it is always a safe integer.
   */
  int(key: string, def?: number, rule: NumberRule = {}): number {
    const v = this.number(key, def, rule);
    if (!Number.isInteger(v)) this.fail(key, 'an integer', v);
    checkInt32(this, key, v, rule);
    if (!Number.isSafeInteger(v)) this.fail(key, 'an integer of at most 2^53 - 1', v);
    return v;
  }

  bool(key: string, def: boolean): boolean {
    const v = this.get(key);
    if (v === undefined) return def;
    if (typeof v !== 'boolean') this.fail(key, 'true or false', v);
    return v;
  }

  string(key: string, def?: string): string {
    const v = this.get(key);
    if (v === undefined) {
      if (def === undefined) this.fail(key, 'given (a string)', v);
      return def;
    }
    if (typeof v !== 'string' || v.length === 0) this.fail(key, 'a non-empty string', v);
    return v;
  }

  optionalString(key: string): string | undefined {
    return this.has(key) ? this.string(key) : (this.used.add(key), undefined);
  }

  oneOf<T extends string>(key: string, choices: readonly T[], def?: T): T {
    const v = this.string(key, def);
    if (!choices.includes(v as T)) this.fail(key, `one of ${choices.map((c) => `'${c}'`).join(', ')}`, v);
    return v as T;
  }

  strings(key: string, def?: string[]): string[] {
    const v = this.get(key);
    if (v === undefined) {
      if (def === undefined) this.fail(key, 'given (a list of names)', v);
      return def;
    }
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string' || s.length === 0)) {
      this.fail(key, 'a list of non-empty strings', v);
    }
    return v as string[];
  }

  numbers(key: string, def?: number[], rule: NumberRule = {}): number[] {
    const v = this.get(key);
    if (v === undefined) {
      if (def === undefined) this.fail(key, 'given (a list of numbers)', v);
      return def;
    }
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
      this.fail(key, 'a list of finite numbers', v);
    }
    for (const x of v as number[]) checkRange(this, key, x, rule);
    return v as number[];
  }

  /** A 2-d size given as one number for both axes or as [h, w]. */
  pair(key: string, def?: number, rule: NumberRule = {}): [number, number] {
    const v = this.get(key);
    if (v === undefined) {
      if (def === undefined) this.fail(key, 'given (a number or [h, w])', v);
      return [def, def];
    }
    const hw = typeof v === 'number' ? [v, v] : v;
    if (!Array.isArray(hw) || hw.length !== 2 || hw.some((x) => typeof x !== 'number' || !Number.isInteger(x))) {
      this.fail(key, 'an integer or a pair [h, w] of integers', v);
    }
    for (const x of hw as number[]) {
      checkRange(this, key, x, rule);
      checkInt32(this, key, x, rule);
    }
    return [hw[0] as number, hw[1] as number];
  }

  /**
   * A field read by its own parser (an initializer, a constraint, a policy...), which gets the raw
   * value (undefined when absent) and where it stands for its messages.
   */
  custom<T>(key: string, parse: (raw: unknown, where: string) => T): T {
    return parse(this.get(key), `${this.where}, field "${key}"`);
  }

  /** A nested object, read by its own reader. */
  object(key: string): ConfigReader | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    return new ConfigReader(v as Raw, `${this.where}, field "${key}"`);
  }

  /**
   * Throws on any key never read, naming the field meant where one is close (`kernal`: "kernel")
   * and Cortado's spelling of a Caffe snake_case name (`num_output`: "numOutput").
   */
  finish(): void {
    this.throwUnknown(this.unread(), [...this.used]);
  }

  /**
   * Throws on any unread key that is not among `known` either (the fields the reader would have
   * read had it gone on: FieldProbe's list), naming the field meant where one is close.
   */
  rejectUnknownBesides(known: readonly string[]): void {
    this.throwUnknown(this.unread().filter((k) => !known.includes(k)), [...this.used, ...known]);
  }

  private unread(): string[] {
    return Object.keys(this.raw).filter((k) => !this.used.has(k) && this.raw[k] !== undefined);
  }

  /**
   * Called when required field `key` is missing: an unread field that is a misspelling of it
   * (`numOuput`, `num_output`) is reported as unknown first, since that is the user's real mistake.
   */
  private unknownMeant(key: string): void {
    const meant = this.unread().filter((k) => camelCase(k) === key || closest(k, [key]) === key);
    if (meant.length > 0) this.throwUnknown(meant, [...this.used, key]);
  }

  private throwUnknown(unknown: string[], known: string[]): void {
    if (unknown.length === 0) return;
    const named = unknown.map((k) => {
      const camel = camelCase(k);
      if (camel !== k && known.includes(camel)) return `"${k}" (Caffe's snake_case spelling; Cortado's is "${camel}")`;
      const near = closest(k, known);
      return near ? `"${k}" (did you mean "${near}"?)` : `"${k}"`;
    });
    throw new ConfigError(`${this.where}: unknown field${unknown.length > 1 ? 's' : ''} ${named.join(', ')}`);
  }
}

/** `num_output` → `numOutput`; a name without underscores is returned as is. */
export function camelCase(name: string): string {
  return name.replace(/_+([a-zA-Z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** The name among `known` within 2 edits of `key` (case ignored), the nearest first; undefined if none. */
export function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD && k !== key) [best, bestD] = [k, d];
  }
  return best;
}

/** Levenshtein distance (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/** The default bounds of integer fields: [-MAX_INT32, MAX_INT32] where the rule sets none. */
function checkInt32(r: ConfigReader, key: string, v: number, rule: NumberRule): void {
  if (rule.max === undefined && v > MAX_INT32) r.fail(key, `<= ${MAX_INT32} (2^31 - 1)`, v);
  if (rule.min === undefined && rule.above === undefined && v < -MAX_INT32) r.fail(key, `>= -${MAX_INT32}`, v);
}

function checkRange(r: ConfigReader, key: string, v: number, rule: NumberRule): void {
  if (rule.min !== undefined && v < rule.min) r.fail(key, `>= ${rule.min}`, v);
  if (rule.max !== undefined && v > rule.max) r.fail(key, `<= ${rule.max}`, v);
  if (rule.above !== undefined && v <= rule.above) r.fail(key, `> ${rule.above}`, v);
}

/**
 * A value as a message shows it: JSON, except that NaN, Infinity and -Infinity (which JSON writes
 * as null) and bigints show as themselves, and long values are cut at 60 characters.
 */
export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return `"${v}"`;
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);  // String(-0) is "0"
  if (typeof v === 'bigint') return String(v);
  try {
    const mark = '\u0000';
    const s = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' && !Number.isFinite(x)) || typeof x === 'bigint' ? `${mark}${String(x)}${mark}` : x);
    if (s === undefined) return String(v);
    const shown = s.replace(/"\\u0000([^"]*)\\u0000"/g, '$1');
    return shown.length > 60 ? shown.slice(0, 57) + '...' : shown;
  } catch {
    return String(v);
  }
}
