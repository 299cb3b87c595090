/** cortado schema: the JSON Schema generated from the layer registry accepts every example definition and refuses typos. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeLayerTypes } from '../../src/node/layers.js';
import { validate } from './json-schema.js';

const root = resolve(fileURLToPath(import.meta.url), '../../../..');

function jsonFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    // A run's output, downloaded data and snapshots (git-ignored) are not definitions.
    if (statSync(path).isDirectory()) {
      if (!['output', 'data', 'snapshots'].includes(name)) jsonFiles(path, out);
    }
    else if (name.endsWith('.json')) out.push(path);
  }
  return out;
}

const r = spawnSync(process.execPath, [join(root, 'dist/src/node/cli/main.js'), 'schema'], { encoding: 'utf8' });
const schema = JSON.parse(r.stdout) as Record<string, unknown>;

test("cortado schema prints a schema naming every layer type of Node's set", () => {
  assert.equal(r.status, 0, r.stderr);
  const layer = (schema.$defs as Record<string, { properties: { type: { enum: string[] } } }>).layer!;
  assert.deepEqual(layer.properties.type.enum, [...nodeLayerTypes.keys()].sort());
  const ip = (schema.$defs as Record<string, { properties: Record<string, unknown>; required: string[]; additionalProperties: boolean }>).InnerProduct!;
  assert.deepEqual(ip.properties.numOutput, { type: 'integer' });
  assert.deepEqual(ip.required, ['type', 'name', 'numOutput']);
  assert.equal(ip.additionalProperties, false);
});

test('every example definition (examples/**/*.json) is valid against the schema', () => {
  const files = jsonFiles(join(root, 'examples'));
  assert.ok(files.length >= 5, files.join(', '));
  for (const file of files) {
    const errors = validate(schema, JSON.parse(readFileSync(file, 'utf8')));
    assert.deepEqual(errors, [], relative(root, file));
  }
});

test('the schema refuses an unknown type, a misspelt or snake_case field, a missing required field and a wrong value type', () => {
  const ip = (extra: Record<string, unknown>) => [{ type: 'InnerProduct', name: 'ip', bottoms: ['x'], tops: ['y'], ...extra }];
  assert.deepEqual(validate(schema, ip({ numOutput: 2 })), []);
  assert.ok(validate(schema, [{ type: 'InnerProdcut', name: 'ip', numOutput: 2 }]).some((e) => /expected one of/.test(e)));
  assert.ok(validate(schema, ip({ numOutput: 2, numOuput: 3 })).some((e) => /unknown field "numOuput"/.test(e)));
  assert.ok(validate(schema, ip({ num_output: 2 })).some((e) => /missing field "numOutput"/.test(e)));
  assert.ok(validate(schema, ip({ numOutput: '2' })).some((e) => /expected integer, found string/.test(e)));
  assert.ok(validate(schema, { layers: ip({ numOutput: 2 }), solvr: {} }).length > 0);
  const solver = (settings: Record<string, unknown>) => validate(schema, { layers: ip({ numOutput: 2 }), solver: settings });
  assert.deepEqual(solver({ baseLr: 0.1, maxIter: 10, lrPolicy: { type: 'inv', gamma: 1e-4, power: 0.75 } }), []);
  assert.ok(solver({ baseLR: 0.1, maxIter: 10 }).some((e) => /unknown field "baseLR"/.test(e)));
  assert.ok(solver({ baseLr: 0.1, maxIter: 10, method: 'Adamm' }).some((e) => /expected one of/.test(e)));
});
