/**
 * loadCuda() reports, without crashing, why there is no CUDA backend: on CI there is no NVIDIA
 * driver (or the addon is not built), and the message must say so.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadAddon } from '../../../src/node/backend/cuda/addon.js';
import { loadCuda } from '../../../src/node/backend/cuda/load.js';
import { ensureAddon } from './emulator.js';

test('loadCuda names what is missing', () => {
  const built = loadAddon().addon !== undefined || ensureAddon() === null;
  const empty = mkdtempSync(join(tmpdir(), 'cortado-nolib-'));
  const r = loadCuda({ libDir: empty });
  if (r.backend) {
    assert.equal(r.backend.name, 'cuda');
    return; // a machine with a GPU: nothing is missing
  }
  assert.ok(r.error, 'neither a backend nor an error');
  assert.match(r.error, /^CUDA backend unavailable: /);
  if (built) assert.match(r.error, /no NVIDIA driver \(libcuda\.so\.1, libcuda\.so not found \(searched .*cortado-nolib-/);
  else assert.match(r.error, /addon is not built/);
  // Asking again gives the same answer, without starting anything twice.
  assert.equal(loadCuda().error, r.error);
});

test('loadCuda refuses float64 before looking for a device', () => {
  assert.throws(() => loadCuda({ dtype: 'float64' }), /dtype float64 is not supported, the CUDA backend computes in float32 only/);
});
