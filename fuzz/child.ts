/**
 * The process that runs fuzz cases: it receives `{ target, seed, index }` from the parent, rebuilds
 * the case from its seed, runs it and replies with the outcome. A case that hangs or kills this
 * process is classified by the parent, which then starts a fresh child.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifyError, type CaseOutcome } from './outcome.js';
import { FuzzRng } from './random.js';
import { loadTarget, type Target, type TargetName } from './targets.js';

export interface CaseRequest {
  target: TargetName;
  seed: number;
  index: number;
}

const dir = mkdtempSync(join(tmpdir(), 'cortado-fuzz-'));
const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
process.on('exit', cleanup);
process.on('disconnect', () => process.exit(0));

const loaded = new Map<TargetName, Target>();

async function runCase(req: CaseRequest): Promise<CaseOutcome> {
  let target = loaded.get(req.target);
  if (!target) {
    target = await loadTarget(req.target);
    loaded.set(req.target, target);
  }
  const rng = FuzzRng.forCase(req.seed, req.target, req.index);
  try {
    return await target.run(rng, { dir, announce: (input) => process.send?.({ index: req.index, input }) });
  } catch (e) {
    // A target that throws outside its own classification: counted as a bug of the case.
    return classifyError(e, 'case setup', []);
  }
}

process.on('message', (req: CaseRequest) => {
  runCase(req).then(
    (outcome) => process.send?.({ index: req.index, outcome }),
    (e: unknown) => process.send?.({ index: req.index, outcome: classifyError(e, 'fuzz child', []) }),
  );
});
// A rejection or exception escaping a case (a timer, a worker) is a bug of that case: say so and die.
process.on('uncaughtException', (e) => {
  process.stderr.write(`uncaught: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}\n`);
  process.exit(70);
});
process.on('unhandledRejection', (e) => {
  process.stderr.write(`unhandled rejection: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}\n`);
  process.exit(70);
});
