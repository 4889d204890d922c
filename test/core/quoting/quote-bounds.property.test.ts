/**
 * Property: over the parameter space the weekly retraining searches (pipelines/retrain-weekly.yaml,
 * `study` step, `space` — compiled with the pipeline compiler at test time, so the test follows the
 * shipped file), replaying real windows of the recorded USDⓈ-M sessions, every model (V1.5, and V1-α
 * on the keys of the space it has) never throws and never reports an invariant violation, and at every
 * decision each side is either a positive safe integer tick that does not cross the book (bid < best
 * ask, ask > best bid) and lies within the cap, or absent with a reason (docs/adr/0010-quote-bounds.md).
 *
 * Parameter sets: each numeric parameter is one of its bounds with probability 1/2 (low or high), else
 * drawn inside (log-uniformly when the space says `log`); the cap `maxHalfSpreadBps` is absent (the
 * 50-bp default), at its schema's bounds (≈ 0, 1,000) or inside. Each set is replayed over every window.
 * Regression cases kept below: the trial of the issue (window [1723161420000000, 1723161600000000) of
 * binance-usdm_BTCUSDT_20240808T2354Z-20240809T0000Z, γ at the space's top, a large κ_vol, widening),
 * which threw `RangeError: AsV15Quoter: computed quote is not a positive integer tick: −717667`.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { dataDir } from '../../../app/paths.ts';
import { listSessions, loadSessionEvents } from '../../../venues/binance/recorded.ts';
import { instrumentForSession } from '../../../venues/instruments.ts';
import { loadPipelineFile } from '../../../pipeline-dsl/load.ts';
import { isActive, parseSearchSpace, type ParamSpec, type ParamValue } from '../../../core/search/space.ts';
import { trialModelParams } from '../../../core/validation/objective.ts';
import { runBacktest } from '../../../core/backtest/backtester.ts';
import { ReplaySession, type ReplayWindow } from '../../../core/backtest/replay.ts';
import type { Instrument } from '../../../core/instrument.ts';
import type { MarketEvent, MarketKind } from '../../../core/market-events.ts';
import type { EngineCounters } from '../../../core/engine/quoting-engine.ts';
import type { QuoteLeg, QuoteReason } from '../../../core/quoting/intent.ts';
import {
  DEFAULT_AS_V15_BTCUSDT_USDM,
  DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT,
  type AsV1AlphaParams,
  type ModelParams,
} from '../../../core/quoting/model-params.ts';
import {
  DEFAULT_MAX_HALF_SPREAD_BPS,
  MAX_HALF_SPREAD_BPS_LIMIT,
  isQuoted,
  maxHalfSpreadTicks,
} from '../../../core/quoting/quote-bounds.ts';

const PIPELINE = fileURLToPath(new URL('../../../pipelines/retrain-weekly.yaml', import.meta.url));
const FAILING_SESSION = 'binance-usdm_BTCUSDT_20240808T2354Z-20240809T0000Z';
const FAILING_WINDOW: ReplayWindow = { startUs: 1_723_161_420_000_000, endUs: 1_723_161_600_000_000 };

/** The failing window (3 min) and one minute of each other USDⓈ-M BTCUSDT session the pipeline gates. */
const WINDOWS: readonly { readonly session: string; readonly window: ReplayWindow }[] = [
  { session: FAILING_SESSION, window: FAILING_WINDOW },
  {
    session: 'binance-usdm_BTCUSDT_20230404T2358Z-20230405T0007Z',
    window: { startUs: 1_680_652_920_000_000, endUs: 1_680_652_980_000_000 },
  },
  {
    session: 'binance-usdm_BTCUSDT_20240718T2357Z-20240719T0005Z',
    window: { startUs: 1_721_347_260_000_000, endUs: 1_721_347_320_000_000 },
  },
];

/** V1-α in the USDⓈ-M units of DEFAULT_AS_V15_BTCUSDT_USDM (γ, k, one-lot quotes, q_max 10 lots). */
const V1A_USDM: AsV1AlphaParams = {
  ...DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT,
  gamma: DEFAULT_AS_V15_BTCUSDT_USDM.gamma,
  kPerTick: DEFAULT_AS_V15_BTCUSDT_USDM.kPerTick,
  quoteSizeLots: DEFAULT_AS_V15_BTCUSDT_USDM.quoteSizeLots,
  maxInventoryLots: DEFAULT_AS_V15_BTCUSDT_USDM.maxInventoryLots,
};

interface LoadedSession {
  readonly instrument: Instrument;
  readonly market: MarketKind;
  readonly events: readonly MarketEvent[];
}

/** One value of `spec`: a bound with probability 1/2, else inside (log-uniform when `log`). */
function valueOf(spec: ParamSpec): fc.Arbitrary<ParamValue> {
  if (spec.type === 'categorical') return fc.constantFrom(...spec.choices);
  const { low, high } = spec;
  const step = spec.step;
  let inside: fc.Arbitrary<number>;
  if (step !== undefined) {
    inside = fc.integer({ min: 0, max: Math.round((high - low) / step) }).map((k) => low + k * step);
  } else if (spec.type === 'int') {
    inside = fc.integer({ min: low, max: high });
  } else if (spec.log === true) {
    inside = fc
      .double({ min: Math.log(low), max: Math.log(high), noNaN: true })
      .map((x) => Math.min(high, Math.max(low, Math.exp(x))));
  } else {
    inside = fc.double({ min: low, max: high, noNaN: true });
  }
  return fc.oneof(
    { arbitrary: fc.constant(low), weight: 1 },
    { arbitrary: fc.constant(high), weight: 1 },
    { arbitrary: inside, weight: 2 },
  );
}

/** The cap: absent (default), at the schema's bounds, or inside. */
const capArb: fc.Arbitrary<number | undefined> = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 2 },
  { arbitrary: fc.constant(1e-6), weight: 1 },
  { arbitrary: fc.constant(MAX_HALF_SPREAD_BPS_LIMIT), weight: 1 },
  { arbitrary: fc.double({ min: 1e-6, max: MAX_HALF_SPREAD_BPS_LIMIT, noNaN: true }), weight: 1 },
);

/** Trial parameters over the keys of `space` that `base` has (declaration order; `when` honoured). */
/** The A&S kinds: the ones with a spread floor `minSpreadTicks` that the cap must not undercut. */
type AsParams = Extract<ModelParams, { readonly minSpreadTicks: number }>;

function paramsArb(space: Readonly<Record<string, ParamSpec>>, base: AsParams): fc.Arbitrary<AsParams> {
  const keys = Object.keys(space).filter((k) => Object.hasOwn(base, k));
  const record: Record<string, fc.Arbitrary<ParamValue>> = {};
  for (const k of keys) record[k] = valueOf(space[k]!);
  return fc.tuple(fc.record(record), capArb).map(([drawn, cap]) => {
    const trial: Record<string, ParamValue> = {};
    for (const k of keys) if (isActive(space[k]!, trial)) trial[k] = drawn[k]!;
    // As the study builds a trial's params (workflows/study.ts), so the schema is the study's.
    const built = trialModelParams(base, trial, 'property trial');
    if (!built.ok) throw new Error(built.error);
    if (built.params.model !== base.model || !('minSpreadTicks' in built.params)) {
      throw new Error(`trial params changed kind: ${built.params.model}`);
    }
    return cap === undefined ? built.params : { ...built.params, maxHalfSpreadBps: cap };
  });
}

interface Checked {
  readonly problems: readonly string[];
  readonly counters: EngineCounters;
  readonly decisions: number;
}

/**
 * Replays `window` of `s` with `params` (the backtester's loop, split around the engine as its
 * benchmark does) and checks the intent of every decision against the book it was decided on.
 */
function replayChecked(s: LoadedSession, params: AsParams, window: ReplayWindow): Checked {
  const replay = new ReplaySession({
    instrument: s.instrument,
    market: s.market,
    params,
    entryLatencyUs: 5_000,
    cancelLatencyUs: 5_000,
    recordFills: false,
    window,
  });
  const engine = replay.engine;
  const capBps = params.maxHalfSpreadBps ?? DEFAULT_MAX_HALF_SPREAD_BPS;
  const problems: string[] = [];
  let decisions = 0;
  const check = (side: 'bid' | 'ask', leg: QuoteLeg | undefined, reason: QuoteReason, at: number): void => {
    const book = engine.book;
    const bestBid = book.bestBidTicks();
    const bestAsk = book.bestAskTicks();
    const mid = book.midTicks();
    if (leg === undefined) {
      if (isQuoted(reason)) problems.push(`${at}: ${side} absent with reason ${reason}`);
      return;
    }
    const p = leg.priceTicks;
    const crosses =
      side === 'bid' ? bestAsk !== undefined && p >= bestAsk : bestBid !== undefined && p <= bestBid;
    const cap = mid === undefined ? Infinity : maxHalfSpreadTicks(mid, capBps, params.minSpreadTicks);
    const beyondCap = mid !== undefined && (side === 'bid' ? p < mid - cap - 1e-9 : p > mid + cap + 1e-9);
    // Post-only may move a side past a cap narrower than half the touch; the cap binds otherwise.
    const postOnly = side === 'bid' ? p === (bestAsk ?? NaN) - 1 : p === (bestBid ?? NaN) + 1;
    if (!Number.isSafeInteger(p) || p <= 0) problems.push(`${at}: ${side} ${p} is not a positive tick`);
    else if (crosses) problems.push(`${at}: ${side} ${p} crosses the book ${bestBid}/${bestAsk}`);
    else if (beyondCap && !postOnly) problems.push(`${at}: ${side} ${p} beyond the cap ${cap} of mid ${mid}`);
    if (!isQuoted(reason)) problems.push(`${at}: ${side} quoted with reason ${reason}`);
  };
  for (const ev of s.events) {
    if (!replay.beforeEngine(ev)) break;
    const before = engine.counters.decisions;
    engine.onMarketEvent(ev);
    if (engine.counters.decisions > before) {
      decisions++;
      const intent = engine.lastIntent!;
      check('bid', intent.bid, intent.bidReason, intent.decidedAtUs);
      check('ask', intent.ask, intent.askReason, intent.decidedAtUs);
    }
    replay.afterEngine(ev);
  }
  return { problems: problems.slice(0, 5), counters: { ...engine.counters }, decisions };
}

describe('quote bounds over the retrain-weekly search space, on real USDⓈ-M windows (property)', () => {
  const sessions = new Map<string, LoadedSession>();
  let space: Readonly<Record<string, ParamSpec>> = {};

  beforeAll(async () => {
    const plan = await loadPipelineFile(PIPELINE);
    const study = plan.steps.find((s) => s.uses === 'study');
    if (study === undefined) throw new Error(`${PIPELINE}: no study step`);
    const w = study.with as { readonly space?: unknown };
    space = parseSearchSpace(w.space, `${PIPELINE} steps.${study.id}.with.space`);
    const all = listSessions(dataDir());
    for (const { session } of WINDOWS) {
      if (sessions.has(session)) continue;
      const rec = all.find((x) => x.prefix === session);
      if (rec === undefined) throw new Error(`session ${session} not found in ${dataDir()}`);
      const instrument = instrumentForSession(rec);
      sessions.set(session, {
        instrument,
        market: rec.market,
        events: await loadSessionEvents(rec, instrument),
      });
    }
  });

  const runAll = (params: AsParams): void => {
    for (const { session, window } of WINDOWS) {
      const r = replayChecked(sessions.get(session)!, params, window);
      expect(r.problems, `${session} ${JSON.stringify(params)}`).toEqual([]);
      expect(r.counters.invariantViolations).toBe(0);
      expect(r.decisions).toBeGreaterThan(0);
    }
  };

  it('reads a non-empty space from the shipped pipeline, with γ, κ_vol among its keys', () => {
    expect(Object.keys(space)).toEqual(expect.arrayContaining(['gamma', 'kappaVolSqrtSec', 'horizonSec']));
  });

  it('V1.5: 25 parameter sets × 3 windows never throw; every side is a bounded tick or absent with a reason', () => {
    fc.assert(
      fc.property(paramsArb(space, DEFAULT_AS_V15_BTCUSDT_USDM), (params) => runAll(params)),
      { numRuns: 25, seed: 20_261_123 },
    );
  });

  it('V1-α (the keys of the space it has): 20 parameter sets × 3 windows, same property', () => {
    fc.assert(
      fc.property(paramsArb(space, V1A_USDM), (params) => runAll(params)),
      {
        numRuns: 20,
        seed: 20_261_124,
      },
    );
  });

  // Regression: the trial (γ at the space's top makes γσ²τ ≈ 10⁵–10⁶ ticks: the bid went to
  // −717,667 ticks and the quoter threw). Now capped at 50 bp of the mid, and the backtest completes.
  it.each([
    [
      'γ and τ at the top of the space, κ_vol at its top, widening ×1.5',
      { gamma: 0.1, horizonSec: 300, kappaVolSqrtSec: 0.1 },
    ],
    ['a large κ_vol (1,000 √s, beyond the space) with the widening', { kappaVolSqrtSec: 1_000 }],
    ['γ high, κ_inv at its top, inventory skew', { gamma: 0.01, kappaInvTicks: 3, horizonSec: 30 }],
  ])('the failing trial window: %s', (_label, over) => {
    const params: ModelParams = { ...DEFAULT_AS_V15_BTCUSDT_USDM, ...over };
    expect(params.wideningFactor).toBe(1.5);
    const s = sessions.get(FAILING_SESSION)!;
    const r = replayChecked(s, params, FAILING_WINDOW);
    expect(r.problems).toEqual([]);
    expect(r.counters.invariantViolations).toBe(0);
    expect(r.counters.sidesCapped).toBeGreaterThan(0); // the cap is what keeps these quotes meaningful
    const report = runBacktest(s.events, {
      instrument: s.instrument,
      market: s.market,
      params,
      entryLatencyUs: 5_000,
      cancelLatencyUs: 5_000,
      recordFills: false,
      window: FAILING_WINDOW,
    });
    expect(report.counters.invariantViolations).toBe(0);
    expect(Number.isFinite(report.kpis.netPnlQuote)).toBe(true);
  });
});
