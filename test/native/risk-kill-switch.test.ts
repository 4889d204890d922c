/**
 * The kill switch end to end (docs/adr/0011-risk-layer.md): `mmflow kill` / `mmflow resume` (the real
 * CLI, as a child process) against a running replay engine on this run's PostgreSQL, and `POST /kill`
 * with good, bad and missing tokens. Recorded pacing runs on a fake clock whose sleeper advances it;
 * the checks that must happen mid-run run inside that sleeper, polling with a deadline.
 */
import { dataDir } from '../../app/paths.ts';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/ports.ts';
import { DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT } from '../../core/quoting/model-params.ts';
import { createPool } from '../../db/pool.ts';
import { registerModelVersion } from '../../db/repositories/models.ts';
import { getKillSwitch, listRiskEvents, resumeEngine } from '../../db/repositories/risk-state.ts';
import { silentLog } from '../../infra/log.ts';
import { parseEngineConfig } from '../../native/config.ts';
import { runQuotingEngine } from '../../native/engine-process.ts';
import { runCli } from '../cli/run-cli.ts';
import { testServices } from '../setup/services.ts';

const DATA_DIR = dataDir();
const SESSION = 'binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z';
const TOKEN = 'test-kill-token-0123456789';

let db: Pool;
let databaseUrl: string;
let modelId: string;

beforeAll(async () => {
  databaseUrl = testServices().databaseUrl;
  db = createPool(databaseUrl);
  const version = await registerModelVersion(db, {
    name: 'risk-kill-switch-test',
    kind: 'avellaneda-stoikov',
    params: { ...DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT },
  });
  modelId = version.id;
});

afterAll(async () => {
  await db.end();
});

function config(engineId: string, pace: 'fast' | 'recorded') {
  return parseEngineConfig(
    {
      mode: 'replay',
      session: SESSION,
      model: modelId,
      dbUrl: databaseUrl,
      dataDir: DATA_DIR,
      port: 0,
      pace,
    },
    { MMFLOW_ENGINE_ID: engineId, MMFLOW_KILL_TOKEN: TOKEN, MMFLOW_KILL_POLL_MS: '50' },
  );
}

/** A fake wall clock plus a sleeper that advances it and runs `hooks[n]` during the n-th sleep. */
function fakeTime(hooks: Record<number, () => Promise<void>>) {
  const clock = new ManualClock(1_800_000_000_000_000);
  let sleeps = 0;
  const sleep = async (ms: number): Promise<void> => {
    clock.advanceTo(clock.nowUs() + Math.round(ms * 1000));
    sleeps++;
    await hooks[sleeps]?.();
  };
  return { clock, sleep };
}

async function health(url: string): Promise<Record<string, unknown>> {
  const body: unknown = await (await fetch(`${url}/healthz`)).json();
  if (typeof body !== 'object' || body === null) throw new Error('healthz body is not an object');
  return { ...body };
}

/** Polls `health` until `pred` holds (deadline 10 s of wall time). */
async function until(
  url: string,
  pred: (h: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const h = await health(url);
    if (pred(h)) return h;
    if (Date.now() > deadline) throw new Error(`condition not met; last health ${JSON.stringify(h)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The value of the first series of `name` whose labels include every `labels` pair. */
async function metric(url: string, name: string, labels: readonly string[] = []): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && labels.every((pair) => l.includes(pair)));
  return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const quotesTotal = (url: string) => metric(url, 'mmflow_engine_quotes_total');

const cliEnv = () => ({ ...process.env, DATABASE_URL: databaseUrl });

describe('kill switch', () => {
  it('mmflow kill halts a running engine and cancels everything; it stays halted after a restart until mmflow resume', async () => {
    const engineId = `kill-test-${randomUUID().slice(0, 8)}`;
    let url = '';
    const seen: Record<string, unknown> = {};
    const first = fakeTime({
      2000: async () => {
        expect((await health(url))['riskState']).toBe('active');
        const run = await runCli(
          ['kill', '--engine', engineId, '--reason', 'test kill', '--by', 'tester'],
          cliEnv(),
        );
        expect(run.code, run.stderr).toBe(0);
        expect(run.lastJson).toEqual({ engineId, killed: true, alreadyKilled: false });
        seen['atKill'] = await until(url, (h) => h['riskState'] === 'halted');
        seen['quotesAtKill'] = await quotesTotal(url);
        seen['metrics'] = [
          await metric(url, 'mmflow_engine_risk_state', ['state="halted"']),
          await metric(url, 'mmflow_engine_risk_state', ['state="active"']),
          await metric(url, 'mmflow_engine_risk_transitions_total', ['to="halted"', 'reason="kill"']),
          (await metric(url, 'mmflow_engine_ack_latency_us_count')) > 0,
        ];
      },
      4000: async () => {
        seen['later'] = await health(url);
      },
    });
    const summary1 = await runQuotingEngine(config(engineId, 'recorded'), {
      db,
      log: silentLog,
      clock: first.clock,
      sleep: first.sleep,
      onStarted: (info) => (url = info.httpUrl),
    });
    expect(seen['atKill']).toMatchObject({ riskReason: 'kill', engineId });
    expect(seen['metrics']).toEqual([1, 0, 1, true]);
    expect(seen['later']).toMatchObject({ riskState: 'halted', workingOrders: 0 });
    expect(summary1.counters.quotesPlaced).toBe(seen['quotesAtKill']);
    expect(summary1.counters.quotesPlaced).toBeGreaterThan(0);

    // Restart: the latch is read before the first event; nothing is ever quoted.
    const summary2 = await runQuotingEngine(config(engineId, 'fast'), {
      db,
      log: silentLog,
      clock: new ManualClock(1_800_000_100_000_000),
    });
    expect(summary2.counters.quotesPlaced).toBe(0);
    expect(summary2.counters.sidesNotQuotedHalted).toBeGreaterThan(0);

    // Restart again, resume mid-run: quoting restarts.
    const third = fakeTime({
      2000: async () => {
        seen['beforeResume'] = await quotesTotal(url);
        const run = await runCli(
          ['resume', '--engine', engineId, '--by', 'tester', '--reason', 'all clear'],
          cliEnv(),
        );
        expect(run.code, run.stderr).toBe(0);
        seen['resumed'] = await until(url, (h) => h['riskState'] === 'active');
      },
    });
    const summary3 = await runQuotingEngine(config(engineId, 'recorded'), {
      db,
      log: silentLog,
      clock: third.clock,
      sleep: third.sleep,
      onStarted: (info) => (url = info.httpUrl),
    });
    expect(seen['beforeResume']).toBe(0);
    expect(seen['resumed']).toMatchObject({ riskReason: 'resume' });
    expect(summary3.counters.quotesPlaced).toBeGreaterThan(0);

    const latch = await getKillSwitch(db, engineId);
    expect(latch).toMatchObject({
      killed: false,
      killedBy: 'tester',
      reason: 'test kill',
      resumedBy: 'tester',
    });
    const events = await listRiskEvents(db, engineId);
    expect(events.map((e) => [e.runId, e.from, e.to, e.reason])).toEqual([
      [summary1.runId, 'active', 'halted', 'kill'],
      [summary2.runId, 'active', 'halted', 'kill'],
      [summary3.runId, 'active', 'halted', 'kill'],
      [summary3.runId, 'halted', 'active', 'resume'],
    ]);
  });

  it('POST /kill needs the bearer token: missing or wrong → 401, right → 202, halted and latched', async () => {
    const engineId = `http-kill-${randomUUID().slice(0, 8)}`;
    let url = '';
    const statuses: number[] = [];
    const seen: Record<string, unknown> = {};
    const post = async (auth: string | undefined): Promise<number> => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (auth !== undefined) headers['authorization'] = auth;
      const res = await fetch(`${url}/kill`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ reason: 'http test', by: 'ops' }),
      });
      await res.text();
      return res.status;
    };
    const t = fakeTime({
      2000: async () => {
        statuses.push(await post(undefined));
        statuses.push(await post('Bearer wrong-token-0123456789'));
        statuses.push(await post(`Basic ${TOKEN}`));
        seen['afterBad'] = await health(url);
        statuses.push(await post(`Bearer ${TOKEN}`));
        seen['afterGood'] = await health(url);
      },
    });
    await runQuotingEngine(config(engineId, 'recorded'), {
      db,
      log: silentLog,
      clock: t.clock,
      sleep: t.sleep,
      onStarted: (info) => (url = info.httpUrl),
    });
    expect(statuses).toEqual([401, 401, 401, 202]);
    expect(seen['afterBad']).toMatchObject({ riskState: 'active' });
    expect(seen['afterGood']).toMatchObject({ riskState: 'halted', riskReason: 'kill' });
    expect(await getKillSwitch(db, engineId)).toMatchObject({
      killed: true,
      killedBy: 'ops',
      reason: 'http test',
    });
    expect(await resumeEngine(db, { engineId, by: 'test', reason: 'cleanup', atMs: Date.now() })).toEqual({
      resumed: true,
    });
  });

  it("latches the gate's own halt (drawdown) in PostgreSQL: a restart stays halted until resumed", async () => {
    const engineId = `drawdown-${randomUUID().slice(0, 8)}`;
    const cfg = (pace: 'fast') =>
      parseEngineConfig(
        {
          mode: 'replay',
          session: SESSION,
          model: modelId,
          dbUrl: databaseUrl,
          dataDir: DATA_DIR,
          port: 0,
          pace,
        },
        {
          MMFLOW_ENGINE_ID: engineId,
          MMFLOW_RISK_LIMITS: JSON.stringify({ maxDrawdownQuote: 2 }),
          MMFLOW_KILL_POLL_MS: '50',
        },
      );
    const summary1 = await runQuotingEngine(cfg('fast'), {
      db,
      log: silentLog,
      clock: new ManualClock(1_800_000_000_000_000),
    });
    const events = await listRiskEvents(db, engineId);
    expect(events).toHaveLength(1); // the latch it wrote, read back by its polls, adds no transition
    expect(events[0]).toMatchObject({
      runId: summary1.runId,
      from: 'active',
      to: 'halted',
      reason: 'drawdown',
      limit: 2,
    });
    expect(events[0]?.value).toBeGreaterThan(2);
    expect(summary1.counters.quotesPlaced).toBeGreaterThan(0);
    expect(summary1.workingOrdersAtEnd).toBe(0);
    expect(await getKillSwitch(db, engineId)).toMatchObject({ killed: true, killedBy: 'risk-gate' });

    const summary2 = await runQuotingEngine(cfg('fast'), {
      db,
      log: silentLog,
      clock: new ManualClock(1_800_000_100_000_000),
    });
    expect(summary2.counters.quotesPlaced).toBe(0);
    expect(await resumeEngine(db, { engineId, by: 'test', reason: 'reviewed', atMs: Date.now() })).toEqual({
      resumed: true,
    });
  });
});
