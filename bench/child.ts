/**
 * Running a bench child in Node: the scripts that compare systems (run.ts, big-nets.ts,
 * googlenet.ts, memory-long.ts) start one process per system and read its result line. Apart
 * from measure.ts, which the browser page bundles too.
 */
import { spawnSync } from 'node:child_process';

/** A child process to run: the executable, its arguments, its environment (default: this one's). */
export interface ChildCommand {
  file: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

/** A child's result (its last JSON line), or why there is none; seconds it ran. */
export type ChildOutcome = { seconds: number; result: Record<string, unknown> } | { seconds: number; error: string };

/**
 * Runs a bench child (which prints its result with `emit`) in `cwd`, writing `label ... N s` as it
 * goes, and reads the last JSON line of its stdout; on failure, the cause and the child's error line
 * (or its last two stderr lines).
 */
export function runChild(label: string, cmd: ChildCommand, timeoutMs: number, cwd?: string): ChildOutcome {
  process.stdout.write(`${label} ... `);
  const started = performance.now();
  const r = spawnSync(cmd.file, cmd.args, { cwd, env: cmd.env ?? process.env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`${seconds.toFixed(1)} s\n`);
  const line = (r.stdout ?? '').trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (r.status === 0 && line) return { seconds, result: JSON.parse(line) as Record<string, unknown> };
  const cause = r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : `exit code ${r.status}`;
  const lines = (r.stderr ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
  const message = lines.find((l) => /^\w*Error\b/.test(l)) ?? lines.slice(-2).join(' | ');
  return { seconds, error: `${cause}${message ? `: ${message}` : ''}` };
}

