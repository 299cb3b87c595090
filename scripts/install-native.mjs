#!/usr/bin/env node
// Builds the native CPU backend, build/Release/cortado.node, with node-gyp (binding.gyp at the
// package root). `npm install` runs it. When the build cannot run or fails (no C++ compiler, no
// Node headers) it prints one line and exits 0: the install succeeds and Cortado uses the
// TypeScript backend. The full build log is kept in build/native-install.log.
//
// CORTADO_SKIP_NATIVE=1 skips the build.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const log = join(root, 'build', 'native-install.log');

function notice(message) {
  console.log(`cortado: ${message}`);
  process.exit(0);
}

/** node-gyp's entry script: npm's (it sets npm_config_node_gyp for install scripts), a local one, or npm's bundled copy. */
function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  try {
    candidates.push(createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed locally
  }
  if (process.env.npm_execpath) {
    candidates.push(join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  }
  const prefix = resolve(dirname(process.execPath), '..');
  candidates.push(join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(join(dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  return candidates.find((p) => existsSync(p)) ?? null;
}

if (process.env.CORTADO_SKIP_NATIVE) notice('CORTADO_SKIP_NATIVE is set; native backend not built (TypeScript backend only)');

const args = ['rebuild', '--jobs', 'max'];
// Outside npm no nodedir is configured: use the headers installed next to this node when present,
// so an offline machine does not try to download them.
const prefix = resolve(dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) {
  args.push(`--nodedir=${prefix}`);
}

const gyp = findNodeGyp();
const [cmd, cmdArgs] = gyp
  ? [gyp.endsWith('.js') ? process.execPath : gyp, gyp.endsWith('.js') ? [gyp, ...args] : args]
  : [process.platform === 'win32' ? 'npx.cmd' : 'npx', ['--yes', 'node-gyp', ...args]];

const r = spawnSync(cmd, cmdArgs, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
try {
  mkdirSync(dirname(log), { recursive: true });
  writeFileSync(log, `$ ${cmd} ${cmdArgs.join(' ')}\n${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}\n`);
} catch {
  // the log is a convenience only
}

if (r.status === 0 && existsSync(join(root, 'build', 'Release', 'cortado.node'))) {
  console.log('cortado: native backend built (build/Release/cortado.node)');
} else {
  const why = r.error ? r.error.message : `node-gyp exited with status ${r.status}`;
  notice(`native backend not built (${why}; see ${log}); using the TypeScript backend`);
}
