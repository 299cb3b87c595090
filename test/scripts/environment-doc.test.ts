/** docs/environment.md names every CORTADO_* environment variable that the sources read. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../../../..');

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files(path, out);
    else if (/\.(ts|mjs|cc|h|cu|cuh)$/.test(name)) out.push(path);
  }
  return out;
}

test('every environment variable read in src/, native/, scripts/ and test/ is documented in docs/environment.md', () => {
  const doc = readFileSync(join(root, 'docs/environment.md'), 'utf8');
  const read = new Set<string>();
  for (const dir of ['src', 'native', 'scripts', 'test']) {
    for (const file of files(join(root, dir))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/process\.env\.([A-Z][A-Z0-9_]*)|process\.env\[['"]([A-Z][A-Z0-9_]*)['"]\]|getenv\("([A-Z][A-Z0-9_]*)"\)/g)) read.add(m[1] ?? m[2] ?? m[3]!);
      for (const m of text.matchAll(/\benv\.(CORTADO_[A-Z0-9_]+)/g)) read.add(m[1]!);
    }
  }
  const ignored = new Set(['npm_config_node_gyp', 'npm_execpath', 'npm_config_nodedir']);
  const missing = [...read].filter((v) => !ignored.has(v) && !doc.includes(`\`${v}\``));
  assert.ok(read.has('CORTADO_NO_CUDA') && read.has('CORTADO_CUDA_DEVICE') && read.has('CORTADO_NUM_THREADS'), [...read].join(' '));
  assert.deepEqual(missing, [], `undocumented: ${missing.join(', ')}`);
});
