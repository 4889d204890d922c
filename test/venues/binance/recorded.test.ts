import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../core/errors.ts';
import type { MarketEvent, Trade } from '../../../core/market-events.ts';
import {
  listSessions,
  loadSessionEvents,
  mergeArraysByRecvTime,
  mergeByRecvTime,
  readRecordedFile,
} from '../../../venues/binance/recorded.ts';
import { readTradeRows } from '../../../venues/binance/trades-file.ts';
import { getInstrument, instrumentForSession } from '../../../venues/instruments.ts';
import { DATA_DIR, dataPath, SPOT_2023_NOSNAP, SPOT_2024, USDM_BTC_2023 } from './data.ts';

const tmp = mkdtempSync(join(tmpdir(), 'mmflow-recorded-'));
const spotBtc = getInstrument('binance-spot', 'BTCUSDT');

function trade(id: number, recvTimeUs: number): Trade {
  return {
    kind: 'trade',
    tradeId: id,
    priceTicks: 1,
    sizeLots: 1,
    aggressor: 'buy',
    exchTimeMs: 0,
    recvTimeUs,
  };
}
async function* from(events: MarketEvent[]): AsyncGenerator<MarketEvent> {
  yield* events;
}
async function collect(it: AsyncIterable<MarketEvent>): Promise<MarketEvent[]> {
  const out: MarketEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}
const ids = (events: MarketEvent[]): number[] => events.map((e) => (e.kind === 'trade' ? e.tradeId : -1));

describe('listSessions', () => {
  it('finds the six recorded sessions with their files and kinds', () => {
    const sessions = listSessions(DATA_DIR);
    expect(sessions.map((s) => [s.market, s.symbol, s.hasSnapshot])).toEqual([
      ['spot', 'BTCUSDT', false],
      ['spot', 'BTCUSDT', true],
      ['usdm', 'BTCUSDT', true],
      ['usdm', 'BTCUSDT', true],
      ['usdm', 'BTCUSDT', true],
      ['usdm', 'ETHUSDT', true],
    ]);
    const spot = sessions.find((s) => s.prefix === SPOT_2024)!;
    expect(spot.depthPath).toBe(dataPath(`depth/${SPOT_2024}.depth.jsonl.gz`));
    expect(spot.tradesPath).toBe(dataPath(`trades/${SPOT_2024}.trades.jsonl.gz`));
    expect(spot.bookTickerPath).toBe(dataPath(`bookticker/${SPOT_2024}.bookTicker.jsonl.gz`));
    expect([spot.firstUtc, spot.lastUtc]).toEqual(['20240808T2354Z', '20240809T0005Z']);
    expect(sessions.every((s) => s.tradesPath !== undefined && s.bookTickerPath !== undefined)).toBe(true);
  });

  it('rejects a folder without depth/', () => {
    expect(() => listSessions(tmp)).toThrow(PermanentError);
  });
});

describe('mergeByRecvTime', () => {
  it('merges by recvTimeUs; ties keep argument order, then file order', async () => {
    const a = [trade(1, 10), trade(2, 20), trade(3, 20), trade(4, 40)];
    const b = [trade(11, 5), trade(12, 20), trade(13, 50)];
    const c = [trade(21, 20)];
    const want = [11, 1, 2, 3, 12, 21, 4, 13];
    expect(ids(await collect(mergeByRecvTime(from(a), from(b), from(c))))).toEqual(want);
    expect(ids(mergeArraysByRecvTime(a, b, c))).toEqual(want);
    expect(await collect(mergeByRecvTime())).toEqual([]);
    expect(ids(await collect(mergeByRecvTime(from([]), from(b))))).toEqual([11, 12, 13]);
  });
});

describe('loadSessionEvents / readRecordedFile', () => {
  it('spot BTCUSDT 2024-08-08: 1 snapshot, 6,495 diffs, 19,904 trades, 73,174 bookTickers, in receive order', async () => {
    const s = listSessions(DATA_DIR).find((x) => x.prefix === SPOT_2024)!;
    const events = await loadSessionEvents(s, instrumentForSession(s), { includeBookTicker: true });
    const count = (k: MarketEvent['kind']): number => events.filter((e) => e.kind === k).length;
    expect([count('snapshot'), count('depth'), count('trade'), count('bookTicker')]).toEqual([
      1, 6495, 19_904, 73_174,
    ]);
    expect(events.every((e, i) => i === 0 || e.recvTimeUs >= events[i - 1]!.recvTimeUs)).toBe(true);
    const trades = events.filter((e): e is Trade => e.kind === 'trade');
    expect(trades.every((t, i) => i === 0 || t.tradeId === trades[i - 1]!.tradeId + 1)).toBe(true); // README: ids consecutive
    expect(Math.min(...trades.map((t) => t.priceTicks))).toBe(6_155_604); // README: 61556.04–61860.80
    expect(Math.max(...trades.map((t) => t.priceTicks))).toBe(6_186_080);
    const withoutTicker = await loadSessionEvents(s, instrumentForSession(s));
    expect(withoutTicker.length).toBe(1 + 6495 + 19_904);
  });

  it('usdm BTCUSDT 2023-04: the one INSURANCE_FUND print is dropped (12,935 → 12,934 trades)', async () => {
    const s = listSessions(DATA_DIR).find((x) => x.prefix === USDM_BTC_2023)!;
    const trades = await collect(readRecordedFile(s.tradesPath!, instrumentForSession(s)));
    expect(trades.length).toBe(12_934);
    const prices = trades.map((t) => (t.kind === 'trade' ? t.priceTicks : 0));
    expect([Math.min(...prices), Math.max(...prices)]).toEqual([281_360, 281_592]); // README: MARKET 28136.0–28159.2
  });

  it('names file:line and field on a malformed line', async () => {
    const p = join(tmp, 'bad.depth.jsonl.gz');
    const good =
      '{"recv_ns":1000000,"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"1.00","q":"1.0","T":1,"m":true}';
    writeFileSync(p, gzipSync(`${good}\n\n${good.replace('"p":"1.00"', '"p":"1.001"')}\n`));
    await expect(collect(readRecordedFile(p, spotBtc))).rejects.toThrow(
      `${p}:3: field "p": "1.001" is not a multiple of tick size 0.01`,
    );
  });

  it('fails with DATA_READ for a missing file or a corrupt gzip stream', async () => {
    const missing = join(tmp, 'missing.jsonl.gz');
    await expect(collect(readRecordedFile(missing, spotBtc))).rejects.toMatchObject({ code: 'DATA_READ' });
    const corrupt = join(tmp, 'corrupt.jsonl.gz');
    writeFileSync(corrupt, gzipSync('{"a":1}\n'.repeat(1000)).subarray(0, 40));
    await expect(collect(readRecordedFile(corrupt, spotBtc))).rejects.toThrow(PermanentError);
  });
});

describe('readTradeRows (exact rows for DB ingestion)', () => {
  it('keeps the exact decimal strings and counts of the spot 2023 file', async () => {
    const rows = [];
    for await (const r of readTradeRows(dataPath(`trades/${SPOT_2023_NOSNAP}.trades.jsonl.gz`), 'spot'))
      rows.push(r);
    expect(rows.length).toBe(3144);
    expect(rows[0]).toEqual({
      tradeId: 3071245454,
      symbol: 'BTCUSDT',
      price: '28165.47000000',
      qty: '0.00056000',
      aggressor: 'sell',
      timeMs: 1680652799999,
      eventTimeMs: 1680652800000,
      recvTimeUs: 1680652800004107,
    });
  });

  it('drops non-MARKET futures prints and names file:line on bad rows', async () => {
    let n = 0;
    for await (const r of readTradeRows(dataPath(`trades/${USDM_BTC_2023}.trades.jsonl.gz`), 'usdm'))
      if (r.price !== '28722.50') n++;
    expect(n).toBe(12_934);
    const p = join(tmp, 'bad.trades.jsonl.gz');
    writeFileSync(
      p,
      gzipSync('{"recv_ns":1000000,"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"1","q":"1","T":1,"m":"yes"}\n'),
    );
    const run = async (): Promise<void> => {
      for await (const _ of readTradeRows(p, 'spot')) void _;
    };
    await expect(run()).rejects.toThrow(`${p}:1: field "m"`);
  });
});
