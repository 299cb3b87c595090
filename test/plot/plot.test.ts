/** Learning-curve plots: smoothing and tick math, the SVG's content, the PNG, the statistics reader and `cortado plot`. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { ConfigError, DataError } from '../../src/core/errors.js';
import type { Statistics } from '../../src/solver/coffee/lounge.js';
import { plotStatistics } from '../../src/plot/chart.js';
import { svgToPng } from '../../src/node/plot/png.js';
import { exponentialAverage, movingAverage, parseSmoothing, smooth } from '../../src/plot/smooth.js';
import { readStatistics } from '../../src/node/statistics-file.js';
import { formatTick, niceAxis } from '../../src/plot/ticks.js';

const cli = resolve(fileURLToPath(import.meta.url), '../../../src/node/cli/main.js');

/** A run: 100 noisy loss values, 5 validation accuracies, a learning rate. */
function run(): Statistics {
  const loss: [number, number][] = Array.from({ length: 100 }, (_, i) => [10 * (i + 1), 2 / (1 + i / 10) + 0.3 * Math.sin(i * 2.1)]);
  return {
    loss,
    'validation/accuracy': [[200, 0.5], [400, 0.7], [600, 0.8], [800, 0.85], [1000, 0.9]],
    lr: loss.map(([it]) => [it, 0.01 * 0.999 ** it]),
  };
}

/** The `points` of every polyline of class `cls` in the panel of `key`. */
function polylines(svg: string, key: string, cls: string): [number, number][][] {
  const panel = new RegExp(`<g data-statistic="${key.replace('/', '\\/')}">(.*?)</g>`).exec(svg)?.[1] ?? '';
  return [...panel.matchAll(new RegExp(`<polyline class="${cls}" points="([^"]*)"`, 'g'))].map((m) => m[1].split(' ').map((p) => p.split(',').map(Number) as [number, number]));
}

describe('smoothing', () => {
  it('moving average: centred window, fewer points at the ends; window 1 is the identity', () => {
    assert.deepEqual(movingAverage([1, 2, 3, 4, 5], 3), [1.5, 2, 3, 4, 4.5]);
    assert.deepEqual(movingAverage([1, 2, 3, 4, 5], 2), [1.5, 2.5, 3.5, 4.5, 5]);
    assert.deepEqual(movingAverage([1, 5, 9, 2, 8], 5), [5, 17 / 4, 5, 6, 19 / 3]);
    assert.deepEqual(movingAverage([3, 1], 1), [3, 1]);
    assert.deepEqual(movingAverage([], 4), []);
    assert.throws(() => movingAverage([1], 0), RangeError);
  });

  it('exponential average: y0 = x0, y_i = beta y_(i-1) + (1 - beta) x_i', () => {
    assert.deepEqual(exponentialAverage([0, 1, 1, 1], 0.5), [0, 0.5, 0.75, 0.875]);
    assert.deepEqual(exponentialAverage([4, 2], 0), [4, 2]);
    assert.throws(() => exponentialAverage([1], 1), RangeError);
  });

  it('reads --smooth values: K >= 2 moving, (0, 1) exponential, 1 none, anything else refused', () => {
    assert.deepEqual(parseSmoothing('10'), { kind: 'moving', window: 10 });
    assert.deepEqual(parseSmoothing('0.9'), { kind: 'exponential', beta: 0.9 });
    assert.deepEqual(parseSmoothing('1'), { kind: 'none' });
    for (const bad of ['0', '-3', '1.5', 'x', '']) assert.equal(parseSmoothing(bad), null, bad);
    assert.deepEqual(smooth([2, 4], { kind: 'exponential', beta: 0.25 }), [2, 3.5]);
  });
});

describe('axes', () => {
  it('cover the data with 1, 2 or 5 × 10^e steps and label them with the decimals the step needs', () => {
    assert.deepEqual(niceAxis(0, 10000, 6), { lo: 0, hi: 10000, step: 2000, ticks: [0, 2000, 4000, 6000, 8000, 10000] });
    const a = niceAxis(0.013, 0.97, 5);
    assert.deepEqual([a.lo, a.hi, a.step], [0, 1, 0.2]);
    assert.deepEqual(a.ticks.map((t) => formatTick(t, a.step)), ['0', '0.2', '0.4', '0.6', '0.8', '1.0']);
    const lr = niceAxis(0.00957, 0.00993, 5);
    assert.deepEqual(lr.ticks.map((t) => formatTick(t, lr.step)), ['0.0095', '0.0096', '0.0097', '0.0098', '0.0099', '0.0100']);
    const flat = niceAxis(3, 3);
    assert.ok(flat.lo < 3 && flat.hi > 3, 'a constant series still gets a range');
    assert.equal(formatTick(2e-8, 1e-8), '2e-8');
  });
});

describe('plotStatistics (SVG)', () => {
  it('draws one panel per statistic with its title, axes labels and every finite point', () => {
    const stats = run();
    stats.loss[3] = [40, NaN];
    const { svg, keys, smoothed, width, height } = plotStatistics(stats, { title: 'My run' });
    assert.deepEqual(keys, ['loss', 'validation/accuracy', 'lr']);
    assert.deepEqual(smoothed, []);
    assert.deepEqual([width, height], [1000, 44 + 2 * 300]);
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="1000" height="644"/);
    for (const label of ['My run', '>loss<', '>validation/accuracy<', '>lr<', '>iteration<', '>0.9<', '>1000<']) assert.ok(svg.includes(label), label);
    assert.equal(polylines(svg, 'loss', 'raw')[0].length, 99, 'the NaN point is left out');
    assert.equal(polylines(svg, 'validation/accuracy', 'raw')[0].length, 5);
    assert.equal((svg.match(/<circle/g) ?? []).length, 5, 'markers on the short series only');
    // the accuracy curve rises: y pixel coordinates fall
    const ys = polylines(svg, 'validation/accuracy', 'raw')[0].map((p) => p[1]);
    assert.ok(ys.every((y, i) => i === 0 || y < ys[i - 1]), ys.join(' '));
  });

  it('with smoothing, draws the raw curve faint and the smoothed one over it, for long series only', () => {
    const { svg, smoothed } = plotStatistics(run(), { keys: ['validation/accuracy', 'loss'], smoothing: { kind: 'moving', window: 9 } });
    assert.deepEqual(smoothed, ['loss']);
    assert.ok(svg.indexOf('data-statistic="validation/accuracy"') < svg.indexOf('data-statistic="loss"'), 'keys in the order asked');
    assert.ok(!svg.includes('data-statistic="lr"'));
    const [raw] = polylines(svg, 'loss', 'raw');
    const [sm] = polylines(svg, 'loss', 'smoothed');
    assert.equal(sm.length, raw.length);
    assert.match(svg, /<polyline class="raw" points="[^"]*" fill="none" stroke="#[0-9a-f]{6}" stroke-width="1" stroke-opacity="0.3"/);
    assert.match(svg, />loss \(moving average of 9\)</);
    assert.equal(polylines(svg, 'validation/accuracy', 'smoothed').length, 0);
    const wiggle = (p: [number, number][]) => p.slice(1).reduce((s, q, i) => s + Math.abs(q[1] - p[i][1]), 0);
    assert.ok(wiggle(sm) < 0.5 * wiggle(raw), `smoothed path ${wiggle(sm)} vs raw ${wiggle(raw)}`);
  });

  it('fails on an unknown statistic, naming the known ones, and on empty statistics', () => {
    assert.throws(() => plotStatistics(run(), { keys: ['loss', 'accuracy'] }), (e: Error) =>
      e instanceof ConfigError && e.message === 'plot: no statistic "accuracy"; the file has "loss", "validation/accuracy", "lr"');
    assert.throws(() => plotStatistics({}), /nothing to draw/);
  });
});

describe('PNG', () => {
  it('has the chart\'s size, is not blank, and renders text with the bundled fonts', async () => {
    const chart = plotStatistics(run(), { width: 640, height: 480, smoothing: { kind: 'exponential', beta: 0.8 } });
    const png = svgToPng(chart.svg);
    const meta = await sharp(png).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 640, 480]);
    const st = await sharp(png).stats();
    assert.ok(st.channels.slice(0, 3).every((c) => c.stdev > 5), 'pixels vary');
    assert.ok(st.channels[0].min < 60, 'dark pixels (text, axes)');
    // text only: no system font is loaded, so anything drawn comes from the DejaVu files
    const textOnly = `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="60"><text x="10" y="40" font-family="DejaVu Sans" font-size="30">loss</text></svg>`;
    const dark = (await sharp(svgToPng(textOnly)).greyscale().raw().toBuffer()).filter((v) => v < 128).length;
    assert.ok(dark > 50, `${dark} dark pixels for the word "loss"`);
  });
});

describe('statistics files and cortado plot', () => {
  let dir = '';
  before(() => { dir = mkdtempSync(join(tmpdir(), 'cortado-plot-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const cortado = (args: string[]) => {
    const r = spawnSync(process.execPath, [cli, 'plot', ...args], { encoding: 'utf8' });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  it('reads a statistics file, refusing bad ones with the file, statistic and entry named', () => {
    const file = (name: string, text: string) => { const f = join(dir, name); writeFileSync(f, text); return f; };
    const nan = readStatistics(file('ok.json', '{"loss":[[1,0.5],[2,null]]}'));
    assert.deepEqual(nan.loss[0], [1, 0.5]);
    assert.ok(Number.isNaN(nan.loss[1][1]));
    const bad = (path: string, re: RegExp) => assert.throws(() => readStatistics(path), (e: Error) => e instanceof DataError && re.test(e.message), re.source);
    bad(join(dir, 'none.json'), /statistics file .*none\.json: cannot read it/);
    bad(file('text.json', 'loss 0.5'), /text\.json is not JSON/);
    bad(file('list.json', '[1, 2]'), /list\.json: expected an object mapping each statistic to a list of \[iteration, value\] pairs .*found a list/);
    bad(file('entry.json', '{"loss":[[1,0.5],[2]]}'), /entry\.json: statistic "loss", entry 1 must be \[iteration, value\] with numbers, found \[2\]/);
    bad(file('series.json', '{"loss":3}'), /statistic "loss" must be a list/);
  });

  it('writes PREFIX.svg and PREFIX.png of the chosen statistics and size', async () => {
    const stats = join(dir, 'statistics.json');
    writeFileSync(stats, JSON.stringify(run()));
    const prefix = join(dir, 'plots', 'curves');
    const r = cortado([stats, '--out', prefix, '--keys', 'loss,lr', '--smooth', '5', '--width', '600', '--height', '400']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /curves\.svg and .*curves\.png \(600×400\): loss, lr/);
    const svg = readFileSync(`${prefix}.svg`, 'utf8');
    assert.ok(svg.includes('>loss (moving average of 5)<') && svg.includes('>lr (moving average of 5)<') && !svg.includes('validation'));
    const meta = await sharp(readFileSync(`${prefix}.png`)).metadata();
    assert.deepEqual([meta.width, meta.height], [600, 400]);
    const byDefault = cortado([stats]);
    assert.equal(byDefault.code, 0, byDefault.err);
    assert.ok(existsSync(join(dir, 'statistics.png')) && existsSync(join(dir, 'statistics.svg')));
  });

  it('exits with a message on a bad file, key, option or command line', () => {
    const stats = join(dir, 'statistics.json');
    writeFileSync(stats, JSON.stringify(run()));
    const cases: [string[], number, RegExp][] = [
      [[stats, '--keys', 'loss,acc'], 1, /ConfigError: plot: no statistic "acc"; the file has "loss", "validation\/accuracy", "lr"/],
      [[stats, '--smooth=-2'], 1, /--smooth must be an integer K >= 1 .* found "-2"/],
      [[stats, '--width', '20'], 1, /--width must be a whole number of pixels from 100 to 10000, found "20"/],
      [[join(dir, 'missing.json')], 1, /DataError: statistics file .*missing\.json: cannot read it/],
      [[], 2, /expected one statistics file, found 0/],
    ];
    for (const [args, code, re] of cases) {
      const r = cortado(args);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, re);
    }
    const help = cortado(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /usage: cortado plot <statistics.json>/);
  });
});
