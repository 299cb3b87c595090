import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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
  const src = join(root, 'src');
  const spec = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)import\s+['"]([^'"]+)['"]/g;
  const offenders: string[] = [];
  let checked = 0;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (p !== join(src, 'node')) walk(p);
      } else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) {
        checked++;
        for (const m of readFileSync(p, 'utf8').matchAll(spec)) {
          const s = m[1] ?? m[2] ?? m[3];
          const target = s.startsWith('.') ? resolve(dirname(p), s) : '';
          if (s.startsWith('node:') || builtinModules.includes(s) || target.startsWith(join(src, 'node') + '/')) offenders.push(`${relative(root, p)}: ${s}`);
        }
      }
    }
  };
  walk(src);
  assert.ok(checked > 100, `only ${checked} files checked`);
  assert.deepEqual(offenders, []);
});
