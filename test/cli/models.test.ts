/**
 * `mmflow models …` and `mmflow slots …` as a user runs them (bin/mmflow.mjs child processes) against
 * the test run's PostgreSQL: the champion at several times, the history and evidence of a version,
 * slot creation (idempotent; a different spec refused) and listing; bad arguments exit 2.
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTimeArg } from '../../cli/models.ts';
import { createPool } from '../../db/pool.ts';
import { addEvidence } from '../../db/repositories/model-evidence.ts';
import { changeStatus } from '../../db/repositories/model-history.ts';
import { registerModelVersion } from '../../db/repositories/models.ts';
import { testServices } from '../setup/services.ts';
import { runCli } from './run-cli.ts';

let pool: Pool;
const name = `cli-models-${randomUUID().slice(0, 8)}`;
const [v1, v2] = [`${name}@1`, `${name}@2`];
/** 2026-01-01T00:00:00Z and one hour later, epoch ms. */
const T1 = 1_767_225_600_000;
const T2 = T1 + 3_600_000;

const env = (): NodeJS.ProcessEnv => ({
  ...process.env,
  DATABASE_URL: testServices().databaseUrl,
  MMFLOW_LOG_LEVEL: 'error',
});

beforeAll(async () => {
  pool = createPool(testServices().databaseUrl);
  for (let i = 0; i < 2; i++) await registerModelVersion(pool, { name, kind: 'k', params: { i } });
  await changeStatus(pool, { versionId: v1, to: 'champion', by: 'seed', reason: 'first', atMs: T1 });
  await changeStatus(pool, {
    versionId: v2,
    to: 'champion',
    by: 'alice',
    reason: 'won the A/B test',
    workflowId: 'promote-1',
    atMs: T2,
  });
  await addEvidence(pool, {
    versionId: v2,
    kind: 'ab-test',
    payload: { meanDiff: 0.42, n: 12 },
    by: 'ab-wf',
  });
});
afterAll(async () => {
  await pool.end();
});

describe('parseTimeArg', () => {
  it('reads epoch ms, ISO 8601 in UTC by default or with an offset, and refuses anything else', () => {
    expect(parseTimeArg(String(T1))).toBe(T1);
    expect(parseTimeArg('2026-01-01T00:00:00Z')).toBe(T1);
    expect(parseTimeArg('2026-01-01T00:00:00')).toBe(T1);
    expect(parseTimeArg('2026-01-01')).toBe(T1);
    expect(parseTimeArg('2026-01-01T01:00:00.000+01:00')).toBe(T1);
    expect(parseTimeArg('yesterday')).toBeUndefined();
    expect(parseTimeArg('2026-13-45T00:00:00Z')).toBeUndefined();
  });
});

describe('mmflow models', () => {
  it('at NAME TIME prints the champion at that time (none before the first, v1 between, v2 after)', async () => {
    const at = async (time: string): Promise<unknown> => {
      const run = await runCli(['models', 'at', name, time], env());
      expect(run.code, run.stderr).toBe(0);
      return run.lastJson;
    };
    expect(await at(String(T1 - 1))).toEqual({
      name,
      atMs: T1 - 1,
      at: '2025-12-31T23:59:59.999Z',
      champion: null,
    });
    expect(await at('2026-01-01T00:30:00Z')).toMatchObject({ atMs: T1 + 1_800_000, champion: v1 });
    expect(await at(String(T2))).toMatchObject({ champion: v2 });
    const bad = await runCli(['models', 'at', name, 'soon'], env());
    expect(bad.code).toBe(2);
  });

  it('show prints the version, its history and its evidence; history lists both rows of the swap', async () => {
    const show = await runCli(['models', 'show', v2], env());
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('status history (1):');
    expect(show.stdout).toContain('won the A/B test');
    expect(show.stdout).toContain('evidence (1):');
    expect(show.stdout).toContain('{"n":12,"meanDiff":0.42}'); // jsonb orders keys
    const json = await runCli(['models', 'show', v2, '--json'], env());
    expect(json.lastJson).toMatchObject({
      version: { id: v2, status: 'champion' },
      history: [{ from: 'candidate', to: 'champion', by: 'alice', workflowId: 'promote-1', atMs: T2 }],
      evidence: [{ kind: 'ab-test', payload: { meanDiff: 0.42, n: 12 } }],
    });
    const history = await runCli(['models', 'history', name, '--json'], env());
    expect(
      (history.lastJson as { versionId: string; from: string; to: string; atMs: number }[]).map(
        (r) => `${r.versionId} ${r.from}>${r.to} ${r.atMs - T1}`,
      ),
    ).toEqual([
      `${v1} candidate>champion 0`,
      `${v1} champion>retired 3600000`,
      `${v2} candidate>champion 3600000`,
    ]);
    const list = await runCli(['models', 'list', '--name', name], env());
    expect(list.stdout).toMatch(new RegExp(`${v1}.*retired`));
    expect((await runCli(['models', 'show', `${name}@9`], env())).code).toBe(1);
  });
});

describe('mmflow slots', () => {
  it('create is idempotent, refuses a different spec; list and show print the slot', async () => {
    const id = `cli-slot-${randomUUID().slice(0, 8)}`;
    const args = ['slots', 'create', '--id', id, '--venue', 'binance-usdm', '--account', 'paper-1'];
    const rest = ['--symbol', 'BTCUSDT', '--mode', 'paper', '--model-name', name, '--fraction', '0.05'];
    const create = await runCli([...args, ...rest, '--by', 'alice', '--reason', 'canary slot'], env());
    expect(create.code, create.stderr).toBe(0);
    expect(create.lastJson).toMatchObject({
      id,
      modelName: name,
      desired: { model: 'champion', capitalFraction: 0.05, riskState: 'active', revision: 1, by: 'alice' },
    });
    const again = await runCli([...args, ...rest, '--reason', 'again'], env());
    expect(again.lastJson).toEqual(create.lastJson);
    const live = await runCli(
      [...args, ...rest.slice(0, 2), '--mode', 'live', ...rest.slice(4), '--reason', 'x'],
      env(),
    );
    expect(live.code).toBe(1);
    expect(live.stderr).toContain(`slot ${id} exists`);
    const bad = await runCli([...args, ...rest, '--fraction', '1.5', '--reason', 'x'], env());
    expect(bad.code).toBe(2);
    const list = await runCli(['slots', 'list'], env());
    expect(list.stdout).toMatch(new RegExp(`${id}.*champion 5 % active \\(1\\).*not applied`));
    const show = await runCli(['slots', 'show', id], env());
    expect(show.stdout).toContain('desired-state changes (last 1):');
    expect(show.stdout).toContain('canary slot');
    expect((await runCli(['slots', 'show', 'nope'], env())).code).toBe(1);
  });
});
