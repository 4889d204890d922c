import { describe, it, expect } from 'vitest';
import { OrderExecutor } from '../../../core/quoting/executor.ts';
import type { QuoteIntent, WorkingOrder } from '../../../core/quoting/intent.ts';

/** Both legs at 99 / 102 × 10 lots, stale when placed before `notBeforeUs`. */
function aged(notBeforeUs: number | undefined): QuoteIntent {
  const bound = notBeforeUs === undefined ? {} : { notBeforeUs };
  return {
    bid: { priceTicks: 99, sizeLots: 10, ...bound },
    ask: { priceTicks: 102, sizeLots: 10, ...bound },
    bidReason: 'quote',
    askReason: 'quote',
    decidedAtUs: 2_000_000,
    midTicks: 100.5,
  };
}

function order(id: string, side: 'bid' | 'ask', priceTicks: number, placedAtUs?: number): WorkingOrder {
  return {
    clientOrderId: id,
    side,
    priceTicks,
    sizeLots: 10,
    openLots: 10,
    ...(placedAtUs === undefined ? {} : { placedAtUs }),
  };
}

describe('OrderExecutor: quote ageing (legs with notBeforeUs)', () => {
  it('keeps a matching order placed at or after the bound, replaces an older one at the same price', () => {
    const ex = new OrderExecutor('ag');
    const working = [order('b1', 'bid', 99, 1_250_000), order('a1', 'ask', 102, 1_249_999)];
    // bound 1.25 s: the bid (placed exactly then) is fresh, the ask (1 µs older) is stale
    expect(ex.reconcile(aged(1_250_000), working)).toEqual([
      { type: 'cancel', clientOrderId: 'a1', side: 'ask' },
    ]);
    // cancel in flight: nothing more; once it is gone, the same price is placed anew
    expect(ex.reconcile(aged(1_250_000), working)).toEqual([]);
    expect(ex.reconcile(aged(1_250_000), [working[0]!])).toEqual([
      { type: 'place', side: 'ask', priceTicks: 102, sizeLots: 10, clientOrderId: 'ag-1' },
    ]);
  });

  it('treats an order of unknown placement time as stale, and ignores age when the leg has no bound', () => {
    const ex = new OrderExecutor('ag');
    expect(ex.reconcile(aged(1), [order('b1', 'bid', 99)])).toEqual([
      { type: 'cancel', clientOrderId: 'b1', side: 'bid' },
      // the ask side had no order: placed now
      { type: 'place', side: 'ask', priceTicks: 102, sizeLots: 10, clientOrderId: 'ag-1' },
    ]);
    const plain = new OrderExecutor('pl');
    expect(plain.reconcile(aged(undefined), [order('b1', 'bid', 99, 0), order('a1', 'ask', 102)])).toEqual(
      [],
    );
  });
});
