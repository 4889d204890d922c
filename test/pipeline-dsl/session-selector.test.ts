// `latest:<duration>[:<market>_<SYMBOL>]` session selectors of the data-quality gate: parsing, the
// step schema (a lone selector or list entries; old prefix lists unchanged), and which sessions match.
import { describe, expect, it } from 'vitest';
import { resolveStepInput } from '../../pipeline-dsl/inputs.ts';
import { compilePipeline } from '../../pipeline-dsl/load.ts';
import { resolveParams } from '../../pipeline-dsl/params.ts';
import { dataQualityGateStepInputSchema } from '../../pipeline-dsl/retrain-steps.ts';
import {
  parseSessionSelector,
  selectLatestSessions,
  utcMinuteMs,
  type SelectableSession,
} from '../../pipeline-dsl/session-selector.ts';

const s = (market: 'spot' | 'usdm', symbol: string, lastUtc: string): SelectableSession => ({
  prefix: `binance-${market}_${symbol}_20240101T0000Z-${lastUtc}`,
  market,
  symbol,
  lastUtc,
});

describe('session selectors', () => {
  it('parses latest:<duration> with an optional instrument', () => {
    expect(parseSessionSelector('latest:7d')).toEqual({
      ok: true,
      selector: { withinMs: 7 * 86_400_000, market: undefined, symbol: undefined },
    });
    expect(parseSessionSelector('latest:36h:usdm_BTCUSDT')).toEqual({
      ok: true,
      selector: { withinMs: 36 * 3_600_000, market: 'usdm', symbol: 'BTCUSDT' },
    });
  });

  it('refuses malformed selectors with a message naming the form', () => {
    for (const bad of ['latest:', 'latest:7x', 'latest:0d', 'latest:7d:coin_BTC', 'latest:7d:usdm_btc']) {
      const r = parseSessionSelector(bad);
      expect(r.ok, bad).toBe(false);
      if (!r.ok) expect(r.message).toContain(bad);
    }
  });

  it('selects the sessions within the span of the newest one of the instrument, oldest first', () => {
    expect(utcMinuteMs('20240808T2354Z')).toBe(Date.UTC(2024, 7, 8, 23, 54));
    const all = [
      s('usdm', 'BTCUSDT', '20240808T1000Z'), // 7 d before the newest: in (the bound is inclusive)
      s('usdm', 'BTCUSDT', '20240815T1000Z'),
      s('usdm', 'BTCUSDT', '20240808T0959Z'), // 7 d 1 min before: out
      s('usdm', 'BTCUSDT', '20240812T0000Z'),
      s('spot', 'BTCUSDT', '20240901T0000Z'), // other instrument, newer: ignored by the filter
    ];
    const r = parseSessionSelector('latest:7d:usdm_BTCUSDT');
    if (!r.ok) throw new Error(r.message);
    expect(selectLatestSessions(all, r.selector).map((x) => x.lastUtc)).toEqual([
      '20240808T1000Z',
      '20240812T0000Z',
      '20240815T1000Z',
    ]);
    expect(selectLatestSessions(all, { ...r.selector, symbol: 'ETHUSDT' })).toEqual([]);
  });

  it('the gate step takes a lone selector, selectors in the list, and the old prefix lists', () => {
    const rules = { windowMs: 60_000, maxTradeGapMs: 3_000 };
    expect(dataQualityGateStepInputSchema.parse({ sessions: 'latest:7d', ...rules }).sessions).toEqual([
      'latest:7d',
    ]);
    const prefix = 'binance-usdm_BTCUSDT_20240718T2357Z-20240719T0005Z';
    expect(
      dataQualityGateStepInputSchema.parse({ sessions: [prefix, 'latest:1d:usdm_BTCUSDT'], ...rules })
        .sessions,
    ).toEqual([prefix, 'latest:1d:usdm_BTCUSDT']);
    const bad = dataQualityGateStepInputSchema.safeParse({ sessions: 'latest:7 days', ...rules });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toContain('invalid session selector "latest:7 days"');
    const notPrefix = dataQualityGateStepInputSchema.safeParse({ sessions: ['btc'], ...rules });
    expect(notPrefix.error?.issues[0]?.message).toContain('or a selector such as latest:7d');
  });

  it('a pipeline takes the selector literally or from a parameter, and reports a bad one at its line', () => {
    const text = (sessions: string): string => `apiVersion: mmflow/v1
kind: Pipeline
metadata: { name: p }
params:
  sessions: { type: 'string[]', default: ['latest:7d:usdm_BTCUSDT'] }
steps:
  - id: quality
    uses: data-quality-gate
    with:
      sessions: ${sessions}
      windowMs: 60000
      maxTradeGapMs: 3000
`;
    for (const [sessions, expected] of [
      ['latest:7d:usdm_BTCUSDT', ['latest:7d:usdm_BTCUSDT']],
      ['${{ params.sessions }}', ['latest:7d:usdm_BTCUSDT']],
    ] as const) {
      const plan = compilePipeline('p.yaml', text(sessions));
      const [step] = plan.steps;
      if (step === undefined) throw new Error('no step');
      const resolved = resolveStepInput(step, { params: resolveParams(plan.params), steps: {} });
      expect(resolved.uses === 'data-quality-gate' && resolved.input.sessions).toEqual(expected);
    }
    expect(() => compilePipeline('p.yaml', text('latest:week'))).toThrow(
      /p\.yaml:10:17: steps\[0\]\.with\.sessions(\[0\])?: session selector "latest:week": invalid duration/,
    );
  });
});
