/** The update rules on the CUDA backend running on its CPU emulator (no GPU needed), against JsBackend float32. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadCuda } from '../../src/node/backend/cuda/load.js';
import { buildEmulator, ensureAddon } from '../backend/cuda/emulator.js';
import { compare } from './update-rule-runs.js';

// The emulator must be set up before the first loadCuda of this process.
const emu = buildEmulator();
const skip = emu.skip ?? (emu.dir ? ensureAddon() : null) ?? undefined;
const cacheDir = mkdtempSync(join(tmpdir(), 'cortado-emu-cache-'));
const load = () => loadCuda({ libDir: emu.dir, cacheDir, cudnn: false });

test('every update rule on the emulated CUDA device matches JsBackend float32', { skip }, () => {
  assert.equal(load().error, undefined);
  compare({ name: 'emulated cuda', create: () => load().backend! });
});
