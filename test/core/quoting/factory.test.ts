import { describe, it, expect } from 'vitest';
import { createQuoter } from '../../../core/quoting/factory.ts';
import { AsV1AlphaQuoter } from '../../../core/quoting/v1-alpha.ts';
import { AsV15Quoter } from '../../../core/quoting/v1-5.ts';
import {
  alphaParamsOf,
  DEFAULT_AS_V15_BTCUSDT_SPOT,
  DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT,
  parseModelParams,
} from '../../../core/quoting/model-params.ts';
import { engineParamsFor } from '../../../core/engine/engine-params.ts';

const ALPHA = {
  artifactPath: 'models/alpha-2024-08-09.onnx',
  sha256: '0123456789abcdef'.repeat(4),
  maxShiftTicks: 1.5,
  weight: 0.8,
  intervalMs: 500,
  horizonMs: 2000,
};

describe('createQuoter: the model version says which model', () => {
  it('builds V1-α for as-v1-alpha and V1.5 for as-v1.5 (from parsed, stored params)', () => {
    const v1 = createQuoter(parseModelParams({ ...DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT }, 'row 1'));
    const v15 = createQuoter(parseModelParams({ ...DEFAULT_AS_V15_BTCUSDT_SPOT }, 'row 2'));
    expect(v1).toBeInstanceOf(AsV1AlphaQuoter);
    expect(v15).toBeInstanceOf(AsV15Quoter);
    expect(v15.readsDepthImbalance).toBe(true);
  });

  it('derives the engine settings from either model', () => {
    expect(engineParamsFor(DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT)).toBe(DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT);
    expect(engineParamsFor(DEFAULT_AS_V15_BTCUSDT_SPOT)).toEqual({
      volObservations: 100,
      volSampleIntervalMs: 100,
      ofiWindowMs: 1000,
      diLevels: 5,
      maxInventoryLots: 500,
      volLongObservations: 600,
    });
    expect(engineParamsFor({ ...DEFAULT_AS_V15_BTCUSDT_SPOT, alpha: ALPHA })).toMatchObject({
      alphaIntervalMs: 500,
      alphaHorizonMs: 2000,
    });
  });
});

describe('parseModelParams for as-v1.5', () => {
  it('accepts the defaults, with and without an alpha block', () => {
    expect(parseModelParams({ ...DEFAULT_AS_V15_BTCUSDT_SPOT }, 'defaults')).toEqual(
      DEFAULT_AS_V15_BTCUSDT_SPOT,
    );
    const withAlpha = parseModelParams({ ...DEFAULT_AS_V15_BTCUSDT_SPOT, alpha: ALPHA }, 'x');
    expect(alphaParamsOf(withAlpha)).toEqual(ALPHA);
    expect(alphaParamsOf(DEFAULT_AS_V15_BTCUSDT_SPOT)).toBeUndefined();
    expect(alphaParamsOf(DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT)).toBeUndefined();
  });

  it('names each bad field, including inside the alpha block', () => {
    const bad = {
      ...DEFAULT_AS_V15_BTCUSDT_SPOT,
      minSpreadTicks: 1,
      wideningRatio: 1,
      kappaInvTicks: -0.1,
      alpha: { ...ALPHA, sha256: 'ABC', maxShiftTicks: 4, intervalMs: 250 },
    };
    expect(() => parseModelParams(bad, 'pipelines/retrain-weekly.yaml:40')).toThrow(
      /^pipelines\/retrain-weekly\.yaml:40: invalid model params: .*kappaInvTicks.*minSpreadTicks.*wideningRatio.*alpha\.sha256.*alpha\.maxShiftTicks.*alpha\.intervalMs/,
    );
    expect(() => parseModelParams({ ...DEFAULT_AS_V15_BTCUSDT_SPOT, betaDi: 1 }, 'x')).toThrow(/betaDi/);
    expect(() =>
      parseModelParams({ ...DEFAULT_AS_V15_BTCUSDT_SPOT, alpha: { ...ALPHA, extra: 1 } }, 'x'),
    ).toThrow(/extra/);
    const { maxQuoteAgeMs: _dropped, ...missing } = DEFAULT_AS_V15_BTCUSDT_SPOT;
    expect(() => parseModelParams(missing, 'x')).toThrow(/maxQuoteAgeMs/);
  });
});
