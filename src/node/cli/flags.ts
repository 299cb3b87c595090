/**
 * Command-line flags: parsing with node:util's parseArgs, numbers read strictly.
 *
 * A numeric flag takes a plain decimal number: digits, an optional fraction and exponent
 * (`200`, `0.01`, `1e-4`, `-1`); `""`, `0x10`, `1_000`, `Infinity` and `12abc` are refused
 * naming the flag. A negative value may follow its flag as the next argument (`--gamma -1`) or
 * be joined to it (`--gamma=-1`). Flags that count things take integers, written with digits only
 * (`1000`, not `1e3`).
 */
import { parseArgs } from 'node:util';

/** A bad command line: the command prints the message and its usage, and exits with status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const NEGATIVE = /^-(\d|\.\d)/;

/** Flags by name: each takes a value (string) or none (boolean). */
export type FlagSpec = Record<string, { type: 'string' | 'boolean' }>;
/** Values of the flags given. */
export type FlagValues<O extends FlagSpec> = { [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string };

/**
 * parseArgs in strict mode, with `--flag -1` read as `--flag=-1` for string flags, and parseArgs's
 * own errors (unknown flag, missing value) turned into UsageErrors.
 */
export function parseFlags<O extends FlagSpec>(args: readonly string[], options: O): { values: FlagValues<O>; positionals: string[] } {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const name = a.startsWith('--') && !a.includes('=') ? a.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === 'string' && i + 1 < args.length && NEGATIVE.test(args[i + 1]!)) {
      joined.push(`${a}=${args[++i]}`);
    } else joined.push(a);
  }
  try {
    const { values, positionals } = parseArgs({ args: joined, options, allowPositionals: true, strict: true });
    return { values: values as FlagValues<O>, positionals };
  } catch (e) {
    if (String((e as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS')) throw new UsageError((e as Error).message);
    throw e;
  }
}

/** `value` of flag `--name` as a number, or undefined when the flag is absent. */
export function decimalFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const x = Number(value);
  if (!DECIMAL.test(value) || !Number.isFinite(x)) throw new UsageError(`--${name} must be a decimal number, found ${JSON.stringify(value)}`);
  return x;
}

/** `value` of flag `--name` as an integer in [min, max], or undefined when the flag is absent. */
export function integerFlag(name: string, value: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const x = /^[+-]?\d+$/.test(value) ? Number(value) : NaN;
  // A minus sign where no value is negative is a mistake, even on zero ("-0").
  if (!Number.isInteger(x) || x < min || x > max || (min >= 0 && value.startsWith('-'))) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`--${name} must be an integer ${range}, found ${JSON.stringify(value)}`);
  }
  return x + 0; // -0 as 0
}

/**
 * The iteration to train to, from `--max-iter` (Caffe's and `cortado train`'s name) or its alias
 * `--iterations` (the examples' former name); an integer >= `min`. Both given with different values
 * is a UsageError. Undefined when neither is given.
 */
export function iterationsFlag(f: { 'max-iter'?: string; iterations?: string }, min = 1): number | undefined {
  const maxIter = integerFlag('max-iter', f['max-iter'], min);
  const iterations = integerFlag('iterations', f.iterations, min);
  if (maxIter !== undefined && iterations !== undefined && maxIter !== iterations) {
    throw new UsageError(`--max-iter ${maxIter} and its alias --iterations ${iterations} disagree; give one`);
  }
  return maxIter ?? iterations;
}
