/**
 * Results of the promotion workflows (A/B test, canary, rollback, promote) and the shapes of the slot
 * changes they make; their inputs are the step schemas of pipeline-dsl/promotion-steps.ts. Times are
 * Unix epoch ms (workflow time = Temporal's), durations ms, money in quote currency, capital a
 * fraction 0–1 of a slot's capital.
 */

/** Who asks for a change and why (required on every status change; recorded in the history). */
export interface Actor {
  readonly by: string;
  readonly reason: string;
}

/** Desired state of an engine slot (db/repositories/deployments.ts `DesiredState`). */
export interface DesiredState {
  /** 'champion' | 'challenger' (aliases, resolved by the engine) or a version id `<name>@<n>`. */
  readonly model: string;
  /** Share of the slot's capital in use, 0–1 (0 = no quotes). */
  readonly capitalFraction: number;
  readonly riskState: 'active' | 'halted';
}

export type { IntervalMetrics } from '../../core/promotion/interval-metrics.ts';

/** One guardrail broken at one check (core/promotion/guardrails.ts `Breach`, or the canary's `versusChampion`). */
export interface Breach {
  readonly guardrail: string;
  readonly value: number;
  readonly limit: number;
}

/** A slot as applied by its engine after a change. */
export interface AppliedSlot {
  readonly slotId: string;
  readonly revision: number;
  readonly version: string;
  readonly capitalFraction: number;
}

/** Result of a rollback. */
export interface RollbackResult {
  readonly rolledBack: string;
  /** The champion after the rollback (null when the model has none). */
  readonly champion: string | null;
  /** True when the rolled-back version had been promoted and the previous champion was restored. */
  readonly restoredPrevious: boolean;
  readonly slots: readonly AppliedSlot[];
  /**
   * Challenger slots whose engine did not confirm the pull (dead or stuck engine: SLOT_APPLY_TIMEOUT /
   * SLOT_APPLY_FAILED). Their desired state is halted at capital 0 all the same; the rollback goes on
   * and restores the champion rather than leave the champion slots at 1 − f.
   */
  readonly unconfirmed: readonly { slotId: string; revision: number; error: string }[];
  readonly evidenceId: number;
}

/** Result of a promotion. */
export interface PromoteResult {
  readonly champion: string;
  /** The champion retired by the promotion (null: there was none). */
  readonly retired: string | null;
  readonly approvedBy: string;
  readonly reason: string;
  readonly slots: readonly AppliedSlot[];
  readonly evidenceId: number;
}
