import { describe, expect, it } from 'vitest';
import { BinanceBookSync } from '../../../core/book/binance-sync.ts';
import { packLevels } from '../../../core/book/level-pairs.ts';
import { OrderBook } from '../../../core/book/order-book.ts';
import { PackedDepthDiff, PackedDepthSnapshot } from '../../../core/book/packed-depth.ts';
import { InvariantViolation } from '../../../core/errors.ts';
import type { DepthDiff, DepthSnapshot, Level } from '../../../core/market-events.ts';

const BIDS: Level[] = [
  [100, 5],
  [99, 7],
];
const ASKS: Level[] = [[101, 3]];

function packedDiff(bids: Level[], asks: Level[]): PackedDepthDiff {
  return new PackedDepthDiff({
    firstUpdateId: 11,
    finalUpdateId: 12,
    prevFinalUpdateId: undefined,
    bidPairs: packLevels(bids),
    askPairs: packLevels(asks),
    exchTimeMs: 1_723_161_255_208,
    recvTimeUs: 1_723_161_253_937_001,
  });
}

const PLAIN_DIFF: DepthDiff = {
  kind: 'depth',
  firstUpdateId: 11,
  finalUpdateId: 12,
  prevFinalUpdateId: undefined,
  bids: BIDS,
  asks: ASKS,
  exchTimeMs: 1_723_161_255_208,
  recvTimeUs: 1_723_161_253_937_001,
};

describe('PackedDepthDiff', () => {
  it('reads as the DepthDiff it packs: fields, decoded levels, deep equality, JSON', () => {
    const d = packedDiff(BIDS, ASKS);
    expect(d.kind).toBe('depth');
    expect(d.bids).toEqual(BIDS);
    expect(d.asks).toEqual(ASKS);
    expect(d.bids).toBe(d.bids); // decoded once, then kept
    expect(d).toEqual(PLAIN_DIFF);
    expect(JSON.parse(JSON.stringify(d))).toEqual(JSON.parse(JSON.stringify(PLAIN_DIFF)));
    expect(structuredClone(d)).toEqual(PLAIN_DIFF);
    expect(Array.from(d.bidPairs)).toEqual([100, 5, 99, 7]);
  });

  it('keeps the pairs out of enumeration: a spread copy carries Level[] only', () => {
    const d = packedDiff(BIDS, ASKS);
    expect(Object.keys(d)).toEqual([
      'kind',
      'firstUpdateId',
      'finalUpdateId',
      'prevFinalUpdateId',
      'exchTimeMs',
      'recvTimeUs',
      'bids',
      'asks',
    ]);
    const copy: DepthDiff = { ...d };
    expect(copy.bidPairs).toBeUndefined();
    expect(copy).toEqual(PLAIN_DIFF);
  });

  it('rejects odd-length pairs with BOOK_LEVEL_PAIRS', () => {
    let err: unknown;
    try {
      new PackedDepthDiff({
        firstUpdateId: 1,
        finalUpdateId: 1,
        prevFinalUpdateId: undefined,
        bidPairs: new Float64Array([100]),
        askPairs: new Float64Array(0),
        exchTimeMs: 0,
        recvTimeUs: 0,
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvariantViolation);
    expect((err as InvariantViolation).code).toBe('BOOK_LEVEL_PAIRS');
  });
});

describe('PackedDepthSnapshot', () => {
  it('reads as the DepthSnapshot it packs', () => {
    const s = new PackedDepthSnapshot({
      lastUpdateId: 10,
      bidPairs: packLevels(BIDS),
      askPairs: packLevels(ASKS),
      recvTimeUs: 5,
      exchTimeMs: undefined,
    });
    const plain: DepthSnapshot = {
      kind: 'snapshot',
      lastUpdateId: 10,
      bids: BIDS,
      asks: ASKS,
      recvTimeUs: 5,
      exchTimeMs: undefined,
    };
    expect(s).toEqual(plain);
    expect({ ...s }).toEqual(plain);
    expect(Array.from(s.askPairs)).toEqual([101, 3]);
  });
});

describe('BinanceBookSync with packed events', () => {
  const snapshot = (): PackedDepthSnapshot =>
    new PackedDepthSnapshot({
      lastUpdateId: 10,
      bidPairs: packLevels([[98, 1]]),
      askPairs: packLevels([[102, 2]]),
      recvTimeUs: 0,
      exchTimeMs: undefined,
    });

  it('builds the same book from packed and from plain events', () => {
    const packed = new OrderBook();
    const plain = new OrderBook();
    const a = new BinanceBookSync('spot', packed);
    const b = new BinanceBookSync('spot', plain);
    const snap = snapshot();
    expect(a.onSnapshot(snap)).toBe('applied');
    expect(b.onSnapshot({ ...snap })).toBe('applied');
    expect(a.onDiff(packedDiff(BIDS, ASKS))).toBe('applied');
    expect(b.onDiff(PLAIN_DIFF)).toBe('applied');
    for (const book of [packed, plain]) {
      expect([book.bestBidTicks(), book.bestBidLots(), book.bestAskTicks(), book.bestAskLots()]).toEqual([
        100, 5, 101, 3,
      ]);
      expect([book.levelCount('bid'), book.levelCount('ask')]).toEqual([3, 2]);
    }
  });

  it('a spread copy with its bids replaced applies the replacement, not the original pairs', () => {
    const book = new OrderBook();
    const sync = new BinanceBookSync('spot', book);
    sync.onSnapshot(snapshot());
    const d = packedDiff(BIDS, ASKS);
    expect(sync.onDiff({ ...d, bids: [[97, 4]] })).toBe('applied');
    expect(book.bestBidTicks()).toBe(98);
    expect(book.sizeAtLots('bid', 97)).toBe(4);
    expect(book.sizeAtLots('bid', 100)).toBe(0);
  });
});
