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
 * open). Nested specs (neurons, initializers, transformers, learning-rate policies) are objects the
 * schema does not detail; Cortado checks them when it reads the file, as it checks everything.
 */
import type { BaseConfig, LayerType } from './layer.js';
import type { ConfigReader } from './config.js';
import { probeFields, probeReads, type JsonSchema } from './field-probe.js';

export type { JsonSchema };

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

/** An object of the fields a probe recorded (required where they have no default). */
function objectSchema({ fields, complete }: ReturnType<typeof probeReads>): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [k, f] of fields) {
    properties[k] = f.schema;
    if (f.required) required.push(k);
  }
  return { type: 'object', properties, required, additionalProperties: !complete };
}

/** A coffee break that watches a validation statistic: its own required field, then `statistic` and `better`. */
function watcher(field: string, schema: JsonSchema): JsonSchema {
  return {
    type: 'object',
    additionalProperties: false,
    required: [field],
    properties: {
      [field]: schema,
      statistic: { type: 'string', minLength: 1, description: "A lounge statistic (default 'validation/accuracy'); needs `better`." },
      better: { enum: ['higher', 'lower'] },
    },
    dependentRequired: { statistic: ['better'] },
  };
}

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

/**
 * The JSON Schema of a net definition file (a list of layers, or { name, seed, solver, coffeeBreaks,
 * layers }). `readSolver`, the solver's settings reader run against a probe, details "solver"
 * (the CLI passes parseSolverConfig; without it "solver" is any object).
 */
export function definitionSchema(types: ReadonlyMap<string, LayerType<BaseConfig>>, readSolver?: (r: ConfigReader) => unknown): JsonSchema {
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
          solver: readSolver ? objectSchema(probeReads(readSolver)) : { type: 'object' },
          coffeeBreaks: {
            type: 'object',
            additionalProperties: false,
            properties: {
              summaryEvery: every, validateEvery: every, snapshotEvery: every,
              earlyStopping: watcher('patience', { type: 'integer', minimum: 1, description: 'Validations without improvement before stopping.' }),
              decayOnValidation: watcher('factor', { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'Learning-rate multiplier at each worse validation.' }),
            },
          },
          layers,
        },
      },
    ],
    $defs: defs,
  };
}

