/**
 * What a canary run must leave in PostgreSQL, however often its worker was killed
 * (./canary-kill-loop.test.ts): the status history, the slots' desired-state changes, the evidence and
 * the slots' final applied state, read back as plain rows and compared with the rows expected by hand
 * for a good challenger (canary over the default steps, then promote) or a bad one (rolled back at its
 * first step). A duplicated transition, change or evidence row shows up as an extra row.
 */
import type { Pool } from 'pg';
import { getSlot } from '../../db/repositories/deployments.ts';
import { DEFAULT_CANARY_STEPS } from '../../pipeline-dsl/promotion-steps.ts';
import type { Setup } from './promotion-fixtures.ts';

/** Challenger fractions of the default ramp, and the champion slot's 1 − f. */
const STEPS: readonly number[] = DEFAULT_CANARY_STEPS;
const championShare = (f: number): number => Math.round((1 - f) * 1e6) / 1e6;

/** Everything compared after a run (plain JSON for one `toEqual`). */
export interface RunRows {
  /** [version, from, to, count] in order of first appearance. */
  readonly history: [string, string, string, number][];
  /** Per slot: [revision, desired model, capital fraction, risk state] in revision order. */
  readonly changes: Record<string, [number, string, number, string][]>;
  /** The challenger's evidence: [kind, idempotency key, canary step, fraction] in id order. */
  readonly evidence: [string, string | null, number | null, number | null][];
  /** Per slot: applied [revision, version, fraction, risk] and the desired revision. */
  readonly slots: Record<string, { applied: [number, string, number, string] | null; desired: number }>;
}

/** Reads the rows of `s`'s model name, slots and challenger. */
export async function readRows(db: Pool, s: Setup): Promise<RunRows> {
  const history = await db.query<{ v: string; f: string; t: string; n: number }>(
    `SELECT version_id AS v, from_status AS f, to_status AS t, count(*)::int AS n
       FROM model_status_history WHERE model_name = $1 GROUP BY 1, 2, 3 ORDER BY min(id)`,
    [s.name],
  );
  const changes = await db.query<{ slot: string; rev: number; m: string; f: number; r: string }>(
    `SELECT deployment_id AS slot, revision::int AS rev, desired_model AS m, desired_capital_fraction AS f,
            desired_risk_state AS r
       FROM deployment_changes WHERE deployment_id = ANY($1) ORDER BY deployment_id, revision`,
    [[s.championSlot, s.challengerSlot]],
  );
  const evidence = await db.query<{
    kind: string;
    key: string | null;
    step: number | null;
    f: number | null;
  }>(
    `SELECT kind, idempotency_key AS key, (payload->>'step')::int AS step, (payload->>'fraction')::float8 AS f
       FROM model_evidence WHERE version_id = $1 ORDER BY id`,
    [s.challenger],
  );
  const slots: RunRows['slots'] = {};
  const byslot: RunRows['changes'] = {};
  for (const id of [s.championSlot, s.challengerSlot]) {
    const slot = await getSlot(db, id);
    if (slot === undefined) throw new Error(`slot ${id} is gone`);
    const a = slot.applied;
    slots[id] = {
      applied: a === undefined ? null : [a.revision, a.version, a.capitalFraction, a.riskState],
      desired: slot.desired.revision,
    };
    byslot[id] = changes.rows.filter((r) => r.slot === id).map((r) => [r.rev, r.m, r.f, r.r]);
  }
  return {
    history: history.rows.map((r) => [r.v, r.f, r.t, r.n]),
    changes: byslot,
    evidence: evidence.rows.map((r) => [r.kind, r.key, r.step, r.f]),
    slots,
  };
}

const numbered = (list: [string, number, string][]): [number, string, number, string][] =>
  list.map(([m, f, r], i) => [i + 1, m, f, r]);

/**
 * The rows of a good challenger after `canaryWorkflow` (id `canaryId`, default steps) and
 * `promoteWorkflow` (id `promoteId`): one transition each, five step changes per slot, the promotion's
 * alias touch (the champion slot's only: the challenger slot names a version) and its final changes,
 * five `canary-step` rows and one `promotion`, both slots applied at their last revision on the new
 * champion (challenger slot at 0, halted).
 */
export function expectedGood(s: Setup, canaryId: string, promoteId: string): RunRows {
  const challengerChanges = numbered([
    ['champion', 1, 'active'],
    ...STEPS.map((f): [string, number, string] => [s.challenger, f, 'active']),
    ['champion', 0, 'halted'],
  ]);
  const championChanges = numbered([
    ['champion', 1, 'active'],
    ...STEPS.map((f): [string, number, string] => ['champion', championShare(f), 'active']),
    ['champion', 0, 'active'], // touchAliasFollowers: same state, new revision (alias re-resolved)
    ['champion', 1, 'active'],
  ]);
  return {
    history: [
      [s.champion, 'candidate', 'champion', 1],
      [s.challenger, 'candidate', 'challenger', 1],
      [s.champion, 'champion', 'retired', 1],
      [s.challenger, 'challenger', 'champion', 1],
    ],
    changes: { [s.championSlot]: championChanges, [s.challengerSlot]: challengerChanges },
    evidence: [
      ...STEPS.map((f, i): RunRows['evidence'][number] => [
        'canary-step',
        `${canaryId}/step-${i + 1}`,
        i + 1,
        f,
      ]),
      ['promotion', `${promoteId}/evidence`, null, null],
    ],
    slots: {
      [s.championSlot]: {
        applied: [championChanges.length, s.challenger, 1, 'active'],
        desired: championChanges.length,
      },
      [s.challengerSlot]: {
        applied: [challengerChanges.length, s.challenger, 0, 'halted'],
        desired: challengerChanges.length,
      },
    },
  };
}

/**
 * The rows of a bad challenger rolled back at its first step by the canary `canaryId` (child
 * `${canaryId}.rollback`): challenger → retired once, the step and the rollback's changes, no
 * `canary-step` row (no step was held to its end), one `rollback` row; the champion slot back on the
 * old champion at full capital, the challenger slot on the challenger at 0, halted.
 */
export function expectedBad(s: Setup, canaryId: string): RunRows {
  const first = STEPS[0] ?? 0;
  const challengerChanges = numbered([
    ['champion', 1, 'active'],
    [s.challenger, first, 'active'],
    [s.challenger, 0, 'halted'],
  ]);
  const championChanges = numbered([
    ['champion', 1, 'active'],
    ['champion', championShare(first), 'active'],
    ['champion', 1, 'active'],
  ]);
  return {
    history: [
      [s.champion, 'candidate', 'champion', 1],
      [s.challenger, 'candidate', 'challenger', 1],
      [s.challenger, 'challenger', 'retired', 1],
    ],
    changes: { [s.championSlot]: championChanges, [s.challengerSlot]: challengerChanges },
    evidence: [['rollback', `${canaryId}.rollback/evidence`, null, null]],
    slots: {
      [s.championSlot]: {
        applied: [championChanges.length, s.champion, 1, 'active'],
        desired: championChanges.length,
      },
      [s.challengerSlot]: {
        applied: [challengerChanges.length, s.challenger, 0, 'halted'],
        desired: challengerChanges.length,
      },
    },
  };
}
