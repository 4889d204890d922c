/**
 * The operator side of a running canary: its state as the `canaryStatus` query shows it, and the
 * Updates `pause`, `resume` and `abort` with `{ by, reason }`, validated before they reach the history
 * (a blank field, a pause when paused, a resume when running, anything after the end are refused).
 */
import { setHandler } from '@temporalio/workflow';
import { workflowNowMs } from '../pipeline/json.ts';
import {
  abortUpdate,
  canaryStatusQuery,
  parseActor,
  pauseUpdate,
  refuse,
  resumeUpdate,
  type CanaryPhase,
  type CanaryStatus,
  type ControlAccepted,
} from './definitions.ts';
import type { DecisionGate } from './gate.ts';
import type { Actor, Breach, IntervalMetrics } from './types.ts';

/** A request that took effect, with its workflow time (Unix epoch ms). */
export type Stamped = Actor & { readonly atMs: number };

/** Mutable state of one canary run (one step between two Continue-As-New). */
export class CanaryControl {
  phase: CanaryPhase = 'applying';
  paused: Stamped | null;
  aborted: Stamped | null = null;
  elapsedMs = 0;
  metrics: CanaryStatus['metrics'] = null;
  breaches: readonly Breach[] = [];
  breachSinceMs: number | null;

  constructor(
    private readonly fixed: Pick<
      CanaryStatus,
      'challenger' | 'champion' | 'stepIndex' | 'steps' | 'fraction' | 'holdMs' | 'breachWindowMs'
    >,
    private readonly gate: DecisionGate,
    carried: { paused: Stamped | null; breachSinceMs: number | null },
  ) {
    this.paused = carried.paused;
    this.breachSinceMs = carried.breachSinceMs;
  }

  /** True once the canary has ended (no Update is accepted any more). */
  get finished(): boolean {
    return ['completed', 'rolled-back', 'aborted', 'rolling-back'].includes(this.phase);
  }

  /** Answer of the `canaryStatus` query. */
  status(): CanaryStatus {
    return {
      ...this.fixed,
      phase: this.phase,
      elapsedMs: this.elapsedMs,
      metrics: this.metrics,
      breaches: this.breaches,
      breachSinceMs: this.breachSinceMs,
      paused: this.paused,
      aborted: this.aborted,
      decisions: [...this.gate.decisions],
    };
  }

  /** Records the figures of a check. */
  observed(
    metrics: { challenger: IntervalMetrics | null; champion: IntervalMetrics | null },
    breaches: readonly Breach[],
    breachSinceMs: number | null,
  ): void {
    this.metrics = metrics;
    this.breaches = breaches;
    this.breachSinceMs = breachSinceMs;
  }

  /** Registers the status query and the pause/resume/abort Updates. Call first thing in the run. */
  install(): void {
    setHandler(canaryStatusQuery, () => this.status());
    const checkPause = (arg: unknown): Actor => {
      const actor = parseActor(arg, 'pause');
      this.refuseWhenFinished('pause');
      if (this.paused !== null) refuse(`pause: already paused by ${this.paused.by}`);
      return actor;
    };
    const checkResume = (arg: unknown): Actor => {
      const actor = parseActor(arg, 'resume');
      this.refuseWhenFinished('resume');
      if (this.paused === null) refuse('resume: the canary is not paused');
      return actor;
    };
    const checkAbort = (arg: unknown): Actor => {
      const actor = parseActor(arg, 'abort');
      this.refuseWhenFinished('abort');
      if (this.aborted !== null) refuse(`abort: already aborted by ${this.aborted.by}`);
      return actor;
    };
    setHandler(
      pauseUpdate,
      (arg): ControlAccepted => {
        this.paused = { ...checkPause(arg), atMs: workflowNowMs() };
        return { phase: this.phase };
      },
      { validator: (arg) => void checkPause(arg) },
    );
    setHandler(
      resumeUpdate,
      (arg): ControlAccepted => {
        checkResume(arg);
        this.paused = null;
        return { phase: this.phase };
      },
      { validator: (arg) => void checkResume(arg) },
    );
    setHandler(
      abortUpdate,
      (arg): ControlAccepted => {
        this.aborted = { ...checkAbort(arg), atMs: workflowNowMs() };
        return { phase: this.phase };
      },
      { validator: (arg) => void checkAbort(arg) },
    );
  }

  private refuseWhenFinished(update: string): void {
    if (this.finished) refuse(`${update}: the canary has already ended (${this.phase})`);
  }
}
