/**
 * The promotion lifecycle end to end (issue 14): the real Temporal server and PostgreSQL of the global
 * setup, a worker with the real activities (in this process, test/workflows/harness.ts), the exchange
 * simulator in this process looping a recorded session at SPEED × its pace, and TWO engine processes
 * `node bin/mmflow.mjs quote --slot ID --exchange-url URL` following two slots (./promotion-harness.ts).
 * Nothing is played by the test: the engines apply each desired state, trade (paper: simulated fills;
 * live: real orders on their own simulator accounts) and write the samples the workflows decide on.
 *
 * 1. pipelines/promote.yaml with a good challenger (the champion's params, quotes 3× as large) on two
 *    paper slots: holdout gate → A/B → approve (Update, who and why) → canary → promote; then the
 *    champion slot's engine quotes with the new champion, read from the orders it writes.
 * 2. A deliberately bad challenger on a live slot (zero spread, 100× the champion's size: it joins the
 *    touch with 0.05 BTC at the step's capital and pays 10 bp of maker fee a fill) is rolled back by the
 *    canary once its breach has lasted the window; the champion quotes on; the challenger's account has
 *    no open order left on the venue.
 */
import type { ChildProcess } from 'node:child_process';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_AS_V15_BTCUSDT_USDM,
  DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT,
  type ModelParams,
} from '../../core/quoting/model-params.ts';
import { createSlot, getSlot, type DesiredState } from '../../db/repositories/deployments.ts';
import { listEvidence } from '../../db/repositories/model-evidence.ts';
import { changeStatus, modelHistory } from '../../db/repositories/model-history.ts';
import { getModelVersion, registerModelVersion } from '../../db/repositories/models.ts';
import type { ExchangeSim } from '../../exchange-sim/simulator.ts';
import { approveUpdate } from '../../workflows/pipeline/definitions.ts';
import { pipelineWorkflow } from '../../workflows/pipeline.ts';
import { canaryWorkflow } from '../../workflows/promotion/canary.ts';
import { canaryStatusQuery } from '../../workflows/promotion/definitions.ts';
import { runCli } from '../cli/run-cli.ts';
import { missingSession, SPOT_SESSION } from '../exchange-sim/helpers.ts';
import { skipWithout } from '../setup/require.ts';
import { testServices } from '../setup/services.ts';
import { startHarness, statusWhen, uniqueId, type Harness } from '../workflows/harness.ts';
import { failureOf } from '../workflows/promotion-fixtures.ts';
import {
  healthOf,
  ordersOf,
  spawnSlotEngine,
  startLoopedSim,
  stopProcess,
  until,
  type SlotEngine,
} from './promotion-harness.ts';

/** The session of the holdout windows of pipelines/promote.yaml: the A/B runs on the same market. */
const USDM_BTC_SESSION = 'binance-usdm_BTCUSDT_20240808T2354Z-20240809T0000Z';
const skip =
  skipWithout(missingSession(USDM_BTC_SESSION), 'the promote pipeline end to end') ||
  skipWithout(missingSession(SPOT_SESSION), 'the canary rollback end to end');
/** × recorded pace of the simulator (the 6-min USDⓈ-M session loops every 72 s, the 11-min spot one every 132 s). */
const SPEED = 5;
const USDM_LOT_BTC = 0.001;

let h: Harness;
let databaseUrl: string;
const processes: ChildProcess[] = [];

beforeAll(async () => {
  if (skip) return;
  databaseUrl = testServices().databaseUrl;
  h = await startHarness('e2e-promotion');
});

afterAll(async () => {
  await Promise.all(processes.map((p) => stopProcess(p, 5_000)));
  await h?.close();
});

async function register(db: Pool, name: string, params: ModelParams): Promise<string> {
  return (await registerModelVersion(db, { name, kind: 'avellaneda-stoikov', params })).id;
}

/** Both engines' output, for failure messages. */
const outputOf = (engines: readonly (SlotEngine | undefined)[]) => () =>
  engines.map((e) => (e === undefined ? '' : `--- ${e.slotId} ---\n${e.output().slice(-4000)}`)).join('\n');

/** Stops every engine (SIGTERM, then SIGKILL) and the simulator, whatever happened before. */
async function tearDown(engines: readonly (SlotEngine | undefined)[], sim: ExchangeSim | undefined) {
  await Promise.all(engines.map((e) => e?.stop()));
  await sim?.close();
}

describe.skipIf(skip)('promotion ladder with engine processes on the exchange simulator', () => {
  it('the promote pipeline with a good challenger completes, and the engine then quotes with the new champion', async () => {
    const t0 = Date.now();
    const name = `e2e-ladder-${uniqueId('m').slice(2)}`;
    const championParams: ModelParams = { ...DEFAULT_AS_V15_BTCUSDT_USDM };
    // The champion's model, quoting 3 lots instead of 1; q_max × 3 too, so the inventory in quote
    // units (A&S's q = inventory / quote size) and every decision but the size stay the same.
    const challengerParams: ModelParams = { ...championParams, quoteSizeLots: 3, maxInventoryLots: 30 };
    const champion = await register(h.db, name, championParams);
    const challenger = await register(h.db, name, challengerParams);
    await changeStatus(h.db, { versionId: champion, to: 'champion', by: 'e2e', reason: 'initial champion' });
    const slot = async (id: string) =>
      (
        await createSlot(
          h.db,
          { id, venue: 'binance-usdm', account: 'paper', symbol: 'BTCUSDT', mode: 'paper', modelName: name },
          { model: 'champion', capitalFraction: 1, riskState: 'active' },
          'e2e',
          'paper slot of the promotion ladder',
        )
      ).id;
    const championSlot = await slot(`${name}-champion`);
    const challengerSlot = await slot(`${name}-challenger`);

    let sim: ExchangeSim | undefined;
    const engines: (SlotEngine | undefined)[] = [];
    const output = outputOf(engines);
    const workflowId = uniqueId('e2e-promote');
    let ended = false;
    try {
      sim = await startLoopedSim(USDM_BTC_SESSION, SPEED, []);
      const start = (slotId: string) =>
        spawnSlotEngine({ slotId, exchangeUrl: sim?.urls.http ?? '', databaseUrl, registry: processes });
      const [champEngine, challEngine] = await Promise.all([start(championSlot), start(challengerSlot)]);
      engines.push(champEngine, challEngine);
      await until(
        'both engines on the depth stream',
        () => (sim?.hasStreamSubscribers('usdm', 'btcusdt@depth') ? true : undefined),
        30_000,
        output,
      );
      sim.pacer.start();
      // The champion slot quotes 1 lot (0.001 BTC) before the ladder.
      const championOrdersBefore = await until(
        'the champion slot quoting',
        async () => {
          const o = await ordersOf(h.db, champEngine.runId, USDM_LOT_BTC);
          return o.length >= 4 ? o : undefined;
        },
        60_000,
        output,
      );
      expect(new Set(championOrdersBefore.map((o) => o.lots))).toEqual(new Set([1]));

      const handle = await h.client.workflow.start(pipelineWorkflow, {
        args: [
          {
            file: 'pipelines/promote.yaml',
            params: {
              candidate: challenger,
              championSlot,
              challengerSlot,
              // Non-inferiority margin of the holdout gate and the A/B test, quote: far above any
              // possible difference, so a near-identical model passes whatever the bootstrap draws
              // (module doc of the figures below).
              marginQuote: MARGIN_QUOTE,
              abIntervals: 6,
              abInterval: '3s',
              canaryHold: '2s',
              canaryCheckEvery: '1s',
              // Longer than the whole canary: a transient guardrail blip of a good model rolls nothing back.
              breachWindow: '1m',
              maxDrawdownQuote: MARGIN_QUOTE,
            },
          },
        ],
        taskQueue: h.taskQueue,
        workflowId,
      });
      await Promise.race([
        statusWhen(handle, 'the approve gate', (s) => s.waitingGates.length > 0, 150_000),
        handle.result().then((r) => {
          throw new Error(`the pipeline ended before its gate: ${JSON.stringify(r)}\n${output()}`);
        }),
      ]);
      const approver = 'ops-e2e-ana';
      const why = 'A/B non-inferior on paper; canary approved';
      await handle.executeUpdate(approveUpdate, {
        args: [{ stepId: 'approve', approver, reason: why }],
      });
      const result = await handle.result();
      ended = true;
      expect(result.outcome).toBe('completed');
      const outputs = Object.fromEntries(result.steps.map((s) => [s.id, s.outputs]));
      expect(outputs['holdout']).toMatchObject({ passed: true, candidate: challenger, champion });
      expect(outputs['ab']).toMatchObject({ outcome: 'passed', intervals: 6 });
      expect(['non-inferior', 'challenger-better']).toContain(
        (outputs['ab'] as { decision?: unknown }).decision,
      );
      expect(outputs['canary']).toEqual({ outcome: 'completed', stepsCompleted: 5, fraction: 1 });
      expect(outputs['promote']).toMatchObject({
        champion: challenger,
        retired: champion,
        approvedBy: approver,
      });

      // Registry: the challenger is champion; every change with who and why.
      expect((await getModelVersion(h.db, challenger))?.status).toBe('champion');
      expect((await getModelVersion(h.db, champion))?.status).toBe('retired');
      const promoteReason = 'canary completed at full capital; approved after the A/B test';
      expect(
        (await modelHistory(h.db, name)).map((r) => [r.versionId, r.from, r.to, r.by, r.reason]),
      ).toEqual([
        [champion, 'candidate', 'champion', 'e2e', 'initial champion'],
        [challenger, 'candidate', 'challenger', 'pipeline:promote', expect.any(String)],
        [champion, 'champion', 'retired', approver, `replaced by ${challenger}: ${promoteReason}`],
        [challenger, 'challenger', 'champion', approver, promoteReason],
      ]);
      const evidence = await listEvidence(h.db, challenger);
      const kinds = evidence.map((e) => e.kind);
      expect(kinds).toEqual([
        'holdout-gate',
        'ab-test',
        ...Array<string>(5).fill('canary-step'),
        'promotion',
      ]);
      // The margin's premise (MARGIN_QUOTE): every difference is far inside ±50 USDT.
      const gate = evidence.find((e) => e.kind === 'holdout-gate')?.payload;
      const gateDiff = Number(gate?.['diffQuote']);
      expect(Math.abs(gateDiff)).toBeLessThan(50);
      const ab = outputs['ab'] as { lower: number; upper: number; meanDiff: number };
      expect(ab.lower).toBeGreaterThan(-50);
      expect(ab.upper).toBeLessThan(50);

      // The champion slot's engine applied the new champion at full capital…
      const applied = (await getSlot(h.db, championSlot))?.applied;
      expect(applied).toMatchObject({ version: challenger, capitalFraction: 1, riskState: 'active' });
      expect((await getSlot(h.db, championSlot))?.engineRunId).toBe(champEngine.runId);
      // …and every order it placed since quotes the challenger's 3 lots (0.003 BTC). In the run's
      // placing order (the client id counter): 1-lot orders of the old champion (A/B and canary at
      // 1 − f ≥ 0.75 floor to 1 lot; none at 0), then 3-lot orders only, among them at least 6 placed
      // after the pipeline ended.
      const seenAtEnd = await ordersOf(h.db, champEngine.runId, USDM_LOT_BTC);
      const nAtEnd = Math.max(...seenAtEnd.map((o) => o.n));
      const orders = await until(
        'orders of the new champion',
        async () => {
          const o = await ordersOf(h.db, champEngine.runId, USDM_LOT_BTC);
          return o.filter((x) => x.n > nAtEnd).length >= 6 ? o : undefined;
        },
        60_000,
        output,
      );
      const firstNew = orders.findIndex((o) => o.lots !== 1);
      expect(firstNew).toBeGreaterThanOrEqual(championOrdersBefore.length);
      expect(orders.map((o) => o.lots)).toEqual([
        ...Array<number>(firstNew).fill(1),
        ...Array<number>(orders.length - firstNew).fill(3),
      ]);
      const after = orders.slice(firstNew);

      // `mmflow audit` prints the decision: who approved and why.
      const audit = await runCli(['audit', workflowId, '--format', 'json'], {
        ...process.env,
        TEMPORAL_ADDRESS: testServices().temporalAddress,
        TEMPORAL_NAMESPACE: testServices().namespace,
      });
      expect(audit.code, audit.stderr).toBe(0);
      const trail = JSON.parse(audit.stdout) as {
        event: string;
        name: string;
        actor?: string;
        reason?: string;
      }[];
      expect(trail).toContainEqual(
        expect.objectContaining({ event: 'update-accepted', name: 'approve', actor: approver, reason: why }),
      );
      process.stderr.write(
        `e2e promote: ${Math.round((Date.now() - t0) / 1000)} s; holdout diff ${gateDiff}; ab ${JSON.stringify(outputs['ab'])}; champion orders after promotion ${after.length}\n`,
      );
    } finally {
      if (!ended)
        await h.client.workflow
          .getHandle(workflowId)
          .terminate('test ended')
          .catch(() => undefined);
      await tearDown(engines, sim);
    }
  }, 240_000);

  it('a deliberately bad challenger is rolled back automatically within the declared window; the champion quotes on; no challenger order is left on the venue', async () => {
    const t0 = Date.now();
    const name = `e2e-canary-${uniqueId('m').slice(2)}`;
    const championParams: ModelParams = { ...DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT };
    // Zero spread: minSpreadTicks 0 and (2/γ)·ln(1 + γ/k) ≈ 2/k = 0.02 tick, γσ²τ ≈ 0.04 tick per
    // unit order (no inventory control): both sides sit at the touch (post-only clamp). 100× the
    // champion's size: 10,000 lots = 0.1 BTC a quote, 0.05 BTC at the step's capital 0.5, each fill
    // costing ≈ 3 USDT of maker fee (10 bp of ≈ 61.7k × 0.05).
    const badParams: ModelParams = {
      ...championParams,
      gamma: 1e-9,
      kPerTick: 100,
      minSpreadTicks: 0,
      quoteSizeLots: 10_000,
      maxInventoryLots: 100_000,
    };
    const champion = await register(h.db, name, championParams);
    const bad = await register(h.db, name, badParams);
    await changeStatus(h.db, { versionId: champion, to: 'champion', by: 'e2e', reason: 'initial champion' });
    await changeStatus(h.db, { versionId: bad, to: 'challenger', by: 'e2e', reason: 'deliberately bad' });
    const accounts = {
      champion: {
        apiKey: `e2e-champ-${process.pid}`,
        secret: 'e2e-champ-secret',
        balances: { BTC: 1, USDT: 100_000 },
      },
      challenger: {
        apiKey: `e2e-chall-${process.pid}`,
        secret: 'e2e-chall-secret',
        balances: { BTC: 1, USDT: 100_000 },
      },
    } as const;
    const slot = async (id: string, account: string, desired: DesiredState) =>
      (
        await createSlot(
          h.db,
          { id, venue: 'binance-spot', account, symbol: 'BTCUSDT', mode: 'live', modelName: name },
          desired,
          'e2e',
          'live slot of the canary test',
        )
      ).id;
    const championSlot = await slot(`${name}-champion`, accounts.champion.apiKey, {
      model: 'champion',
      capitalFraction: 1,
      riskState: 'active',
    });
    // Not ramped yet: capital 0 until the canary's first step.
    const challengerSlot = await slot(`${name}-challenger`, accounts.challenger.apiKey, {
      model: 'challenger',
      capitalFraction: 0,
      riskState: 'active',
    });

    let sim: ExchangeSim | undefined;
    const engines: (SlotEngine | undefined)[] = [];
    const output = outputOf(engines);
    const workflowId = uniqueId('e2e-canary-bad');
    let running = false;
    try {
      sim = await startLoopedSim(SPOT_SESSION, SPEED, [accounts.champion, accounts.challenger]);
      const start = (slotId: string, a: { apiKey: string; secret: string }) =>
        spawnSlotEngine({
          slotId,
          exchangeUrl: sim?.urls.http ?? '',
          databaseUrl,
          registry: processes,
          // Each account's 1 BTC is held outside the strategy: inventories start flat.
          args: ['--inventory-baseline-base', '1'],
          env: { MMFLOW_API_KEY: a.apiKey, MMFLOW_API_SECRET: a.secret, MMFLOW_ENGINE_ID: `e2e-${slotId}` },
        });
      const [champEngine, challEngine] = await Promise.all([
        start(championSlot, accounts.champion),
        start(challengerSlot, accounts.challenger),
      ]);
      engines.push(champEngine, challEngine);
      const champAccount = sim.accounts.get(accounts.champion.apiKey);
      const challAccount = sim.accounts.get(accounts.challenger.apiKey);
      if (champAccount === undefined || challAccount === undefined)
        throw new Error('simulator accounts missing');
      // Wall time of the last order event that left the challenger's account without open orders.
      let challEmptyAtMs = 0;
      challAccount.addListener({
        onOrder: () => {
          if (challAccount.openOrders('BTCUSDT').length === 0) challEmptyAtMs = Date.now();
        },
        onBalances: () => undefined,
      });
      await until(
        'both engines on the depth stream',
        () => (sim?.hasStreamSubscribers('spot', 'btcusdt@depth') ? true : undefined),
        30_000,
        output,
      );
      sim.pacer.start();
      await until(
        'the champion quoting on the venue',
        () => (champAccount.openOrders('BTCUSDT').length > 0 ? true : undefined),
        60_000,
        output,
      );

      const handle = await h.client.workflow.start(canaryWorkflow, {
        args: [
          {
            challenger: bad,
            challengerSlot,
            championSlot,
            // Step 1 holds far longer than the test: the champion keeps half its capital meanwhile.
            steps: [0.5, 1],
            hold: '10m',
            checkEvery: `${CHECK_EVERY_MS}ms`,
            breachWindow: `${BREACH_WINDOW_MS}ms`,
            // At full capital; × 0.5 at step 1: 1 USDT of drawdown (one fill's fee breaches), 50 lots
            // RMS inventory (a hundredth of one 0.05-BTC quote).
            guardrails: { maxDrawdownQuote: 2, maxRmsInventoryLots: 100, maxRejectRate: 0.5 },
            applyTimeout: '30s',
            by: 'ops-e2e-bo',
            reason: 'canary of a deliberately bad challenger',
          },
        ],
        taskQueue: h.taskQueue,
        workflowId,
      });
      running = true;
      // The start of the ongoing breach, as the status query reports it (workflow time, ms).
      let breachSinceMs: number | null = null;
      const ended = handle.result().finally(() => (running = false));
      const watching = (async () => {
        while (running) {
          const s = await handle.query(canaryStatusQuery).catch(() => undefined);
          if (s !== undefined && s.phase !== 'rolling-back' && s.phase !== 'rolled-back')
            breachSinceMs = s.breachSinceMs;
          await new Promise((r) => setTimeout(r, 200));
        }
      })();
      const failure = await failureOf(
        Promise.race([
          ended,
          new Promise((_, fail) =>
            setTimeout(() => fail(new Error(`no rollback within 150 s\n${output()}`)), 150_000),
          ),
        ]),
      );
      await watching;
      expect(failure.type).toBe('CanaryRolledBack');
      const sustained =
        /^canary of \S+: rolled-back by system:canary: breach sustained (\d+) ms ≥ (\d+) ms at step 1 \(0\.5\): /.exec(
          failure.message,
        );
      expect(sustained, failure.message).not.toBeNull();
      const sustainedMs = Number(sustained?.[1]);
      expect(Number(sustained?.[2])).toBe(BREACH_WINDOW_MS);
      // Decided at the first check at least a window after the first breaching check: at most one
      // check period late, plus the check's own activities.
      expect(sustainedMs).toBeGreaterThanOrEqual(BREACH_WINDOW_MS);
      expect(sustainedMs).toBeLessThanOrEqual(BREACH_WINDOW_MS + CHECK_EVERY_MS + SLACK_MS);
      expect(breachSinceMs).not.toBeNull();
      const firstBreachMs = breachSinceMs ?? 0;

      // The challenger is retired and its slot pulled (capital 0, halted) by its engine…
      expect((await getModelVersion(h.db, bad))?.status).toBe('retired');
      expect((await getModelVersion(h.db, champion))?.status).toBe('champion');
      const challSlot = await getSlot(h.db, challengerSlot);
      expect(challSlot?.applied).toMatchObject({ version: bad, capitalFraction: 0, riskState: 'halted' });
      expect(challSlot?.applied?.revision).toBe(challSlot?.desired.revision);
      // …it had traded (the breach is its own), and the venue holds no order of its account.
      const challOrders = challAccount.allOrders().filter((o) => o.symbol === 'BTCUSDT');
      const challFills = challAccount.fills().length;
      expect(challOrders.length).toBeGreaterThan(0);
      // ⌊10,000 · 0.5⌋ = 5,000 lots (0.05 BTC) a quote: the step's capital, not the full size.
      expect(new Set(challOrders.map((o) => o.origLots))).toEqual(new Set([5_000]));
      expect(challFills).toBeGreaterThan(0);
      expect(challAccount.openOrders('BTCUSDT')).toEqual([]);
      // Within the declared window: from the first breaching check to the challenger pulled on the
      // venue and acknowledged by its engine, at most breachWindow + checkEvery + slack.
      const pulledAtMs = Math.max(challEmptyAtMs, challSlot?.applied?.atMs ?? 0);
      expect(pulledAtMs - firstBreachMs).toBeLessThanOrEqual(BREACH_WINDOW_MS + CHECK_EVERY_MS + SLACK_MS);
      const last = (await modelHistory(h.db, name)).at(-1);
      expect(last).toMatchObject({ versionId: bad, from: 'challenger', to: 'retired', by: 'system:canary' });
      expect(last?.workflowId).toBe(`${workflowId}.rollback`);

      // The champion is back at full capital and quotes on: working orders of 100 lots (0.001 BTC)
      // on its account, placed after the restore (+0.5 s for orders in flight at the swap).
      const champSlot = await getSlot(h.db, championSlot);
      expect(champSlot?.applied).toMatchObject({
        version: champion,
        capitalFraction: 1,
        riskState: 'active',
      });
      const restoredAtMs = (champSlot?.applied?.atMs ?? 0) + 500;
      const fresh = await until(
        'the champion working orders after the rollback',
        async () => {
          const open = champAccount.openOrders('BTCUSDT').filter((o) => o.timeMs > restoredAtMs);
          return open.length > 0 && (await healthOf(champEngine.httpUrl)).workingOrders > 0
            ? open
            : undefined;
        },
        60_000,
        output,
      );
      expect(new Set(fresh.map((o) => o.origLots))).toEqual(new Set([100]));
      // Before: 100 lots at capital 1, ⌊100 · (1 − 0.5)⌋ = 50 lots during the step, then 100 again.
      const champLots = champAccount
        .allOrders()
        .filter((o) => o.symbol === 'BTCUSDT')
        .map((o) => o.origLots);
      expect(new Set(champLots)).toEqual(new Set([100, 50]));
      process.stderr.write(
        `e2e canary: ${Math.round((Date.now() - t0) / 1000)} s; sustained ${sustainedMs} ms; first breach → ` +
          `pulled ${pulledAtMs - firstBreachMs} ms; challenger orders ${challOrders.length}, ` +
          `fills ${challFills}; ${failure.message}\n`,
      );
    } finally {
      if (running)
        await h.client.workflow
          .getHandle(workflowId)
          .terminate('test ended')
          .catch(() => undefined);
      await tearDown(engines, sim);
    }
  }, 240_000);
});

/** Canary check period and breach window of test 2, ms. */
const CHECK_EVERY_MS = 1_000;
const BREACH_WINDOW_MS = 10_000;
/**
 * Slack of test 2's timing bounds, ms: the check's two activities (metrics of both slots), the child
 * rollback workflow's start, the challenger engine's apply and its cancels on the venue (the
 * promotion benchmark measures the last cancel well under 1 s), on a loaded 2-core machine.
 */
const SLACK_MS = 5_000;

/**
 * Margin of test 1, quote (USDT): the A/B compares net PnL per 3-s interval (15 s of market), the gate
 * over 4 min of market. Either arm's PnL is bounded by its largest inventory (champion 10 lots =
 * 0.01 BTC, challenger 30 lots = 0.03 BTC) times the price range (≈ 61.7k, a few hundred USDT at most)
 * plus fees and spread on what it trades: |difference| < 50 USDT, which the test checks (seen: gate
 * −10.2, deterministic; A/B mean −1.0 to −1.1 per interval, 95 % bootstrap lower bound ≈ −1.3 to −1.6:
 * the larger size pays more fees and adverse selection, so an honest test finds it slightly worse).
 * A margin of 1,000 therefore makes the decision `non-inferior` on every bootstrap draw (the lower
 * bound is at least the smallest difference, above −margin): the test checks the ladder, not the
 * model. The drawdown guardrail is set to the same bound (the yaml's 50 is meant for real sizes).
 */
const MARGIN_QUOTE = 1000;
