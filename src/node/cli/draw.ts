/**
 * `cortado draw <net.json>`: the net's DAG as SVG (laid out by src/draw/layout.ts), or as DOT for
 * Graphviz (Caffe's draw_net, Mocha's net2dot). The net is built on the TypeScript backend to
 * infer the blobs' shapes: with its own batch size when that fits in 512 MiB, else at batch 1
 * (said in the title); when it cannot be built at all (a data file that is not there), the drawing
 * has no shapes and the reason is printed. An existing output is refused unless --force, as
 * `cortado plot` does; files are written atomically.
 */
import { basename, extname } from 'node:path';
import { parseArgs } from 'node:util';
import { JsBackend } from '../../backend/js/js-backend.js';
import type { LayerConfig, Phase } from '../../core/layer.js';
import { Net } from '../net.js';
import { writeFileAtomic } from '../io/atomic.js';
import { netGraph } from '../../draw/graph.js';
import { drawDot, drawSvg } from '../../draw/render.js';
import { svgToPng } from '../plot/png.js';
import { readDefinition, shapeSources } from '../definition.js';
import { nodeLayerTypes } from '../layers.js';
import { UsageError } from './flags.js';
import { refuseExisting, writePair } from './outputs.js';

export const DRAW_USAGE = `usage: cortado draw <net.json> [options]

Draws the net's layers (boxes with their type and key parameters) and blobs (edges labelled
with their shapes), top to bottom.

options:
  --out FILE            the file to write (default: <net>.svg, or <net>.dot with --format dot)
  --format svg|dot      SVG, or DOT for Graphviz (default: from --out's extension, else svg)
  --png                 also write FILE.png (SVG only)
  --phase train|test    the layers of this phase (default test)
  --force               replace existing outputs (default: refuse)`;

/** The net built for its shapes: its own batch, else batch 1, else none (`note` says which). */
function shapes(layers: LayerConfig[], phase: Phase): { shapeOf: (b: string) => readonly number[] | undefined; note: string } {
  const batch1 = layers.map((l) => l.type === 'Input' ? { ...l, shapes: (l.shapes as number[][]).map((s) => [1, ...s.slice(1)]) } : typeof l.batchSize === 'number' ? { ...l, batchSize: 1 } : l);
  let reason = '';
  for (const [defs, note] of [[layers, ''], [batch1, ' (shapes at batch 1)']] as const) {
    try {
      const net = new Net(defs, { backend: new JsBackend(), phase, memoryBudget: 512 * 2 ** 20 });
      const known = new Map([...net.blobs].map(([name, b]) => [name, [...b.shape]]));
      net.destroy();
      return { shapeOf: (b) => known.get(b), note };
    } catch (e) {
      reason = (e as Error).message;
    }
  }
  console.error(`cortado draw: drawn without shapes, the net cannot be built: ${reason.split('\n')[0]}`);
  return { shapeOf: () => undefined, note: ' (no shapes)' };
}

export async function drawCommand(args: string[]): Promise<number> {
  if (args[0] === '--help' || args[0] === '-h') {
    console.log(DRAW_USAGE);
    return 0;
  }
  const s = { type: 'string' } as const;
  const { values: f, positionals } = parseArgs({ args, allowPositionals: true, options: { out: s, format: s, phase: s, png: { type: 'boolean' }, force: { type: 'boolean' } } });
  if (positionals.length !== 1) {
    console.error(`cortado draw: expected one net definition file, found ${positionals.length}\n\n${DRAW_USAGE}`);
    return 2;
  }
  const file = positionals[0];
  const format = f.format ?? (f.out && extname(f.out).toLowerCase() === '.dot' ? 'dot' : 'svg');
  if (format !== 'svg' && format !== 'dot') throw new UsageError(`--format must be svg or dot, found "${format}"`);
  if (f.png && format !== 'svg') throw new UsageError('--png draws the SVG; it cannot go with --format dot');
  const phase = f.phase ?? 'test';
  if (phase !== 'train' && phase !== 'test') throw new UsageError(`--phase must be train or test, found "${phase}"`);
  const out = f.out ?? `${file.replace(/\.json$/i, '')}.${format}`;
  const outputs = f.png ? [out, `${out.replace(/\.svg$/i, '')}.png`] : [out];
  refuseExisting(outputs, f.force, 'cortado draw');

  const def = readDefinition(file);
  const name = def.name ?? basename(file, extname(file));
  // The data sets' shapes stand in for their data: a drawing needs no data set on disk.
  const layers = shapeSources(def.layers);
  const { shapeOf, note } = shapes(layers, phase);
  const graph = netGraph(name, layers, phase, shapeOf, nodeLayerTypes);
  if (format === 'dot') {
    writeFileAtomic(out, drawDot(graph), `drawing "${out}"`, { exclusive: true });
    console.log(`wrote ${out} (${graph.nodes.length} nodes, ${graph.edges.length} edges)`);
    return 0;
  }
  const { svg, layout } = drawSvg(graph, `${name}: ${phase} phase${note}`);
  const png = f.png ? svgToPng(svg) : undefined;
  await writePair(() => writeFileAtomic(out, svg, `drawing "${out}"`, { exclusive: true }), png ? () => writeFileAtomic(outputs[1], png, `drawing "${outputs[1]}"`, { exclusive: true }) : undefined);
  console.log(`wrote ${outputs.join(' and ')} (${Math.ceil(layout.width)}×${Math.ceil(layout.height)}, ${graph.nodes.length} nodes, ${graph.edges.length} edges)`);
  return 0;
}
