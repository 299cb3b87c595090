import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceImports } from '../harness/imports.js';

const entry = resolve(fileURLToPath(import.meta.url), '../../../src/index.js');
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

test('the browser entry (cortado/browser) imports no Node-only module, however deep', () => {
  const seen = new Set<string>();
  const offenders: string[] = [];
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(file, 'utf8');
    for (const m of code.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2];
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
      else if (spec.startsWith('node:') || builtinModules.includes(spec)) offenders.push(`${file}: ${spec}`);
      else offenders.push(`${file}: package "${spec}"`);
    }
  };
  visit(entry);
  assert.ok(seen.size > 20, `only ${seen.size} files reached from ${entry}`);
  assert.deepEqual(offenders, []);
});

test('tsconfig.browser.json compiles the browser core without Node types, so a Node import or global there fails to compile', () => {
  const root = resolve(fileURLToPath(import.meta.url), '../../../..');
  const tsc = resolve(root, 'node_modules/typescript/bin/tsc');
  // Inside the checkout, where node_modules/@types/node could be found: types [] alone must keep it out.
  const dir = mkdtempSync(join(root, '.browser-tsc-probe-'));
  try {
    writeFileSync(join(dir, 'probe.ts'), "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\nexport const pid: number = process.pid;\n");
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: resolve(root, 'tsconfig.browser.json'), compilerOptions: { rootDir: '.' }, files: ['probe.ts'], include: [] }));
    const r = spawnSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8' });
    assert.notEqual(r.status, 0, 'a Node import compiled under tsconfig.browser.json');
    assert.match(r.stdout, /Cannot find module 'node:fs'/);
    assert.match(r.stdout, /Cannot find name 'process'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Node-only code lives under src/node: no module outside it imports a Node built-in or a module of src/node, type imports included', () => {
  const root = resolve(fileURLToPath(import.meta.url), '../../../..');
  const outside = [...sourceImports(root)].filter(([f]) => !f.startsWith('src/node/'));
  assert.ok(outside.length > 100, `only ${outside.length} files checked`);
  const offenders = outside.flatMap(([f, imports]) => imports
    .filter((i) => i.spec.startsWith('node:') || builtinModules.includes(i.spec) || i.to.startsWith('src/node/'))
    .map((i) => `${f}: ${i.spec}`));
  assert.deepEqual(offenders, []);
});
