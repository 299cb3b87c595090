/**
 * The imports of Cortado's TypeScript sources, read from the text (type imports included), for
 * the tests that check the shape of the import graph (test/core/layer-types.test.ts,
 * test/core/browser-safe.test.ts). Node-only.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface SourceImport {
  /** What the import names: './x.js', 'node:fs', a package. */
  spec: string;
  /** For a relative import, the imported .ts file relative to the root; '' otherwise. */
  to: string;
  /** `import type { A }` or `import { type A, type B }`: erased from the JavaScript. */
  typeOnly: boolean;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s([^;]*?)from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)import\s+['"]([^'"]+)['"]/g;

/** Every .ts file under `root`/`dir` (no .d.ts) by its path relative to `root`, with its imports. */
export function sourceImports(root: string, dir = 'src'): Map<string, SourceImport[]> {
  const graph = new Map<string, SourceImport[]>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) {
        graph.set(relative(root, p), [...readFileSync(p, 'utf8').matchAll(IMPORT)].map((m) => {
          const spec = m[2] ?? m[3] ?? m[4];
          const clause = m[1];
          return {
            spec,
            to: spec.startsWith('.') ? relative(root, resolve(dirname(p), spec.replace(/\.js$/, '.ts'))) : '',
            typeOnly: clause !== undefined && (/^type\s/.test(clause) || /^\{\s*(type\s+[\w$]+(\s+as\s+[\w$]+)?\s*,?\s*)+\}\s*$/.test(clause)),
          };
        }));
      }
    }
  };
  walk(join(root, dir));
  return graph;
}
