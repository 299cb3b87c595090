/**
 * `cortado summary <net.json>`: the net as built (Keras's model.summary(), Caffe's setup log): one
 * line per layer in execution order with its type, its tops and their shapes and its parameter
 * count, then the totals: parameters (shared ones once), learnable parameters, and the memory the
 * net allocated at setup. The net is built in the phase given (default train) on the backend given
 * (default js), with its data sources loaded, so the shapes are those a run would see.
 */
import { createBackend, type BackendName } from '../backends.js';
import { readDefinition, resolveSources } from '../definition.js';
import { shapeStr } from '../../core/errors.js';
import { Net } from '../net.js';
import { UsageError, parseFlags } from './flags.js';

export const SUMMARY_USAGE = `usage: cortado summary <net.json> [--phase train|test] [--backend js|native|cuda|auto]

Prints each layer (execution order, automatic Splits included) with its type, top shapes and
parameter count, then the parameter totals and the memory the net allocates (data and diff of
every top, parameters, layers' scratch buffers). Default phase train, default backend js.`;

export async function summaryCommand(rest: string[]): Promise<number> {
  if (rest[0] === '--help' || rest[0] === '-h') {
    console.log(SUMMARY_USAGE);
    return 0;
  }
  const { values: f, positionals } = parseFlags(rest, { phase: { type: 'string' }, backend: { type: 'string' } });
  if (positionals.length !== 1) throw new UsageError(`expected one net definition file, found ${positionals.length}`);
  const phase = f.phase ?? 'train';
  if (phase !== 'train' && phase !== 'test') throw new UsageError(`--phase must be train or test, found ${JSON.stringify(phase)}`);
  const def = readDefinition(positionals[0]!);
  const net = new Net(resolveSources(def.layers), { backend: createBackend((f.backend ?? 'js') as BackendName), phase, name: def.name ?? 'net' });
  try {
    console.log(summaryText(net));
  } finally {
    net.destroy();
  }
  return 0;
}

/** The summary table of a built net (see the module comment). */
export function summaryText(net: Net): string {
  const rows: string[][] = [['layer', 'type', 'tops', 'parameters']];
  for (const l of net.layers) {
    const tops = l.config.tops.map((t) => `${t} ${shapeStr(net.blob(t).shape)}`).join(', ') || '-';
    rows.push([l.name, l.type, tops, count(l.params.reduce((n, p) => n + p.blob.count, 0))]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 3 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  const rule = '-'.repeat(widths.reduce((a, b) => a + b + 2, -2));
  const total = net.params.reduce((n, p) => n + p.blob.count, 0);
  const learnable = net.learnableParams.reduce((n, p) => n + p.blob.count, 0);
  return [
    `${net.name} (${net.phase} phase, ${net.backend.name} backend, ${net.backend.dtype})`,
    line(rows[0]!), rule, ...rows.slice(1).map(line), rule,
    `parameters: ${count(total)} (learnable ${count(learnable)})`,
    `memory: ${mib(net.memoryBytes)} allocated at setup (data and diff of every top, parameters, scratch)`,
  ].join('\n');
}

/** 1234567 → "1,234,567". */
function count(n: number): string {
  return n.toLocaleString('en-US');
}

function mib(bytes: number): string {
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
