/**
 * The interpreter's bookkeeping for one pipeline run: what each step has done, which runs hold a
 * concurrency slot, the approval gates, and any stop request. Every change bumps `version`, which the
 * scheduler waits on with `condition()`. Plain data and synchronous methods (deterministic).
 */
import type { CompiledPipeline, Json, PlanStep } from '../../pipeline-dsl/plan-types.ts';
import type {
  CancelRequest,
  GateDecision,
  PipelineOutcome,
  PipelineStatus,
  RunningRun,
  RunTiming,
  WaitingGate,
} from './definitions.ts';
import { isActivityStepType, STEP_RETRY_DEFAULT } from '../../pipeline-dsl/steps.ts';
import { stepTimeouts } from './activity-options.ts';
import { workflowNowMs } from './json.ts';

/** What a completed step left behind (carried across Continue-As-New in {@link ResumeState}). */
export interface CompletedStep {
  /** Outputs (`{count, items}` for a fan-out). */
  readonly outputs: Json;
  /** Inputs as rendered and validated, one per run (one per item for a fan-out). */
  readonly inputs: readonly Json[];
  /** Child workflow ids (kind `workflow`), one per run. */
  readonly workflowIds: readonly string[];
}

/** Progress carried from one run of the workflow to the next by Continue-As-New. */
export interface ResumeState {
  readonly completed: { readonly [stepId: string]: CompletedStep };
  readonly skipped: readonly string[];
  /** Continue-As-New count so far. */
  readonly continuedAsNew: number;
}

/** Life of a step inside one workflow run. */
export type StepPhase = 'pending' | 'running' | 'completed' | 'skipped' | 'failed' | 'cancelled';

/** An approve gate waiting (or just decided) in this run. */
export interface Gate extends WaitingGate {
  decision: GateDecision | undefined;
}

/** Mutable state of one run of the interpreter. */
export class RunState {
  readonly phases = new Map<string, StepPhase>();
  readonly completed = new Map<string, CompletedStep>();
  /** Run key → step id, for runs holding a concurrency slot. */
  readonly active = new Map<string, string>();
  readonly timings = new Map<string, { startedAtMs: number; endedAtMs: number | null }>();
  readonly gates = new Map<string, Gate>();
  cancelRequest: CancelRequest | undefined;
  /** Set when a gate rejected: the pipeline ends with outcome `rejected`. */
  rejection: { readonly stepId: string } | undefined;
  failure: { readonly stepId: string; readonly message: string } | undefined;
  outcome: PipelineOutcome = 'running';
  /** Model version of the latest step that has one (search attribute `MmflowModelVersion`). */
  modelVersion: string | undefined;
  /** Bumped on every change; the scheduler waits for it to move. */
  version = 0;

  constructor(
    readonly pipeline: CompiledPipeline,
    resume: ResumeState | undefined,
  ) {
    for (const step of pipeline.steps) this.phases.set(step.id, 'pending');
    for (const [id, done] of Object.entries(resume?.completed ?? {})) {
      if (this.phases.has(id)) {
        this.phases.set(id, 'completed');
        this.completed.set(id, done);
      }
    }
    for (const id of resume?.skipped ?? []) if (this.phases.has(id)) this.phases.set(id, 'skipped');
  }

  bump(): void {
    this.version += 1;
  }

  phase(stepId: string): StepPhase {
    return this.phases.get(stepId) ?? 'pending';
  }

  setPhase(stepId: string, phase: StepPhase): void {
    this.phases.set(stepId, phase);
    this.bump();
  }

  /** Steps whose `needs` are all completed or skipped and that have not started. */
  ready(): PlanStep[] {
    return this.pipeline.steps.filter(
      (s) =>
        this.phase(s.id) === 'pending' &&
        s.needs.every((n) => this.phase(n) === 'completed' || this.phase(n) === 'skipped'),
    );
  }

  /** Steps started in this run that have not finished. */
  inFlight(): string[] {
    return this.pipeline.steps.filter((s) => this.phase(s.id) === 'running').map((s) => s.id);
  }

  /** True when every step is completed or skipped. */
  allDone(): boolean {
    return this.pipeline.steps.every((s) => ['completed', 'skipped'].includes(this.phase(s.id)));
  }

  /** A run took a concurrency slot. */
  runStarted(runKey: string, stepId: string): void {
    this.active.set(runKey, stepId);
    this.timings.set(runKey, { startedAtMs: workflowNowMs(), endedAtMs: null });
    this.bump();
  }

  /** A run gave its slot back. */
  runEnded(runKey: string): void {
    this.active.delete(runKey);
    const timing = this.timings.get(runKey);
    if (timing !== undefined) timing.endedAtMs = workflowNowMs();
    this.bump();
  }

  /** Gates waiting for a decision, in the order they opened. */
  waitingGates(): WaitingGate[] {
    return [...this.gates.values()]
      .filter((g) => g.decision === undefined)
      .map(({ stepId, message, deadlineMs, approvers }) => ({ stepId, message, deadlineMs, approvers }));
  }

  /** Steps with a run holding a slot, in plan order. */
  runningSteps(): string[] {
    const ids = new Set(this.active.values());
    return this.pipeline.steps.filter((s) => ids.has(s.id)).map((s) => s.id);
  }

  /** `running` or `waiting-approval` while the pipeline is live; the final outcome after. */
  liveOutcome(): PipelineOutcome {
    if (this.outcome !== 'running' && this.outcome !== 'waiting-approval') return this.outcome;
    return this.waitingGates().length > 0 ? 'waiting-approval' : 'running';
  }

  /** The `status` query's answer. */
  status(): PipelineStatus {
    const completed: { [stepId: string]: Json } = {};
    for (const step of this.pipeline.steps) {
      const done = this.completed.get(step.id);
      if (done !== undefined) completed[step.id] = done.outputs;
    }
    const timings: { [runKey: string]: RunTiming } = {};
    for (const [key, t] of this.timings) timings[key] = { ...t };
    return {
      pipeline: this.pipeline.name,
      contentHash: this.pipeline.contentHash,
      running: this.runningSteps(),
      completed,
      skipped: this.pipeline.steps.filter((s) => this.phase(s.id) === 'skipped').map((s) => s.id),
      waitingGates: this.waitingGates(),
      outcome: this.liveOutcome(),
      timings,
      runs: this.runningRuns(),
      failure: this.failure ?? null,
    };
  }

  /** Runs holding a slot, with the options of their activity (activity steps). */
  runningRuns(): RunningRun[] {
    const runs: RunningRun[] = [];
    for (const [runKey, stepId] of this.active) {
      const step = this.pipeline.steps.find((s) => s.id === stepId);
      if (step === undefined) continue;
      const timeouts = isActivityStepType(step.uses) ? stepTimeouts(step, step.uses) : undefined;
      runs.push({
        runKey,
        stepId,
        uses: step.uses,
        kind: step.kind,
        startedAtMs: this.timings.get(runKey)?.startedAtMs ?? 0,
        startToCloseMs: timeouts?.startToCloseMs ?? null,
        heartbeatTimeoutMs: timeouts?.heartbeatTimeoutMs ?? null,
        maximumAttempts: timeouts === undefined ? null : (step.retry ?? STEP_RETRY_DEFAULT).maximumAttempts,
      });
    }
    return runs;
  }

  /** What to carry into the next run on Continue-As-New. */
  resumeState(continuedAsNew: number): ResumeState {
    const completed: { [stepId: string]: CompletedStep } = {};
    for (const [id, done] of this.completed) completed[id] = done;
    return {
      completed,
      skipped: this.pipeline.steps.filter((s) => this.phase(s.id) === 'skipped').map((s) => s.id),
      continuedAsNew,
    };
  }
}
