/**
 * Learning curves as SVG: one panel per statistic of a run (training loss, validation accuracy,
 * learning rate...), x = iteration on an axis shared by all panels, y scaled to the statistic.
 * With smoothing, the recorded values of a long series are drawn faint and the smoothed curve
 * strong over them; a short series (up to 40 points: validation every n iterations) is drawn as
 * recorded, with a marker per point, since averaging a few points only shifts them. Browser-safe: text
 * in, text out (src/node/plot/png.ts rasterizes it in Node).
 */
import type { Statistics } from '../solver/coffee/lounge.js';
import { ConfigError } from '../core/errors.js';
import { smooth, type Smoothing } from './smooth.js';
import { formatTick, niceAxis, type Axis } from './ticks.js';
import { el, points, svgDocument, text } from './svg.js';

export interface ChartOptions {
  /**
   * Statistics to draw, in this order (default: every one in the file: "loss" first, then the
   * "validation/..." ones, then the others, each group by name).
   */
  keys?: readonly string[];
  /** Default none. */
  smoothing?: Smoothing;
  /** Whole image in pixels (default 1000 wide, 300 per row of panels plus the title). */
  width?: number;
  height?: number;
  /** Shown on top (default 'Training statistics'). */
  title?: string;
  /** Panels per row (default 2, or 1 for a single statistic). */
  columns?: number;
}

export interface Chart {
  svg: string;
  width: number;
  height: number;
  keys: string[];
  /** The statistics drawn smoothed (with smoothing on, those of more than 40 points). */
  smoothed: string[];
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
const FONT = 'DejaVu Sans';
const TITLE_H = 44;
const MARGIN = { left: 74, right: 22, top: 34, bottom: 48 };
/** Series with at most this many points get a marker per point and no smoothing. */
const MARKERS_UP_TO = 40;

/** The SVG of `stats`; fails with a ConfigError naming an unknown key and listing the known ones. */
export function plotStatistics(stats: Statistics, options: ChartOptions = {}): Chart {
  const known = Object.keys(stats).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  const keys = options.keys ? [...options.keys] : known;
  for (const k of keys) {
    if (!(k in stats)) throw new ConfigError(`plot: no statistic "${k}"; the file has ${known.map((n) => `"${n}"`).join(', ') || 'none'}`);
  }
  if (keys.length === 0) throw new ConfigError('plot: nothing to draw, the statistics hold no series');
  const columns = Math.max(1, Math.min(options.columns ?? (keys.length === 1 ? 1 : 2), keys.length));
  const rows = Math.ceil(keys.length / columns);
  const width = options.width ?? 1000;
  const height = options.height ?? TITLE_H + 300 * rows;
  const smoothing = options.smoothing ?? { kind: 'none' };

  const [xMin, xMax] = range(keys.flatMap((k) => stats[k].map((p) => p[0]).filter(Number.isFinite)), [0, 1]);
  const panelW = width / columns;
  const panelH = (height - TITLE_H) / rows;
  // about one x tick per 80 pixels and one y tick per 45, so that small panels stay legible
  const xAxis = niceAxis(xMin, xMax, clamp(Math.round((panelW - MARGIN.left - MARGIN.right) / 80), 2, 6));
  const yTicks = clamp(Math.round((panelH - MARGIN.top - MARGIN.bottom) / 45), 2, 5);
  const parts = [
    el('rect', { x: 0, y: 0, width, height, fill: 'white' }),
    text(width / 2, 28, options.title ?? 'Training statistics', { 'text-anchor': 'middle', 'font-size': 18, 'font-weight': 'bold' }),
  ];
  keys.forEach((key, i) => {
    const x0 = (i % columns) * panelW;
    const y0 = TITLE_H + Math.floor(i / columns) * panelH;
    parts.push(panel(key, stats[key], xAxis, yTicks, smoothing, COLORS[i % COLORS.length], x0, y0, panelW, panelH));
  });
  const svg = svgDocument(width, height, el('g', { 'font-family': FONT, fill: '#222' }, ...parts));
  const smoothed = smoothing.kind === 'none' ? [] : keys.filter((k) => finitePoints(stats[k]).length > MARKERS_UP_TO);
  return { svg, width, height, keys, smoothed };
}

function panel(key: string, series: [number, number][], xAxis: Axis, yTicks: number, smoothing: Smoothing, color: string, x0: number, y0: number, w: number, h: number): string {
  const left = x0 + MARGIN.left;
  const top = y0 + MARGIN.top;
  const pw = Math.max(10, w - MARGIN.left - MARGIN.right);
  const ph = Math.max(10, h - MARGIN.top - MARGIN.bottom);
  const finite = finitePoints(series);
  const suffix = finite.length <= MARKERS_UP_TO ? '' : smoothing.kind === 'moving' ? ` (moving average of ${smoothing.window})` : smoothing.kind === 'exponential' ? ` (exponential average, ${smoothing.beta})` : '';
  const out = [text(left + pw / 2, y0 + 22, key + suffix, { 'text-anchor': 'middle', 'font-size': 14, 'font-weight': 'bold' })];
  const values = finite.map((p) => p[1]);
  const [yMin, yMax] = range(values, [0, 1]);
  const yAxis = niceAxis(yMin, yMax, yTicks);
  const sx = (v: number) => left + ((v - xAxis.lo) / (xAxis.hi - xAxis.lo)) * pw;
  const sy = (v: number) => top + ph - ((v - yAxis.lo) / (yAxis.hi - yAxis.lo)) * ph;

  for (const t of yAxis.ticks) {
    out.push(el('line', { x1: left, x2: left + pw, y1: sy(t), y2: sy(t), stroke: '#e4e4e4', 'stroke-width': 1 }));
    out.push(text(left - 6, sy(t) + 4, formatTick(t, yAxis.step), { 'text-anchor': 'end', 'font-size': 11 }));
  }
  for (const t of xAxis.ticks) {
    out.push(el('line', { x1: sx(t), x2: sx(t), y1: top, y2: top + ph, stroke: '#f0f0f0', 'stroke-width': 1 }));
    out.push(el('line', { x1: sx(t), x2: sx(t), y1: top + ph, y2: top + ph + 4, stroke: '#444', 'stroke-width': 1 }));
    out.push(text(sx(t), top + ph + 17, formatTick(t, xAxis.step), { 'text-anchor': 'middle', 'font-size': 11 }));
  }
  out.push(el('rect', { x: left, y: top, width: pw, height: ph, fill: 'none', stroke: '#444', 'stroke-width': 1 }));
  out.push(text(left + pw / 2, top + ph + 38, 'iteration', { 'text-anchor': 'middle', 'font-size': 12 }));

  if (finite.length === 0) {
    out.push(text(left + pw / 2, top + ph / 2, 'no finite values', { 'text-anchor': 'middle', 'font-size': 12, fill: '#888' }));
    return el('g', { 'data-statistic': key }, ...out);
  }
  const raw = finite.map(([it, v]): [number, number] => [sx(it), sy(v)]);
  const smoothed = smoothing.kind !== 'none' && finite.length > MARKERS_UP_TO;
  out.push(el('polyline', { class: 'raw', points: points(raw), fill: 'none', stroke: color, 'stroke-width': smoothed ? 1 : 1.8, 'stroke-opacity': smoothed ? 0.3 : 1, 'stroke-linejoin': 'round' }));
  if (smoothed) {
    const ys = smooth(values, smoothing);
    const line = finite.map(([it], j): [number, number] => [sx(it), sy(ys[j])]);
    out.push(el('polyline', { class: 'smoothed', points: points(line), fill: 'none', stroke: color, 'stroke-width': 2.2, 'stroke-linejoin': 'round' }));
  }
  if (finite.length <= MARKERS_UP_TO) {
    for (const [x, y] of raw) out.push(el('circle', { cx: x, cy: y, r: 3, fill: color }));
  }
  if (finite.length === 1) {
    const [[x, y]] = raw;
    const label = `${Number(finite[0][1].toPrecision(4))} at ${finite[0][0]}`;
    out.push(text(x + (x > left + pw / 2 ? -8 : 8), y - 8, label, { 'text-anchor': x > left + pw / 2 ? 'end' : 'start', 'font-size': 12 }));
  }
  return el('g', { 'data-statistic': key }, ...out);
}

/** The points whose iteration and value are finite numbers (a NaN loss is left out of the drawing). */
function finitePoints(series: [number, number][]): [number, number][] {
  return series.filter(([it, v]) => Number.isFinite(it) && Number.isFinite(v));
}

/** [min, max] of `values`, or `empty` when there are none (a loop: spreading 10^6 values overflows the stack). */
function range(values: readonly number[], empty: [number, number]): [number, number] {
  if (values.length === 0) return empty;
  let lo = values[0];
  let hi = values[0];
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** Default panel order: the training loss, then validation statistics, then the rest. */
function rank(key: string): number {
  return key === 'loss' ? 0 : key.startsWith('validation/') ? 1 : 2;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
