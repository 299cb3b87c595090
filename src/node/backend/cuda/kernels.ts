/**
 * Cortado's CUDA kernels: the sources in native/cuda/kernels/*.cu, compiled by NVRTC for the
 * card's architecture at first use and cached on disk, then launched by name. Node-only.
 *
 * Cache: `<cacheDir>/cuda/<file>-<key>.cubin` (or .ptx), where key hashes the source, the headers,
 * the target architecture, the options and the NVRTC version, so an edited kernel, another card or
 * another NVRTC compiles afresh. cacheDir is CORTADO_CACHE_DIR, else ~/.cache/cortado.
 *
 * A kernel's parameter list is read from its `extern "C" __global__ void name(...)` declaration:
 * `int` -> 'i', `float` -> 'f', any pointer -> 'p'. Launch arguments are checked against it, so a
 * mismatch between TypeScript and CUDA is a clear error, never a corrupted launch.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { BackendError } from '../../../core/errors.js';
import type { CudaAddon } from './addon.js';
import { CudaBuf } from './buffer.js';

export interface KernelSource {
  /** File name without .cu, e.g. 'softmax'. */
  file: string;
  source: string;
}

export interface KernelInfo {
  name: string;
  file: string;
  /** One letter per parameter: i (int), f (float), p (pointer). */
  sig: string;
}

const DECL = /extern\s+"C"\s+__global__\s+void\s+(\w+)\s*\(([^)]*)\)/g;

/** The kernels declared in a source, with their parameter signatures. */
export function parseKernels(file: string, source: string): KernelInfo[] {
  const out: KernelInfo[] = [];
  for (const m of source.matchAll(DECL)) {
    const params = m[2].trim() === '' ? [] : m[2].split(',').map((p) => p.trim());
    let sig = '';
    for (const p of params) {
      if (p.includes('*')) sig += 'p';
      else if (/^(const\s+)?int\s+\w+$/.test(p)) sig += 'i';
      else if (/^(const\s+)?float\s+\w+$/.test(p)) sig += 'f';
      else throw new BackendError(`CUDA kernel ${m[1]} in ${file}.cu: parameter "${p}" is not an int, a float or a pointer`);
    }
    out.push({ name: m[1], file, sig });
  }
  return out;
}

/** The kernel sources and headers shipped in `<root>/native/cuda/kernels`. */
export function readKernelSources(root: string): { sources: KernelSource[]; headers: Map<string, string> } {
  const dir = join(root, 'native', 'cuda', 'kernels');
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (e) {
    throw new BackendError(`CUDA backend: cannot read the kernel sources in ${dir}: ${(e as Error).message}`);
  }
  const headers = new Map<string, string>();
  const sources: KernelSource[] = [];
  for (const n of names) {
    if (n.endsWith('.cuh')) headers.set(n, readFileSync(join(dir, n), 'utf8'));
    else if (n.endsWith('.cu')) sources.push({ file: n.slice(0, -3), source: readFileSync(join(dir, n), 'utf8') });
  }
  if (sources.length === 0) throw new BackendError(`CUDA backend: no kernel sources (*.cu) in ${dir}`);
  return { sources, headers };
}

/** How to compile for a card of compute capability `cc` (e.g. 90) with NVRTC supporting `archs`. */
export function targetFor(cc: number, archs: readonly number[]): { option: string; cubin: boolean } {
  if (archs.includes(cc)) return { option: `--gpu-architecture=sm_${cc}`, cubin: true };
  // A card newer than this NVRTC: PTX for the newest older architecture, which the driver compiles.
  const older = archs.filter((a) => a <= cc);
  if (older.length === 0) {
    throw new BackendError(`CUDA backend: NVRTC cannot compile for compute capability ${cc / 10} (it supports ${archs.map((a) => a / 10).join(', ')})`);
  }
  return { option: `--gpu-architecture=compute_${Math.max(...older)}`, cubin: false };
}

export function defaultCacheDir(): string {
  return process.env.CORTADO_CACHE_DIR || join(homedir(), '.cache', 'cortado');
}

export interface CompileTarget {
  cc: number;
  archs: readonly number[];
  nvrtcVersion: string;
  cacheDir: string;
}

/** Compiled, loaded kernels and the argument packing that launches them. */
export class Kernels {
  private readonly fns = new Map<string, { id: number; info: KernelInfo }>();
  private readonly args = new ArrayBuffer(8 * 32);
  private readonly u32 = new Uint32Array(this.args);
  private readonly i32 = new Int32Array(this.args);
  private readonly f32 = new Float32Array(this.args);
  /** Compiled afresh (not from the cache) while loading, for reports. */
  readonly compiled: string[] = [];

  constructor(private readonly addon: CudaAddon, target: CompileTarget, root: string) {
    const { sources, headers } = readKernelSources(root);
    const { option, cubin } = targetFor(target.cc, target.archs);
    const options = [option, '--std=c++17'];
    const hNames = [...headers.keys()];
    const hSources = hNames.map((n) => headers.get(n)!);
    const cache = join(target.cacheDir, 'cuda');
    for (const s of sources) {
      const key = createHash('sha256')
        .update([target.nvrtcVersion, options.join(' '), String(cubin), ...hNames, ...hSources, s.source].join('\0'))
        .digest('hex')
        .slice(0, 20);
      const path = join(cache, `${s.file}-${key}.${cubin ? 'cubin' : 'ptx'}`);
      const module = this.loadCached(path) ?? this.compileAndStore(s, hNames, hSources, options, cubin, path);
      for (const info of parseKernels(s.file, s.source)) {
        if (this.fns.has(info.name)) throw new BackendError(`CUDA kernel ${info.name} is defined twice (in ${this.fns.get(info.name)!.info.file}.cu and ${s.file}.cu)`);
        this.fns.set(info.name, { id: addon.getFunction(module, info.name), info });
      }
    }
    addon.setArgBuffer(this.args);
  }

  private loadCached(path: string): number | null {
    let image: Buffer;
    try {
      image = readFileSync(path);
    } catch {
      return null;
    }
    try {
      return this.addon.loadModule(image);
    } catch {
      return null; // a damaged cache entry is compiled again
    }
  }

  private compileAndStore(s: KernelSource, hNames: string[], hSources: string[], options: string[], cubin: boolean,
    path: string): number {
    let image: Uint8Array;
    try {
      image = this.addon.compile(s.source, `${s.file}.cu`, hNames, hSources, options, cubin).image;
    } catch (e) {
      throw new BackendError(`CUDA backend: native/cuda/kernels/${s.file}.cu does not compile with NVRTC (${options.join(' ')}): ${(e as Error).message}`);
    }
    this.compiled.push(s.file);
    try {
      mkdirSync(join(path, '..'), { recursive: true });
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, image);
      renameSync(tmp, path);
    } catch {
      // an unwritable cache only costs a compile next time
    }
    return this.addon.loadModule(image);
  }

  has(name: string): boolean {
    return this.fns.has(name);
  }

  /** The kernel's parameter signature (for tests and reports). */
  info(name: string): KernelInfo | undefined {
    return this.fns.get(name)?.info;
  }

  /**
   * Launches `name` on a grid of `grid` blocks (x, or [x, y]) of `block` threads with `args` in
   * parameter order (CudaBuf for pointers, numbers for int and float).
   */
  launch(name: string, grid: number | readonly [number, number], block: number, args: readonly (number | CudaBuf)[]): void {
    const fn = this.fns.get(name);
    if (!fn) throw new BackendError(`CUDA backend: kernel ${name} is missing (no native/cuda/kernels/*.cu declares it)`);
    const sig = fn.info.sig;
    if (args.length !== sig.length) {
      throw new BackendError(`CUDA kernel ${name}: ${args.length} arguments given, its declaration in ${fn.info.file}.cu has ${sig.length}`);
    }
    for (let k = 0; k < sig.length; k++) {
      const a = args[k];
      const t = sig.charCodeAt(k);
      if (t === 112 /* p */) {
        if (!(a instanceof CudaBuf)) throw new BackendError(`CUDA kernel ${name}: argument ${k} must be a device buffer`);
        this.u32[2 * k] = a.ptr % 4294967296;
        this.u32[2 * k + 1] = Math.floor(a.ptr / 4294967296);
      } else if (typeof a !== 'number') {
        throw new BackendError(`CUDA kernel ${name}: argument ${k} must be a number`);
      } else if (t === 105 /* i */) {
        this.i32[2 * k] = a;
        this.u32[2 * k + 1] = 0; // a slot's unused half is kept clear, so equal arguments have equal slots
      } else {
        this.f32[2 * k] = a;
        this.u32[2 * k + 1] = 0;
      }
    }
    const gx = typeof grid === 'number' ? grid : grid[0];
    const gy = typeof grid === 'number' ? 1 : grid[1];
    this.addon.launch(fn.id, gx, gy, 1, block, 1, 1, 0, sig.length);
  }
}
