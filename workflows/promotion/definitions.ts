/**
 * The operator interface of the promotion workflows: the `canaryStatus` and `abTestStatus` queries and
 * the Updates `pause`, `resume`, `abort` (canary) and `approve` / `reject` (canary gates, A/B gate,
 * manual promotion), each carrying who and why. Clients (CLI, tests, the Web UI by name) import these
 * definitions; validators reject a bad request before it reaches the history.
 */
import { ApplicationFailure, defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Actor, Breach, IntervalMetrics } from './types.ts';

/** Error type of an Update refused by its validator. */
export const INVALID_PROMOTION_UPDATE = 'InvalidPromotionUpdate';
/** Error type of a decision (approval) whose deadline passed. */
export const PROMOTION_APPROVAL_TIMED_OUT = 'PromotionApprovalTimedOut';
/** Error type of a run refused before any change (no champion, bad input). */
export const PROMOTION_REFUSED = 'PromotionRefused';

/** Throws the validator's non-retryable refusal. */
export function refuse(message: string): never {
  throw ApplicationFailure.create({ message, type: INVALID_PROMOTION_UPDATE, nonRetryable: true });
}

/**
 * Parses `{ by, reason }` of an Update (arguments from the Web UI are unparsed JSON).
 * @throws ApplicationFailure {@link INVALID_PROMOTION_UPDATE} naming the missing/blank field
 */
export function parseActor(arg: unknown, update: string): Actor {
  const field = (name: 'by' | 'reason'): string => {
    const value: unknown = arg !== null && typeof arg === 'object' ? Reflect.get(arg, name) : undefined;
    if (typeof value !== 'string' || value.trim() === '')
      refuse(`${update}: "${name}" is required (a non-empty string)`);
    return value.trim();
  };
  return { by: field('by'), reason: field('reason') };
}

/** A decision of a gate (approve/reject) with who and why. */
export interface Decision extends Actor {
  readonly decision: 'approved' | 'rejected';
  /** Workflow time of the decision, Unix epoch ms. */
  readonly atMs: number;
}

/** Where a canary stands. */
export type CanaryPhase =
  | 'applying'
  | 'holding'
  | 'paused'
  | 'waiting-approval'
  | 'rolling-back'
  | 'completed'
  | 'rolled-back'
  | 'aborted';

/** Answer of the `canaryStatus` query. */
export interface CanaryStatus {
  readonly challenger: string;
  readonly champion: string;
  readonly phase: CanaryPhase;
  /** Index into `steps` of the current step. */
  readonly stepIndex: number;
  /** Challenger capital fractions of the ramp, 0–1. */
  readonly steps: readonly number[];
  /** Challenger capital fraction of the current step. */
  readonly fraction: number;
  /** Time held in the current step (pauses excluded), ms; and the step's hold, ms. */
  readonly elapsedMs: number;
  readonly holdMs: number;
  /** Figures of the last check (null before the first). */
  readonly metrics: {
    readonly challenger: IntervalMetrics | null;
    readonly champion: IntervalMetrics | null;
  } | null;
  /** Breaches found at the last check. */
  readonly breaches: readonly Breach[];
  /** Start of the ongoing breach (workflow time, ms); null when the last check was clean. */
  readonly breachSinceMs: number | null;
  readonly breachWindowMs: number;
  /** Who paused and why; null when running. */
  readonly paused: (Actor & { readonly atMs: number }) | null;
  /** Who aborted and why; null unless aborted. */
  readonly aborted: (Actor & { readonly atMs: number }) | null;
  /** Decisions of the gates between steps so far (this run of the chain). */
  readonly decisions: readonly Decision[];
}

/** Answer of the `abTestStatus` query. */
export interface AbTestStatus {
  readonly design: 'parallel' | 'switchback';
  readonly phase: 'running' | 'deciding' | 'waiting-approval' | 'rolling-back' | 'done';
  /** Intervals measured so far, and planned. */
  readonly intervalsDone: number;
  readonly intervalsPlanned: number;
  readonly series: { readonly challenger: readonly number[]; readonly champion: readonly number[] };
  readonly breaches: readonly Breach[];
}

/** Result of the pause/resume/abort Updates: the phase after the change. */
export interface ControlAccepted {
  readonly phase: CanaryPhase;
}

export const canaryStatusQuery = defineQuery<CanaryStatus>('canaryStatus');
export const abTestStatusQuery = defineQuery<AbTestStatus>('abTestStatus');
export const pauseUpdate = defineUpdate<ControlAccepted, [Actor]>('pause');
export const resumeUpdate = defineUpdate<ControlAccepted, [Actor]>('resume');
export const abortUpdate = defineUpdate<ControlAccepted, [Actor]>('abort');
/** Approve the waiting gate (canary step, A/B decision, manual promotion). */
export const approvePromotionUpdate = defineUpdate<Decision, [Actor]>('approve');
/** Reject the waiting gate. */
export const rejectPromotionUpdate = defineUpdate<Decision, [Actor]>('reject');
