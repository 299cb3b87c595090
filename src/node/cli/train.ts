/**
 * `cortado train <net.json>`: trains a net from a definition file. Solver settings come from the
 * file's "solver" object; flags override them. Exit status: 0 when the run ends, 1 on an error, 2
 * on a bad command line, 130 / 143 after a stop by SIGINT / SIGTERM (a snapshot is written first).
 */
import { createBackend, precisionFlag, type BackendName } from '../backends.js';
import { readDefinition, resolveSources, type CoffeeBreakSettings } from '../definition.js';
import { signalExitCode } from '../stop-on-signal.js';
import { train, type DistributedOptions, type TrainOptions, type TrainResult } from '../train.js';
import type { Backend } from '../../backend/backend.js';
import { launchedByMpi, startMpi, type MpiCommunicator } from '../distributed/communicator.js';
import { startCudaForRank } from '../distributed/setup.js';
import { ConfigError } from '../../core/errors.js';
import { parseLrPolicy } from '../../solver/policies.js';
import { formatStatistic } from '../../solver/coffee/training-summary.js';
import { UsageError, decimalFlag, integerFlag, iterationsFlag, parseFlags } from './flags.js';

export const TRAIN_USAGE = `usage: cortado train <net.json> [options]

options:
  --backend NAME        auto (default), js, native, wasm, cuda or webgpu
  --precision P         float32 (default), or mixed precision on the cuda backend: float16 or
                        bfloat16 (convolutions and matrix products on 16-bit operands with float32
                        sums; weights and gradients stay float32)
  --loss-scale S        a number, or dynamic (the default with float16): the solver's lossScale
  --max-iter N          iterations to train to (alias: --iterations, as in npm run mnist)
  --method M            SGD, Nesterov, Adam, AdaGrad, AdaDelta or RMSProp
  --iter-size N         accumulate gradients over N batches per update
  --clip-gradients X    scale gradients down to this global L2 norm
  --base-lr X           base learning rate
  --momentum X          momentum
  --weight-decay X      weight decay (L2 unless --regularization L1 or decoupled)
  --regularization R    L2, L1 or decoupled (AdamW's: the weights shrink by lr · decay)
  --lr-policy P         fixed, step, exp, inv, multistep, poly or sigmoid
  --gamma X --power X --stepsize N --stepvalues A,B,...   policy parameters
  --output DIR          snapshots and statistics go here; the run resumes from the newest snapshot
                        there. One run at a time: DIR/cortado.lock names the run using it (a lock
                        left by a run that no longer exists is taken over, with a warning)
  --fresh               do not resume: start a new run, after moving an earlier run's snapshots/
                        and statistics.json in DIR to DIR/previous-<time>/ (nothing is overwritten)
  --init-from PATH      start from the weights in PATH (a weights file in the <layer>___<param>
                        layout, a snapshot, or a folder of snapshots: its newest) when there is no
                        snapshot to resume from
  --seed N              random seed, an integer from 0 to 4294967295 (on resume the snapshot's
                        random state is used; a different seed is reported)
  --summary-every N --validate-every N --snapshot-every N   coffee breaks (0 turns one off)
  --early-stopping N    stop after N validations without improvement, keeping the best weights
  --decay-on-validation F   multiply the lr by F (0 < F < 1) and go back to the best weights when
                        a validation is worse than the best
  --watch STAT --better higher|lower   the statistic those two watch (default
                        validation/accuracy, higher is better; --better is required with --watch)
  --dashboard [PORT]    serve a live dashboard (learning curves, images/s, lr, layers and shapes,
                        test images with their predictions at each validation)
                        on http://127.0.0.1:PORT/ while training (default PORT 0: any free port;
                        the URL is printed); it closes when the run ends
  --keep-dashboard      keep the dashboard up after the run ends, until Ctrl-C
  --distributed         data-parallel training over MPI: start with
                          mpirun -np N cortado train net.json --distributed ...
                        every rank trains on its share of each batch (N x batchSize samples in
                        all), gradients are averaged before each update, rank 0 alone logs and
                        writes; the GPU of a CUDA run is chosen by local rank (docs/distributed.md)
  --bucket-mib X        gradients are reduced in buckets of about X MiB (default 4), each started
                        as soon as backward has finished it

Numbers are plain decimals (200, 0.01, 1e-4); counts are integers. A negative value may follow its
flag (--gamma -1) or be joined to it (--gamma=-1).
A run that ends writes a final snapshot into DIR/snapshots when its last iteration has none. Ctrl-C
(SIGINT) or SIGTERM stops after the iteration under way, writes a snapshot, prints the command that
resumes (this one, without --fresh) and exits with 130 / 143; a second signal stops at once.`;

/** The largest seed: seeds are 32-bit. */
const MAX_SEED = 2 ** 32 - 1;

export async function trainCommand(rest: string[]): Promise<number> {
  if (rest[0] === '--help' || rest[0] === '-h') {
    console.log(TRAIN_USAGE);
    return 0;
  }
  try {
    return await trainWithFlags(rest);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`cortado train: ${e.message}

${TRAIN_USAGE}`);
    return 2;
  }
}

/** `--dashboard` takes an optional port: the next argument when it is all digits, or `--dashboard=PORT`. */
function dashboardFlag(args: readonly string[]): { args: string[]; port?: number } {
  const out: string[] = [];
  let port: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--dashboard' || a.startsWith('--dashboard=')) {
      const value = a.includes('=') ? a.slice(a.indexOf('=') + 1) : /^\d+$/.test(args[i + 1] ?? '') ? args[++i] : '0';
      port = integerFlag('dashboard', value, 0, 65535);
    } else out.push(a);
  }
  return { args: out, port };
}

async function trainWithFlags(all: string[]): Promise<number> {
  const s = { type: 'string' } as const;
  const { args: rest, port: dashboardPort } = dashboardFlag(all);
  const { values: f, positionals } = parseFlags(rest, {
    backend: s, 'max-iter': s, iterations: s, method: s, 'iter-size': s, 'clip-gradients': s, 'base-lr': s, momentum: s, 'weight-decay': s, regularization: s,
    'lr-policy': s, gamma: s, power: s, stepsize: s, stepvalues: s, output: s, seed: s, 'init-from': s,
    'summary-every': s, 'validate-every': s, 'snapshot-every': s, fresh: { type: 'boolean' }, 'keep-dashboard': { type: 'boolean' },
    distributed: { type: 'boolean' }, 'bucket-mib': s, precision: s, 'loss-scale': s,
    'early-stopping': s, 'decay-on-validation': s, watch: s, better: s,
  });
  const bucketMib = decimalFlag('bucket-mib', f['bucket-mib']);
  if (bucketMib !== undefined && !f.distributed) throw new UsageError('--bucket-mib sets the gradient buckets of a distributed run: add --distributed');
  if (bucketMib !== undefined && !(bucketMib >= 0)) throw new UsageError(`--bucket-mib must be a size in MiB, 0 or more, found ${bucketMib}`);
  if (f['keep-dashboard'] && dashboardPort === undefined) throw new UsageError('--keep-dashboard keeps the dashboard up, but there is none: add --dashboard [PORT]');
  if (positionals.length !== 1) throw new UsageError(`expected one net definition file, found ${positionals.length}`);
  for (const flag of ['output', 'init-from'] as const) {
    if (f[flag] === '') throw new UsageError(`--${flag} must name a path, found ""`);
  }
  const seed = integerFlag('seed', f.seed, 0, MAX_SEED);
  const def = readDefinition(positionals[0]!);
  const solver: Record<string, unknown> = { ...def.solver };
  const set = (key: string, v: unknown) => { if (v !== undefined) solver[key] = v; };
  set('maxIter', iterationsFlag(f, 0));
  set('method', f.method);
  set('iterSize', integerFlag('iter-size', f['iter-size'], 1));
  set('clipGradients', decimalFlag('clip-gradients', f['clip-gradients']));
  set('baseLr', decimalFlag('base-lr', f['base-lr']));
  set('momentum', decimalFlag('momentum', f.momentum));
  set('weightDecay', decimalFlag('weight-decay', f['weight-decay']));
  set('regularization', f.regularization);
  const lossScale = f['loss-scale'];
  try {
    set('lossScale', lossScale === undefined || lossScale === 'dynamic' ? lossScale : decimalFlag('loss-scale', lossScale));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    throw new UsageError(`--loss-scale must be a number (a power of two is exact) or dynamic, found ${JSON.stringify(lossScale)}`);
  }
  const precision = precisionFlag(f.precision);
  const policyFlags = {
    type: f['lr-policy'], gamma: decimalFlag('gamma', f.gamma), power: decimalFlag('power', f.power), stepsize: integerFlag('stepsize', f.stepsize, 1),
    stepvalues: f.stepvalues?.split(',').map((v) => integerFlag('stepvalues', v, 1)),
  };
  if (Object.values(policyFlags).some((v) => v !== undefined)) {
    const fromFile = def.solver?.lrPolicy;
    if (!f['lr-policy'] && fromFile === undefined) {
      const given = Object.entries(policyFlags).filter(([, v]) => v !== undefined).map(([k]) => `--${k}`);
      throw new UsageError(`${given.join(', ')} set a learning-rate policy's parameters, but there is no policy: give --lr-policy (the definition's solver has no "lrPolicy")`);
    }
    const base = (f['lr-policy'] ? {} : typeof fromFile === 'string' ? { type: fromFile } : { ...(fromFile as object | undefined) }) as Record<string, unknown>;
    for (const [k, v] of Object.entries(policyFlags)) if (v !== undefined) base[k] = v;
    // Checked here, so that a missing parameter is told in flags (--lr-policy inv needs --gamma, --power).
    if (f['lr-policy']) {
      try {
        parseLrPolicy(base, `flag --lr-policy "${f['lr-policy']}" (its parameters: --gamma, --power, --stepsize, --stepvalues)`);
      } catch (e) {
        if (e instanceof ConfigError) throw new UsageError(e.message);
        throw e;
      }
    }
    solver.lrPolicy = base;
  }
  const cb = { ...def.coffeeBreaks };
  const every = (k: 'summaryEvery' | 'validateEvery' | 'snapshotEvery', flag: 'summary-every' | 'validate-every' | 'snapshot-every') => {
    const v = integerFlag(flag, f[flag], 0);
    if (v !== undefined) cb[k] = v;
  };
  every('summaryEvery', 'summary-every');
  every('validateEvery', 'validate-every');
  every('snapshotEvery', 'snapshot-every');
  watchFlags(f, cb);
  const backendName = (f.backend ?? 'auto') as BackendName;
  const options = (backend: Backend, distributed?: DistributedOptions): TrainOptions => ({
    backend,
    layers: resolveSources(def.layers),
    solver,
    seed: seed ?? def.seed,
    coffeeBreaks: cb,
    outputDir: f.output,
    resume: !f.fresh,
    initFrom: f['init-from'],
    resumeCommand: distributed
      ? 'the same mpirun command again (without --fresh), with any number of ranks'
      : ['cortado', 'train', ...all.filter((a) => a !== '--fresh')].map(shellWord).join(' '),
    dashboard: dashboardPort === undefined ? undefined : { port: dashboardPort, keep: f['keep-dashboard'], title: `cortado train ${positionals[0]}` },
    distributed,
  });
  if (!f.distributed) {
    const backend = createBackend(backendName, 'float32', {}, precision);
    return report(await train(options(backend)), backend);
  }
  // Every rank runs this; an error on any rank stops the whole job (the others would wait for it).
  if (!launchedByMpi()) console.warn('cortado train: --distributed, but this process was not started by mpirun (or srun): it trains as a single rank; start it as `mpirun -np N cortado train ... --distributed`');
  const comm: MpiCommunicator = startMpi();
  try {
    if (backendName === 'cuda' || (backendName === 'auto' && process.env.CORTADO_NO_CUDA === undefined)) startCudaForRank(comm);
    const backend = createBackend(backendName, 'float32', {}, precision);
    const bucketBytes = bucketMib === undefined ? undefined : bucketMib * 1048576;
    const result = await train(options(backend, { communicator: comm, bucketBytes }));
    // Before report: MPI_Finalize waits for every rank, and report may wait (--keep-dashboard).
    comm.finalize();
    return comm.rank === 0 || result.stoppedBy ? await report(result, backend) : 0;
  } catch (e) {
    const resume = f.output ? `; started again, the run resumes from the newest snapshot in ${f.output}/snapshots` : '';
    comm.abort(`cortado train: rank ${comm.rank} of ${comm.size} failed, stopping every rank: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}${resume}`);
  }
}

/** The end of a run: the dashboard kept up if asked, the exit status, the closing line. */
async function report(result: TrainResult, backend: Backend): Promise<number> {
  if (result.dashboard) {
    console.log(`dashboard: the run has ended; ${result.dashboard.url} stays up until Ctrl-C`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await result.dashboard.close();
  }
  if (result.stoppedBy) return signalExitCode(result.stoppedBy);
  const parts = [...(result.final ?? new Map<string, number>())].map(([k, v]) => `${k} ${formatStatistic(k, v)}`);
  console.log(`done: ${result.solver.iter} iterations in ${result.seconds.toFixed(1)} s on ${backend.name}${parts.length ? ', test ' + parts.join(', ') : ''}`);
  return 0;
}

/**
 * --early-stopping, --decay-on-validation, --watch and --better into the coffee-break settings:
 * flags override the definition's fields; --watch and --better alone change what the definition's
 * breaks watch.
 */
function watchFlags(f: Record<string, string | boolean | undefined>, cb: CoffeeBreakSettings): void {
  const str = (k: string) => f[k] as string | undefined;
  if (str('better') !== undefined && str('better') !== 'higher' && str('better') !== 'lower') {
    throw new UsageError(`--better must be higher or lower, found "${str('better')}"`);
  }
  const watch = str('watch') === undefined ? {} : { statistic: str('watch')!, better: str('better') as 'higher' | 'lower' | undefined };
  if (str('watch') !== undefined && watch.better === undefined) throw new UsageError(`--watch ${str('watch')} needs --better higher or --better lower (which way is an improvement)`);
  if (str('watch') === '') throw new UsageError('--watch must name a statistic, such as validation/loss');
  const better = str('better') === undefined ? {} : { better: str('better') as 'higher' | 'lower' };
  const patience = integerFlag('early-stopping', str('early-stopping'), 1);
  const factor = decimalFlag('decay-on-validation', str('decay-on-validation'));
  if (factor !== undefined && !(factor > 0 && factor < 1)) throw new UsageError(`--decay-on-validation must be a factor between 0 and 1 (exclusive), found ${factor}`);
  if (patience !== undefined) cb.earlyStopping = { ...cb.earlyStopping, patience };
  if (factor !== undefined) cb.decayOnValidation = { ...cb.decayOnValidation, factor };
  const any = str('watch') !== undefined || str('better') !== undefined;
  if (any && !cb.earlyStopping && !cb.decayOnValidation) throw new UsageError('--watch and --better set what --early-stopping and --decay-on-validation watch, but neither is on (in the flags or the definition\'s coffeeBreaks)');
  if (any && cb.earlyStopping) cb.earlyStopping = { ...cb.earlyStopping, ...watch, ...better };
  if (any && cb.decayOnValidation) cb.decayOnValidation = { ...cb.decayOnValidation, ...watch, ...better };
}

/** `word` quoted for a POSIX shell when it needs it. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
