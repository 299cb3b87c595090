/**
 * Every kernel source compiles for the device, checked with nvcc where it is installed (NVRTC sees
 * the same source: no host includes, common.cuh as the only header), and every kernel declaration
 * has a signature the launcher can pack.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../../../src/node/backend/cuda/addon.js';
import { parseKernels, readKernelSources, targetFor } from '../../../src/node/backend/cuda/kernels.js';

const root = packageRoot();
const { sources, headers } = readKernelSources(root);
const nvcc = process.env.NVCC ?? 'nvcc';
const works = (cmd: string) => {
  const r = spawnSync(cmd, ['--version']);
  return !r.error && r.status === 0;
};
// nvcc preprocesses with the host C++ compiler even for --ptx.
const nvccMissing = !works(nvcc) ? 'nvcc not found (set NVCC to its path to run this check)'
  : !works(process.env.NVCC_CCBIN ?? 'g++') ? 'nvcc has no host C++ compiler (g++) to preprocess with' : undefined;

for (const s of sources) {
  test(`kernel source ${s.file}.cu compiles with nvcc for sm_80`, { skip: nvccMissing }, () => {
    const ccbin = process.env.NVCC_CCBIN ? ['-ccbin', process.env.NVCC_CCBIN] : [];
    const r = spawnSync(nvcc, [...ccbin, '-arch=sm_80', '--ptx', '-std=c++17', '-I', join(root, 'native', 'cuda', 'kernels'), '-o', '/dev/null',
      join(root, 'native', 'cuda', 'kernels', `${s.file}.cu`)], { encoding: 'utf8' });
    assert.equal(r.status, 0, `nvcc failed on ${s.file}.cu:\n${r.stderr}`);
    assert.ok(!/warning/i.test(r.stderr), `nvcc warned on ${s.file}.cu:\n${r.stderr}`);
  });
}

test('kernel sources include only common.cuh and declare packable kernels', () => {
  assert.deepEqual([...headers.keys()], ['common.cuh']);
  const names = new Set<string>();
  for (const s of sources) {
    for (const inc of s.source.matchAll(/#include\s+[<"]([^>"]+)[>"]/g)) assert.equal(inc[1], 'common.cuh', `${s.file}.cu includes ${inc[1]}`);
    const kernels = parseKernels(s.file, s.source);
    assert.ok(kernels.length > 0, `${s.file}.cu declares no extern "C" __global__ kernel`);
    for (const k of kernels) {
      assert.match(k.sig, /^[ifp]+$/);
      assert.ok(!names.has(k.name), `kernel ${k.name} declared twice`);
      names.add(k.name);
    }
  }
  assert.equal(parseKernels('x', 'extern "C" __global__ void k(int n, const float* x, float a)')[0].sig, 'ipf');
  assert.throws(() => parseKernels('x', 'extern "C" __global__ void k(double d)'), /parameter "double d"/);
});

test('compile target: CUBIN for a supported card, PTX for a newer one, an error for an older one', () => {
  assert.deepEqual(targetFor(90, [75, 80, 90]), { option: '--gpu-architecture=sm_90', cubin: true });
  assert.deepEqual(targetFor(120, [75, 80, 90]), { option: '--gpu-architecture=compute_90', cubin: false });
  assert.throws(() => targetFor(60, [75, 80]), /compute capability 6/);
});
