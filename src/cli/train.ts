/**
 * `cortado train <net.json>`: trains a net from a definition file. Solver settings come from the
 * file's "solver" object; flags override them.
 */
import { parseArgs } from 'node:util';
import '../node/layers.js';
import { createBackend, type BackendName } from '../node/backends.js';
import { readDefinition, resolveSources } from '../node/definition.js';
import { train } from '../node/train.js';

export const TRAIN_USAGE = `usage: cortado train <net.json> [options]

options:
  --backend NAME        auto (default), js, native or cuda
  --max-iter N          iterations to train to
  --method M            SGD, Nesterov, Adam, AdaGrad, AdaDelta or RMSProp
  --iter-size N         accumulate gradients over N batches per update
  --clip-gradients X    scale gradients down to this global L2 norm
  --base-lr X           base learning rate
  --momentum X          momentum
  --weight-decay X      weight decay (L2 unless --regularization L1)
  --regularization R    L2 or L1
  --lr-policy P         fixed, step, exp, inv, multistep, poly or sigmoid
  --gamma X --power X --stepsize N --stepvalues A,B,...   policy parameters
  --output DIR          snapshots and statistics go here (resumes from the newest snapshot)
  --fresh               do not resume
  --init-from FILE      start from the weights in FILE (a weights file in the <layer>___<param>
                        layout, or a snapshot) when there is no snapshot to resume from
  --seed N              random seed
  --summary-every N --validate-every N --snapshot-every N   coffee breaks (0 turns one off)`;

export async function trainCommand(rest: string[]): Promise<number> {
  if (rest[0] === '--help' || rest[0] === '-h') {
    console.log(TRAIN_USAGE);
    return 0;
  }
  const s = { type: 'string' } as const;
  const { values: f, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      backend: s, 'max-iter': s, method: s, 'iter-size': s, 'clip-gradients': s, 'base-lr': s, momentum: s, 'weight-decay': s, regularization: s,
      'lr-policy': s, gamma: s, power: s, stepsize: s, stepvalues: s, output: s, seed: s, 'init-from': s,
      'summary-every': s, 'validate-every': s, 'snapshot-every': s, fresh: { type: 'boolean' },
    },
  });
  if (positionals.length !== 1) {
    console.error(`cortado train: expected one net definition file, found ${positionals.length}\n\n${TRAIN_USAGE}`);
    return 2;
  }
  const def = readDefinition(positionals[0]);
  const num = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const x = Number(v);
    if (!Number.isFinite(x)) throw new Error(`--${name} must be a number, found "${v}"`);
    return x;
  };
  const solver: Record<string, unknown> = { ...def.solver };
  const set = (key: string, v: unknown) => { if (v !== undefined) solver[key] = v; };
  set('maxIter', num('max-iter', f['max-iter']));
  set('method', f.method);
  set('iterSize', num('iter-size', f['iter-size']));
  set('clipGradients', num('clip-gradients', f['clip-gradients']));
  set('baseLr', num('base-lr', f['base-lr']));
  set('momentum', num('momentum', f.momentum));
  set('weightDecay', num('weight-decay', f['weight-decay']));
  set('regularization', f.regularization);
  const policyFlags = {
    type: f['lr-policy'], gamma: num('gamma', f.gamma), power: num('power', f.power), stepsize: num('stepsize', f.stepsize),
    stepvalues: f.stepvalues?.split(',').map((v) => num('stepvalues', v)),
  };
  if (Object.values(policyFlags).some((v) => v !== undefined)) {
    const base = (f['lr-policy'] ? {} : { ...(def.solver?.lrPolicy as object | undefined) }) as Record<string, unknown>;
    for (const [k, v] of Object.entries(policyFlags)) if (v !== undefined) base[k] = v;
    solver.lrPolicy = base;
  }
  const cb = { ...def.coffeeBreaks };
  const every = (k: 'summaryEvery' | 'validateEvery' | 'snapshotEvery', flag: string) => {
    const v = num(flag, f[flag as keyof typeof f] as string | undefined);
    if (v !== undefined) cb[k] = v;
  };
  every('summaryEvery', 'summary-every');
  every('validateEvery', 'validate-every');
  every('snapshotEvery', 'snapshot-every');
  const backend = createBackend((f.backend ?? 'auto') as BackendName);
  const result = await train({
    backend,
    layers: resolveSources(def.layers),
    solver,
    seed: num('seed', f.seed) ?? def.seed,
    coffeeBreaks: cb,
    outputDir: f.output,
    resume: !f.fresh,
    initFrom: f['init-from'],
  });
  const parts = [...(result.final ?? new Map<string, number>())].map(([k, v]) => `${k} ${v.toFixed(4)}`);
  console.log(`done: ${result.solver.iter} iterations in ${result.seconds.toFixed(1)} s on ${backend.name}${parts.length ? ', test ' + parts.join(', ') : ''}`);
  return 0;
}

