/**
 * A net graph (graph.ts) as SVG, laid out by layout.ts, or as Graphviz DOT.
 *
 * SVG: each layer a box coloured by kind (Caffe's draw_net colours them too), its name in bold and
 * below it the type and key parameters; each blob output by a layer labelled once, under its
 * producer, with its shape (and its name when it is not the producer's), on the edges' common
 * start; edges as vertical curves with arrowheads; terminal boxes (dashed) for the net's outputs.
 * Text widths are estimated from the font size (DejaVu Sans, which the PNG renderer embeds), with
 * room to spare. Browser-safe.
 */
import { el, escapeXml, num, svgDocument, text } from '../plot/svg.js';
import type { NetGraph } from './graph.js';
import { layeredLayout, type Layout } from './layout.js';

const FONT = 'DejaVu Sans, sans-serif';
const NAME_PX = 12;
const DETAIL_PX = 10.5;
const LABEL_PX = 10;
const TITLE_PX = 15;
const width = (s: string, px: number, bold = false) => s.length * px * (bold ? 0.68 : 0.62);

const COLOURS: [RegExp, string][] = [
  [/^(Convolution|Deconvolution)$/, '#f6c28b'], [/^Pooling$/, '#a9d1f5'], [/^(LRN|BatchNorm|Scale|Bias)$/, '#b8e0b0'],
  [/^(InnerProduct|TiedInnerProduct|Embed)$/, '#d7bde2'], [/^(Concat|Slice|Split|Eltwise|ElementWise|Reshape|Flatten)$/, '#dddddd'],
  [/Loss$|^(Softmax|Accuracy|ArgMax)$/, '#f5a8a8'], [/Data$|^Input$/, '#fff2a8'], [/^blob$/, '#ffffff'],
];
const colour = (type: string) => COLOURS.find(([re]) => re.test(type))?.[1] ?? '#eeeeee';

/** "1×64×112×112" (blob shape), prefixed by the blob's name when it differs from its producer's. */
export function blobLabel(graph: NetGraph, from: string, blob: string, shape?: readonly number[]): string {
  const dims = shape ? shape.join('×') : '';
  return from === blob ? dims : dims ? `${blob} ${dims}` : blob;
}

const secondLine = (n: NetGraph['nodes'][number]) => (n.type === 'blob' ? 'output' : n.detail ? `${n.type} · ${n.detail}` : n.type);

/** The layout of `graph`'s boxes (sizes from their text), shared by the SVG and the tests. */
export function graphLayout(graph: NetGraph): Layout {
  // Room for the blob labels under each box: one centred, or n spread at width / (n + 1) apart.
  const perBlob = new Map<string, Map<string, number>>();
  for (const e of graph.edges) {
    const m = perBlob.get(e.from) ?? new Map<string, number>();
    m.set(e.blob, width(blobLabel(graph, e.from, e.blob, e.shape), LABEL_PX));
    perBlob.set(e.from, m);
  }
  const labels = new Map([...perBlob].map(([from, m]) => [from, m.size === 1 ? Math.max(...m.values()) : (m.size + 1) * (Math.max(...m.values()) + 8)]));
  const nodes = graph.nodes.map((n) => ({
    id: n.id,
    width: Math.ceil(Math.max(90, width(n.label, NAME_PX, true), width(secondLine(n), DETAIL_PX), labels.get(n.id) ?? 0) + 16),
    height: n.type === 'blob' ? 34 : 38,
  }));
  return layeredLayout({ nodes, edges: graph.edges.map((e) => ({ from: e.from, to: e.to, group: `${e.from}\u0000${e.blob}` })) });
}

/** A vertical-tangent cubic curve through the points. */
function curve(pts: [number, number][]): string {
  let d = `M${num(pts[0][0])},${num(pts[0][1])}`;
  for (let i = 1; i < pts.length; i++) {
    const [x0, y0] = pts[i - 1];
    const [x1, y1] = pts[i];
    const m = (y1 - y0) / 2;
    d += x0 === x1 ? ` L${num(x1)},${num(y1)}` : ` C${num(x0)},${num(y0 + m)} ${num(x1)},${num(y1 - m)} ${num(x1)},${num(y1)}`;
  }
  return d;
}

/** The graph as an SVG document, and its layout (`title` on top; default the graph's name). */
export function drawSvg(graph: NetGraph, title = graph.name): { svg: string; layout: Layout } {
  const layout = graphLayout(graph);
  const top = TITLE_PX + 16;
  const parts: string[] = [
    el('defs', {}, el('marker', { id: 'arrow', viewBox: '0 0 8 8', refX: 8, refY: 4, markerWidth: 7, markerHeight: 7, orient: 'auto' }, el('path', { d: 'M0,0 L8,4 L0,8 z', fill: '#555' }))),
    text(20, TITLE_PX + 8, title, { 'font-family': FONT, 'font-size': TITLE_PX, 'font-weight': 'bold' }),
  ];
  const g: string[] = [];
  layout.paths.forEach((pts) => g.push(el('path', { d: curve(pts), fill: 'none', stroke: '#555', 'stroke-width': 1.1, 'marker-end': 'url(#arrow)' })));
  const labelled = new Set<string>();
  graph.edges.forEach((e, i) => {
    const key = `${e.from}\u0000${e.blob}`;
    const label = blobLabel(graph, e.from, e.blob, e.shape);
    if (labelled.has(key) || !label) return;
    labelled.add(key);
    const [x, y] = layout.paths[i][0];
    const w = width(label, LABEL_PX);
    g.push(el('rect', { x: x - w / 2 - 2, y: y + 3, width: w + 4, height: LABEL_PX + 3, fill: 'white', opacity: 0.9 }));
    g.push(text(x, y + LABEL_PX + 3, label, { 'font-family': FONT, 'font-size': LABEL_PX, 'text-anchor': 'middle', fill: '#333' }));
  });
  for (const n of graph.nodes) {
    const b = layout.boxes.get(n.id)!;
    const blob = n.type === 'blob';
    g.push(el('g', { class: 'layer' },
      el('title', {}, escapeXml(`${n.label} (${n.type})`)),
      el('rect', { x: b.x, y: b.y, width: b.width, height: b.height, rx: blob ? 12 : 4, fill: colour(n.type), stroke: '#444', 'stroke-width': 1, 'stroke-dasharray': blob ? '4 3' : undefined }),
      text(b.x + b.width / 2, b.y + 15, n.label, { 'font-family': FONT, 'font-size': NAME_PX, 'font-weight': 'bold', 'text-anchor': 'middle' }),
      text(b.x + b.width / 2, b.y + 30, secondLine(n), { 'font-family': FONT, 'font-size': DETAIL_PX, 'text-anchor': 'middle', fill: '#333' }),
    ));
  }
  parts.push(el('g', { transform: `translate(0,${top})` }, ...g));
  return { svg: svgDocument(Math.ceil(layout.width), Math.ceil(layout.height + top), el('rect', { width: '100%', height: '100%', fill: 'white' }), ...parts), layout };
}

/** A DOT string: the quotes and backslashes escaped, newlines as \n. */
const dotStr = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

/** The graph in Graphviz's DOT language, top to bottom (render with `dot -Tsvg`). */
export function drawDot(graph: NetGraph): string {
  const lines = [`digraph ${dotStr(graph.name)} {`, '  rankdir=TB;', '  node [shape=box, style="rounded,filled", fontname="DejaVu Sans", fontsize=11];', '  edge [fontname="DejaVu Sans", fontsize=9];'];
  for (const n of graph.nodes) {
    lines.push(`  ${dotStr(n.id)} [label=${dotStr(`${n.label}\n${secondLine(n)}`)}, fillcolor=${dotStr(colour(n.type))}${n.type === 'blob' ? ', style="rounded,dashed"' : ''}];`);
  }
  for (const e of graph.edges) lines.push(`  ${dotStr(e.from)} -> ${dotStr(e.to)} [label=${dotStr(e.shape ? `${e.blob}\n${e.shape.join('×')}` : e.blob)}];`);
  lines.push('}');
  return lines.join('\n') + '\n';
}
