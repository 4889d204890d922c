import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../core/errors.ts';
import {
  getInstrument,
  instrumentAtFeeTier,
  instrumentForSession,
  loadInstrumentRegistry,
  loadInstruments,
} from '../../venues/instruments.ts';

const dir = mkdtempSync(join(tmpdir(), 'mmflow-instruments-'));
function fileWith(content: unknown): string {
  const p = join(dir, `i${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}
const good = {
  venue: 'binance-spot',
  symbol: 'BTCUSDT',
  tickSize: '0.01',
  lotSize: '0.00001',
};
const spotSchedule = {
  source: 's',
  asOf: '2026-12-07',
  defaultTier: 'regular',
  tiers: [
    { name: 'regular', makerFeeBps: 10, takerFeeBps: 10 },
    { name: 'vip9', makerFeeBps: 1.2, takerFeeBps: 2.4 },
  ],
};
/** A valid file with `instruments`, and `schedule` as the spot schedule. */
const fileOf = (instruments: unknown[], schedule: unknown = spotSchedule) => ({
  source: 's',
  feeSchedules: { 'binance-spot': schedule },
  instruments,
});

describe('config/instruments.json', () => {
  it('holds the four Binance instruments with the documented tick, lot and fees', () => {
    const rows = loadInstruments().map((i) => [
      i.venue,
      i.symbol,
      i.tickSize,
      i.lotSize,
      i.makerFeeBps,
      i.takerFeeBps,
    ]);
    expect(rows).toEqual([
      ['binance-spot', 'BTCUSDT', '0.01', '0.00001', 10, 10],
      ['binance-spot', 'ETHUSDT', '0.01', '0.0001', 10, 10],
      ['binance-usdm', 'BTCUSDT', '0.1', '0.001', 2, 5],
      ['binance-usdm', 'ETHUSDT', '0.01', '0.001', 2, 5],
    ]);
  });

  it('getInstrument finds by venue and symbol, and lists the known ones otherwise', () => {
    expect(getInstrument('binance-usdm', 'ETHUSDT').tickSize).toBe('0.01');
    expect(() => getInstrument('binance-spot', 'DOGEUSDT')).toThrow(
      'unknown instrument binance-spot DOGEUSDT; known: binance-spot BTCUSDT, binance-spot ETHUSDT, binance-usdm BTCUSDT, binance-usdm ETHUSDT',
    );
  });

  it('instrumentForSession maps market + symbol', () => {
    expect(instrumentForSession({ market: 'usdm', symbol: 'BTCUSDT' }).lotSize).toBe('0.001');
    expect(instrumentForSession({ market: 'spot', symbol: 'BTCUSDT' })).toBe(
      getInstrument('binance-spot', 'BTCUSDT'),
    );
  });
});

describe('loadInstruments failures name the file and the field', () => {
  const failure = (path: string): PermanentError => {
    try {
      loadInstruments(path);
    } catch (err) {
      if (err instanceof PermanentError) return err;
      throw err;
    }
    throw new Error('expected failure');
  };

  it('bad JSON', () => {
    const p = fileWith('{ nope');
    expect(failure(p).message).toContain(`${p}: field "(root)": cannot read as JSON`);
  });

  it('missing source note', () => {
    expect(failure(fileWith({ feeSchedules: {}, instruments: [good] })).message).toMatch(/field "source"/);
  });

  it('malformed or zero step, unknown venue, duplicate', () => {
    expect(
      failure(fileWith(fileOf([good, { ...good, symbol: 'ETHUSDT', tickSize: '1e-2' }]))).message,
    ).toMatch(/field "instruments\[1\]\.tickSize"/);
    expect(failure(fileWith(fileOf([{ ...good, lotSize: '0.000' }]))).message).toMatch(
      /field "instruments\[0\]\.lotSize".*is zero/,
    );
    expect(failure(fileWith(fileOf([{ ...good, venue: 'kraken' }]))).message).toMatch(
      /instruments\[0\]\.venue/,
    );
    expect(failure(fileWith(fileOf([good, good]))).message).toMatch(
      /duplicate instrument binance-spot BTCUSDT/,
    );
  });
});

describe('fee schedules', () => {
  it('hold regular, VIP 1-9 and the market-maker tiers of each venue, with a source and an as-of date', () => {
    const { feeSchedules } = loadInstrumentRegistry();
    const table = (venue: 'binance-spot' | 'binance-usdm') =>
      feeSchedules.get(venue)?.tiers.map((t) => [t.name, t.makerFeeBps, t.takerFeeBps]);
    // Binance's published rates in %, ×100 = bps (config/instruments.json source notes).
    expect(table('binance-spot')).toEqual([
      ['regular', 10, 10],
      ['vip1', 9, 10],
      ['vip2', 8, 10],
      ['vip3', 4.2, 6],
      ['vip4', 4.2, 5.4],
      ['vip5', 3.6, 4.8],
      ['vip6', 3, 4.2],
      ['vip7', 2.4, 3.6],
      ['vip8', 1.8, 3],
      ['vip9', 1.2, 2.4],
      ['mm1', 0, 10],
      ['mm4', -0.8, 10],
    ]);
    expect(table('binance-usdm')).toEqual([
      ['regular', 2, 5],
      ['vip1', 1.6, 4],
      ['vip2', 1.4, 3.5],
      ['vip3', 1.2, 3.2],
      ['vip4', 1, 3],
      ['vip5', 0.8, 2.7],
      ['vip6', 0.6, 2.5],
      ['vip7', 0.4, 2.2],
      ['vip8', 0.2, 2],
      ['vip9', 0, 1.7],
      ['mm1', -0.3, 5],
      ['mm2', -0.4, 5],
      ['mm3', -0.5, 5],
    ]);
    for (const s of feeSchedules.values()) {
      expect(s.defaultTier).toBe('regular');
      expect(s.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(s.source).toMatch(/could NOT be confirmed/);
    }
    expect(loadInstruments().every((i) => i.feeTier === 'regular')).toBe(true);
  });

  it('instrumentAtFeeTier gives the same tick/lot at the tier fees; the same object when already at it', () => {
    const perp = getInstrument('binance-usdm', 'BTCUSDT');
    const mm3 = instrumentAtFeeTier(perp, 'mm3');
    expect(mm3).toEqual({ ...perp, makerFeeBps: -0.5, takerFeeBps: 5, feeTier: 'mm3' });
    expect(Object.isFrozen(mm3)).toBe(true);
    expect(instrumentAtFeeTier(perp, 'mm3')).toBe(mm3);
    expect(instrumentAtFeeTier(perp, 'regular')).toBe(perp);
    expect(instrumentAtFeeTier(mm3, 'vip9')).toEqual({
      ...perp,
      makerFeeBps: 0,
      takerFeeBps: 1.7,
      feeTier: 'vip9',
    });
  });

  it('an unknown tier is a PermanentError UNKNOWN_FEE_TIER listing the venue tiers', () => {
    const spot = getInstrument('binance-spot', 'BTCUSDT');
    let err: unknown;
    try {
      instrumentAtFeeTier(spot, 'mm3');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PermanentError);
    expect(err).toMatchObject({
      code: 'UNKNOWN_FEE_TIER',
      retryable: false,
      message:
        'unknown fee tier "mm3" of binance-spot; known: regular, vip1, vip2, vip3, vip4, vip5, vip6, vip7, vip8, vip9, mm1, mm4',
    });
  });

  it('resolves against the registry it is given', () => {
    const registry = loadInstrumentRegistry(fileWith(fileOf([good])));
    const [ins] = registry.instruments;
    if (ins === undefined) throw new Error('no instrument');
    expect([ins.makerFeeBps, ins.takerFeeBps, ins.feeTier]).toEqual([10, 10, 'regular']);
    expect(instrumentAtFeeTier(ins, 'vip9', registry)).toMatchObject({ makerFeeBps: 1.2, feeTier: 'vip9' });
    expect(() => instrumentAtFeeTier(ins, 'vip1', registry)).toThrow('known: regular, vip9');
  });
});

describe('fee schedule failures name the file and the field', () => {
  const message = (content: unknown): string => {
    const p = fileWith(content);
    try {
      loadInstrumentRegistry(p);
    } catch (err) {
      if (err instanceof PermanentError && err.code === 'INSTRUMENTS_FILE')
        return err.message.replace(p, 'F');
      throw err;
    }
    throw new Error('expected failure');
  };
  const tier = (name: string, makerFeeBps: unknown) => ({ name, makerFeeBps, takerFeeBps: 10 });

  it('a bad rate, name or date', () => {
    expect(message(fileOf([good], { ...spotSchedule, tiers: [tier('regular', '10')] }))).toMatch(
      /^F: field "feeSchedules\.binance-spot\.tiers\[0\]\.makerFeeBps": /,
    );
    expect(message(fileOf([good], { ...spotSchedule, tiers: [tier('regular', -101)] }))).toMatch(
      /^F: field "feeSchedules\.binance-spot\.tiers\[0\]\.makerFeeBps": /,
    );
    expect(message(fileOf([good], { ...spotSchedule, tiers: [tier('VIP 1', 9)] }))).toMatch(
      /^F: field "feeSchedules\.binance-spot\.tiers\[0\]\.name": expected a lower-case tier name/,
    );
    expect(message(fileOf([good], { ...spotSchedule, asOf: 'Dec 2026' }))).toMatch(
      /^F: field "feeSchedules\.binance-spot\.asOf": expected the date/,
    );
    expect(message(fileOf([good], { ...spotSchedule, source: undefined }))).toMatch(
      /^F: field "feeSchedules\.binance-spot\.source"/,
    );
  });

  it('a duplicate tier, a default that is not a tier, a venue without schedule', () => {
    const tiers = [tier('regular', 10), tier('vip1', 9), tier('vip1', 8)];
    expect(message(fileOf([good], { ...spotSchedule, tiers }))).toBe(
      'F: field "feeSchedules.binance-spot.tiers[2].name": duplicate fee tier "vip1"',
    );
    expect(message(fileOf([good], { ...spotSchedule, defaultTier: 'vip0' }))).toBe(
      'F: field "feeSchedules.binance-spot.defaultTier": "vip0" is not a tier; known: regular, vip9',
    );
    expect(message(fileOf([good, { ...good, venue: 'binance-usdm' }]))).toBe(
      'F: field "instruments[1].venue": no fee schedule for binance-usdm in feeSchedules',
    );
  });

  it('fees left on an instrument (the old layout), an unknown venue schedule', () => {
    expect(message(fileOf([{ ...good, makerFeeBps: 10 }]))).toBe(
      'F: field "instruments[0].makerFeeBps": unknown field: an instrument has no fees of its own, they come from feeSchedules.<venue>',
    );
    expect(message({ ...fileOf([good]), feeSchedules: { kraken: spotSchedule } })).toBe(
      'F: field "feeSchedules.kraken": unknown field',
    );
  });
});
