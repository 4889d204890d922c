import { describe, it, expect } from 'vitest';
import { OrderExecutor } from '../../../core/quoting/executor.ts';
import type { OrderAction, QuoteIntent, WorkingOrder } from '../../../core/quoting/intent.ts';

function intent(bid: number | undefined, ask: number | undefined, sizeLots = 10): QuoteIntent {
  return {
    bid: bid === undefined ? undefined : { priceTicks: bid, sizeLots },
    ask: ask === undefined ? undefined : { priceTicks: ask, sizeLots },
    bidReason: bid === undefined ? 'inventory-limit' : 'quote',
    askReason: ask === undefined ? 'inventory-limit' : 'quote',
    decidedAtUs: 0,
    midTicks: 100.5,
  };
}

function order(
  clientOrderId: string,
  side: 'bid' | 'ask',
  priceTicks: number,
  sizeLots = 10,
  openLots = sizeLots,
): WorkingOrder {
  return { clientOrderId, side, priceTicks, sizeLots, openLots };
}

describe('OrderExecutor.reconcile', () => {
  it('places both legs with deterministic ids, bid first', () => {
    const ex = new OrderExecutor('mm1');
    expect(ex.reconcile(intent(99, 102), [])).toEqual([
      { type: 'place', side: 'bid', priceTicks: 99, sizeLots: 10, clientOrderId: 'mm1-1' },
      { type: 'place', side: 'ask', priceTicks: 102, sizeLots: 10, clientOrderId: 'mm1-2' },
    ]);
  });

  it('keeps orders matching price and size, including partially filled ones', () => {
    const ex = new OrderExecutor('mm1');
    expect(ex.reconcile(intent(99, 102), [order('a', 'bid', 99, 10, 4), order('b', 'ask', 102)])).toEqual([]);
  });

  it('cancels wrong price, wrong size and unwanted sides; waits for the cancel before re-placing', () => {
    const ex = new OrderExecutor('mm1');
    const working = [order('a', 'bid', 98), order('b', 'ask', 102, 20)];
    // bid at the wrong price, ask with the wrong size: both cancelled, nothing placed yet
    expect(ex.reconcile(intent(99, 102), working)).toEqual([
      { type: 'cancel', clientOrderId: 'a', side: 'bid' },
      { type: 'cancel', clientOrderId: 'b', side: 'ask' },
    ]);
    expect([...ex.pendingCancelIds]).toEqual(['a', 'b']);
    // cancels still in flight: no duplicate cancel, no replacement
    expect(ex.reconcile(intent(99, 102), working)).toEqual([]);
    // bid cancel confirmed (gone), ask still pending: only the bid is placed
    expect(ex.reconcile(intent(99, 102), [working[1]!])).toEqual([
      { type: 'place', side: 'bid', priceTicks: 99, sizeLots: 10, clientOrderId: 'mm1-1' },
    ]);
    expect([...ex.pendingCancelIds]).toEqual(['b']);
    // ask cancel confirmed; the new bid rests
    expect(ex.reconcile(intent(99, 102), [order('mm1-1', 'bid', 99)])).toEqual([
      { type: 'place', side: 'ask', priceTicks: 102, sizeLots: 10, clientOrderId: 'mm1-2' },
    ]);
    expect(ex.pendingCancelIds.size).toBe(0);
  });

  it('cancels the side no longer wanted', () => {
    const ex = new OrderExecutor('mm1');
    expect(ex.reconcile(intent(99, undefined), [order('a', 'bid', 99), order('b', 'ask', 102)])).toEqual([
      { type: 'cancel', clientOrderId: 'b', side: 'ask' },
    ]);
  });

  it('keeps the first of duplicate matching orders and cancels the rest', () => {
    const ex = new OrderExecutor('mm1');
    const working = [
      order('a', 'bid', 99),
      order('b', 'bid', 99),
      order('c', 'bid', 97),
      order('d', 'ask', 102),
    ];
    expect(ex.reconcile(intent(99, 102), working)).toEqual([
      { type: 'cancel', clientOrderId: 'b', side: 'bid' },
      { type: 'cancel', clientOrderId: 'c', side: 'bid' },
    ]);
  });

  it('ignores closed orders (openLots 0) and places a fresh leg', () => {
    const ex = new OrderExecutor('mm1');
    expect(ex.reconcile(intent(99, undefined), [order('a', 'bid', 99, 10, 0)])).toEqual([
      { type: 'place', side: 'bid', priceTicks: 99, sizeLots: 10, clientOrderId: 'mm1-1' },
    ]);
  });

  it('reconcileInto writes what reconcile returns into a reused array (stale entries after n)', () => {
    const a = new OrderExecutor('mm1');
    const b = new OrderExecutor('mm1');
    const out: OrderAction[] = [];
    const steps: Array<[QuoteIntent, WorkingOrder[]]> = [
      [intent(99, 102), [order('x', 'bid', 98), order('y', 'ask', 102, 20)]], // 2 cancels
      [intent(99, 102), [order('y', 'ask', 102, 20)]], // bid cancel done: 1 place
      [intent(99, 102), [order('mm1-1', 'bid', 99)]], // ask cancel done: 1 place
      [intent(99, 102), [order('mm1-1', 'bid', 99), order('mm1-2', 'ask', 102)]], // nothing
    ];
    for (const [want, working] of steps) {
      const expected = a.reconcile(want, working);
      const n = b.reconcileInto(want, working, out);
      expect(n).toBe(expected.length);
      expect(out.slice(0, n)).toEqual(expected);
    }
    expect(out.length).toBe(2); // the first step's two cancels were overwritten, never truncated
    expect(b.pendingCancelIds.size).toBe(0);
  });

  it('rejects an invalid client id prefix', () => {
    expect(() => new OrderExecutor('')).toThrow(RangeError);
    expect(() => new OrderExecutor('has space')).toThrow(RangeError);
    expect(() => new OrderExecutor('x'.repeat(25))).toThrow(RangeError);
  });
});
