/** Assertions on the errors users see. */
import assert from 'node:assert/strict';
import { ConfigError, DataError, ShapeError } from '../../src/core/errors.js';

/**
 * A predicate for assert.throws / assert.rejects: the error is a DataError whose message names
 * `file` and matches `what`.
 */
export const dataErrorNaming = (file: string, what: RegExp) => (e: unknown): boolean => {
  assert.ok(e instanceof DataError, `expected a DataError, got ${String(e)}`);
  assert.ok(e.message.includes(file), `message names the file: ${e.message}`);
  assert.match(e.message, what);
  return true;
};

/** Runs `f` on damaged input: it may succeed, or fail with one of Cortado's own errors, never another exception. */
export function cortadoErrorOrNothing(f: () => void, what: string): void {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof DataError || e instanceof ConfigError || e instanceof ShapeError, `${what}: ${(e as Error)?.stack ?? e}`);
  }
}
