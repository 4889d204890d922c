/**
 * Trials of a study as plain data: what the samplers and pruners read, what a workflow carries over
 * Continue-As-New and what the studies table stores. States follow Optuna's TrialState, plus
 * `infeasible` for a trial that ran to the end but broke a constraint (Optuna: COMPLETE with a
 * positive constraint value).
 */

import { z } from 'zod';
import type { TrialParams } from './space.ts';

/** Whether the objective is minimised or maximised. */
export type Direction = 'minimize' | 'maximize';

/** Lifecycle state of a trial. */
export type TrialState = 'running' | 'complete' | 'pruned' | 'failed' | 'infeasible';

/** One trial of a study. */
export interface TrialRecord {
  /** 0-based, in ask order. */
  readonly number: number;
  /** The suggested params (inactive conditional params absent). */
  readonly params: TrialParams;
  readonly state: TrialState;
  /** Final objective (complete or infeasible; optionally pruned); absent otherwise. */
  readonly value?: number;
  /** Intermediate values `[step, value]`, ascending step (e.g. one per walk-forward fold). */
  readonly intermediate: readonly (readonly [step: number, value: number])[];
  /** Sum of constraint violations; > 0 means infeasible (Optuna constraints semantics). */
  readonly constraintViolation?: number;
}

const paramValue = z.union([z.number().finite(), z.string(), z.boolean()]);

/**
 * Schema of a stored trial (DB row, Continue-As-New payload). Strict; steps are non-negative
 * integers, values finite; optional fields are exact (absent, never `undefined`).
 */
export const TrialRecordSchema = z.strictObject({
  number: z.int().nonnegative(),
  params: z.record(z.string(), paramValue),
  state: z.enum(['running', 'complete', 'pruned', 'failed', 'infeasible']),
  value: z.number().finite().exactOptional(),
  intermediate: z.array(z.tuple([z.int().nonnegative(), z.number().finite()]).readonly()).readonly(),
  constraintViolation: z.number().finite().exactOptional(),
});

/** States of a trial that has ended. */
export function isFinished(state: TrialState): boolean {
  return state !== 'running';
}

/** Whether the trial counts as infeasible: state `infeasible` or a positive constraint violation. */
export function isInfeasible(trial: TrialRecord): boolean {
  return trial.state === 'infeasible' || (trial.constraintViolation ?? 0) > 0;
}

/** Last reported step, or undefined when nothing was reported. */
export function lastStep(trial: TrialRecord): number | undefined {
  return trial.intermediate[trial.intermediate.length - 1]?.[0];
}

/** The intermediate value at `step`, or undefined. */
export function intermediateAt(trial: TrialRecord, step: number): number | undefined {
  for (const [s, v] of trial.intermediate) if (s === step) return v;
  return undefined;
}

/**
 * Whether `a` is strictly better than `b` in `direction` (no tolerance: equal values are not better).
 */
export function isBetter(a: number, b: number, direction: Direction): boolean {
  return direction === 'minimize' ? a < b : a > b;
}

/**
 * The best feasible complete trial: state `complete`, a finite value, no positive constraint
 * violation; ties go to the lower trial number. Infeasible trials are never best.
 */
export function bestTrial(trials: readonly TrialRecord[], direction: Direction): TrialRecord | undefined {
  let best: TrialRecord | undefined;
  for (const t of trials) {
    if (t.state !== 'complete' || t.value === undefined || isInfeasible(t)) continue;
    if (best === undefined || isBetter(t.value, best.value ?? t.value, direction)) best = t;
  }
  return best;
}
