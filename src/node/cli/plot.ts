/**
 * `cortado plot <statistics.json>`: learning curves of a run, one panel per statistic, written as
 * PREFIX.svg and PREFIX.png. Existing images are refused unless --force (a plot is cheap to redo, a
 * file of the same name may not be); each image is written atomically (io/atomic.ts), so a full
 * disk leaves no half image and no .tmp, and is a DataError naming the file.
 */
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DataError } from '../../core/errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { plotStatistics } from '../../plot/chart.js';
import { svgToPng } from '../plot/png.js';
import { parseSmoothing } from '../../plot/smooth.js';
import { readStatistics } from '../statistics-file.js';
import { refuseExisting, writePair } from './outputs.js';

export const PLOT_USAGE = `usage: cortado plot <statistics.json> [options]

options:
  --out PREFIX          write PREFIX.svg and PREFIX.png (default: the statistics file without .json)
  --keys A,B,...        statistics to draw, in this order (default: all of them)
  --smooth K            K >= 2: centred moving average of K points; 0 < K < 1: exponential
                        average of weight K; the recorded values are drawn faint under the
                        smoothed curve (statistics of 40 points or fewer are drawn as recorded)
  --width W --height H  image size in pixels (default 1000 wide, 300 per row of panels)
  --title TEXT          title on top (default: "Training statistics: <folder>/<file>")
  --force               replace PREFIX.svg and PREFIX.png when they exist (default: refuse)`;

export async function plotCommand(args: string[]): Promise<number> {
  if (args[0] === '--help' || args[0] === '-h') {
    console.log(PLOT_USAGE);
    return 0;
  }
  const s = { type: 'string' } as const;
  const { values: f, positionals } = parseArgs({ args, allowPositionals: true, options: { out: s, keys: s, smooth: s, width: s, height: s, title: s, force: { type: 'boolean' } } });
  if (positionals.length !== 1) {
    console.error(`cortado plot: expected one statistics file, found ${positionals.length}\n\n${PLOT_USAGE}`);
    return 2;
  }
  const file = positionals[0];
  const size = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const x = Number(v);
    if (!Number.isInteger(x) || x < 100 || x > 10000) throw new Error(`--${name} must be a whole number of pixels from 100 to 10000, found "${v}"`);
    return x;
  };
  const smoothing = f.smooth === undefined ? undefined : parseSmoothing(f.smooth);
  if (smoothing === null) throw new Error(`--smooth must be an integer K >= 1 (moving average) or a number in (0, 1) (exponential average), found "${f.smooth}"`);
  const keys = f.keys?.split(',').map((k) => k.trim()).filter((k) => k !== '');
  const prefix = f.out ?? file.replace(/\.json$/i, '');
  const outputs = [`${prefix}.svg`, `${prefix}.png`];
  const input = outputs.find((o) => resolve(o) === resolve(file));
  if (input) throw new DataError(`cortado plot: the output "${input}" is the statistics file itself; choose another --out`);
  const stats = readStatistics(file);
  const chart = plotStatistics(stats, {
    keys, smoothing, width: size('width', f.width), height: size('height', f.height),
    title: f.title ?? `Training statistics: ${join(basename(dirname(resolve(file))), basename(file))}`,
  });
  refuseExisting(outputs, f.force, 'cortado plot');
  const png = svgToPng(chart.svg);
  await writePair(() => writeFileAtomic(outputs[0]!, chart.svg, `plot "${resolve(outputs[0]!)}"`, { exclusive: true }), () => writeFileAtomic(outputs[1]!, png, `plot "${resolve(outputs[1]!)}"`, { exclusive: true }));
  console.log(`wrote ${prefix}.svg and ${prefix}.png (${chart.width}×${chart.height}): ${chart.keys.join(', ')}`);
  const plain = chart.keys.filter((k) => !chart.smoothed.includes(k));
  if (smoothing && smoothing.kind !== 'none' && plain.length) console.log(`not smoothed (40 points or fewer, drawn as recorded): ${plain.join(', ')}`);
  return 0;
}
