import { describe, it, expect } from 'vitest';
import {
  DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT,
  ModelParamsError,
  parseModelParams,
} from '../../../core/quoting/model-params.ts';

describe('parseModelParams', () => {
  it('accepts the BTCUSDT spot defaults', () => {
    expect(parseModelParams({ ...DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT }, 'defaults')).toEqual(
      DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT,
    );
  });

  it('names the source and the field path on a bad value', () => {
    const bad = { ...DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT, gamma: -1, quoteSizeLots: 1.5 };
    let caught: unknown;
    try {
      parseModelParams(bad, 'pipelines/bt.yaml:12 quoting.params');
    } catch (err) {
      caught = err;
    }
    if (!(caught instanceof ModelParamsError)) throw new Error('expected a ModelParamsError');
    const error = caught;
    expect(error.where).toBe('pipelines/bt.yaml:12 quoting.params');
    expect(error.issues.map((line) => line.split(':')[0])).toEqual(['gamma', 'quoteSizeLots']);
    expect(error.message.startsWith('pipelines/bt.yaml:12 quoting.params: invalid model params')).toBe(true);
  });

  it('rejects unknown keys, missing fields, unknown models and non-objects', () => {
    expect(() => parseModelParams({ ...DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT, gama: 1 }, 'x')).toThrow(
      /\(root\): .*gama/,
    );
    const { kPerTick: _dropped, ...missing } = DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT;
    expect(() => parseModelParams(missing, 'x')).toThrow(/kPerTick/);
    expect(() => parseModelParams({ ...DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT, model: 'as-v9' }, 'x')).toThrow(
      /model/,
    );
    expect(() => parseModelParams(null, 'cfg.json')).toThrow(/^cfg\.json: /);
  });
});
