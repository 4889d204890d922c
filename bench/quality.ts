/**
 * Trading-quality benchmark (issue 15): does mmflow earn its spread on sessions it was not tuned on?
 *
 * Every backtestable depth session of the data directory is replayed with
 *  - V1-α with its defaults (bench/quality-sessions.ts `v1AlphaFor`),
 *  - the join-the-touch baseline (core/quoting/join-touch.ts),
 *  - the best fair-value model (core/quoting/fair-value.ts) a TPE study finds on the OTHER sessions
 *    (leave-one-session-out, bench/quality-study.ts): never tuned on the session it is scored on.
 * Per session and in total it prints fills, net PnL, gross bp (before fees), 1-s mark-out bp, fees bp,
 * RMS inventory / q_max and the cancel ratio, checks the issue's aims, trains once more on every session
 * (the in-sample parameters shipped as DEFAULT_FAIR_VALUE_BTCUSDT_USDM), and ends with one JSON line
 * keyed by session name with the baseline's and the best model's figures side by side.
 *
 * Run: `npm run bench:quality` (options: `--trials 100 --seed 20261207 --fee-tier-usdm mm3
 * --fee-tier-spot regular --fast-touch`). Data: env MMFLOW_DATA_DIR, default `<repo>/../shared/data`.
 * Fees: the USDⓈ-M market-maker rebate tier by default (the tier the aims are stated at), spot regular.
 */
import { parseArgs } from 'node:util';
import { dataDir } from '../app/paths.ts';
import type { Kpis } from '../core/metrics/kpis.ts';
import type { FairValueParams } from '../core/quoting/fair-value-params.ts';
import {
  baselineFor,
  fairValueFor,
  kpisOf,
  loadQualitySessions,
  v1AlphaFor,
  type QualitySession,
} from './quality-sessions.ts';
import { trainFairValue } from './quality-study.ts';

/** The figures printed per session and model. */
interface Figures {
  readonly fills: number;
  readonly netPnlQuote: number;
  readonly grossBp: number | null;
  readonly markout1sBp: number | null;
  readonly feesBp: number | null;
  readonly rmsInventoryRatio: number | null;
  readonly cancelRatio: number | null;
  /** For the totals (not printed per session). */
  readonly tradedNotionalQuote: number;
  readonly feesQuote: number;
  readonly quotes: number;
  readonly cancels: number;
}

function figures(k: Kpis): Figures {
  return {
    fills: k.fills,
    netPnlQuote: k.netPnlQuote,
    grossBp: k.grossBp,
    markout1sBp: k.markout1sBp,
    feesBp: k.feesBp,
    rmsInventoryRatio: k.rmsInventoryRatio,
    cancelRatio: k.cancelRatio,
    tradedNotionalQuote: k.tradedNotionalQuote,
    feesQuote: k.feesQuote,
    quotes: k.quotes,
    cancels: k.cancels,
  };
}

/** Totals over sessions: bp figures notional-weighted, RMS the mean of the sessions', cancels pooled. */
function total(
  rows: readonly Figures[],
): Omit<Figures, 'tradedNotionalQuote' | 'feesQuote' | 'quotes' | 'cancels'> {
  const notional = rows.reduce((a, r) => a + r.tradedNotionalQuote, 0);
  const bp = (quote: number): number | null => (notional > 0 ? (1e4 * quote) / notional : null);
  const weighted = (pick: (r: Figures) => number | null): number | null =>
    bp(rows.reduce((a, r) => a + ((pick(r) ?? 0) * r.tradedNotionalQuote) / 1e4, 0));
  const rms = rows.map((r) => r.rmsInventoryRatio).filter((x): x is number => x !== null);
  const quotes = rows.reduce((a, r) => a + r.quotes, 0);
  return {
    fills: rows.reduce((a, r) => a + r.fills, 0),
    netPnlQuote: rows.reduce((a, r) => a + r.netPnlQuote, 0),
    grossBp: bp(rows.reduce((a, r) => a + r.netPnlQuote + r.feesQuote, 0)),
    markout1sBp: weighted((r) => r.markout1sBp),
    feesBp: bp(rows.reduce((a, r) => a + r.feesQuote, 0)),
    rmsInventoryRatio: rms.length > 0 ? rms.reduce((a, x) => a + x, 0) / rms.length : null,
    cancelRatio: quotes > 0 ? rows.reduce((a, r) => a + r.cancels, 0) / quotes : null,
  };
}

const f = (x: number | null, d = 2): string => (x === null ? 'n/a' : x.toFixed(d));

function line(
  label: string,
  r: Omit<Figures, 'tradedNotionalQuote' | 'feesQuote' | 'quotes' | 'cancels'>,
): string {
  return (
    `  ${label.padEnd(22)} fills ${String(r.fills).padStart(5)}  net ${f(r.netPnlQuote, 4).padStart(9)}  ` +
    `gross ${f(r.grossBp).padStart(6)} bp  mark-out 1s ${f(r.markout1sBp).padStart(6)} bp  ` +
    `fees ${f(r.feesBp).padStart(6)} bp  RMS inv ${f(r.rmsInventoryRatio)}  cancel ${f(r.cancelRatio)}`
  );
}

function publicFigures(
  r: Figures,
): Omit<Figures, 'tradedNotionalQuote' | 'feesQuote' | 'quotes' | 'cancels'> {
  const { tradedNotionalQuote: _n, feesQuote: _f, quotes: _q, cancels: _c, ...rest } = r;
  return rest;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      trials: { type: 'string', default: '100' },
      seed: { type: 'string', default: '20261207' },
      'fee-tier-usdm': { type: 'string', default: 'mm3' },
      'fee-tier-spot': { type: 'string', default: 'regular' },
      'fast-touch': { type: 'boolean', default: false },
    },
  });
  const nTrials = Number(values.trials);
  const seed = Number(values.seed);
  if (!Number.isSafeInteger(nTrials) || nTrials < 1)
    throw new Error(`--trials must be an integer >= 1, got ${values.trials}`);
  if (!Number.isSafeInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}`);
  const tiers = { 'binance-usdm': values['fee-tier-usdm'], 'binance-spot': values['fee-tier-spot'] };
  const startedMs = Date.now();
  const fastTouch = values['fast-touch'];
  const { sessions, skipped } = await loadQualitySessions(dataDir(), tiers, fastTouch);
  process.stdout.write(
    `bench:quality: ${sessions.length} sessions, ${nTrials} trials per study, seed ${seed}, fee tiers ` +
      `usdm ${tiers['binance-usdm']} / spot ${tiers['binance-spot']}, latency 5 ms, ` +
      `touch from ${fastTouch ? 'bookTicker ahead of depth (--fast-touch)' : 'depth only'}\n`,
  );
  for (const s of skipped) process.stdout.write(`  skipped ${s.prefix}: ${s.reason}\n`);

  const rows: {
    s: QualitySession;
    v1: Figures;
    base: Figures;
    best: Figures;
    params: FairValueParams;
    feasible: boolean;
  }[] = [];
  for (const s of sessions) {
    const train = sessions.filter((o) => o !== s);
    const study = trainFairValue(train, nTrials, seed);
    const params = fairValueFor(s, study.params);
    rows.push({
      s,
      v1: figures(kpisOf(s, v1AlphaFor(s))),
      base: figures(kpisOf(s, baselineFor(s))),
      best: figures(kpisOf(s, params)),
      params,
      feasible: study.feasible,
    });
    const r = rows[rows.length - 1]!;
    process.stdout.write(
      `\n${s.prefix} (${s.instrument.feeTier ?? 'default'} tier, maker ${s.instrument.makerFeeBps} bp)\n`,
    );
    process.stdout.write(`${line('V1-α defaults', r.v1)}\n${line('baseline (join touch)', r.base)}\n`);
    process.stdout.write(`${line(`best, LOSO${study.feasible ? '' : ' (infeasible)'}`, r.best)}\n`);
    process.stdout.write(
      `  best params (trained on the ${train.length} others): ${JSON.stringify(study.params)}\n`,
    );
  }

  process.stdout.write('\nTotal\n');
  process.stdout.write(`${line('V1-α defaults', total(rows.map((r) => r.v1)))}\n`);
  process.stdout.write(`${line('baseline (join touch)', total(rows.map((r) => r.base)))}\n`);
  const bestTotal = total(rows.map((r) => r.best));
  process.stdout.write(`${line('best, LOSO', bestTotal)}\n`);

  const perps = rows.filter((r) => r.s.market === 'usdm');
  const aims = {
    grossBpTotalNonNegative: bestTotal.grossBp !== null && bestTotal.grossBp >= 0,
    markout1sBetterByHalfBpEverySession: rows.every(
      (r) =>
        r.best.markout1sBp !== null &&
        r.base.markout1sBp !== null &&
        r.best.markout1sBp - r.base.markout1sBp >= 0.5,
    ),
    perpSessionsNetPositive: `${perps.filter((r) => r.best.netPnlQuote > 0).length} of ${perps.length}`,
    rmsInventoryAtMost04: rows.every(
      (r) => r.best.rmsInventoryRatio !== null && r.best.rmsInventoryRatio <= 0.4,
    ),
    cancelRatioAtMost07: rows.every((r) => r.best.cancelRatio !== null && r.best.cancelRatio <= 0.7),
  };
  process.stdout.write(`\nAims: ${JSON.stringify(aims)}\n`);

  const allSessions = trainFairValue(sessions, nTrials, seed);
  process.stdout.write(
    `In-sample parameters (trained on all ${sessions.length} sessions, objective ${f(allSessions.value)} bp` +
      `${allSessions.feasible ? '' : ', infeasible'}): ${JSON.stringify(allSessions.params)}\n`,
  );
  process.stdout.write(`Elapsed ${((Date.now() - startedMs) / 1000).toFixed(0)} s\n`);

  const json: Record<string, unknown> = {};
  for (const r of rows) {
    json[r.s.prefix] = {
      baseline: publicFigures(r.base),
      best: publicFigures(r.best),
      v1Alpha: publicFigures(r.v1),
    };
  }
  json['total'] = {
    baseline: total(rows.map((r) => r.base)),
    best: bestTotal,
    v1Alpha: total(rows.map((r) => r.v1)),
  };
  json['aims'] = aims;
  process.stdout.write(`${JSON.stringify(json)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:quality: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
