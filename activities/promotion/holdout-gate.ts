/**
 * The `holdoutGate` activity: the first rung of the promotion ladder. Backtests the candidate and the
 * champion, as registered, on the SAME recorded windows through the one evaluation path of the
 * retraining pipeline (activities/evaluate-model.ts → study-backtest.ts → the core backtester; no second
 * backtest), and compares the objective, net PnL in quote currency, with a declared non-inferiority
 * margin:
 *
 *   passed ⇔ netPnl(candidate) − netPnl(champion) ≥ −marginQuote
 *
 * A name without a champion has nothing to beat: the gate passes and says so. The result is stored as
 * evidence `holdout-gate` on the candidate (both KPI sets, the windows, the margin, the verdict).
 * Idempotent: the backtests are deterministic and the evidence is written once per key.
 */
import { z } from 'zod';
import { PermanentError } from '../../core/errors.ts';
import type { Kpis } from '../../core/metrics/kpis.ts';
import { addEvidence } from '../../db/repositories/model-evidence.ts';
import { getChampion, getModelVersion, type ModelVersion } from '../../db/repositories/models.ts';
import { evaluateModel, type AlphaLoader } from '../evaluate-model.ts';
import { loadAlphaModel } from '../../ml/load-alpha.ts';
import { heartbeat } from '../heartbeat.ts';
import type { ActivityDeps } from '../index.ts';
import {
  BySchema,
  IdempotencyKeySchema,
  keyOf,
  parsePromotionInput,
  PROMOTION_INVALID_INPUT,
  VersionIdSchema,
  workflowRef,
  WorkflowRefShape,
} from './input.ts';

/** Default simulated order-entry and cancel latency, µs (the retraining pipeline's evaluation default). */
export const DEFAULT_GATE_LATENCY_US = 5_000;

export const HoldoutGateInputSchema = z.strictObject({
  candidate: VersionIdSchema,
  /** The version to beat; default: the current champion of the candidate's name. */
  champion: VersionIdSchema.optional(),
  /** Recorded session windows (e.g. the study's holdout), one instrument; µs of exchange time. */
  windows: z
    .array(
      z.strictObject({
        sessionId: z.string().min(1),
        startUs: z.number().int().nonnegative(),
        endUs: z.number().int().nonnegative(),
      }),
    )
    .min(1)
    .max(5_000),
  /** Non-inferiority margin on net PnL over all the windows, quote currency, ≥ 0. */
  marginQuote: z.number().min(0),
  /** Simulated latencies, µs; default {@link DEFAULT_GATE_LATENCY_US}. */
  entryLatencyUs: z.number().int().min(0).optional(),
  cancelLatencyUs: z.number().int().min(0).optional(),
  by: BySchema,
  /** Default: `holdout-gate:<workflowId>:<candidate>`. */
  idempotencyKey: IdempotencyKeySchema.optional(),
  ...WorkflowRefShape,
});
export type HoldoutGateInput = z.input<typeof HoldoutGateInputSchema>;

/** One arm of the gate. */
export interface GateArm {
  readonly versionId: string;
  /** Net PnL over the windows, quote currency. */
  readonly netPnlQuote: number;
  readonly fills: number;
  readonly kpis: Kpis;
}

/** Result of {@link holdoutGate}. */
export interface HoldoutGateResult {
  readonly passed: boolean;
  readonly candidate: GateArm;
  /** null when the name has no champion. */
  readonly champion: GateArm | null;
  /** candidate − champion net PnL, quote currency; null without a champion. */
  readonly diffQuote: number | null;
  readonly marginQuote: number;
  readonly reason: string;
  /** The `holdout-gate` evidence row on the candidate. */
  readonly evidenceId: number;
}

/**
 * Runs the gate.
 * @param loadAlpha how ONNX alpha models are loaded (default: the model store, sha256 checked)
 * @throws PermanentError `PROMOTION_INVALID_INPUT` naming the field (a champion equal to the candidate,
 *   no key and no workflow id); `MODEL_NOT_FOUND` naming the version; evaluateModel's errors
 *   (`EVALUATE_INVALID_INPUT`, `INVALID_MODEL_PARAMS`, `UNKNOWN_SESSION`, `EVALUATE_BACKTEST`, …)
 */
export async function holdoutGate(
  deps: Pick<ActivityDeps, 'db' | 'dataDir' | 'log'>,
  raw: HoldoutGateInput,
  loadAlpha: AlphaLoader = loadAlphaModel,
): Promise<HoldoutGateResult> {
  const input = parsePromotionInput(HoldoutGateInputSchema, raw, 'holdoutGate');
  const idempotencyKey = keyOf(input, 'holdout-gate', input.candidate, 'holdoutGate');
  const candidate = await versionOrThrow(deps, input.candidate);
  const champion =
    input.champion === undefined
      ? await getChampion(deps.db, candidate.name)
      : await versionOrThrow(deps, input.champion);
  if (champion?.id === candidate.id)
    throw new PermanentError(
      PROMOTION_INVALID_INPUT,
      `holdoutGate: champion: ${champion.id} is the candidate itself`,
      { activity: 'holdoutGate', fields: ['champion'] },
    );

  const evaluate = async (version: ModelVersion, arm: 'candidate' | 'champion'): Promise<GateArm> => {
    heartbeat({ phase: `backtest ${arm}`, versionId: version.id, windows: input.windows.length });
    const r = await evaluateModel(
      deps,
      {
        evaluationId: `${idempotencyKey}:${arm}`,
        windows: input.windows,
        params: version.params,
        entryLatencyUs: input.entryLatencyUs ?? DEFAULT_GATE_LATENCY_US,
        cancelLatencyUs: input.cancelLatencyUs ?? DEFAULT_GATE_LATENCY_US,
      },
      loadAlpha,
    );
    return { versionId: version.id, netPnlQuote: r.kpis.netPnlQuote, fills: r.kpis.fills, kpis: r.kpis };
  };
  const cand = await evaluate(candidate, 'candidate');
  const champ = champion === undefined ? null : await evaluate(champion, 'champion');
  const diffQuote = champ === null ? null : cand.netPnlQuote - champ.netPnlQuote;
  const passed = diffQuote === null || diffQuote >= -input.marginQuote;
  const reason = gateReason(cand, champ, diffQuote, input.marginQuote, input.windows.length);

  const { id } = await addEvidence(deps.db, {
    versionId: candidate.id,
    kind: 'holdout-gate',
    payload: {
      metric: 'netPnlQuote',
      passed,
      reason,
      marginQuote: input.marginQuote,
      diffQuote,
      candidate: cand,
      champion: champ,
      windows: input.windows,
      entryLatencyUs: input.entryLatencyUs ?? DEFAULT_GATE_LATENCY_US,
      cancelLatencyUs: input.cancelLatencyUs ?? DEFAULT_GATE_LATENCY_US,
    },
    by: input.by,
    idempotencyKey,
    ...workflowRef(input),
  });
  deps.log.info(
    {
      candidate: cand.versionId,
      champion: champ?.versionId ?? null,
      candidateNetPnlQuote: cand.netPnlQuote,
      championNetPnlQuote: champ?.netPnlQuote ?? null,
      marginQuote: input.marginQuote,
      passed,
      evidenceId: id,
    },
    'holdout gate decided',
  );
  return {
    passed,
    candidate: cand,
    champion: champ,
    diffQuote,
    marginQuote: input.marginQuote,
    reason,
    evidenceId: id,
  };
}

async function versionOrThrow(deps: Pick<ActivityDeps, 'db'>, id: string): Promise<ModelVersion> {
  const version = await getModelVersion(deps.db, id);
  if (version === undefined)
    throw new PermanentError('MODEL_NOT_FOUND', `holdoutGate: model version ${id} does not exist`, { id });
  return version;
}

/** The verdict in words, with the figures (quote currency). */
function gateReason(
  cand: GateArm,
  champ: GateArm | null,
  diff: number | null,
  margin: number,
  windows: number,
): string {
  if (champ === null || diff === null)
    return `no champion to compare with: ${cand.versionId} passes (net PnL ${cand.netPnlQuote} quote on ${windows} windows)`;
  const verdict = diff >= -margin ? 'passes' : 'fails';
  return (
    `${cand.versionId} ${verdict}: net PnL ${cand.netPnlQuote} vs champion ${champ.versionId} ${champ.netPnlQuote} ` +
    `quote on ${windows} windows, difference ${diff} ${diff >= -margin ? '≥' : '<'} −margin ${margin}`
  );
}
