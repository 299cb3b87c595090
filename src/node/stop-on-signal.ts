/**
 * Stopping a run well on SIGINT (Ctrl-C) or SIGTERM.
 *
 * The first signal asks the solver to stop once the iteration under way is finished
 * (`solver.requestStop()`), so that `train()` can write a snapshot and say how to resume. The
 * handlers are then removed, so that a second signal has the default effect and ends the process
 * at once, even in the middle of an iteration (shells report 130 for SIGINT, 143 for SIGTERM);
 * snapshots are written atomically, so none is damaged either way.
 *
 * Signal handlers run only when the event loop turns; the solver yields to it as its `yieldEvery`
 * says (every ~16 ms of work by default, see src/solver/yield.ts), so a signal is seen within about
 * one iteration; with `yieldEvery: false` it is seen only when the run ends. Registered as a
 * coffee break, so that `init` sees the solver and `enjoy` (a no-op) keeps it for the log line.
 */
import { constants } from 'node:os';
import type { CoffeeBreak } from '../solver/coffee/coffee-break.js';
import type { Solver } from '../solver/solver.js';

export class StopOnSignal implements CoffeeBreak {
  /** The signal that asked for the stop, if one came. */
  received: NodeJS.Signals | null = null;
  private solver?: Solver;
  private readonly handler = (signal: NodeJS.Signals): void => this.stop(signal);

  /** Installs the handlers now (so that a signal during set-up stops the run before it starts); `remove()` takes them away. */
  constructor(
    private readonly log: (line: string) => void = (l) => console.warn(l),
    readonly signals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'],
  ) {
    for (const s of signals) process.on(s, this.handler);
  }

  init(solver: Solver): void {
    this.solver = solver;
    if (this.received) solver.requestStop(); // run() clears requests made before it started
  }

  enjoy(solver: Solver): void {
    this.solver = solver;
  }

  /** Removes the handlers (idempotent). */
  remove(): void {
    for (const s of this.signals) process.removeListener(s, this.handler);
  }

  private stop(signal: NodeJS.Signals): void {
    this.received = signal;
    this.remove();
    this.solver?.requestStop();
    const at = this.solver ? `at iteration ${this.solver.iter}` : 'before the first iteration';
    this.log(`cortado: ${signal} received: stopping ${at} and writing a snapshot; ${signal} again stops at once`);
  }
}

/** The exit status of a process ended by `signal`, as shells report it: 128 + its number (SIGINT 130, SIGTERM 143). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}
