/**
 * Human gates (`approve` steps) and the operator interface of a running pipeline: the `status` query
 * and the `approve` / `reject` / `cancel` Updates. Validators reject a bad request before it is
 * accepted into history, so the history only records decisions that took effect (the audit trail).
 */
import { ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import type { OnTimeout } from '../../pipeline-dsl/plan-types.ts';
import {
  approveUpdate,
  cancelUpdate,
  rejectUpdate,
  statusQuery,
  TIMEOUT_APPROVER,
  type CancelAccepted,
  type GateDecision,
  type GateDecisionRequest,
} from './definitions.ts';
import { workflowNowMs } from './json.ts';
import type { Gate, RunState } from './state.ts';

/** Error type of an Update refused by its validator. */
export const INVALID_UPDATE = 'InvalidPipelineUpdate';
/** Error type of a gate whose deadline passed with `onTimeout: fail`. */
export const APPROVAL_TIMED_OUT = 'ApprovalTimedOut';

function refuse(message: string): never {
  throw ApplicationFailure.create({ message, type: INVALID_UPDATE, nonRetryable: true });
}

/** A required non-blank string field of an Update argument (Updates from the Web UI are unparsed JSON). */
function requiredText(arg: unknown, field: string, update: string): string {
  const value: unknown = arg !== null && typeof arg === 'object' ? Reflect.get(arg, field) : undefined;
  if (typeof value !== 'string' || value.trim() === '')
    refuse(`${update}: "${field}" is required (a non-empty string)`);
  return value.trim();
}

/** Checks an approve/reject request against the gates; @returns the parsed request. */
function checkDecision(state: RunState, arg: unknown, update: string): GateDecisionRequest {
  const stepId = requiredText(arg, 'stepId', update);
  const approver = requiredText(arg, 'approver', update);
  const reason = requiredText(arg, 'reason', update);
  const gate = state.gates.get(stepId);
  if (gate === undefined || gate.decision !== undefined) {
    const step = state.pipeline.steps.find((s) => s.id === stepId);
    if (step === undefined || step.kind !== 'approve') {
      const gates = state.pipeline.steps.filter((s) => s.kind === 'approve').map((s) => s.id);
      refuse(`${update}: no approve step "${stepId}" (approve steps: ${gates.join(', ') || 'none'})`);
    }
    const why = gate?.decision !== undefined ? `already ${gate.decision.decision}` : state.phase(stepId);
    refuse(`${update}: gate "${stepId}" is not waiting for a decision (${why})`);
  }
  if (gate.approvers !== null && !gate.approvers.includes(approver))
    refuse(
      `${update}: "${approver}" may not decide gate "${stepId}" (approvers: ${gate.approvers.join(', ')})`,
    );
  return { stepId, approver, reason };
}

function decide(state: RunState, arg: unknown, decision: GateDecision['decision']): GateDecision {
  const update = decision === 'approved' ? 'approve' : 'reject';
  const request = checkDecision(state, arg, update);
  const gate = state.gates.get(request.stepId);
  if (gate === undefined) refuse(`${update}: gate "${request.stepId}" vanished`);
  gate.decision = { decision, approver: request.approver, reason: request.reason };
  state.bump();
  return gate.decision;
}

/** Registers the status query and the Updates. Call once, first thing in the workflow. */
export function installHandlers(state: RunState): void {
  setHandler(statusQuery, () => state.status());
  setHandler(approveUpdate, (req) => decide(state, req, 'approved'), {
    validator: (req) => void checkDecision(state, req, 'approve'),
  });
  setHandler(rejectUpdate, (req) => decide(state, req, 'rejected'), {
    validator: (req) => void checkDecision(state, req, 'reject'),
  });
  const checkCancel = (arg: unknown): void => {
    requiredText(arg, 'by', 'cancel');
    requiredText(arg, 'reason', 'cancel');
    if (state.liveOutcome() !== 'running' && state.liveOutcome() !== 'waiting-approval')
      refuse(`cancel: the pipeline has already finished (${state.liveOutcome()})`);
    if (state.cancelRequest !== undefined) refuse(`cancel: already cancelled by ${state.cancelRequest.by}`);
  };
  setHandler(
    cancelUpdate,
    (req): CancelAccepted => {
      checkCancel(req);
      state.cancelRequest = {
        by: requiredText(req, 'by', 'cancel'),
        reason: requiredText(req, 'reason', 'cancel'),
      };
      state.bump();
      return { cancelling: state.inFlight() };
    },
    { validator: checkCancel },
  );
}

/** Input of one gate, as validated from the step's `with` (pipeline-dsl/steps.ts approveStepInputSchema). */
export interface GateInput {
  readonly message: string;
  /** Who may decide; absent = anyone (who gives an identity and a reason). */
  readonly approvers?: readonly string[] | undefined;
  /** Time allowed for a decision, ms. */
  readonly timeoutMs: number;
  readonly onTimeout: OnTimeout;
}

/**
 * Opens gate `key`, waits for an approve/reject Update or the deadline, and returns the decision.
 * @throws ApplicationFailure (non-retryable, {@link APPROVAL_TIMED_OUT}) at the deadline when
 *   `onTimeout` is `fail`; CancelledFailure when the pipeline is cancelled meanwhile
 */
export async function runGate(state: RunState, key: string, input: GateInput): Promise<GateDecision> {
  const gate: Gate = {
    stepId: key,
    message: input.message,
    deadlineMs: workflowNowMs() + input.timeoutMs,
    approvers: input.approvers === undefined ? null : [...input.approvers],
    decision: undefined,
  };
  state.gates.set(key, gate);
  state.bump();
  const decided = await condition(() => gate.decision !== undefined, input.timeoutMs);
  if (decided && gate.decision !== undefined) return gate.decision;
  const reason = `no decision within ${input.timeoutMs} ms (onTimeout: ${input.onTimeout})`;
  switch (input.onTimeout) {
    case 'approve':
    case 'reject':
      gate.decision = {
        decision: input.onTimeout === 'approve' ? 'approved' : 'rejected',
        approver: TIMEOUT_APPROVER,
        reason,
      };
      state.bump();
      return gate.decision;
    case 'fail':
      state.gates.delete(key);
      state.bump();
      throw ApplicationFailure.create({
        message: `approval "${key}": ${reason}`,
        type: APPROVAL_TIMED_OUT,
        nonRetryable: true,
      });
    default: {
      const never: never = input.onTimeout;
      return never;
    }
  }
}
