import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cortado } from '../harness/cli.js';


const mlp = {
  seed: 1,
  solver: { baseLr: 0.05, momentum: 0.9, maxIter: 1000 },
  layers: [
    { type: 'MemoryData', name: 'train', tops: ['data', 'label'], batchSize: 50, shuffle: true, source: 'mnist:train', include: { phase: 'train' } },
    { type: 'MemoryData', name: 'test', tops: ['data', 'label'], batchSize: 1000, source: 'mnist:test', include: { phase: 'test' } },
    { type: 'InnerProduct', name: 'ip1', bottoms: ['data'], tops: ['h'], numOutput: 32, neuron: 'ReLU' },
    { type: 'InnerProduct', name: 'ip2', bottoms: ['h'], tops: ['score'], numOutput: 10 },
    { type: 'SoftmaxLoss', name: 'loss', bottoms: ['score', 'label'], tops: ['loss'] },
    { type: 'Accuracy', name: 'acc', bottoms: ['score', 'label'], tops: ['accuracy'], include: { phase: 'test' } },
  ],
};

test('cortado train runs a definition file, flags override its solver settings, and it resumes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cortado-cli-'));
  try {
    const file = join(dir, 'mlp.json');
    writeFileSync(file, JSON.stringify(mlp));
    const out = join(dir, 'out');
    const r = cortado(['train', file, '--backend', 'js', '--max-iter', '200', '--summary-every', '100', '--validate-every', '0', '--snapshot-every', '100', '--output', out]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /iter +100 \| loss/);
    assert.match(r.out, /done: 200 iterations/);
    const acc = Number(/done: .*accuracy ([\d.]+)%/.exec(r.out)?.[1]);
    assert.ok(acc > 85, `test accuracy ${acc}% after 200 iterations`);
    // A header first, then a line after the first iteration (not only at 100), each with the time left.
    assert.match(r.out.split('\n')[0]!, /^train \| iterations 1 to 200 \| batch 50 \| SGD, lr 0\.05000 \| backend js$/);
    const decayed = cortado(['train', file, '--backend', 'js', '--max-iter', '2', '--method', 'Adam', '--momentum', '0', '--base-lr', '0.001',
      '--weight-decay', '0.01', '--regularization', 'decoupled', '--validate-every', '0', '--snapshot-every', '0', '--output', join(dir, 'decayed')]);
    assert.equal(decayed.code, 0, decayed.err);
    assert.match(decayed.out.split('\n')[0]!, /^train \| iterations 1 to 2 \| batch 50 \| Adam, weight decay 0\.01 decoupled, lr 0\.001000 \| backend js$/);
    assert.match(r.out, /^iter +1 \| loss \d+\.\d{6} \| lr 0\.05000 \| momentum 0\.900 \| \d+ images\/s \| eta \d+s$/m);
    assert.match(r.out, /^iter +200 \| .* \| eta 0s$/m);
    assert.ok(existsSync(join(out, 'statistics.json')));
    const again = cortado(['train', file, '--backend', 'js', '--max-iter', '250', '--summary-every', '50', '--validate-every', '0', '--output', out]);
    assert.equal(again.code, 0, again.err);
    assert.match(again.out, /resuming from .*00000200/);
    assert.match(again.out, /done: 250 iterations/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cortado train refuses bad input with a clear message', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cortado-cli-'));
  try {
    const missing = cortado(['train', join(dir, 'nope.json')]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /net definition .*nope\.json: cannot read it/);

    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ "layers": [ { "type": "InnerProduct", ');
    assert.match(cortado(['train', broken]).err, /broken\.json is not valid JSON/);

    const unknownType = join(dir, 'unknown.json');
    writeFileSync(unknownType, JSON.stringify({ ...mlp, layers: [...mlp.layers.slice(0, 2), { ...mlp.layers[2], type: 'FullyConnected' }, ...mlp.layers.slice(3)] }));
    const u = cortado(['train', unknownType, '--backend', 'js']);
    assert.equal(u.code, 1);
    assert.match(u.err, /layer "ip1": unknown layer type "FullyConnected"/);

    const noSolver = join(dir, 'nosolver.json');
    writeFileSync(noSolver, JSON.stringify({ layers: mlp.layers }));
    assert.match(cortado(['train', noSolver, '--backend', 'js']).err, /solver: field "baseLr" must be given/);

    assert.match(cortado(['train', unknownType, '--backend', 'tpu']).err, /unknown backend "tpu"/);
    assert.equal(cortado(['fly']).code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cortado train reads numeric flags strictly: decimals, integers where counts are meant, negatives, seeds in 0..2^32-1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cortado-cli-'));
  try {
    const file = join(dir, 'mlp.json');
    writeFileSync(file, JSON.stringify(mlp));
    const refused: [string[], RegExp][] = [
      [['--max-iter', ''], /--max-iter must be an integer of at least 0, found ""/],
      [['--max-iter', '0x10'], /--max-iter must be an integer of at least 0, found "0x10"/],
      [['--max-iter', '12.5'], /--max-iter must be an integer/],
      [['--iter-size', '0'], /--iter-size must be an integer of at least 1, found "0"/],
      [['--base-lr', '1_0'], /--base-lr must be a decimal number, found "1_0"/],
      [['--base-lr', 'Infinity'], /--base-lr must be a decimal number, found "Infinity"/],
      [['--seed', '-1'], /--seed must be an integer from 0 to 4294967295, found "-1"/],
      [['--seed=-1'], /--seed must be an integer from 0 to 4294967295, found "-1"/],
      [['--seed', '4294967296'], /--seed must be an integer from 0 to 4294967295/],
      [['--seed', 'abc'], /--seed must be an integer/],
      [['--snapshot-every', '-5'], /--snapshot-every must be an integer of at least 0, found "-5"/],
      [['--seed', '-0'], /--seed must be an integer from 0 to 4294967295, found "-0"/],
      [['--validate-every', '-0'], /--validate-every must be an integer of at least 0, found "-0"/],
      [['--stepvalues', '10,x'], /--stepvalues must be an integer of at least 1, found "x"/],
      [['--frobnicate'], /Unknown option '--frobnicate'/],
      [['--max-iter', '1e1'], /--max-iter must be an integer of at least 0, found "1e1"/],
      [['--lr-policy', 'inv', '--gamma', '0.1'], /flag --lr-policy "inv" .*"power" must be given/],
    ];
    for (const [flags, message] of refused) {
      const r = cortado(['train', file, '--backend', 'js', ...flags]);
      assert.equal(r.code, 2, `${flags.join(' ')}: ${r.err}`);
      assert.match(r.err, message, flags.join(' '));
      assert.doesNotMatch(r.err, /ambiguous/);
    }
    // A negative value after its flag reaches the solver's own check, which names the field.
    const gamma = cortado(['train', file, '--backend', 'js', '--lr-policy', 'step', '--stepsize', '5', '--gamma', '-1']);
    assert.match(gamma.err, /"gamma" must be > 0, found -1/);
    // -0 is shown as given, not as 0 (which the user did not write).
    assert.match(cortado(['train', file, '--backend', 'js', '--base-lr', '-0']).err, /"baseLr" must be > 0, found -0$/m);
    const ok = cortado(['train', file, '--backend', 'js', '--max-iter', '10', '--seed', '4294967295', '--summary-every', '5', '--validate-every', '0']);
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, /done: 10 iterations/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cortado train --init-from a folder without snapshots is an error naming the folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cortado-cli-'));
  try {
    const file = join(dir, 'mlp.json');
    writeFileSync(file, JSON.stringify(mlp));
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const r = cortado(['train', file, '--backend', 'js', '--max-iter', '1', '--init-from', empty]);
    assert.equal(r.code, 1, r.err);
    assert.ok(r.err.includes(`folder "${empty}" holds no snapshot`), r.err);
    assert.doesNotMatch(r.out, /initial weights from null/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('EarlyStopping and DecayOnValidation run from a definition file and from flags', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cortado-cli-'));
  try {
    // Watching the test loss with "higher is better" makes every validation after the first a
    // decline, as the loss falls: the breaks then act at known iterations.
    const file = join(dir, 'early.json');
    writeFileSync(file, JSON.stringify({ ...mlp, coffeeBreaks: { validateEvery: 20, summaryEvery: 100, earlyStopping: { patience: 2, statistic: 'validation/loss', better: 'higher' } } }));
    const r = cortado(['train', file, '--backend', 'js', '--output', join(dir, 'early')]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /iter +60 \| early stop: validation\/loss has not improved on [\d.]+ \(iter 20\) for 2 validations; best weights restored/);
    assert.match(r.out, /done: 60 iterations/);

    const plain = join(dir, 'plain.json');
    writeFileSync(plain, JSON.stringify(mlp));
    const d = cortado(['train', plain, '--backend', 'js', '--max-iter', '60', '--validate-every', '20', '--decay-on-validation', '0.5', '--watch', 'validation/loss', '--better', 'higher']);
    assert.equal(d.code, 0, d.err);
    assert.equal(d.out.match(/lr × 0\.5, weights back to iter 20/g)?.length, 2, d.out);
    const f = cortado(['train', plain, '--backend', 'js', '--max-iter', '100', '--validate-every', '20', '--early-stopping', '1', '--watch', 'validation/loss', '--better', 'higher']);
    assert.equal(f.code, 0, f.err);
    assert.match(f.out, /done: 40 iterations/);

    // Bad settings, each named.
    const noBetter = join(dir, 'nobetter.json');
    writeFileSync(noBetter, JSON.stringify({ ...mlp, coffeeBreaks: { earlyStopping: { patience: 2, statistic: 'validation/loss' } } }));
    assert.match(cortado(['train', noBetter, '--backend', 'js']).err, /field "earlyStopping": field "better" must be given with "statistic"/);
    const badFactor = join(dir, 'factor.json');
    writeFileSync(badFactor, JSON.stringify({ ...mlp, coffeeBreaks: { decayOnValidation: { factor: 1 } } }));
    assert.match(cortado(['train', badFactor, '--backend', 'js']).err, /field "decayOnValidation": field "factor" must be in \(0, 1\), exclusive, found 1/);
    const noValidation = cortado(['train', plain, '--backend', 'js', '--validate-every', '0', '--early-stopping', '3']);
    assert.match(noValidation.err, /earlyStopping watch a validation statistic, but validation is off \(validateEvery is 0\)/);
    const watchAlone = cortado(['train', plain, '--watch', 'validation/loss']);
    assert.equal(watchAlone.code, 2);
    assert.match(watchAlone.err, /--watch validation\/loss needs --better higher or --better lower/);
    assert.match(cortado(['train', plain, '--better', 'higher']).err, /neither is on/);
    assert.match(cortado(['train', plain, '--decay-on-validation', '2']).err, /--decay-on-validation must be a factor between 0 and 1/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
