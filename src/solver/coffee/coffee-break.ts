/**
 * Coffee breaks: code the solver runs every n iterations or every n epochs (Mocha's coffee
 * breaks). A break reads the solver and records statistics in its coffee lounge.
 */
import type { Solver } from '../solver.js';

export interface CoffeeBreak {
  /** Called once before the first iteration of `solve` / `run`. */
  init?(solver: Solver): void | Promise<void>;
  enjoy(solver: Solver): void | Promise<void>;
  /** Called once when `solve` / `run` ends, also after an error. */
  destroy?(solver: Solver): void | Promise<void>;
}

/** When a break runs: after every `everyIter` iterations, or at the end of every `everyEpoch` epochs. */
export type BreakSchedule = { everyIter: number } | { everyEpoch: number };
