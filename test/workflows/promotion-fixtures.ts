/**
 * Shared set-up of the promotion workflow tests (./promotion.test.ts, ./promotion-ab.test.ts): a fresh
 * model name with a champion and a candidate, two paper slots on the champion alias, the engines played
 * by ./promotion-engines.ts, and the failure/refusal helpers.
 */
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT } from '../../core/quoting/model-params.ts';
import { createSlot } from '../../db/repositories/deployments.ts';
import { changeStatus } from '../../db/repositories/model-history.ts';
import { registerModelVersion } from '../../db/repositories/models.ts';
import { startFakeEngines, type FakeEngines } from './promotion-engines.ts';

/** A model name with a champion @1 and a candidate @2, and two paper slots on the champion alias. */
export async function setUp(db: Pool, tag: string) {
  const name = `promo-${tag}-${randomUUID().slice(0, 8)}`;
  const register = () =>
    registerModelVersion(db, {
      name,
      kind: 'avellaneda-stoikov',
      params: { ...DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT },
    });
  const champion = (await register()).id;
  const challenger = (await register()).id;
  await changeStatus(db, { versionId: champion, to: 'champion', by: 'test', reason: 'initial champion' });
  const slot = (id: string) =>
    createSlot(
      db,
      { id, venue: 'binance-usdm', account: 'paper', symbol: 'BTCUSDT', mode: 'paper', modelName: name },
      { model: 'champion', capitalFraction: 1, riskState: 'active' },
      'test',
      'paper slot',
    );
  const championSlot = (await slot(`${name}-a`)).id;
  const challengerSlot = (await slot(`${name}-b`)).id;
  return { name, champion, challenger, championSlot, challengerSlot };
}

export type Setup = Awaited<ReturnType<typeof setUp>>;

/** The ApplicationFailure that failed a workflow run. */
export async function failureOf(run: Promise<unknown>): Promise<ApplicationFailure> {
  const err: unknown = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof WorkflowFailedError))
    throw new Error(`expected a failed workflow, got ${String(err)}`);
  if (!(err.cause instanceof ApplicationFailure))
    throw new Error(`expected an ApplicationFailure: ${String(err.cause)}`);
  return err.cause;
}

/** The validator's refusal message of an Update. */
export async function refusal(run: Promise<unknown>): Promise<string> {
  const err: unknown = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof WorkflowUpdateFailedError))
    throw new Error(`expected a refused update, got ${String(err)}`);
  return err.cause instanceof Error ? err.cause.message : String(err.cause);
}

/** Runs `body` while the engines of `s`'s slots follow them (PnL rate per version, quote/s at full capital). */
export const withEngines = async <T>(
  db: Pool,
  s: Setup,
  rates: Record<string, number>,
  body: (e: FakeEngines) => Promise<T>,
) => {
  const engines = startFakeEngines(db, s.name, rates);
  try {
    return await body(engines);
  } finally {
    await engines.stop();
  }
};
