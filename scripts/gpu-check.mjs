#!/usr/bin/env node
/**
 * The CUDA backend's check on a GPU machine, over built output (npm run build, the addon built):
 *
 *   device          starts the device, compiles the kernels (NVRTC), cuBLAS SGEMM rate
 *   methods         every Backend method against JsBackend on random inputs (table of errors)
 *   methods-im2col  the same without cuDNN (convolution on our im2col kernels + cuBLAS)
 *   layers          the layer-case table (test/harness/layer-cases.ts) against JsBackend, forward and backward
 *   resident        a training iteration of the random, loss and metric layers with no host transfer or
 *                   wait (test/harness/device-resident.ts), LeNet steps with no device allocation after
 *                   the first, and dotInto on 10^7 elements: exact, same bits
 *   graphs          CUDA graphs (captureGraph): LeNet forward, and forward + backward, replayed as the eager
 *                   calls give them; replayed runs (replayer) and training with cudaGraphs as eager runs,
 *                   bit for bit, on a device started deterministic; ms per call eager against replayed,
 *                   batch 1 and 64
 *   determinism     the default device: which of LeNet's gradients differ between two identical eager passes
 *   methods-deterministic  the methods part on a device started deterministic
 *   convtime        LeNet-sized convolutions, ms per call, with cuDNN and without
 *   lenet           LeNet training images/s at batch 64, 256, 1024 (Net + Solver), at 64 and 256 also with
 *                   cudaGraphs, and inference at 64
 *   pytorch         the same LeNet in PyTorch (scripts/gpu_pytorch_lenet.py), same call
 *   mnist           the MNIST tutorial (dist/examples/mnist/train.js --backend cuda): accuracy, wall time,
 *                   call by call and with --cuda-graphs (the same accuracy to within what cuDNN's fastest,
 *                   non-deterministic algorithms change: 98.97% and 98.98% on an H200)
 *   memory          bench:memory on CUDA: LeNet for 50,000 iterations (10,000 with --quick), RSS and
 *                   device memory in use sampled; not in the default list
 *   gputest         node --test test/backend/cuda/gpu.test.js (the test suite's GPU file); not in the default list
 *   bignets-googlenet  the bignets part for GoogLeNet alone; not in the default list
 *   bignets         bench:big on the GPU: CIFAR-10 full and GoogLeNet at batch 64 and 256, cortado-cuda
 *                   and cortado-cuda-graphs (each iteration one CUDA graph) beside PyTorch eager (cuDNN
 *                   benchmark mode), plain fp32; bignets-tf32 the same without the graphs row,
 *                   with TF32 tensor cores on both sides. Not in the default list: name them in --parts.
 *   mixed-mnist     mixed precision: the MNIST tutorial in float32, float16 and bfloat16 (accuracy, time)
 *   mixed-bignets   mixed precision: GoogLeNet at batch 256 (--mixed-batches 64,256 for more),
 *                   cortado-cuda-fp16 and -bf16 against cortado-cuda (float32), and PyTorch's autocast
 *                   float16 against its float32. Neither in the default list.
 *
 * Each part runs in its own process with a time limit, so one failing part leaves the others
 * running; the end prints one summary line per part.
 *
 *   node scripts/gpu-check.mjs [--parts device,methods,...] [--quick] [--deadline SECONDS]
 * (--quick: shorter timings and no MNIST tutorial; --bignets-quick: bench:big's --quick protocol
 * alone). On the GPU machine: bash scripts/gpu-run.sh.
 * --deadline bounds the whole run: each part's time limit (which ends the part and all it started)
 * is cut to what is left, and parts that would start with under 20 s left are listed as not run.
 * Device time is short: list the parts in the order they matter. When the device part fails,
 * nothing else runs (no GPU, nothing to check).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = args.includes('--quick');
/** Seconds the whole run may take (--deadline), Infinity without one. */
const deadline = Number(opt('--deadline') ?? Infinity);
if (!(deadline > 0)) {
  console.error(`gpu-check: --deadline must be a positive number of seconds, found "${opt('--deadline')}"`);
  process.exit(2);
}

const PARTS = {
  device: { timeout: 90, run: partDevice },
  methods: { timeout: 90, run: partMethods },
  'methods-im2col': { timeout: 90, run: partMethods, env: { CORTADO_CUDNN: '0' } },
  layers: { timeout: 120, run: partLayers },
  resident: { timeout: 60, run: partResident },
  graphs: { timeout: 90, run: partGraphs, env: { CORTADO_CUDA_DETERMINISTIC: '1' } },
  determinism: { timeout: 60, run: partDeterminism },
  'methods-deterministic': { timeout: 90, run: partMethods, env: { CORTADO_CUDA_DETERMINISTIC: '1' } },
  convtime: { timeout: 60, run: partConvTime },
  'convtime-im2col': { timeout: 60, run: partConvTime, env: { CORTADO_CUDNN: '0' } },
  lenet: { timeout: 150, run: partLenet },
  pytorch: { timeout: 150, run: partPytorch },
  mnist: { timeout: 300, run: partMnist },
  memory: { timeout: 300, run: partMemory, optional: true },
  'mixed-mnist': { timeout: 330, run: partMixedMnist, optional: true },
  'mixed-bignets': { timeout: 420, run: partMixedBignets, optional: true },
  bignets: { timeout: 540, run: () => partBignets(false), optional: true },
  'bignets-tf32': { timeout: 540, run: () => partBignets(true), optional: true },
  'bignets-googlenet': { timeout: 300, run: () => partBignets(false, 'googlenet'), optional: true },
  gputest: { timeout: 180, run: partGpuTest, optional: true },
};

const pad = (s, n) => String(s).padEnd(n);
const summary = (line) => console.log(`SUMMARY ${line}`);

async function cuda() {
  const { loadCuda } = await import(dist('src/node/backend/cuda/load.js'));
  const t0 = performance.now();
  const r = loadCuda();
  if (!r.backend) throw new Error(r.error);
  return { backend: r.backend, ms: performance.now() - t0 };
}

async function partDevice() {
  const { backend, ms } = await cuda();
  const rt = backend.runtime;
  const d = rt.device;
  console.log(`device        ${d.device}, compute capability ${d.ccMajor}.${d.ccMinor}, ${d.multiprocessors} SMs, ${(d.totalMemory / 2 ** 30).toFixed(1)} GiB`);
  console.log(`driver        CUDA ${Math.floor(d.driverVersion / 1000)}.${(d.driverVersion % 1000) / 10}  (${d.cudaPath})`);
  console.log(`NVRTC         ${d.nvrtcVersion}  (${d.nvrtcPath}), archs ${d.nvrtcArchs.join(' ')}`);
  console.log(`cuBLAS        ${d.cublasVersion}  (${d.cublasPath})`);
  console.log(`cuDNN         ${d.cudnnVersion || 'not used: ' + d.cudnnNote}  ${d.cudnnPath ? '(' + d.cudnnPath + ')' : ''}`);
  console.log(`start         ${ms.toFixed(0)} ms, kernel files compiled by NVRTC now: ${rt.kernels.compiled.join(', ') || 'none (all cached)'}`);
  const n = 4096;
  const a = backend.alloc(n * n), b = backend.alloc(n * n), c = backend.alloc(n * n);
  backend.set(n * n, 0.5, a);
  backend.set(n * n, 0.25, b);
  backend.gemm(false, false, n, n, n, 1, a, b, 0, c);
  backend.synchronize();
  const reps = 10, t0 = performance.now();
  for (let i = 0; i < reps; i++) backend.gemm(false, false, n, n, n, 1, a, b, 0, c);
  backend.synchronize();
  const tflops = (2 * n ** 3 * reps) / ((performance.now() - t0) / 1000) / 1e12;
  const v = backend.download(c, undefined, 1)[0];
  console.log(`SGEMM ${n}³    ${tflops.toFixed(1)} TFLOP/s (C[0] = ${v}, expected ${n * 0.125})`);
  summary(`device: ${d.device} cc ${d.ccMajor}.${d.ccMinor}, cuDNN ${d.cudnnVersion || 'absent'}, start ${ms.toFixed(0)} ms, SGEMM 4096 ${tflops.toFixed(1)} TFLOP/s${v === n * 0.125 ? '' : ' (WRONG RESULT)'}`);
}

async function partMethods() {
  const { backend } = await cuda();
  const { JsBackend } = await import(dist('src/backend/js/js-backend.js'));
  const { compareMethods } = await import(dist('test/backend/cuda/method-cases.js'));
  const rows = compareMethods(backend, new JsBackend('float32'));
  console.log(`${pad('method case', 52)} max rel. error  ok`);
  for (const r of rows) console.log(`${pad(r.name, 52)} ${pad(r.maxRelError.toExponential(2), 14)} ${r.ok ? 'ok' : 'FAIL ' + (r.detail ?? '')}`);
  const bad = rows.filter((r) => !r.ok);
  const worst = rows.reduce((m, r) => (r.maxRelError > m.maxRelError ? r : m), rows[0]);
  const conv = backend.runtime.cudnn ? 'cuDNN' : 'im2col';
  summary(`methods (${conv}): ${rows.length - bad.length}/${rows.length} agree with JsBackend; worst ${worst.name} ${worst.maxRelError.toExponential(2)}` +
    (bad.length ? `; FAILING: ${bad.map((r) => r.name).join('; ')}` : ''));
}

async function partLayers() {
  const { backend } = await cuda();
  const { JsBackend } = await import(dist('src/backend/js/js-backend.js'));
  const { layerCases } = await import(dist('test/harness/layer-cases.js'));
  const { equivalenceCheck } = await import(dist('test/harness/equivalence.js'));
  let ok = 0;
  const failing = [];
  console.log(`${pad('layer case (forward + backward, twice)', 44)} result`);
  for (const c of layerCases) {
    let problems;
    try {
      problems = equivalenceCheck(backend, new JsBackend('float32'), c);
    } catch (e) {
      problems = [`threw: ${e.message}`];
    }
    if (problems.length === 0) ok++;
    else failing.push(c.name);
    console.log(`${pad(c.name, 44)} ${problems.length === 0 ? 'agrees' : 'DIFFERS: ' + problems.join(' | ')}`);
  }
  summary(`layers: ${ok}/${layerCases.length} layer cases agree with JsBackend${failing.length ? '; FAILING: ' + failing.join(', ') : ''}`);
}

async function partResident() {
  const { backend } = await cuda();
  const { assertCudaStaysOnDevice, assertLenetStepsAllocateNothing } = await import(dist('test/backend/cuda/addon-traffic.js'));
  const { assertDotIntoExactAndDeterministic } = await import(dist('test/backend/cuda/dot-into.js'));
  const results = [];
  for (const [what, check] of [
    ['device-resident iteration', () => assertCudaStaysOnDevice(backend)],
    ['LeNet steps allocate nothing after the first', () => assertLenetStepsAllocateNothing(backend)],
    ['dotInto on 10^7 elements', () => assertDotIntoExactAndDeterministic(backend, 10_000_000)],
  ]) {
    try {
      check();
      results.push(`${what} ok`);
    } catch (e) {
      results.push(`${what} FAILED: ${e.message.split('\n')[0]}`);
    }
    console.log(results[results.length - 1]);
  }
  summary(`resident: ${results.join('; ')}`);
}

async function partGraphs() {
  const { backend } = await cuda();
  const graphs = await import(dist('test/backend/cuda/graphs.js'));
  const { timeGraphs } = graphs;
  const checks = [];
  for (const name of ['assertGraphsReplayAsEager', 'assertReplayerRunsAsEager', 'assertTrainingReplaysAsEager']) {
    try {
      graphs[name](backend);
      checks.push(`${name} ok`);
    } catch (e) {
      checks.push(`${name} FAILED: ${e.message.split('\n')[0]}`);
    }
  }
  const differ = graphs.eagerStepsDiffer(backend);
  checks.push(`deterministic device (${backend.runtime.deterministic}): two eager passes ${differ.length ? 'DIFFER in ' + differ.join(' ') : 'agree bit for bit'}`);
  const check = checks.join(', ');
  console.log(check);
  const rows = timeGraphs(backend, quick ? 0.5 : 2);
  for (const r of rows) console.log(`${pad(r.name, 36)} eager ${r.eagerMs.toFixed(4)} ms, graph ${r.graphMs.toFixed(4)} ms, ${(r.eagerMs / r.graphMs).toFixed(2)}x`);
  summary(`graphs: ${check}; ${rows.map((r) => `${r.name} ${(r.eagerMs / r.graphMs).toFixed(2)}x (${r.eagerMs.toFixed(3)} -> ${r.graphMs.toFixed(3)} ms)`).join('; ')}`);
}

async function partDeterminism() {
  const { backend } = await cuda();
  const { eagerStepsDiffer } = await import(dist('test/backend/cuda/graphs.js'));
  const differ = [];
  for (const batch of [4, 64, 256]) {
    const d = eagerStepsDiffer(backend, batch);
    differ.push(`batch ${batch}: ${d.length ? d.join(' ') : 'none'}`);
  }
  summary(`determinism (default device, cuDNN ${backend.runtime.cudnn}): gradients that differ between two identical eager LeNet passes: ${differ.join('; ')}`);
}

function convGeom(num, channels, size, numOutput, k) {
  const out = size - k + 1;
  return { num, channels, height: size, width: size, numOutput, group: 1, kernelH: k, kernelW: k, strideH: 1, strideW: 1,
    padH: 0, padW: 0, dilationH: 1, dilationW: 1, outH: out, outW: out };
}

async function partConvTime() {
  const { backend: b } = await cuda();
  const mode = b.runtime.cudnn ? 'cuDNN' : 'im2col+cuBLAS';
  const rows = [];
  for (const [label, g] of [['conv1 64x1x28x28 -> 20', convGeom(64, 1, 28, 20, 5)], ['conv2 64x20x12x12 -> 50', convGeom(64, 20, 12, 50, 5)],
    ['conv1 1024x1x28x28 -> 20', convGeom(1024, 1, 28, 20, 5)], ['conv2 1024x20x12x12 -> 50', convGeom(1024, 20, 12, 50, 5)]]) {
    const x = b.alloc(g.num * g.channels * g.height * g.width), w = b.alloc(g.numOutput * g.channels * 25);
    const y = b.alloc(g.num * g.numOutput * g.outH * g.outW), ws = b.alloc(b.convWorkspaceSize(g));
    b.set(x.length, 0.1, x);
    b.set(w.length, 0.1, w);
    b.set(y.length, 0.1, y);
    const time = (f) => {
      f();
      b.synchronize();
      const reps = quick ? 20 : 100, t0 = performance.now();
      for (let i = 0; i < reps; i++) f();
      b.synchronize();
      return (performance.now() - t0) / reps;
    };
    const fwd = time(() => b.convForward(g, x, w, y, ws));
    const data = time(() => b.convBackwardData(g, y, w, x, ws));
    const filter = time(() => b.convBackwardFilter(g, x, y, w, ws));
    rows.push(`${label}: ${fwd.toFixed(3)}/${data.toFixed(3)}/${filter.toFixed(3)}`);
    console.log(`${pad(label, 28)} ${mode}: forward ${fwd.toFixed(3)} ms, backward data ${data.toFixed(3)} ms, backward filter ${filter.toFixed(3)} ms`);
    for (const buf of [x, w, y, ws]) b.free(buf);
  }
  summary(`convtime (${mode}, ms fwd/data/filter): ${rows.join('; ')}`);
}

async function partLenet() {
  const { backend } = await cuda();
  const { Net } = await import(dist('src/node/net.js'));
  const { Solver } = await import(dist('src/solver/solver.js'));
  const { lenet, syntheticMnist } = await import(dist('examples/mnist/lenet.js'));
  const seconds = quick ? 1 : 2.5;
  const rates = [];
  const cases = [[64, false], [64, true], [256, false], [256, true], [1024, false]];
  for (const [batchSize, cudaGraphs] of cases) {
    const net = new Net(lenet({ batchSize }), { backend, phase: 'train', seed: 1 });
    const solver = new Solver(net, { baseLr: 0.01, momentum: 0.9, weightDecay: 5e-4, lrPolicy: { type: 'inv', gamma: 1e-4, power: 0.75 }, maxIter: 1e9, cudaGraphs });
    for (let i = 0; i < 20; i++) solver.step();
    backend.synchronize();
    let iters = 0, elapsed = 0;
    const t0 = performance.now();
    while (elapsed < seconds) {
      for (let i = 0; i < 20; i++) solver.step();
      iters += 20;
      backend.synchronize();
      elapsed = (performance.now() - t0) / 1000;
    }
    const rate = (iters * batchSize) / elapsed;
    const loss = net.loss();
    const how = cudaGraphs ? ' with cudaGraphs' : '';
    const stats = solver.graphStats ? `, graph runs ${JSON.stringify(solver.graphStats)}` : '';
    rates.push(`${batchSize}${how}: ${Math.round(rate)}`);
    console.log(`cortado lenet training, batch ${batchSize}${how}: ${Math.round(rate).toLocaleString('en-US')} images/s (${iters} iterations in ${elapsed.toFixed(2)} s, loss ${loss.toFixed(3)}${stats})`);
    net.destroy();
  }
  const test = syntheticMnist(640, 3);
  const inf = new Net(lenet({ batchSize: 64, testBatchSize: 64, test }), { backend, phase: 'test', seed: 1 });
  for (let i = 0; i < 20; i++) inf.forward();
  backend.synchronize();
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < 1000) {
    for (let i = 0; i < 50; i++) inf.forward();
    n += 50;
    backend.synchronize();
  }
  const infRate = (n * 64) / ((performance.now() - t0) / 1000);
  console.log(`cortado lenet inference, batch 64: ${Math.round(infRate).toLocaleString('en-US')} images/s`);
  // MemoryData keeps its samples on the GPU and gathers each batch there, as the PyTorch script does.
  summary(`lenet cortado (images/s): training ${rates.join(', ')}; inference 64: ${Math.round(infRate)}`);
}

/** The processes descended from pid, read from /proc (Linux, as the GPU machines are). */
function descendants(pid) {
  const parentOf = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "pid (command) state ppid ...": the command may hold spaces and parentheses.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process ended meanwhile
    }
  }
  const found = [];
  const walk = (p) => {
    for (const [c, parent] of parentOf) if (parent === p) {
      found.push(c);
      walk(c);
    }
  };
  walk(pid);
  return found;
}

/**
 * Runs a command, echoing its output. After timeoutS it is killed with everything it started (bench
 * children, python), all found before any is killed. They stay in this process's session, so
 * whatever ends the session (the device tool's time limit) ends them too.
 */
function child(cmd, cmdArgs, env, timeoutS, onLine) {
  return new Promise((resolve) => {
    const p = spawn(cmd, cmdArgs, { cwd: root, env: { ...process.env, ...env } });
    let out = '', timedOut = false;
    const feed = (chunk, stream) => {
      const text = chunk.toString();
      out += text;
      stream.write(text);
      if (onLine) for (const l of text.split('\n')) onLine(l);
    };
    p.stdout.on('data', (c) => feed(c, process.stdout));
    p.stderr.on('data', (c) => feed(c, process.stderr));
    const timer = setTimeout(() => {
      timedOut = true;
      for (const pid of [p.pid, ...descendants(p.pid)]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already ended
        }
      }
    }, timeoutS * 1000);
    p.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: -1, out: out + `\n${e.message}`, timedOut });
    });
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, timedOut });
    });
  });
}

async function partPytorch() {
  const r = await child('python3', [join(root, 'scripts', 'gpu_pytorch_lenet.py'), '--seconds', quick ? '1' : '2.5'], { PYTHONUNBUFFERED: '1' }, 140);
  const line = r.out.split('\n').find((l) => l.startsWith('PYTORCH '));
  if (!line) throw new Error(`PyTorch script gave no result (exit ${r.code}${r.timedOut ? ', timed out' : ''})`);
  const rates = JSON.parse(line.slice(8));
  summary(`lenet pytorch (images/s): training ${Object.entries(rates).map(([k, v]) => `${k}: ${v}`).join(', ')}`);
}

async function partMnist() {
  const runs = [];
  for (const graphs of [false, true]) {
    const out = mkdtempSync(join(tmpdir(), 'cortado-mnist-'));
    const t0 = performance.now();
    const r = await child(process.execPath, [join(root, 'dist', 'examples', 'mnist', 'train.js'), '--backend', 'cuda', '--fresh', '--output', out,
      ...(graphs ? ['--cuda-graphs'] : [])], {}, 140);
    const wall = (performance.now() - t0) / 1000;
    const done = r.out.split('\n').find((l) => l.startsWith('done:'));
    const how = graphs ? 'with --cuda-graphs' : 'call by call';
    runs.push(done ? `${how}: ${done.replace(/^done:\s*/, '')}; wall ${wall.toFixed(1)} s` : `${how}: did not finish (exit ${r.code}${r.timedOut ? ', timed out' : ''})`);
  }
  summary(`mnist tutorial on cuda: ${runs.join('; ')}`);
}

// Mixed precision: the MNIST tutorial in float32, float16 and bfloat16 (test accuracy and time).
async function partMixedMnist() {
  const runs = [];
  for (const precision of ['float32', 'float16', 'bfloat16']) {
    const out = mkdtempSync(join(tmpdir(), 'cortado-mnist-'));
    const t0 = performance.now();
    const r = await child(process.execPath, [join(root, 'dist', 'examples', 'mnist', 'train.js'), '--backend', 'cuda', '--fresh', '--output', out,
      '--precision', precision], {}, 100);
    const wall = (performance.now() - t0) / 1000;
    const done = r.out.split('\n').find((l) => l.startsWith('done:'));
    runs.push(done ? `${precision}: ${done.replace(/^done:\s*/, '')}; wall ${wall.toFixed(1)} s` : `${precision}: did not finish (exit ${r.code}${r.timedOut ? ', timed out' : ''})`);
  }
  summary(`mixed precision, mnist tutorial on cuda: ${runs.join('; ')}`);
}

// Mixed precision: GoogLeNet (forward + backward) at batch 256 (--mixed-batches to change), Cortado
// and PyTorch (torch.autocast) in float16 and bfloat16 against their float32.
async function partMixedBignets() {
  const flags = ['--nets', 'googlenet', '--only', 'cortado-cuda,cortado-cuda-fp16,cortado-cuda-bf16,pytorch-cuda,pytorch-cuda-fp16',
    '--batches', opt('--mixed-batches') ?? '256', ...(quick || args.includes('--bignets-quick') ? ['--quick'] : [])];
  const r = await child(process.execPath, [join(root, 'dist', 'bench', 'big-nets.js'), ...flags], { PYTHONUNBUFFERED: '1' }, 400);
  const ratios = r.out.split('\n').filter((l) => / \/ (cortado|pytorch)-cuda/.test(l)).map((l) => l.trim().replace(/\s+/g, ' '));
  if (r.code !== 0 || ratios.length === 0) throw new Error(`bench:big gave no mixed-precision ratio (exit ${r.code}${r.timedOut ? ', timed out' : ''})`);
  summary(`mixed precision, googlenet (train / infer / latency): ${ratios.join('; ')}`);
}

async function partMemory() {
  const iters = quick ? '10000' : '50000';
  const r = await child(process.execPath, [join(root, 'dist', 'bench', 'memory-long.js'), '--only', 'cuda', '--iters', iters, '--warmup', quick ? '2000' : '5000'], {}, 290);
  const row = r.out.split('\n').find((l) => l.startsWith('| cuda |'));
  if (!row) throw new Error(`bench:memory gave no cuda row (exit ${r.code}${r.timedOut ? ', timed out' : ''})`);
  const cells = row.split('|').map((c) => c.trim());
  summary(`memory (cuda, ${iters} iterations): RSS growth ${cells[5]} MiB, ${cells[8].replace(/ \(.*/, '')}; ${(cells[8].match(/device memory in use .*?growth [-\d.]+/) ?? ['no device figures'])[0]}`);
}

async function partBignets(tf32, nets = 'cifar10-full,googlenet') {
  const only = tf32 ? 'cortado-cuda,pytorch-cuda' : 'cortado-cuda,cortado-cuda-graphs,pytorch-cuda';
  const flags = ['--nets', nets, '--only', only, '--batches', '64,256', ...(tf32 ? ['--tf32'] : []), ...(quick || args.includes('--bignets-quick') ? ['--quick'] : [])];
  const r = await child(process.execPath, [join(root, 'dist', 'bench', 'big-nets.js'), ...flags], { PYTHONUNBUFFERED: '1' }, 530);
  const ratios = r.out.split('\n').filter((l) => l.includes(' / pytorch-cuda')).map((l) => l.trim().replace(/\s+/g, ' '));
  if (r.code !== 0 || ratios.length === 0) throw new Error(`bench:big gave no ratio (exit ${r.code}${r.timedOut ? ', timed out' : ''})`);
  summary(`bignets${tf32 ? ' tf32' : ''} (train / infer / latency, Cortado / PyTorch): ${ratios.join('; ')}`);
}

async function partGpuTest() {
  const r = await child(process.execPath, ['--test', join(root, 'dist', 'test', 'backend', 'cuda', 'gpu.test.js')], {}, 170);
  const count = (what) => r.out.match(new RegExp(`^# ${what} (\\d+)`, 'm'))?.[1] ?? '?';
  const failing = r.out.split('\n').filter((l) => l.startsWith('not ok')).map((l) => l.replace(/^not ok \d+ - /, ''));
  summary(`gputest (node --test gpu.test.js): ${count('pass')} pass, ${count('fail')} fail, ${count('skipped')} skipped${failing.length ? '; FAILING: ' + failing.join('; ') : ''}`);
}

async function runPart(name) {
  try {
    await PARTS[name].run();
    process.exit(0);
  } catch (e) {
    console.error(e?.stack ?? String(e));
    summary(`${name}: FAILED: ${String(e?.message ?? e).split('\n')[0]}`);
    process.exit(1);
  }
}

async function main() {
  const only = opt('--part');
  if (only) {
    if (!PARTS[only]) throw new Error(`unknown part ${only}`);
    return runPart(only);
  }
  const names = (opt('--parts') ?? Object.keys(PARTS).filter((p) => !PARTS[p].optional && !(quick && p === 'mnist')).join(',')).split(',');
  const lines = [];
  const start = performance.now();
  for (const name of names) {
    const part = PARTS[name];
    if (!part) {
      lines.push(`${name}: unknown part (choose from ${Object.keys(PARTS).join(', ')})`);
      continue;
    }
    const left = deadline - (performance.now() - start) / 1000;
    if (left < 20) {
      lines.push(`${name}: not run (${Math.max(0, left).toFixed(0)} s left before --deadline)`);
      continue;
    }
    const timeout = Math.min(part.timeout, Math.floor(left - 5));
    console.log(`\n==== ${name} ====`);
    const t0 = performance.now();
    const extra = ['--quick', '--bignets-quick'].filter((f) => args.includes(f));
    const r = await child(process.execPath, [fileURLToPath(import.meta.url), '--part', name, ...extra], part.env ?? {}, timeout);
    const s = r.out.split('\n').filter((l) => l.startsWith('SUMMARY ')).pop();
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    if (s) lines.push(`${s.slice(8)} [${secs} s]`);
    else if (r.timedOut) lines.push(`${name}: TIMED OUT after ${timeout} s`);
    else lines.push(`${name}: FAILED (exit ${r.code}): ${r.out.trim().split('\n').pop() ?? ''}`);
    if (name === 'device' && r.code !== 0) {
      lines.push('the device part failed: nothing else was run');
      break;
    }
  }
  console.log(`\n==== gpu-check summary (${((performance.now() - start) / 1000).toFixed(0)} s) ====`);
  for (const l of lines) console.log(l);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
