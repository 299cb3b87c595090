/**
 * `npm run fuzz -- [options]`: Cortado's fuzz suite.
 *
 *   --seconds S    time budget for all targets together (default 60)
 *   --cases N      at most N cases per target
 *   --seed N       run seed (default: random; always printed)
 *   --target T,..  nets, solver, hdf5, cli, exchange (default: all)
 *   --case N       replay case N alone (with --target and --seed), printing its input and outcome
 *   --report FILE  also write the report as JSON
 *
 * CORTADO_FUZZ_ONNX=a.onnx,b.onnx adds ONNX files of other tools to the exchange target's sources.
 *
 * Exits 1 when any case is an other exception, a hang, a kill, an unnamed message or a silent
 * acceptance (the bar of issue 15), 0 otherwise, 2 on bad arguments.
 */
import { accessSync, constants, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runFuzz } from './fuzz.js';
import { formatReport } from './report.js';
import { TARGET_NAMES, type TargetName } from './targets.js';

function int(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new Error(`--${flag} must be a non-negative integer, found "${v}"`);
  return Number(v);
}

async function main(): Promise<number> {
  const s = { type: 'string' } as const;
  const { values: f } = parseArgs({ options: { seconds: s, cases: s, seed: s, target: s, case: s, report: s } });
  const targets = (f.target ?? TARGET_NAMES.join(',')).split(',') as TargetName[];
  const unknown = targets.filter((t) => !TARGET_NAMES.includes(t));
  if (unknown.length) throw new Error(`--target: unknown ${unknown.join(', ')}; choose from ${TARGET_NAMES.join(', ')}`);
  for (const file of (process.env.CORTADO_FUZZ_ONNX ?? '').split(',').filter(Boolean)) {
    try {
      accessSync(file, constants.R_OK);
    } catch {
      throw new Error(`CORTADO_FUZZ_ONNX names "${file}", which cannot be read`);
    }
  }
  const seed = int('seed', f.seed) ?? Math.floor(Math.random() * 2 ** 31);
  const only = int('case', f.case);
  const cases = int('cases', f.cases);
  const seconds = only !== undefined ? undefined : (int('seconds', f.seconds) ?? (cases === undefined ? 60 : undefined));
  console.log(`fuzz: seed ${seed}, targets ${targets.join(', ')}${seconds !== undefined ? `, ${seconds} s` : ''}${cases !== undefined ? `, ${cases} cases per target` : ''}`);
  const report = await runFuzz({ seed, targets, cases, seconds, only });
  if (only !== undefined) {
    for (const t of Object.values(report.targets)) for (const c of Object.keys(t.counts)) if (t.counts[c as 'ok']) console.log(`case ${only}: ${c}`);
  }
  console.log(formatReport(report));
  if (f.report) writeFileSync(f.report, JSON.stringify(report, null, 2) + '\n');
  return report.bad === 0 ? 0 : 1;
}

main().then((code) => process.exit(code), (e: unknown) => {
  console.error(`fuzz: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
});
