import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../core/errors.ts';
import { getInstrument, instrumentForSession, loadInstruments } from '../../venues/instruments.ts';

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
  makerFeeBps: 10,
  takerFeeBps: 10,
};

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
    expect(failure(fileWith({ instruments: [good] })).message).toMatch(/field "source"/);
  });

  it('malformed or zero step, unknown venue, duplicate', () => {
    expect(
      failure(
        fileWith({ source: 's', instruments: [good, { ...good, symbol: 'ETHUSDT', tickSize: '1e-2' }] }),
      ).message,
    ).toMatch(/field "instruments\[1\]\.tickSize"/);
    expect(failure(fileWith({ source: 's', instruments: [{ ...good, lotSize: '0.000' }] })).message).toMatch(
      /field "instruments\[0\]\.lotSize".*is zero/,
    );
    expect(failure(fileWith({ source: 's', instruments: [{ ...good, venue: 'kraken' }] })).message).toMatch(
      /instruments\[0\]\.venue/,
    );
    expect(failure(fileWith({ source: 's', instruments: [good, good] })).message).toMatch(
      /duplicate instrument binance-spot BTCUSDT/,
    );
  });
});
