/**
 * FieldProbe: a ConfigReader that never fails, answers every read with the default (or nothing)
 * and records the fields read, with their kinds and whether they have a default. Running a layer
 * type's `parse` against it lists the fields that type reads: the JSON Schema (schema.ts) and the
 * unknown-field check before a missing-field error (parseLayerConfig) use it.
 */
import { ConfigReader } from './config.js';

/** The subset of JSON Schema that schema.ts writes. */
export type JsonSchema = { [key: string]: unknown };

export interface Field {
  schema: JsonSchema;
  required: boolean;
}

/** What probeFields needs of a layer type (LayerType, without importing layer.ts). */
export interface ProbedType {
  readonly type: string;
  parse(r: ConfigReader, base: { type: string; name: string; bottoms: string[]; tops: string[]; paramKey: string; params: { lrMult: number; decayMult: number }[] }): unknown;
}

const cache = new WeakMap<ProbedType, { fields: Map<string, Field>; complete: boolean }>();

/** The fields `lt.parse` reads (cached per type), and whether the probe saw the whole parse (false: it stopped early). */
export function knownFields(lt: ProbedType): { fields: Map<string, Field>; complete: boolean } {
  let r = cache.get(lt);
  if (!r) cache.set(lt, (r = probeFields(lt)));
  return r;
}

/** A ConfigReader that never fails and records what `parse` reads (see the module comment). */
class FieldProbe extends ConfigReader {
  readonly fields = new Map<string, Field>();

  constructor() {
    super({}, 'probe');
  }

  /** Keys asked about with `has`: read only when given, so never required. */
  private readonly optional = new Set<string>();
  /** Whether the reader's owner called finish (its reads are all done). */
  finished = false;

  private note(key: string, schema: JsonSchema, def: unknown): void {
    if (!this.fields.has(key)) this.fields.set(key, { schema, required: def === undefined && !this.optional.has(key) });
  }

  /** Says every field is given, so that fields read only when given are read (and recorded) too. */
  override has(key: string): boolean {
    this.optional.add(key);
    return true;
  }

  override finish(): void {
    this.finished = true;
  }

  override fail(): never {
    return undefined as never;
  }

  override accept(...keys: string[]): void {
    for (const k of keys) this.note(k, {}, null);
    super.accept(...keys);
  }

  override int(key: string, def?: number, rule?: object): number {
    this.note(key, { type: 'integer' }, def);
    return super.int(key, def, rule);
  }

  override number(key: string, def?: number, rule?: object): number {
    this.note(key, { type: 'number' }, def);
    return super.number(key, def, rule);
  }

  override bool(key: string, def: boolean): boolean {
    this.note(key, { type: 'boolean' }, def);
    return super.bool(key, def);
  }

  override string(key: string, def?: string): string {
    this.note(key, { type: 'string', minLength: 1 }, def);
    return super.string(key, def);
  }

  override optionalString(key: string): string | undefined {
    this.note(key, { type: 'string', minLength: 1 }, null);
    return super.optionalString(key);
  }

  override oneOf<T extends string>(key: string, choices: readonly T[], def?: T): T {
    this.note(key, { enum: [...choices] }, def);
    return super.oneOf(key, choices, def);
  }

  override strings(key: string, def?: string[]): string[] {
    this.note(key, { type: 'array', items: { type: 'string', minLength: 1 } }, def);
    return super.strings(key, def);
  }

  override numbers(key: string, def?: number[], rule?: object): number[] {
    this.note(key, { type: 'array', items: { type: 'number' } }, def);
    return super.numbers(key, def, rule);
  }

  override pair(key: string, def?: number, rule?: object): [number, number] {
    this.note(key, { anyOf: [{ type: 'integer' }, { type: 'array', items: { type: 'integer' }, minItems: 2, maxItems: 2 }] }, def);
    return super.pair(key, def, rule);
  }

  override custom<T>(key: string, parse: (raw: unknown, where: string) => T): T {
    this.note(key, {}, null);
    try {
      return super.custom(key, parse);
    } catch {
      return undefined as T;
    }
  }

  override object(key: string): ConfigReader | undefined {
    this.note(key, { type: 'object' }, null);
    return undefined;
  }
}

/** Runs the probe: the fields `lt.parse` reads, and whether the probe saw the whole parse (false: it stopped early). */
export function probeFields(lt: ProbedType): { fields: Map<string, Field>; complete: boolean } {
  const base = { type: lt.type, name: 'probe', bottoms: [], tops: [], paramKey: 'probe', params: [] };
  return probeReads((r) => lt.parse(r, base));
}

/** The fields that `read` reads from the reader it is given (a FieldProbe), and whether it ran to its end. */
export function probeReads(read: (r: ConfigReader) => unknown): { fields: Map<string, Field>; complete: boolean } {
  const probe = new FieldProbe();
  try {
    read(probe);
    return { fields: probe.fields, complete: true };
  } catch {
    // Checks after finish (the solver's) may fail on the probe's empty answers: the reads are done.
    return { fields: probe.fields, complete: probe.finished };
  }
}
