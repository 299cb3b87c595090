/**
 * How one fuzz case ended, and which endings are bugs.
 *
 * - ok: the input was accepted (and it was not invalid by construction);
 * - framework: one of Cortado's error classes, whose message names the layer or file and the field;
 * - unnamed: one of Cortado's error classes, but the message names neither (a bug in the message);
 * - other: any other exception (TypeError, RangeError, plain Error...): a bug;
 * - hang: the case ran past its time limit;
 * - kill: the process running the case died (signal, V8 heap abort, memory limit);
 * - silent: the input was invalid by construction and was accepted without an error.
 */
export type OutcomeClass = 'ok' | 'framework' | 'unnamed' | 'other' | 'hang' | 'kill' | 'silent';

export const CLASSES: readonly OutcomeClass[] = ['ok', 'framework', 'unnamed', 'other', 'hang', 'kill', 'silent'];
/** The classes the issue's bar requires to be empty. */
export const BAD_CLASSES: readonly OutcomeClass[] = ['unnamed', 'other', 'hang', 'kill', 'silent'];

export const FRAMEWORK_ERRORS = ['ConfigError', 'ShapeError', 'DataError', 'NumericError', 'BackendError', 'LockError', 'UsageError'];

/** What a target says about its generated input. */
export type Validity = 'invalid' | 'unknown';

/** One case's ending, as reported to the parent process. */
export interface CaseOutcome {
  cls: OutcomeClass;
  /** A short description of the input (the mutations applied). */
  input: string;
  /** The error's `name: message` (first lines), or why the case is classed as it is. */
  detail: string;
}

/**
 * Classifies a thrown value. `names` are strings a good message quotes: layer, blob and field
 * names from the input, or the file path; the message must contain one of them (quoted or, for
 * paths, verbatim) to count as naming where the problem is.
 */
export function classifyError(e: unknown, input: string, names: readonly string[]): CaseOutcome {
  const err = e instanceof Error ? e : null;
  const detail = err ? `${err.name}: ${err.message}`.slice(0, 600) : `non-Error thrown: ${String(e)}`.slice(0, 600);
  if (!err || !FRAMEWORK_ERRORS.includes(err.name)) {
    const where = err?.stack?.split('\n').slice(1, 3).map((l) => l.trim()).join(' | ') ?? '';
    return { cls: 'other', input, detail: where ? `${detail} [${where}]` : detail };
  }
  return { cls: namesSomething(err.message, names) ? 'framework' : 'unnamed', input, detail };
}

/** Whether `message` quotes one of `names` ("conv1", `"numOutput"`) or contains a path verbatim. */
export function namesSomething(message: string, names: readonly string[]): boolean {
  // A layer named by its position (`layer "#3"`: it has no name) or by a name the input set counts.
  if (/layer "#\d+"/.test(message)) return true;
  return names.some((n) => n !== '' && (message.includes(`"${n}"`) || (n.includes('/') && message.includes(n))));
}

/** The ending of an accepted input. */
export function accepted(input: string, validity: Validity, why = ''): CaseOutcome {
  return validity === 'invalid'
    ? { cls: 'silent', input, detail: `accepted invalid input${why ? `: ${why}` : ''}` }
    : { cls: 'ok', input, detail: '' };
}
