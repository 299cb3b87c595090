/**
 * `npm run bench:memory`: memory over a long training run on every CPU backend (and CUDA where it
 * loads). Each backend trains LeNet for 50,000 iterations in its own process
 * (`cortado-lenet.js --mode memory`, under --expose-gc); RSS and the V8 heap are sampled after a
 * full GC at eleven points from iteration 9,500 to the last: 5,000 of warm-up (V8 compiles the
 * hot wasm functions a second time, optimized, and sizes its young generation; allocator pools
 * settle), one full GC (the first took RSS one step up on native, wherever it fell), and a tenth
 * of the rest; each sample waits 300 ms after its GC (see memory() there). The check: RSS grows by
 * less than 5 MiB from the first sample to the last, and on CUDA the device memory in use does not
 * grow at all. Beside it, RSS less V8's committed heap (heapTotal), and the heap in use.
 *
 * V8's young generation is pinned small (MEMORY_NODE_FLAGS in measure.ts: left adaptive or pinned
 * large, it moves RSS by 10 to 50 MiB with no leak); --adaptive keeps V8's default. A leak of
 * native memory, ArrayBuffers or retained objects still shows as growth.
 *
 * The batch is smaller on the slow backends (js 4, wasm 16, native and cuda 64) so that a run
 * takes minutes, not hours; a leak per iteration shows whatever the batch.
 *
 * Flags: --iters N (default 50000), --warmup N (default 5000), --only js,native,wasm,cuda,
 * --adaptive (leave V8's young generation adaptive).
 */
import { fileURLToPath } from 'node:url';
import { MEMORY_NODE_FLAGS, childArgs } from './measure.js';
import { runChild } from './child.js';

const args = childArgs();
const iters = Number(args.get('iters', '50000'));
const warmup = Number(args.get('warmup', '5000'));
const nodeFlags = process.argv.includes('--adaptive') ? ['--expose-gc'] : MEMORY_NODE_FLAGS;
const pinned = nodeFlags.filter((f) => f !== '--expose-gc');
const only = args.get('only', 'js,native,wasm,cuda').split(',');
const BATCH: Record<string, number> = { js: 4, wasm: 16, native: 64, cuda: 64 };
const LIMIT_MIB = 5;
const script = fileURLToPath(new URL('./cortado-lenet.js', import.meta.url));

interface MemoryResult {
  iters: number;
  peakRssMiB: number;
  rssGrowthMiB: number;
  rssLessHeapGrowthMiB: number;
  heapGrowthMiB: number;
  /** CUDA: device memory in use (cuMemGetInfo's total less free), last sample less first. */
  deviceGrowthMiB?: number;
  samples: Sample[];
}

interface Sample {
  iter: number;
  rssMiB: number;
  heapMiB: number;
  heapTotalMiB: number;
  deviceMiB?: number;
}

const rows: string[] = [];
let failed = false;
for (const backend of only) {
  const run = runChild(`bench:memory: ${backend}`, {
    file: process.execPath,
    args: [...nodeFlags, script, '--backend', backend, '--mode', 'memory',
      '--batch', String(BATCH[backend] ?? 64), '--iters', String(iters), '--warmup', String(warmup)],
  }, 6 * 3600_000);
  if ('error' in run) {
    rows.push(`| ${backend} | - | - | - | - | - | - | not run: ${run.error} |`);
    continue;
  }
  const minutes = run.seconds / 60;
  const out = run.result as unknown as MemoryResult;
  // On CUDA the device memory in use must not grow at all: every buffer is made at setup.
  const deviceGrew = (out.deviceGrowthMiB ?? 0) > 0;
  const ok = out.rssGrowthMiB < LIMIT_MIB && !deviceGrew;
  failed ||= !ok;
  const rss = out.samples.map((s) => s.rssMiB.toFixed(1)).join(' ');
  const heap = out.samples.map((s) => s.heapTotalMiB.toFixed(1)).join(' ');
  const device = out.deviceGrowthMiB === undefined ? ''
    : `; device memory in use ${out.samples.map((x) => x.deviceMiB!.toFixed(1)).join(' ')} MiB, growth ${out.deviceGrowthMiB.toFixed(2)}`;
  const verdict = out.rssGrowthMiB < LIMIT_MIB ? 'under 5 MiB' : 'over 5 MiB';
  rows.push(`| ${backend} | ${BATCH[backend] ?? 64} | ${out.iters.toLocaleString('en-US')} | ${out.peakRssMiB.toFixed(0)} | ${out.rssGrowthMiB.toFixed(2)} | ${out.rssLessHeapGrowthMiB.toFixed(2)} | ${out.heapGrowthMiB.toFixed(2)} | ${verdict}${deviceGrew ? ', DEVICE MEMORY GREW' : ''} (${minutes.toFixed(1)} min; RSS samples ${rss}; V8 heapTotal ${heap}${device}) |`);
  console.error(rows[rows.length - 1]);
}
console.log(pinned.length ? `V8's young generation pinned (${pinned.join(' ')})\n` : `V8's young generation adaptive\n`);
console.log(`| backend | batch | iterations | peak RSS MiB | RSS growth MiB (after warm-up) | RSS less V8 heapTotal, growth MiB | V8 heap in use, growth MiB | RSS check |`);
console.log(`|---|---|---|---|---|---|---|---|`);
for (const r of rows) console.log(r);
process.exitCode = failed ? 1 : 0;
