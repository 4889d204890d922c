/**
 * The pipeline workflow's public interface besides its input and result: the `status` query and the
 * `approve` / `reject` / `cancel` Updates, with their argument and result shapes. Clients (CLI, tests,
 * the Web UI by name) import these definitions; the workflow registers handlers for them.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Json } from '../../pipeline-dsl/plan-types.ts';

/** Where a pipeline run stands (search attribute `MmflowOutcome` carries the same value). */
export type PipelineOutcome =
  'running' | 'waiting-approval' | 'completed' | 'failed' | 'rejected' | 'cancelled';

/** An `approve` step waiting for a decision. */
export interface WaitingGate {
  /** Step id, or `<stepId>.<index>` for one item of a `forEach` gate: the `stepId` an Update names. */
  readonly stepId: string;
  readonly message: string;
  /** When `onTimeout` applies, Unix epoch ms (workflow time). */
  readonly deadlineMs: number;
  /** Identities allowed to decide; null = anyone (an identity and a reason are still required). */
  readonly approvers: readonly string[] | null;
}

/** Start and end of one step run (one item of a fan-out is its own run), Unix epoch ms (workflow time). */
export interface RunTiming {
  readonly startedAtMs: number;
  /** null while running. */
  readonly endedAtMs: number | null;
}

/**
 * A run holding a concurrency slot, with the options its activity runs under. The workflow cannot see
 * attempts or heartbeats (they live on the server until the activity ends): `mmflow audit` shows them
 * from `describe()`'s pending activities, for this workflow and its child workflows.
 */
export interface RunningRun {
  /** `<stepId>` or `<stepId>.<index>`; a child workflow's id is `<pipeline workflow id>.<runKey>`. */
  readonly runKey: string;
  readonly stepId: string;
  readonly uses: string;
  readonly kind: 'workflow' | 'activity' | 'wait' | 'approve';
  /** Unix epoch ms (workflow time). */
  readonly startedAtMs: number;
  /** Activity steps: start-to-close of one attempt, ms; null for other kinds. */
  readonly startToCloseMs: number | null;
  /** Activity steps: heartbeat timeout, ms; null for other kinds and short activities without one. */
  readonly heartbeatTimeoutMs: number | null;
  /** Activity steps: attempts allowed by the retry policy; null for other kinds. */
  readonly maximumAttempts: number | null;
}

/** Answer of the `status` query. */
export interface PipelineStatus {
  readonly pipeline: string;
  readonly contentHash: string;
  /** Steps with at least one run in progress, in plan order. */
  readonly running: readonly string[];
  /** Outputs of every completed step (this run and earlier runs before Continue-As-New). */
  readonly completed: { readonly [stepId: string]: Json };
  /** Steps whose `when` was false. */
  readonly skipped: readonly string[];
  readonly waitingGates: readonly WaitingGate[];
  readonly outcome: PipelineOutcome;
  /** Per run key (`<stepId>` or `<stepId>.<index>`): when it held a concurrency slot. Current run only. */
  readonly timings: { readonly [runKey: string]: RunTiming };
  /** Runs holding a slot now, in start order, with their activity options (see {@link RunningRun}). */
  readonly runs: readonly RunningRun[];
  /** The step that failed the pipeline and why; null otherwise. */
  readonly failure: { readonly stepId: string; readonly message: string } | null;
}

/** Argument of the `approve` and `reject` Updates. */
export interface GateDecisionRequest {
  /** A waiting gate (see {@link WaitingGate.stepId}). */
  readonly stepId: string;
  /** Identity of the person deciding; must be in the step's `approvers`. */
  readonly approver: string;
  /** Why; required, recorded in history (the audit trail). */
  readonly reason: string;
}

/** Outputs of an `approve` step (also the result of the approve/reject Updates). */
export interface GateDecision {
  readonly decision: 'approved' | 'rejected';
  /** Who decided; `system:timeout` when `onTimeout` decided. */
  readonly approver: string;
  readonly reason: string;
}

/** Argument of the `cancel` Update. */
export interface CancelRequest {
  readonly by: string;
  readonly reason: string;
}

/** Result of the `cancel` Update: the steps that were running and are being cancelled. */
export interface CancelAccepted {
  readonly cancelling: readonly string[];
}

/** Approver identity recorded when a gate's deadline passes and `onTimeout` is `approve` or `reject`. */
export const TIMEOUT_APPROVER = 'system:timeout';

export const statusQuery = defineQuery<PipelineStatus>('status');
export const approveUpdate = defineUpdate<GateDecision, [GateDecisionRequest]>('approve');
export const rejectUpdate = defineUpdate<GateDecision, [GateDecisionRequest]>('reject');
export const cancelUpdate = defineUpdate<CancelAccepted, [CancelRequest]>('cancel');
