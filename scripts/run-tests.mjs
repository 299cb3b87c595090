#!/usr/bin/env node
/**
 * Runs the test files under dist/test (and only them: `node --test <folder>` would also load every
 * helper module in a folder named test as a test file).
 *
 *   node scripts/run-tests.mjs                       # every dist/test/**\/*.test.js, one file at a time
 *   node scripts/run-tests.mjs dist/test/layers ...  # the test files under these folders or files
 *
 * The exit status is node --test's.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const roots = process.argv.slice(2);

/** Test files (*.test.js) under `path`, sorted, or `path` itself when it is one. */
function testFiles(path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) {
    console.error(`run-tests: ${path} does not exist (run npm run build first?)`);
    process.exit(2);
  }
  if (stat.isFile()) return [path];
  const found = [];
  for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) found.push(...testFiles(child));
    else if (entry.name.endsWith('.test.js')) found.push(child);
  }
  return found;
}

const files = (roots.length ? roots : [join(root, 'dist', 'test')]).flatMap(testFiles);
if (files.length === 0) {
  console.error(`run-tests: no *.test.js files under ${roots.join(', ') || 'dist/test'}`);
  process.exit(2);
}
const args = ['--test', '--test-concurrency=1', ...files.map((f) => relative(process.cwd(), f) || f)];
const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
if (result.error) throw result.error;
process.exit(result.status ?? 1);
