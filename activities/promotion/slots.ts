/**
 * Slot activities: a workflow changes what an engine slot should quote with ({@link setSlotDesired})
 * and waits until the engine following the slot says it applied it ({@link awaitSlotApplied}).
 *
 * The engine (`mmflow quote --slot ID`) learns of a change by LISTEN/NOTIFY or polling, applies it at a
 * safe point and writes `applied_revision` (db/repositories/deployments.ts `markApplied`); the wait
 * here only polls the row (a LISTEN would save at most one poll interval on a wait of seconds).
 */
import { Context } from '@temporalio/activity';
import { z } from 'zod';
import { PermanentError } from '../../core/errors.ts';
import { getSlot, listSlots, setDesired, type Slot } from '../../db/repositories/deployments.ts';
import { getModelVersion } from '../../db/repositories/models.ts';
import { getSlotApplyError } from '../../db/repositories/slot-apply-errors.ts';
import { heartbeat } from '../heartbeat.ts';
import {
  BySchema,
  parsePromotionInput,
  ReasonSchema,
  SlotIdSchema,
  workflowRef,
  WorkflowRefShape,
  type PromotionDeps,
} from './input.ts';

/** A desired model: an alias of the slot's model name or a version id `<name>@<n>`. */
const DesiredModelSchema = z.union([
  z.enum(['champion', 'challenger']),
  z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*@[1-9][0-9]*$/, "'champion', 'challenger' or <name>@<n>"),
]);

export const SetSlotDesiredInputSchema = z.strictObject({
  slotId: SlotIdSchema,
  desired: z.strictObject({
    model: DesiredModelSchema,
    /** Share of the slot's capital, 0–1 (0 = quote nothing). */
    capitalFraction: z.number().min(0).max(1),
    riskState: z.enum(['active', 'halted']),
  }),
  by: BySchema,
  reason: ReasonSchema,
  ...WorkflowRefShape,
});
export type SetSlotDesiredInput = z.input<typeof SetSlotDesiredInputSchema>;

/**
 * Sets the desired state of a slot. Idempotent: when the slot already desires exactly this state (a
 * retried attempt), its revision is returned unchanged with `changed: false`.
 * @returns the revision the engine must apply (await it with {@link awaitSlotApplied})
 * @throws PermanentError `PROMOTION_INVALID_INPUT` naming the field; the repository's
 *   `SLOT_NOT_FOUND` and `DB_*` errors
 */
export async function setSlotDesired(
  deps: PromotionDeps,
  raw: SetSlotDesiredInput,
): Promise<{ revision: number; changed: boolean }> {
  const input = parsePromotionInput(SetSlotDesiredInputSchema, raw, 'setSlotDesired');
  const { slot, changed } = await setDesired(deps.db, input.slotId, input.desired, {
    by: input.by,
    reason: input.reason,
    ...workflowRef(input),
  });
  deps.log.info(
    { slotId: input.slotId, revision: slot.desired.revision, changed, ...input.desired, by: input.by },
    'slot desired state set',
  );
  return { revision: slot.desired.revision, changed };
}

export const AwaitSlotAppliedInputSchema = z.strictObject({
  slotId: SlotIdSchema,
  /** The revision to wait for (from {@link setSlotDesired}); a later one applied also satisfies it. */
  revision: z.number().int().positive(),
  /** How long to wait, ms, counted from the first attempt (resumed from the heartbeat on a retry). */
  timeoutMs: z.number().int().positive().max(86_400_000),
  /** How often the row is read, ms; default {@link DEFAULT_POLL_INTERVAL_MS}. */
  pollIntervalMs: z.number().int().min(10).max(60_000).optional(),
});
export type AwaitSlotAppliedInput = z.input<typeof AwaitSlotAppliedInputSchema>;

/** What the engine applied. */
export interface SlotApplied {
  /** The applied revision (≥ the awaited one). */
  readonly revision: number;
  /** The exact version id the engine quotes with (an alias resolved). */
  readonly version: string;
  readonly capitalFraction: number;
  readonly riskState: string;
  /** When the engine applied it, Unix epoch ms. */
  readonly appliedAtMs: number;
}

/** Default poll interval of {@link awaitSlotApplied}, ms. */
export const DEFAULT_POLL_INTERVAL_MS = 250;

/** Time of the wait: the wall clock and a sleep (cancellable inside an activity). Injected by tests. */
export interface WaitTiming {
  nowMs(): number;
  sleep(ms: number): Promise<void>;
}

/** The wall clock; inside an activity the sleep ends early (throws) when the activity is cancelled. */
export const SYSTEM_TIMING: WaitTiming = {
  nowMs: () => Date.now(),
  sleep: (ms) => {
    try {
      return Context.current().sleep(ms);
    } catch {
      // Not inside an activity (a test or a script calling the function directly).
      return new Promise((resolve) => setTimeout(resolve, ms));
    }
  },
};

/** Heartbeat details of the wait (progress, and the start a retried attempt resumes from). */
const WaitProgress = z.object({ slotId: z.string(), revision: z.number(), startedAtMs: z.number() });

/**
 * Waits until the slot's applied revision is ≥ `revision`, heartbeating its progress at every poll.
 * @returns what the engine applied
 * @throws PermanentError `SLOT_APPLY_TIMEOUT` after `timeoutMs`, naming the slot, the age of the
 *   engine's last heartbeat (or that there was none), the applied revision and version (or that nothing
 *   was applied) and the desired revision; `SLOT_APPLY_FAILED` at once when the engine recorded that it
 *   could not apply this revision (or a later one), with its reason; `SLOT_NOT_FOUND`; `SLOT_REVISION_UNKNOWN` when `revision` is
 *   above the slot's desired revision (nothing will ever apply it); `PROMOTION_INVALID_INPUT`
 */
export async function awaitSlotApplied(
  deps: PromotionDeps,
  raw: AwaitSlotAppliedInput,
  timing: WaitTiming = SYSTEM_TIMING,
): Promise<SlotApplied> {
  const input = parsePromotionInput(AwaitSlotAppliedInputSchema, raw, 'awaitSlotApplied');
  const { slotId, revision, timeoutMs } = input;
  const pollMs = input.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const startedAtMs = resumedStart(slotId, revision) ?? timing.nowMs();
  for (;;) {
    const slot = await getSlot(deps.db, slotId);
    if (slot === undefined)
      throw new PermanentError('SLOT_NOT_FOUND', `awaitSlotApplied: slot ${slotId} does not exist`, {
        slotId,
      });
    if (slot.applied !== undefined && slot.applied.revision >= revision) {
      const a = slot.applied;
      const nowMs = timing.nowMs();
      deps.log.info(
        { slotId, revision, appliedRevision: a.revision, version: a.version, waitedMs: nowMs - startedAtMs },
        'slot applied',
      );
      return {
        revision: a.revision,
        version: a.version,
        capitalFraction: a.capitalFraction,
        riskState: a.riskState,
        appliedAtMs: a.atMs,
      };
    }
    const failure = await getSlotApplyError(deps.db, slotId);
    if (failure !== undefined && failure.revision >= revision)
      throw new PermanentError(
        'SLOT_APPLY_FAILED',
        `slot ${slotId}: the engine could not apply revision ${failure.revision} (${slot.desired.model}, ` +
          `capital ${slot.desired.capitalFraction}, ${slot.desired.riskState}) and quotes on with ` +
          `${slot.applied === undefined ? 'nothing applied' : `revision ${slot.applied.revision} = ${slot.applied.version}`}: ${failure.error}`,
        { slotId, revision, failedRevision: failure.revision, error: failure.error },
      );
    if (slot.desired.revision < revision)
      throw new PermanentError(
        'SLOT_REVISION_UNKNOWN',
        `awaitSlotApplied: slot ${slotId} desires revision ${slot.desired.revision}; revision ${revision} was never set`,
        { slotId, revision, desiredRevision: slot.desired.revision },
      );
    const nowMs = timing.nowMs();
    const waitedMs = nowMs - startedAtMs;
    heartbeat({
      slotId,
      revision,
      startedAtMs,
      waitedMs,
      appliedRevision: slot.applied?.revision ?? null,
      engineHeartbeatAgeMs: slot.heartbeatAtMs === undefined ? null : nowMs - slot.heartbeatAtMs,
    });
    if (waitedMs >= timeoutMs) throw applyTimeout(slot, revision, timeoutMs, waitedMs, nowMs);
    await timing.sleep(Math.min(pollMs, timeoutMs - waitedMs));
  }
}

/** The start of a previous attempt of the same wait, from its last heartbeat. */
function resumedStart(slotId: string, revision: number): number | undefined {
  let details: unknown;
  try {
    details = Context.current().info.heartbeatDetails;
  } catch {
    return undefined; // not inside an activity
  }
  const parsed = WaitProgress.safeParse(details);
  return parsed.success && parsed.data.slotId === slotId && parsed.data.revision === revision
    ? parsed.data.startedAtMs
    : undefined;
}

/** The timeout error, with everything the row tells about the engine. */
function applyTimeout(
  slot: Slot,
  revision: number,
  timeoutMs: number,
  waitedMs: number,
  nowMs: number,
): PermanentError {
  const beat =
    slot.heartbeatAtMs === undefined
      ? 'no engine heartbeat ever (no engine follows the slot?)'
      : `last engine heartbeat ${nowMs - slot.heartbeatAtMs} ms ago (engine run ${slot.engineRunId ?? 'unknown'})`;
  const a = slot.applied;
  const applied =
    a === undefined
      ? 'nothing applied yet'
      : `applied revision ${a.revision} = ${a.version} (capital ${a.capitalFraction}, ${a.riskState})`;
  return new PermanentError(
    'SLOT_APPLY_TIMEOUT',
    `slot ${slot.id}: revision ${revision} (${slot.desired.model}, capital ${slot.desired.capitalFraction}, ` +
      `${slot.desired.riskState}) not applied within ${timeoutMs} ms; ${beat}; ${applied}`,
    {
      slotId: slot.id,
      revision,
      waitedMs,
      desiredRevision: slot.desired.revision,
      heartbeatAgeMs: slot.heartbeatAtMs === undefined ? null : nowMs - slot.heartbeatAtMs,
      engineRunId: slot.engineRunId ?? null,
      appliedRevision: a?.revision ?? null,
      appliedVersion: a?.version ?? null,
    },
  );
}

export const AffectedSlotsInputSchema = z.strictObject({
  /** The version being rolled back, `<name>@<n>`. */
  versionId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*@[1-9][0-9]*$/, '<name>@<n>'),
});
export type AffectedSlotsInput = z.input<typeof AffectedSlotsInputSchema>;

/**
 * The slots a rollback of `versionId` must change when its caller named none: those that quote the
 * version (pinned to it, or following `challenger` while it is the challenger, or following `champion`
 * while it is the champion — a rollback after promotion) and the active champion followers with
 * capital (to be put back at full capital; a parked follower — halted or at capital 0 — stays parked).
 * When the version is the champion, its active followers are in both lists: pulled first (halted,
 * pinned to the version), then restored on the previous champion. Slots of other model names are never
 * touched.
 * @returns slot ids, sorted
 * @throws PermanentError `PROMOTION_INVALID_INPUT`; the repositories' `DB_*` errors
 */
export async function affectedSlots(
  deps: PromotionDeps,
  raw: AffectedSlotsInput,
): Promise<{ challengerSlots: string[]; championSlots: string[] }> {
  const { versionId } = parsePromotionInput(AffectedSlotsInputSchema, raw, 'affectedSlots');
  const modelName = versionId.slice(0, versionId.lastIndexOf('@'));
  const version = await getModelVersion(deps.db, versionId);
  const isChallenger = version?.status === 'challenger';
  const isChampion = version?.status === 'champion';
  const slots = (await listSlots(deps.db)).filter((s) => s.modelName === modelName);
  // A parked follower (halted or at capital 0, e.g. the challenger arm after a promotion) stays parked.
  const activeChampionFollower = (s: Slot): boolean =>
    s.desired.model === 'champion' && s.desired.riskState === 'active' && s.desired.capitalFraction > 0;
  const quotesIt = (s: Slot): boolean =>
    s.desired.model === versionId ||
    (isChallenger && s.desired.model === 'challenger') ||
    (isChampion && activeChampionFollower(s));
  return {
    challengerSlots: slots.filter(quotesIt).map((s) => s.id),
    championSlots: slots.filter(activeChampionFollower).map((s) => s.id),
  };
}
