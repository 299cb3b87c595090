/** Running the built `cortado` command in a child process, as the CLI tests do. */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/src/node/cli/main.js, beside this file's dist/test/harness. */
export const CLI = resolve(fileURLToPath(import.meta.url), '../../../src/node/cli/main.js');

/** `cortado ...args` (CUDA left out, so runs take the same path with or without a GPU): exit status, stdout, stderr. */
export function cortado(args: string[], options: { cwd?: string } = {}): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: options.cwd, encoding: 'utf8', env: { ...process.env, CORTADO_NO_CUDA: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
