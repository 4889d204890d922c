/**
 * Pure parts of the live feed with hand-built messages: combined-stream splitting, recorded-format
 * lines (exact recv_ns, read back by the recorded-file parser), the chain and snapshot-age rules of
 * Binance's "How to manage a local order book correctly", and the snapshot request ledger.
 */
import { describe, expect, it } from 'vitest';
import type { DepthDiff } from '../../core/market-events.ts';
import {
  breaksChain,
  gapRecord,
  rawRecord,
  SnapshotLedger,
  snapshotTooOld,
  splitCombined,
} from '../../native/feeds/binance-stream-lines.ts';
import { parseRecordedLine } from '../../venues/binance/parse.ts';
import { getInstrument } from '../../venues/instruments.ts';

const SPOT = getInstrument('binance-spot', 'BTCUSDT');

/** First applied diff of the spot 2024-08-08 session (data README), levels abridged. */
const DIFF = {
  e: 'depthUpdate',
  E: 1723161255208,
  s: 'BTCUSDT',
  U: 50093239208,
  u: 50093239224,
  b: [['61837.63000000', '1.20000000']],
  a: [['61837.64000000', '0.00000000']],
};

const d = (U: number, u: number, pu?: number): DepthDiff => ({
  kind: 'depth',
  firstUpdateId: U,
  finalUpdateId: u,
  prevFinalUpdateId: pu,
  bids: [],
  asks: [],
  exchTimeMs: 1,
  recvTimeUs: 0,
});

describe('splitCombined', () => {
  it('splits depth, trade and bookTicker messages and ignores subscription answers', () => {
    const m = splitCombined(JSON.stringify({ stream: 'btcusdt@depth@100ms', data: DIFF }));
    expect(m).toEqual({ kind: 'depth', stream: 'btcusdt@depth@100ms', data: DIFF });
    expect(splitCombined('{"stream":"btcusdt@trade","data":{"e":"trade"}}')?.kind).toBe('trade');
    expect(splitCombined('{"stream":"btcusdt@bookTicker","data":{"u":1}}')?.kind).toBe('bookTicker');
    expect(splitCombined('{"result":null,"id":1}')).toBeUndefined();
  });

  it('names what is wrong with a bad message', () => {
    expect(() => splitCombined('not json')).toThrow(/stream message is not valid JSON/);
    expect(() => splitCombined('{"stream":"btcusdt@trade"}')).toThrow(
      /expected \{"stream": string, "data": object\}/,
    );
    expect(() => splitCombined('{"stream":"btcusdt@kline_1m","data":{}}')).toThrow(
      /stream "btcusdt@kline_1m" is not depth, trade or bookTicker/,
    );
  });
});

describe('rawRecord', () => {
  it('writes the recorded format with recv_ns exact and the recorded parser reads it', () => {
    const recvUs = 1_723_161_254_206_123; // ns = …123000 > 2^53: exact only as text / bigint
    const r = rawRecord('depth', recvUs, 'btcusdt@depth@100ms', DIFF);
    expect(r.recvNs).toBe(1_723_161_254_206_123_000n);
    expect(r.text).toBe(
      '{"recv_ns":1723161254206123000,"stream":"btcusdt@depth@100ms","e":"depthUpdate","E":1723161255208,' +
        '"s":"BTCUSDT","U":50093239208,"u":50093239224,"b":[["61837.63000000","1.20000000"]],' +
        '"a":[["61837.64000000","0.00000000"]]}',
    );
    expect(r.line).toMatchObject({ stream: 'btcusdt@depth@100ms', U: 50093239208, u: 50093239224 });
    expect(parseRecordedLine(r.text, SPOT)).toEqual({
      kind: 'depth',
      firstUpdateId: 50093239208,
      finalUpdateId: 50093239224,
      prevFinalUpdateId: undefined,
      bids: [[6183763, 120000]],
      asks: [[6183764, 0]],
      exchTimeMs: 1723161255208,
      recvTimeUs: recvUs,
    });
  });

  it('snapshot lines carry no stream; gap lines say why and between which ids', () => {
    const s = rawRecord('snapshot', 1_000_000, undefined, { lastUpdateId: 7, bids: [], asks: [] });
    expect(s.text).toBe('{"recv_ns":1000000000,"lastUpdateId":7,"bids":[],"asks":[]}');
    const g = gapRecord(2_000_000, 'reconnect', 41, null);
    expect(g.kind).toBe('gap');
    expect(g.text).toBe(
      '{"recv_ns":2000000000,"e":"mmflowGap","reason":"reconnect","lastUpdateId":41,"nextUpdateId":null}',
    );
  });
});

describe('chain and snapshot age (Binance local order book procedure)', () => {
  it('breaksChain: spot U == previous u + 1, USDⓈ-M pu == previous u; covered diffs are no break', () => {
    expect(breaksChain('spot', 10, d(11, 15))).toBe(false);
    expect(breaksChain('spot', 10, d(12, 15))).toBe(true);
    expect(breaksChain('spot', 10, d(5, 9))).toBe(false);
    expect(breaksChain('usdm', 10, d(40, 50, 10))).toBe(false); // ids shared across symbols
    expect(breaksChain('usdm', 10, d(40, 50, 12))).toBe(true);
  });

  it('snapshotTooOld: spot needs lastUpdateId ≥ U − 1 of the first diff; USDⓈ-M ≥ its pu', () => {
    const first = d(50093239208, 50093239224);
    expect(snapshotTooOld('spot', 50093239218, first)).toBe(false); // the recorded session's snapshot
    expect(snapshotTooOld('spot', 50093239207, first)).toBe(false); // the first diff continues it
    expect(snapshotTooOld('spot', 50093239206, first)).toBe(true);
    const f = d(4984028387167, 4984028387200, 4984028386700);
    expect(snapshotTooOld('usdm', 4984028386786, f)).toBe(false); // pu ≤ lastUpdateId < U (README)
    expect(snapshotTooOld('usdm', 4984028386699, f)).toBe(true);
  });
});

describe('SnapshotLedger', () => {
  it('needs one fetch per connection, and one per request not covered by a later-started fetch', () => {
    const l = new SnapshotLedger();
    expect(l.needsFetch).toBe(false); // nothing asked before a connection
    l.reset();
    expect(l.needsFetch).toBe(true);
    l.started(3); // after 3 depth messages
    expect(l.needsFetch).toBe(false);
    l.request(3); // a gap at message 3: the fetch started after it covers it
    expect(l.needsFetch).toBe(false);
    l.request(5); // a gap at message 5: newer than that fetch
    expect(l.needsFetch).toBe(true);
    l.started(6);
    l.failed(); // the fetch failed (or was too old): asked again
    expect(l.needsFetch).toBe(true);
    l.started(7);
    expect(l.needsFetch).toBe(false);
    l.reset(); // reconnect: the old snapshots no longer apply
    expect(l.needsFetch).toBe(true);
    l.started(9);
    l.force(); // periodic re-snapshot: wanted even with no new depth message
    expect(l.needsFetch).toBe(true);
    l.started(9);
    expect(l.needsFetch).toBe(false);
  });
});
