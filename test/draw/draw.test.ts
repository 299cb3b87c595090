/**
 * `cortado draw` and src/draw/: the graph of a small net as DOT (every layer, every edge, shapes)
 * and SVG (well-formed XML that resvg renders, every layer named), the layered layout (ranks, long
 * edges through shared dummies), GoogLeNet drawn with no two boxes overlapping, and the command's
 * files (--format dot, --png, refusing to overwrite without --force).
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { Net } from '../../src/node/net.js';
import { drawCommand } from '../../src/node/cli/draw.js';
import { netGraph } from '../../src/draw/graph.js';
import { layeredLayout } from '../../src/draw/layout.js';
import { drawDot, drawSvg, graphLayout } from '../../src/draw/render.js';
import { svgToPng } from '../../src/node/plot/png.js';
import { googlenetDeploy, googlenetTrain } from '../../examples/imagenet/googlenet.js';

const dir = mkdtempSync(join(tmpdir(), 'cortado-draw-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const SMALL: LayerConfig[] = [
  { type: 'Input', name: 'input', tops: ['data'], shapes: [[2, 3, 8, 8]] },
  { type: 'Convolution', name: 'left', bottoms: ['data'], tops: ['left'], numOutput: 4, kernel: 3, pad: 1, neuron: 'ReLU' },
  { type: 'Pooling', name: 'right', bottoms: ['data'], tops: ['right'], method: 'max', kernel: 3, stride: 1, pad: 1 },
  { type: 'Concat', name: 'join "x"', bottoms: ['left', 'right'], tops: ['joined'] },
  { type: 'InnerProduct', name: 'fc', bottoms: ['joined'], tops: ['fc'], numOutput: 5 },
  { type: 'Softmax', name: 'prob', bottoms: ['fc'], tops: ['prob'] },
];

function smallGraph() {
  const net = new Net(SMALL, { backend: new JsBackend(), phase: 'test' });
  const g = netGraph('small', SMALL, 'test', (b) => net.blob(b).shape);
  net.destroy();
  return g;
}

/** Tags balance, attributes are quoted, and nothing but entities follows an ampersand. */
function assertWellFormed(xml: string): void {
  const stack: string[] = [];
  for (const m of xml.matchAll(/<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g)) {
    if (m[1]) assert.equal(stack.pop(), m[2], `</${m[2]}> closes the open element`);
    else if (!m[4]) stack.push(m[2]);
  }
  assert.deepEqual(stack, []);
  assert.equal(xml.replace(/<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g, '').includes('<'), false, 'no stray <');
  assert.doesNotMatch(xml, /&(?!(amp|lt|gt|quot);)/);
}

describe('cortado draw', () => {
  it('DOT lists every layer and every edge of a small net, with the blobs\' shapes', () => {
    const dot = drawDot(smallGraph());
    for (const l of SMALL) assert.match(dot, new RegExp(`^  "${l.name.replace(/"/g, '\\\\"')}" \\[label=`, 'm'), l.name);
    const edges = [...dot.matchAll(/^ {2}"((?:[^"\\]|\\.)*)" -> "((?:[^"\\]|\\.)*)" \[label="([^"]*)"\];$/gm)].map((m) => `${m[1]} -> ${m[2]}: ${m[3]}`);
    assert.deepEqual(edges.sort(), [
      'fc -> prob: fc\\n2×5', 'input -> left: data\\n2×3×8×8', 'input -> right: data\\n2×3×8×8',
      'join \\"x\\" -> fc: joined\\n2×7×8×8', 'left -> join \\"x\\": left\\n2×4×8×8', 'prob -> blob:prob: prob\\n2×5', 'right -> join \\"x\\": right\\n2×3×8×8',
    ]);
    assert.match(dot, /^digraph "small" \{\n {2}rankdir=TB;/);
  });

  it('SVG is well-formed, renders, and names every layer with its type and parameters', () => {
    const { svg } = drawSvg(smallGraph());
    assertWellFormed(svg);
    assert.ok(svgToPng(svg).subarray(1, 4).toString() === 'PNG');
    for (const l of SMALL) assert.ok(svg.includes(`>${l.name.replace(/"/g, '&quot;')}</text>`), l.name);
    assert.ok(svg.includes('>Convolution · 3×3 pad 1, 4 out, ReLU</text>'));
    assert.ok(svg.includes('>2×4×8×8</text>') && svg.includes('>joined 2×7×8×8</text>') && svg.includes('>data 2×3×8×8</text>'));
  });

  it('lays out by longest path, long edges through one shared dummy per rank', () => {
    const l = layeredLayout({
      nodes: ['a', 'b', 'c', 'd'].map((id) => ({ id, width: 50, height: 20 })),
      edges: [{ from: 'a', to: 'b', group: 'a' }, { from: 'b', to: 'c', group: 'b' }, { from: 'a', to: 'c', group: 'a' }, { from: 'a', to: 'd', group: 'a' }, { from: 'c', to: 'd', group: 'c' }],
    });
    assert.deepEqual([...l.ranks], [['a', 0], ['b', 1], ['c', 2], ['d', 3]]);
    // a → c passes rank 1; a → d passes ranks 1 and 2, through the same dummy at rank 1
    assert.equal(l.paths[2].length, 4);
    assert.equal(l.paths[3].length, 6);
    assert.deepEqual(l.paths[3].slice(1, 3), l.paths[2].slice(1, 3));
  });

  for (const [what, layers, phase] of [
    ['deploy', googlenetDeploy(1), 'test'],
    ['train', googlenetTrain([{ type: 'Input', name: 'data', tops: ['data', 'label'], shapes: [[1, 3, 224, 224], [1]] }]), 'train'],
  ] as const) {
    it(`draws GoogLeNet (${what}) with no two boxes overlapping, every edge from box to box`, () => {
      const graph = netGraph('googlenet', layers, phase);
      const layout = graphLayout(graph);
      const boxes = [...layout.boxes.entries()];
      assert.equal(boxes.length, graph.nodes.length);
      for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
          const [a, b] = [boxes[i][1], boxes[j][1]];
          const apart = a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
          assert.ok(apart, `"${boxes[i][0]}" and "${boxes[j][0]}" overlap`);
        }
      }
      graph.edges.forEach((e, i) => {
        const [from, to] = [layout.boxes.get(e.from)!, layout.boxes.get(e.to)!];
        const path = layout.paths[i];
        const tops = new Set(graph.edges.filter((x) => x.from === e.from).map((x) => x.blob)).size;
        assert.deepEqual(path[0], tops === 1 ? [from.x + from.width / 2, from.y + from.height] : [path[0][0], from.y + from.height]);
        assert.ok(path[0][0] > from.x && path[0][0] < from.x + from.width);
        assert.deepEqual(path[path.length - 1], [to.x + to.width / 2, to.y]);
      });
      assert.ok(layout.width < 2500, `width ${layout.width}`);
    });
  }

  it('writes SVG, PNG and DOT files, refusing to replace them without --force', async () => {
    const net = join(dir, 'small.json');
    writeFileSync(net, JSON.stringify({ name: 'small', layers: SMALL }));
    assert.equal(await drawCommand([net, '--png']), 0);
    assertWellFormed(readFileSync(join(dir, 'small.svg'), 'utf8'));
    assert.equal(readFileSync(join(dir, 'small.png')).subarray(1, 4).toString(), 'PNG');
    await assert.rejects(drawCommand([net]), /"[^"]*small\.svg" already exists; pass --force to replace/);
    assert.equal(await drawCommand([net, '--force']), 0);
    assert.equal(await drawCommand([net, '--format', 'dot']), 0);
    assert.match(readFileSync(join(dir, 'small.dot'), 'utf8'), /"left" -> "join \\"x\\""/);
    await assert.rejects(drawCommand([net, '--format', 'png']), /--format must be svg or dot, found "png"/);
    assert.equal(existsSync(join(dir, 'small.png.tmp')), false);
  });
});

// The GoogLeNet definition file is drawn by the command too (its shapes inferred at batch 1).
it('draws examples/imagenet/googlenet-deploy.json', async () => {
  const file = resolve(fileURLToPath(import.meta.url), '../../../../examples/imagenet/googlenet-deploy.json');
  const out = join(dir, 'googlenet.svg');
  assert.equal(await drawCommand([file, '--out', out]), 0);
  const svg = readFileSync(out, 'utf8');
  assertWellFormed(svg);
  assert.ok(svg.includes('>inception_4e/output</text>') && svg.includes('>1×832×14×14</text>'));
});

// Definitions whose data layers name a data set (`source`) are drawn with the data set's shapes,
// without the data: CIFAR-10's binary files are not on disk here, and MNIST is not read.
it('draws the shipped examples/mnist/lenet.json and examples/cifar10/full.json, their data layers named by source', async () => {
  const examples = resolve(fileURLToPath(import.meta.url), '../../../../examples');
  for (const [file, phase, shape] of [['mnist/lenet.json', 'train', '64×1×28×28'], ['mnist/lenet.json', 'test', '100×1×28×28'], ['cifar10/full.json', 'test', '100×3×32×32']] as const) {
    const out = join(dir, `${file.replace(/\W/g, '-')}-${phase}.dot`);
    assert.equal(await drawCommand([join(examples, file), '--out', out, '--phase', phase]), 0, file);
    const dot = readFileSync(out, 'utf8');
    assert.ok(dot.includes(shape), `${file}, ${phase} phase: the data's shape ${shape} in\n${dot.slice(0, 400)}`);
  }
});
