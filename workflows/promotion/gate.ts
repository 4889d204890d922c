/**
 * The approval gate of the promotion workflows: Updates `approve` / `reject` with `{ by, reason }`,
 * accepted only while the workflow waits for a decision and from an allowed approver; a deadline as a
 * Temporal timer. One gate object per workflow run, its handlers installed at the start.
 */
import { ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import { workflowNowMs } from '../pipeline/json.ts';
import {
  approvePromotionUpdate,
  parseActor,
  PROMOTION_APPROVAL_TIMED_OUT,
  refuse,
  rejectPromotionUpdate,
  type Decision,
} from './definitions.ts';

/** A gate waiting for one human decision at a time. */
export class DecisionGate {
  private waiting: { readonly label: string; readonly approvers: readonly string[] | null } | null = null;
  private decided: Decision | null = null;
  /** Every decision taken (in order), for status and evidence. */
  readonly decisions: Decision[] = [];

  /** Registers the `approve` and `reject` Update handlers. Call once, at the start of the workflow. */
  install(): void {
    const check = (arg: unknown, update: string) => {
      const actor = parseActor(arg, update);
      if (this.waiting === null) refuse(`${update}: no decision is awaited now`);
      const { approvers } = this.waiting;
      if (approvers !== null && !approvers.includes(actor.by))
        refuse(`${update}: "${actor.by}" may not decide (approvers: ${approvers.join(', ')})`);
      return actor;
    };
    const decide = (arg: unknown, decision: Decision['decision']): Decision => {
      const actor = check(arg, decision === 'approved' ? 'approve' : 'reject');
      this.decided = { decision, ...actor, atMs: workflowNowMs() };
      this.decisions.push(this.decided);
      this.waiting = null;
      return this.decided;
    };
    setHandler(approvePromotionUpdate, (arg) => decide(arg, 'approved'), {
      validator: (arg) => void check(arg, 'approve'),
    });
    setHandler(rejectPromotionUpdate, (arg) => decide(arg, 'rejected'), {
      validator: (arg) => void check(arg, 'reject'),
    });
  }

  /** True while a decision is awaited. */
  get isWaiting(): boolean {
    return this.waiting !== null;
  }

  /**
   * Waits for an approve/reject Update (or `interrupted()` turning true) until `timeoutMs`.
   * @returns the decision, or null when interrupted
   * @throws ApplicationFailure {@link PROMOTION_APPROVAL_TIMED_OUT} (non-retryable) at the deadline
   */
  async wait(
    label: string,
    timeoutMs: number,
    approvers: readonly string[] | undefined,
    interrupted: () => boolean = () => false,
  ): Promise<Decision | null> {
    this.decided = null;
    this.waiting = { label, approvers: approvers === undefined ? null : [...approvers] };
    const done = await condition(() => this.decided !== null || interrupted(), timeoutMs);
    this.waiting = null;
    if (this.decided !== null) return this.decided;
    if (done) return null;
    throw ApplicationFailure.create({
      message: `${label}: no decision within ${timeoutMs} ms`,
      type: PROMOTION_APPROVAL_TIMED_OUT,
      nonRetryable: true,
    });
  }
}
