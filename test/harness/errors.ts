/** Assertions on the errors users see. */
import assert from 'node:assert/strict';
import { DataError } from '../../src/core/errors.js';

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
