import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../core/errors.ts';
import type { MarketEvent } from '../../../core/market-events.ts';
import {
  parseRecordedLine,
  parseRecordedLineStrict,
  readRecvTimeUs,
  RecordedLineParser,
} from '../../../venues/binance/parse.ts';
import { getInstrument } from '../../../venues/instruments.ts';
import {
  readLine,
  readLines,
  SPOT_2023_NOSNAP,
  SPOT_2024,
  USDM_BTC_2023,
  USDM_BTC_2407,
  USDM_BTC_2408,
} from './data.ts';

const spotBtc = getInstrument('binance-spot', 'BTCUSDT');
const usdmBtc = getInstrument('binance-usdm', 'BTCUSDT');

/** Both paths (fast and zod) must give the same object. */
function parseBoth(line: string, venue: 'spot' | 'usdm'): MarketEvent | undefined {
  const ins = venue === 'spot' ? spotBtc : usdmBtc;
  const fast = parseRecordedLine(line, ins);
  expect(parseRecordedLineStrict(line, ins)).toEqual(fast);
  return fast;
}

function permanentError(fn: () => unknown): PermanentError {
  try {
    fn();
  } catch (err) {
    if (err instanceof PermanentError) return err;
    throw err;
  }
  throw new Error('expected a PermanentError');
}

describe('parseRecordedLine — golden lines from the recorded files', () => {
  it('spot depth diff (depth line 2 of spot 2024-08-08)', () => {
    const line = readLine(`depth/${SPOT_2024}.depth.jsonl.gz`, 2);
    expect(parseBoth(line, 'spot')).toEqual({
      kind: 'depth',
      firstUpdateId: 50093239203,
      finalUpdateId: 50093239207,
      prevFinalUpdateId: undefined,
      bids: [[5565387, 0]],
      asks: [
        [6183804, 32332],
        [6184430, 40163],
        [6186250, 5019],
        [6186251, 0],
      ],
      exchTimeMs: 1723161255308,
      recvTimeUs: 1723161254036059, // recv_ns 1723161254036059768, exact (not via a float)
    });
  });

  it('usdm depth diff with an empty bid list (depth line 6551 of usdm BTCUSDT 2024-08-08)', () => {
    const line = readLine(`depth/${USDM_BTC_2408}.depth.jsonl.gz`, 6551);
    expect(parseBoth(line, 'usdm')).toEqual({
      kind: 'depth',
      firstUpdateId: 5123135221461,
      finalUpdateId: 5123135221461,
      prevFinalUpdateId: 5123134944963,
      bids: [],
      asks: [[616598, 981]],
      exchTimeMs: 1723161600760,
      recvTimeUs: 1723161599488620,
    });
  });

  it('usdm snapshot (depth line 7 of usdm BTCUSDT 2024-07-18)', () => {
    const ev = parseBoth(readLine(`depth/${USDM_BTC_2407}.depth.jsonl.gz`, 7), 'usdm');
    if (ev?.kind !== 'snapshot') throw new Error('expected a snapshot');
    expect(ev.lastUpdateId).toBe(4984028384061);
    expect(ev.exchTimeMs).toBe(1721347022759);
    expect(ev.recvTimeUs).toBe(1721347021281597);
    expect(ev.bids.length).toBe(1000);
    expect(ev.asks.length).toBe(1000);
    expect(ev.bids[0]).toEqual([639439, 46372]); // "63943.90" / "46.372"
    expect(ev.bids[1]).toEqual([639438, 7]); // "63943.80" / "0.007"
  });

  it('spot snapshot has no exchange time (depth line 4 of spot 2024-08-08)', () => {
    const ev = parseBoth(readLine(`depth/${SPOT_2024}.depth.jsonl.gz`, 4), 'spot');
    if (ev?.kind !== 'snapshot') throw new Error('expected a snapshot');
    expect(ev.lastUpdateId).toBe(50093239218);
    expect(ev.exchTimeMs).toBeUndefined();
    expect([ev.bids[0]?.[0], ev.asks[0]?.[0]]).toEqual([6183763, 6183764]); // README: best 61837.63 / 61837.64
  });

  it('spot trade: m = true → aggressor sell; T is the exchange time', () => {
    expect(parseBoth(readLine(`trades/${SPOT_2024}.trades.jsonl.gz`, 1), 'spot')).toEqual({
      kind: 'trade',
      tradeId: 3735683259,
      priceTicks: 6183763,
      sizeLots: 2000, // 0.02 BTC / 0.00001
      aggressor: 'sell',
      exchTimeMs: 1723161255342,
      recvTimeUs: 1723161254087896,
    });
  });

  it('spot trade of 2023 with the extra b/a order ids', () => {
    expect(parseBoth(readLine(`trades/${SPOT_2023_NOSNAP}.trades.jsonl.gz`, 1), 'spot')).toEqual({
      kind: 'trade',
      tradeId: 3071245454,
      priceTicks: 2816547,
      sizeLots: 56,
      aggressor: 'sell',
      exchTimeMs: 1680652799999,
      recvTimeUs: 1680652800004107,
    });
  });

  it('usdm trade: m = false → aggressor buy', () => {
    expect(parseBoth(readLine(`trades/${USDM_BTC_2408}.trades.jsonl.gz`, 1), 'usdm')).toEqual({
      kind: 'trade',
      tradeId: 5266583935,
      priceTicks: 618003, // "61800.30" / 0.1
      sizeLots: 6, // "0.006" / 0.001
      aggressor: 'buy',
      exchTimeMs: 1723161256322,
      recvTimeUs: 1723161255088176,
    });
  });

  it('usdm INSURANCE_FUND trade (trades line 5049 of usdm BTCUSDT 2023-04) is not a market print → undefined', () => {
    const line = readLine(`trades/${USDM_BTC_2023}.trades.jsonl.gz`, 5049);
    expect(line).toContain('"X":"INSURANCE_FUND"');
    expect(parseBoth(line, 'usdm')).toBeUndefined();
  });

  it('spot bookTicker: no exchange time', () => {
    expect(parseBoth(readLine(`bookticker/${SPOT_2024}.bookTicker.jsonl.gz`, 1), 'spot')).toEqual({
      kind: 'bookTicker',
      updateId: 50093239212,
      bidTicks: 6183763,
      bidLots: 378826,
      askTicks: 6183764,
      askLots: 154698,
      exchTimeMs: undefined,
      recvTimeUs: 1723161254087891,
    });
  });

  it('usdm bookTicker: E as exchange time', () => {
    expect(parseBoth(readLine(`bookticker/${USDM_BTC_2408}.bookTicker.jsonl.gz`, 1), 'usdm')).toEqual({
      kind: 'bookTicker',
      updateId: 5123107839020,
      bidTicks: 618002,
      bidLots: 2507,
      askTicks: 618003,
      askLots: 2510,
      exchTimeMs: 1723161256313,
      recvTimeUs: 1723161255088169,
    });
  });

  it('fast path and zod path agree on the first 1500 lines of every file of two sessions', () => {
    for (const [prefix, ins] of [
      [SPOT_2024, spotBtc],
      [USDM_BTC_2023, usdmBtc],
    ] as const) {
      for (const f of [
        `depth/${prefix}.depth.jsonl.gz`,
        `trades/${prefix}.trades.jsonl.gz`,
        `bookticker/${prefix}.bookTicker.jsonl.gz`,
      ]) {
        for (const line of readLines(f).slice(0, 1500)) {
          expect(parseRecordedLine(line, ins)).toEqual(parseRecordedLineStrict(line, ins));
        }
      }
    }
  });

  it('rounds the 7 off-grid book sizes of the spot 2024 depth file up to whole lots (legacy 0.000001 orders)', () => {
    const p = new RecordedLineParser(spotBtc, false);
    for (const line of readLines(`depth/${SPOT_2024}.depth.jsonl.gz`)) p.parse(line);
    expect(p.roundedBookSizes).toBe(7);
    const ev = p.parse(
      '{"recv_ns":1000000,"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["12000.00000000","4690.34389600"]],"a":[]}',
    );
    expect(ev?.kind === 'depth' ? ev.bids : undefined).toEqual([[1200000, 469034390]]); // 4690.343896 → 4690.34390
    expect(p.roundedBookSizes).toBe(8);
  });
});

describe('parseRecordedLine — malformed input', () => {
  const diffLine = (b: string, extra = ''): string =>
    `{"recv_ns":1723161254036059768,"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2${extra},"b":${b},"a":[]}`;

  it('rejects non-JSON and non-object lines', () => {
    expect(permanentError(() => parseRecordedLine('{"recv_ns":1234567, nope', spotBtc)).code).toBe(
      'PARSE_JSON',
    );
    expect(permanentError(() => parseRecordedLine('[1,2]', spotBtc)).message).toMatch(/recv_ns/);
  });

  it('names recv_ns when it is missing or not an integer', () => {
    expect(permanentError(() => parseRecordedLine('{"e":"trade"}', spotBtc)).message).toMatch(
      /field "recv_ns"/,
    );
    expect(
      permanentError(() => parseRecordedLine('{"recv_ns":1.5e18,"e":"trade"}', spotBtc)).message,
    ).toMatch(/field "recv_ns"/);
  });

  it('names a wrongly typed field (zod fallback path)', () => {
    const err = permanentError(() => parseRecordedLine(diffLine('[]').replace('"U":1', '"U":"1"'), spotBtc));
    expect(err.code).toBe('PARSE_FIELD');
    expect(err.message).toMatch(/field "U"/);
    expect(err.message).toContain('line: {"recv_ns"');
  });

  it('names the level and column of a non-string price', () => {
    const err = permanentError(() =>
      parseRecordedLine(diffLine('[["1.00","1.0"],[61837.63,"1.0"]]'), spotBtc),
    );
    expect(err.message).toMatch(/field "b\[1\]\[0\]"/);
  });

  it('names the level of a price off the tick grid, with the value and the tick size', () => {
    const err = permanentError(() => parseRecordedLine(diffLine('[["61837.635","1.0"]]'), spotBtc));
    expect(err.code).toBe('DECIMAL_NOT_MULTIPLE');
    expect(err.message).toMatch(/field "b\[0\]\[0\]": "61837.635" is not a multiple of tick size 0.01/);
  });

  it('rejects a negative or malformed quantity naming the field', () => {
    expect(permanentError(() => parseRecordedLine(diffLine('[["1.00","-1"]]'), spotBtc)).message).toMatch(
      /field "b\[0\]\[1\]": "-1" is negative/,
    );
    expect(permanentError(() => parseRecordedLine(diffLine('[["1.00","1e-3"]]'), spotBtc)).code).toBe(
      'DECIMAL_FORMAT',
    );
  });

  it('rejects a trade quantity off the lot grid (trades are never rounded)', () => {
    const line =
      '{"recv_ns":1000000,"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"1.00","q":"0.000001","T":1,"m":true}';
    expect(permanentError(() => parseRecordedLine(line, spotBtc)).message).toMatch(/field "q"/);
  });

  it('requires pu on USDⓈ-M diffs', () => {
    expect(permanentError(() => parseRecordedLine(diffLine('[]'), usdmBtc)).message).toMatch(
      /field "T"|field "pu"/,
    );
    const withT = diffLine('[]', ',"T":1');
    expect(permanentError(() => parseRecordedLine(withT, usdmBtc)).message).toMatch(/field "pu"/);
  });

  it('rejects another symbol and unknown event types', () => {
    const eth = diffLine('[]').replace('"BTCUSDT"', '"ETHUSDT"');
    expect(permanentError(() => parseRecordedLine(eth, spotBtc)).code).toBe('SYMBOL_MISMATCH');
    const kline = '{"recv_ns":1000000,"e":"kline","E":1,"s":"BTCUSDT"}';
    expect(permanentError(() => parseRecordedLine(kline, spotBtc)).code).toBe('PARSE_UNKNOWN_EVENT');
  });

  it('reads recv_ns digits exactly: ⌊ns / 1000⌋ beyond 2^53', () => {
    expect(readRecvTimeUs('{"recv_ns":1723161254036059768,"x":1}')).toBe(1723161254036059);
    expect(readRecvTimeUs('{"recv_ns": 9007199254740991999}')).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => readRecvTimeUs('{"recv_ns":9007199254740992000}')).toThrow(/recv_ns/);
    expect(() => readRecvTimeUs('{"recv_ns":-5}')).toThrow(PermanentError);
  });
});
