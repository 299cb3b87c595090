/**
 * A JSON Schema (draft 2020-12) of net definition files, generated at run time from the layer
 * registry: each layer type's `parse` runs once against a FieldProbe, a ConfigReader that answers
 * every read with the default (or nothing) and records the fields read, with their kinds (integer,
 * number, boolean, string, a choice, lists, [h, w] pairs, nested specs) and whether they have a
 * default. So the schema names the fields the layers really read, and cannot drift from them.
 *
 * Limits, by construction: a field read only when another field has some value (none today in
 * the standard layers, which the examples' test would show) is missed; when a parse stops early
 * on the empty probe, that type's schema allows other fields too (`additionalProperties` is left
 * open). Nested specs (neurons, initializers, transformers) and the solver settings are objects
 * the schema does not detail; Cortado checks them when it reads the file, as it checks everything.
 */
import { ConfigReader } from './config.js';
import type { BaseConfig, LayerType } from './layer.js';

/** The subset of JSON Schema this module writes (and test/core/schema.test.ts validates with). */
export type JsonSchema = { [key: string]: unknown };

interface Field {
  schema: JsonSchema;
  required: boolean;
}

/** A ConfigReader that never fails and records what `parse` reads (see the module comment). */
class FieldProbe extends ConfigReader {
  readonly fields = new Map<string, Field>();

  constructor() {
    super({}, 'probe');
  }

  private note(key: string, schema: JsonSchema, def: unknown): void {
    if (!this.fields.has(key)) this.fields.set(key, { schema, required: def === undefined });
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

/** The fields `lt.parse` reads, and whether the probe saw the whole parse (false: it stopped early). */
export function probeFields(lt: LayerType<BaseConfig>): { fields: Map<string, Field>; complete: boolean } {
  const probe = new FieldProbe();
  const base: BaseConfig = { type: lt.type, name: 'probe', bottoms: [], tops: [], paramKey: 'probe', params: [] };
  try {
    lt.parse(probe, base);
    return { fields: probe.fields, complete: true };
  } catch {
    return { fields: probe.fields, complete: false };
  }
}

const COMMON: Record<string, JsonSchema> = {
  type: { type: 'string' },
  name: { type: 'string', minLength: 1, description: 'The layer name, unique in the net; parameter keys are <name>___<param>.' },
  bottoms: { type: 'array', items: { type: 'string', minLength: 1 } },
  tops: { type: 'array', items: { type: 'string', minLength: 1 } },
  include: { type: 'object', properties: { phase: { enum: ['train', 'test'] } }, required: ['phase'], additionalProperties: false },
  exclude: { type: 'object', properties: { phase: { enum: ['train', 'test'] } }, required: ['phase'], additionalProperties: false },
  paramKey: { type: 'string', minLength: 1 },
  params: { type: 'array', items: { type: 'object', properties: { lrMult: { type: 'number', minimum: 0 }, decayMult: { type: 'number', minimum: 0 } }, additionalProperties: false } },
};

/** Fields a definition file may hold that Node resolves before the layer reads it. */
const EXTRA: Record<string, Record<string, JsonSchema>> = {
  MemoryData: { source: { type: 'string', description: '"mnist:train", "mnist:test" or "cifar10:<dir>/<file.bin>[,...]" (resolved in Node).' } },
};

/** The schema of one layer type's definition. */
export function layerSchema(lt: LayerType<BaseConfig>): JsonSchema {
  const { fields, complete } = probeFields(lt);
  const properties: Record<string, JsonSchema> = { ...COMMON, type: { const: lt.type } };
  const required = ['type', 'name'];
  for (const [k, f] of fields) {
    if (k in COMMON) continue;
    properties[k] = f.schema;
    if (f.required) required.push(k);
  }
  Object.assign(properties, EXTRA[lt.type] ?? {});
  // MemoryData's data may come from `source` instead.
  const req = lt.type === 'MemoryData' ? required.filter((k) => k !== 'data') : required;
  return { type: 'object', properties, required: req, additionalProperties: !complete };
}

/** The JSON Schema of a net definition file (a list of layers, or { name, seed, solver, coffeeBreaks, layers }). */
export function definitionSchema(types: ReadonlyMap<string, LayerType<BaseConfig>>): JsonSchema {
  const names = [...types.keys()].sort();
  const defs: Record<string, JsonSchema> = {};
  for (const n of names) defs[n] = layerSchema(types.get(n)!);
  defs.layer = {
    type: 'object',
    required: ['type', 'name'],
    properties: { type: { enum: names } },
    allOf: names.map((n) => ({ if: { properties: { type: { const: n } }, required: ['type'] }, then: { $ref: `#/$defs/${n}` } })),
  };
  const layers = { type: 'array', items: { $ref: '#/$defs/layer' } };
  const every = { type: 'integer', minimum: 0 };
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'Cortado net definition',
    description: 'Generated by `cortado schema` from the layer registry.',
    anyOf: [
      layers,
      {
        type: 'object',
        required: ['layers'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1 },
          seed: { type: 'integer', minimum: 0, maximum: 4294967295 },
          solver: { type: 'object', description: 'Solver settings (SolverConfig: baseLr, maxIter, method, lrPolicy, momentum, ...), checked when read.' },
          coffeeBreaks: { type: 'object', additionalProperties: false, properties: { summaryEvery: every, validateEvery: every, snapshotEvery: every } },
          layers,
        },
      },
    ],
    $defs: defs,
  };
}

