/** The NaN guard (nan-cases.ts) on the CUDA backend running on its CPU emulator (no GPU needed). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCuda } from '../../src/node/backend/cuda/load.js';
import { buildEmulator, ensureAddon } from '../backend/cuda/emulator.js';
import { unavailable } from '../harness/backends.js';
import { nanCases } from './nan-cases.js';

// The emulator must be set up before the first loadCuda of this process.
const emu = buildEmulator();
const skip = emu.skip ?? (emu.dir ? ensureAddon() : null) ?? undefined;
const cacheDir = mkdtempSync(join(tmpdir(), 'cortado-emu-cache-'));
const create = () => loadCuda({ libDir: emu.dir, cacheDir, cudnn: false }).backend ?? unavailable();
nanCases({ name: 'emulated cuda', create, ...(skip && { skip }) });
