/**
 * Empties dist/ before `npm run build`, so that a module moved or deleted in the sources leaves no
 * stale output behind (npm pack ships dist/src as it is). tsc writes everything again.
 */
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

rmSync(fileURLToPath(new URL('../dist', import.meta.url)), { recursive: true, force: true });
