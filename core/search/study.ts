/**
 * A study: the trials of one search and the ask / report / should-prune / tell lifecycle, as in
 * Optuna's ask-and-tell interface (optuna.study.Study.ask/tell, Trial.report/should_prune).
 *
 * State is plain data (`study.trials`), and sampler and pruner are stateless, so a workflow can carry
 * `study.trials` across Continue-As-New and rebuild a Study that suggests exactly what an
 * uninterrupted one would. Records are immutable: every update replaces the trial's record.
 */

import { StudyError } from './errors.ts';
import type { Pruner } from './pruner.ts';
import type { Sampler } from './sampler.ts';
import { paramProblems, type SearchSpace, type TrialParams } from './space.ts';
import { bestTrial, type Direction, type TrialRecord, type TrialState } from './trial.ts';

/** How a finished trial ended. */
export interface TrialOutcome {
  readonly state: 'complete' | 'pruned' | 'failed' | 'infeasible';
  /** Final objective: required (finite) for complete and infeasible, optional for pruned, refused for failed. */
  readonly value?: number;
  /** Sum of constraint violations: required > 0 for infeasible; for complete, absent or ≤ 0. */
  readonly constraintViolation?: number;
}

/** Study construction options. */
export interface StudyOptions {
  readonly space: SearchSpace;
  readonly direction: Direction;
  readonly sampler: Sampler;
  readonly pruner: Pruner;
  /** Trials to resume from (numbers 0…k−1 in order; running ones stay running). */
  readonly trials?: readonly TrialRecord[];
}

/** One search; see the module doc. */
export class Study {
  readonly space: SearchSpace;
  readonly direction: Direction;
  private readonly sampler: Sampler;
  private readonly pruner: Pruner;
  private readonly records: TrialRecord[];

  /** @throws StudyError (`TRIALS_INVALID`) when the given trials are not numbered 0…k−1 in order or hold bad data. */
  constructor(opts: StudyOptions) {
    this.space = opts.space;
    this.direction = opts.direction;
    this.sampler = opts.sampler;
    this.pruner = opts.pruner;
    this.records = [...(opts.trials ?? [])];
    this.records.forEach((t, i) => {
      if (t.number !== i)
        throw new StudyError(
          'TRIALS_INVALID',
          `trial at position ${i} has number ${t.number}; expected ${i} (trials must be 0…k−1 in order)`,
          { position: i, number: t.number },
        );
      for (let k = 1; k < t.intermediate.length; k++) {
        if ((t.intermediate[k]?.[0] ?? 0) <= (t.intermediate[k - 1]?.[0] ?? 0)) {
          throw new StudyError(
            'TRIALS_INVALID',
            `trial ${i}: intermediate steps must be strictly ascending`,
            { trial: i },
          );
        }
      }
    });
  }

  /** Every trial, by number (running ones included). A copy: mutating it does not change the study. */
  get trials(): readonly TrialRecord[] {
    return [...this.records];
  }

  /**
   * Suggests the next trial's params and records it as running.
   * @returns the new trial's number (= number of trials so far) and params.
   * @throws SearchExhaustedError when the sampler has nothing left (grid fully taken).
   * @throws StudyError (`PARAMS_INVALID`) when the sampler returned params the space does not allow.
   */
  ask(): { number: number; params: TrialParams } {
    const number = this.records.length;
    const params = this.sampler.sample(this.space, this.records, number, this.direction);
    const problems = paramProblems(this.space, params);
    if (problems.length > 0) {
      throw new StudyError(
        'PARAMS_INVALID',
        `trial ${number}: the sampler suggested invalid params: ${problems.join('; ')}`,
        { trial: number, problems },
      );
    }
    this.records.push({ number, params, state: 'running', intermediate: [] });
    return { number, params };
  }

  /**
   * Records the running trial's intermediate `value` at `step` (kept in ascending step order).
   * Re-reporting a step with the same value is a no-op (an activity retried after a crash).
   * @param step integer ≥ 0, e.g. the walk-forward fold index.
   * @throws StudyError: unknown trial (`TRIAL_UNKNOWN`), not running (`TRIAL_NOT_RUNNING`), non-finite
   *   value, bad step, or a step already reported with another value (`TRIAL_BAD_REPORT`).
   */
  report(trialNumber: number, step: number, value: number): void {
    const trial = this.running(trialNumber, 'report');
    if (!Number.isSafeInteger(step) || step < 0) {
      throw new StudyError(
        'TRIAL_BAD_REPORT',
        `trial ${trialNumber}: step must be an integer ≥ 0, got ${step}`,
        { trial: trialNumber, step },
      );
    }
    if (!Number.isFinite(value)) {
      throw new StudyError(
        'TRIAL_BAD_REPORT',
        `trial ${trialNumber}: reported value at step ${step} is not finite (${value})`,
        { trial: trialNumber, step },
      );
    }
    const existing = trial.intermediate.find(([s]) => s === step);
    if (existing !== undefined) {
      if (existing[1] === value) return;
      throw new StudyError(
        'TRIAL_BAD_REPORT',
        `trial ${trialNumber}: step ${step} already reported as ${existing[1]}, now ${value}`,
        { trial: trialNumber, step },
      );
    }
    const intermediate = [...trial.intermediate, [step, value] as const].sort((a, b) => a[0] - b[0]);
    this.records[trialNumber] = { ...trial, intermediate };
  }

  /**
   * Asks the pruner about a running trial, given every other trial.
   * @throws StudyError when the trial is unknown or not running.
   */
  shouldPrune(trialNumber: number): boolean {
    const trial = this.running(trialNumber, 'shouldPrune');
    return this.pruner.shouldPrune(
      trial,
      this.records.filter((t) => t.number !== trialNumber),
      this.direction,
    );
  }

  /**
   * Finishes a running trial.
   * @throws StudyError: unknown (`TRIAL_UNKNOWN`) or finished (`TRIAL_NOT_RUNNING`) trial; an outcome
   *   that does not fit its state (`TRIAL_BAD_OUTCOME`): complete/infeasible without a finite value,
   *   complete with a positive violation, infeasible without a positive violation, failed with a value.
   */
  tell(trialNumber: number, outcome: TrialOutcome): void {
    const trial = this.running(trialNumber, 'tell');
    const bad = (why: string): StudyError =>
      new StudyError('TRIAL_BAD_OUTCOME', `trial ${trialNumber}: cannot tell ${outcome.state}: ${why}`, {
        trial: trialNumber,
        state: outcome.state,
      });
    const { state, value, constraintViolation: violation } = outcome;
    if (value !== undefined && !Number.isFinite(value)) throw bad(`value ${value} is not finite`);
    if (violation !== undefined && !Number.isFinite(violation))
      throw bad(`constraintViolation ${violation} is not finite`);
    if ((state === 'complete' || state === 'infeasible') && value === undefined)
      throw bad('a value is required');
    if (state === 'complete' && violation !== undefined && violation > 0)
      throw bad(`constraintViolation ${violation} > 0: tell it 'infeasible'`);
    if (state === 'infeasible' && !(violation !== undefined && violation > 0))
      throw bad('constraintViolation > 0 is required');
    if (state === 'failed' && value !== undefined) throw bad('a failed trial has no value');
    const finished: { -readonly [K in keyof TrialRecord]: TrialRecord[K] } = {
      number: trial.number,
      params: trial.params,
      state: state satisfies TrialState,
      intermediate: trial.intermediate,
    };
    if (value !== undefined) finished.value = value;
    if (violation !== undefined) finished.constraintViolation = violation;
    this.records[trialNumber] = finished;
  }

  /** The best complete, feasible trial (infeasible never best; ties → lowest number), or undefined. */
  best(): TrialRecord | undefined {
    return bestTrial(this.records, this.direction);
  }

  /** Whether the sampler has nothing new to suggest (a fully taken grid); then `ask` throws. */
  isExhausted(): boolean {
    return this.sampler.isExhausted?.(this.space, this.records) ?? false;
  }

  private running(trialNumber: number, op: string): TrialRecord {
    const trial = Number.isInteger(trialNumber) ? this.records[trialNumber] : undefined;
    if (trial === undefined) {
      throw new StudyError(
        'TRIAL_UNKNOWN',
        `${op}: no trial ${trialNumber} (the study has ${this.records.length})`,
        { trial: trialNumber },
      );
    }
    if (trial.state !== 'running') {
      throw new StudyError('TRIAL_NOT_RUNNING', `${op}: trial ${trialNumber} is already ${trial.state}`, {
        trial: trialNumber,
        state: trial.state,
      });
    }
    return trial;
  }
}
