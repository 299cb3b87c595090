#!/usr/bin/env node
/**
 * torchvision's classifiers through Cortado's ONNX import, each against onnxruntime: PyTorch
 * exports the model (random weights, eval mode, opset 17, one image of SIZE × SIZE), Cortado
 * imports it and runs it on the native backend, onnxruntime-node runs the file, and the largest
 * difference over the largest output is printed (or why the import refused).
 *
 *   node scripts/onnx-zoo.mjs DIR NAME[:SIZE] ...     (SIZE default 64)
 *   node scripts/onnx-zoo.mjs /tmp/zoo densenet121 inception_v3:96 swin_t:224 vit_b_16:224
 *
 * Needs `npm run build`, Debian's python3-torch and python3-torchvision, and onnxruntime-node
 * (installed as .ci/run does). Not a test: full-size models take minutes to export.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importOnnx } from '../dist/src/io/onnx/index.js';
import { createBackend } from '../dist/src/node/index.js';
import { Net } from '../dist/src/node/net.js';

const [dir, ...models] = process.argv.slice(2);
if (!dir || !models.length) {
  process.stderr.write('usage: node scripts/onnx-zoo.mjs DIR NAME[:SIZE] ...\n');
  process.exit(2);
}
mkdirSync(dir, { recursive: true });
const ort = await import('onnxruntime-node').catch(() => {
  process.stderr.write('onnx-zoo: onnxruntime-node is not installed (ONNXRUNTIME_NODE_INSTALL=skip npm install --no-save --ignore-scripts onnxruntime-node@1.30.0)\n');
  process.exit(2);
});
const EXPORT = `
import sys, warnings, torch, torchvision
warnings.filterwarnings('ignore')
torch.manual_seed(0)
name, size, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
kw = {'aux_logits': False, 'init_weights': True} if name in ('inception_v3', 'googlenet') else {}
net = getattr(torchvision.models, name)(weights=None, **kw).eval()
torch.onnx.export(net, (torch.rand(1, 3, size, size),), out, opset_version=17, do_constant_folding=True, input_names=['input'], output_names=['output'])
`;
const backend = await createBackend('native');
for (const spec of models) {
  const [name, sizeText] = spec.split(':');
  const size = Number(sizeText ?? 64);
  const file = join(dir, `${name}.onnx`);
  try {
    execFileSync('/usr/bin/python3', ['-c', EXPORT, name, String(size), file], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    console.log(`${name}: PyTorch did not export it: ${String(e.stderr).trim().split('\n').pop()}`);
    continue;
  }
  const bytes = readFileSync(file);
  let definition, weights;
  try {
    ({ definition, weights } = importOnnx(bytes, { file: `${name}.onnx` }));
  } catch (e) {
    console.log(`${name}: refused: ${e.message.split('\n').slice(0, 3).join(' | ')}`);
    continue;
  }
  const net = new Net(definition.layers, { backend, phase: 'test' });
  for (const p of net.params) p.blob.write(weights.get(p.key).values);
  const input = Float32Array.from({ length: 3 * size * size }, (_, i) => Math.sin(i * 0.37));
  net.layers.find((l) => l.type === 'Input').feed('input', input);
  net.forward();
  const ours = net.blob('output').read();
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled' });
  const theirs = (await session.run({ input: new ort.Tensor('float32', input, [1, 3, size, size]) })).output.data;
  let d = 0, m = 0;
  for (let i = 0; i < ours.length; i++) (d = Math.max(d, Math.abs(ours[i] - theirs[i]))), (m = Math.max(m, Math.abs(theirs[i])));
  const error = m === 0 ? (d === 0 ? 'both all zeros' : `all zeros in onnxruntime, ${d} here`) : (d / m).toExponential(2);
  console.log(`${name} (${size} × ${size}): ${definition.layers.length} layers, largest difference over the largest output ${error}`);
  net.destroy();
}
