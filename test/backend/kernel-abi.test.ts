/**
 * The enumerations the C++ and CUDA kernels take are defined once for TypeScript
 * (src/backend/kernel-abi.ts) and once per compiler (native/include/cortado.h for the addon and
 * cortado.wasm, native/cuda/kernels/common.cuh for NVRTC): this test fails when they drift, and when
 * a kernel compares an enumeration with a bare number instead of its name; also the error codes
 * the CUDA kernels leave in their flag (common.cuh) against DEVICE_ERROR.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BINARY_OP, DEVICE_ERROR, NEURON_OP, NORMALIZATION, POOL_METHOD, UNARY_OP } from '../../src/backend/kernel-abi.js';

const root = resolve(fileURLToPath(import.meta.url), '../../../..');

/** `enum Name [: type] { kA = 0, kB = 1 };` in `text`: each enum's values in order, by name. */
function enums(text: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const m of text.matchAll(/enum\s+(\w+)\s*(?::\s*\w+\s*)?\{([^}]*)\}/g)) {
    out.set(m[1]!, m[2]!.split(',').map((e) => e.trim()).filter(Boolean).map((e) => Number(/=\s*(-?\d+)/.exec(e)?.[1] ?? NaN)));
  }
  return out;
}

const TABLES: Record<string, Record<string, number>> = { BinaryOp: BINARY_OP, UnaryOp: UNARY_OP, NeuronOp: NEURON_OP, PoolMethod: POOL_METHOD, Normalization: NORMALIZATION };
/** What the CUDA kernels take: two of the C++ enumerations, and the codes they leave in the error flag. */
const CUDA_TABLES: Record<string, Record<string, number>> = { NeuronOp: NEURON_OP, Normalization: NORMALIZATION, DeviceError: DEVICE_ERROR };

test('native/include/cortado.h declares each kernel enumeration with the values of kernel-abi.ts', () => {
  const found = enums(readFileSync(join(root, 'native/include/cortado.h'), 'utf8'));
  for (const [name, table] of Object.entries(TABLES)) {
    assert.deepEqual(found.get(name), Object.values(table), `enum ${name} in cortado.h against kernel-abi.ts (${Object.keys(table).join(', ')})`);
  }
});

test('the CUDA kernels declare the enumerations they take with the same values, and compare with names, not numbers', () => {
  const dir = join(root, 'native/cuda/kernels');
  const found = enums(readFileSync(join(dir, 'common.cuh'), 'utf8'));
  for (const [name, table] of Object.entries(CUDA_TABLES)) assert.deepEqual(found.get(name), Object.values(table), `enum ${name} in common.cuh`);
  const bare: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cu'))) {
    const text = readFileSync(join(dir, file), 'utf8');
    for (const m of text.matchAll(/\b(?:op|norm)\s*==\s*\d+|\bcase\s+\d+\s*:/g)) bare.push(`${file}: ${m[0]}`);
  }
  assert.deepEqual(bare, []);
});

test('the enum reader reads what a drifted header would hold', () => {
  assert.deepEqual(enums('enum NeuronOp : int32_t { kIdentity = 0, kRelu = 2 };').get('NeuronOp'), [0, 2]);
  assert.notDeepEqual(enums('enum NeuronOp { kIdentity = 0, kRelu = 2 };').get('NeuronOp'), Object.values(NEURON_OP));
});
