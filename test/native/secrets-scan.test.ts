/**
 * Secrets never leave the process: a live engine trades on the exchange simulator with an API key, an
 * API secret and a kill token; its kill endpoint is called with a wrong, a missing and the right
 * token; a kill and a resume go through the workflows on the real Temporal server. Then the four
 * places an operator can read are scanned for the three values: every log record, the `/metrics`
 * exposition, the workflows' histories, and every row of every table of the database.
 * Each scan is also shown to be non-vacuous (it holds what the run wrote).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT } from '../../core/quoting/model-params.ts';
import { killEngineWorkflow, resumeEngineWorkflow } from '../../workflows/kill-engine.ts';
import { missingSpotData, SPOT_SESSION } from '../exchange-sim/helpers.ts';
import { skipWithout } from '../setup/require.ts';
import { testServices } from '../setup/services.ts';
import { startHarness, uniqueId, type Harness } from '../workflows/harness.ts';
import { capturingLog, runEngineOnSimulator, type SimEngineResult } from './sim-engine-harness.ts';

const skip = skipWithout(missingSpotData, 'secrets scan of a live run on the exchange simulator');

const API_KEY = `k${randomBytes(24).toString('hex')}`;
const API_SECRET = `s${randomBytes(24).toString('hex')}`;
const KILL_TOKEN = `t${randomBytes(24).toString('hex')}`;
const SECRETS = [API_KEY, API_SECRET, KILL_TOKEN];

/** A history as JSON plus every payload decoded (Temporal stores payload data base64-encoded). */
function historyText(history: unknown): string {
  const json = JSON.stringify(history);
  const decoded = [...json.matchAll(/"data":"([A-Za-z0-9+/=]+)"/g)].map((m) =>
    Buffer.from(m[1] ?? '', 'base64').toString('utf8'),
  );
  return [json, ...decoded].join('\n');
}

function leaks(text: string): string[] {
  return SECRETS.filter((s) => text.includes(s)).map((s) => `${s.slice(0, 1)}… (${s.length} chars)`);
}

describe.skipIf(skip)('API keys and tokens never reach logs, metrics, workflow history or the DB', () => {
  let h: Harness;
  let run: SimEngineResult;
  const engineId = `secrets-scan-${randomUUID().slice(0, 8)}`;
  const { log, lines } = capturingLog();
  const killAnswers: number[] = [];
  let metricsText = '';
  const histories: string[] = [];

  beforeAll(async () => {
    h = await startHarness('secrets-scan');
    const post = (url: string, token: string | undefined): Promise<Response> =>
      fetch(`${url}/kill`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        },
        body: JSON.stringify({ reason: 'secrets scan', by: 'test' }),
      });
    run = await runEngineOnSimulator({
      db: h.db,
      databaseUrl: testServices().databaseUrl,
      mode: 'live',
      session: SPOT_SESSION,
      params: { ...DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT },
      speed: 40,
      account: { apiKey: API_KEY, secret: API_SECRET, balances: { BTC: 1, USDT: 100_000 } },
      env: { MMFLOW_KILL_TOKEN: KILL_TOKEN, MMFLOW_ENGINE_ID: engineId, MMFLOW_KILL_POLL_MS: '100' },
      log,
      during: async (_sim, engine) => {
        // Let it quote for a while, then the three kill calls, then a workflow resume and kill.
        await new Promise((r) => setTimeout(r, 3000));
        killAnswers.push((await post(engine.httpUrl, `${KILL_TOKEN}x`)).status);
        killAnswers.push((await post(engine.httpUrl, undefined)).status);
        killAnswers.push((await post(engine.httpUrl, KILL_TOKEN)).status);
        for (const [workflow, name] of [
          [resumeEngineWorkflow, 'resume'],
          [killEngineWorkflow, 'kill'],
        ] as const) {
          const workflowId = uniqueId(`secrets-${name}`);
          await h.client.workflow.execute(workflow, {
            args: [{ engineId, reason: `secrets scan ${name}`, by: 'test' }],
            taskQueue: h.taskQueue,
            workflowId,
          });
          const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
          histories.push(historyText(history));
        }
        metricsText = await (await fetch(`${engine.httpUrl}/metrics`)).text();
      },
    });
  }, 600_000);

  afterAll(async () => {
    await run?.sim.close();
    await h?.close();
  });

  it('the kill endpoint refused the wrong and the missing token, took the right one', () => {
    expect(killAnswers).toEqual([401, 401, 202]);
  });

  it('logs', () => {
    const text = lines.join('\n');
    expect(text).toContain('engine run started');
    expect(run.summary.counters.quotesPlaced).toBeGreaterThan(0);
    expect(leaks(text)).toEqual([]);
  });

  it('metrics', () => {
    expect(metricsText).toContain('mmflow_engine_risk_state');
    expect(leaks(metricsText)).toEqual([]);
  });

  it('workflow histories', () => {
    expect(histories).toHaveLength(2);
    for (const text of histories) {
      expect(text).toContain(engineId);
      expect(leaks(text)).toEqual([]);
    }
  });

  it('every row of every table of the database', async () => {
    const tables = await h.db.query<{ name: string }>(
      `SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) AS name
         FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    expect(tables.rows.length).toBeGreaterThan(10);
    let dump = '';
    for (const { name } of tables.rows) {
      const rows = await h.db.query<{ row: string }>(`SELECT t::text AS row FROM ${name} t`);
      for (const r of rows.rows) dump += `${r.row}\n`;
    }
    expect(dump).toContain(run.summary.runId);
    expect(dump).toContain(engineId);
    expect(leaks(dump)).toEqual([]);
  });
});
