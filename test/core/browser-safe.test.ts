import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, resolve } from 'node:path';
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
