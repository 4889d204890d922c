import { describe, expect, it } from 'vitest';
import type { QuoteIntent } from '../../core/quoting/intent.ts';
import { RunRecorder } from '../../native/run-recorder.ts';

const intent: QuoteIntent = {
  bid: { priceTicks: 100, sizeLots: 5 },
  ask: { priceTicks: 104, sizeLots: 5 },
  bidReason: 'quote',
  askReason: 'inventory-limit',
  decidedAtUs: 1_000,
  midTicks: 102,
};

describe('RunRecorder', () => {
  it('writes one quote row per place, orders with their final status, and fills in order', () => {
    const r = new RunRecorder();
    r.onAction(
      { type: 'place', side: 'bid', priceTicks: 100, sizeLots: 5, clientOrderId: 'a-1' },
      intent,
      1_010,
    );
    r.onAction(
      { type: 'place', side: 'ask', priceTicks: 104, sizeLots: 5, clientOrderId: 'a-2' },
      intent,
      1_010,
    );
    r.onAction({ type: 'cancel', side: 'ask', clientOrderId: 'a-2' }, intent, 1_020);
    r.onReport({
      type: 'accepted',
      clientOrderId: 'a-1',
      side: 'bid',
      priceTicks: 100,
      sizeLots: 5,
      timeUs: 1_500,
    });
    const fill = (sizeLots: number, timeUs: number) =>
      ({
        clientOrderId: 'a-1',
        side: 'bid',
        priceTicks: 100,
        sizeLots,
        feeQuote: -0.01,
        liquidity: 'maker',
        timeUs,
      }) as const;
    r.onReport({ type: 'fill', fill: fill(2, 2_000), openLots: 3 });
    r.onReport({ type: 'canceled', clientOrderId: 'a-2', side: 'ask', canceledLots: 5, timeUs: 2_100 });

    const first = r.drain();
    expect(first.quotes).toEqual([
      {
        seq: 0,
        decidedAtUs: 1_000,
        side: 'bid',
        priceTicks: 100,
        sizeLots: 5,
        bidReason: 'quote',
        askReason: 'inventory-limit',
        midTicks: 102,
      },
      {
        seq: 1,
        decidedAtUs: 1_000,
        side: 'ask',
        priceTicks: 104,
        sizeLots: 5,
        bidReason: 'quote',
        askReason: 'inventory-limit',
        midTicks: 102,
      },
    ]);
    expect(first.orders.map((o) => [o.clientOrderId, o.status, o.placedAtUs, o.doneAtUs])).toEqual([
      ['a-1', 'partially-filled', 1_010, undefined],
      ['a-2', 'cancelled', 1_010, 2_100],
    ]);
    expect(first.fills).toEqual([{ seq: 0, ...fill(2, 2_000) }]);
    expect(r.pendingRows).toBe(0);

    r.onReport({ type: 'fill', fill: fill(3, 3_000), openLots: 0 });
    r.onReport({
      type: 'cancel-rejected',
      clientOrderId: 'a-1',
      side: 'bid',
      reason: 'unknown-order',
      timeUs: 3_100,
    });
    const second = r.drain();
    expect(second.quotes).toEqual([]);
    expect(second.orders.map((o) => [o.clientOrderId, o.status, o.doneAtUs])).toEqual([
      ['a-1', 'filled', 3_000],
    ]);
    expect(second.fills.map((f) => f.seq)).toEqual([1]);
    expect([r.quotesRecorded, r.fillsRecorded]).toEqual([2, 2]);
  });

  it('marks a rejected place as rejected, never before it was placed', () => {
    const r = new RunRecorder();
    r.onAction(
      { type: 'place', side: 'bid', priceTicks: 100, sizeLots: 5, clientOrderId: 'a-1' },
      undefined,
      5_000,
    );
    r.onReport({
      type: 'rejected',
      clientOrderId: 'a-1',
      side: 'bid',
      reason: 'post-only-would-cross',
      timeUs: 4_000,
    });
    const batch = r.drain();
    expect(batch.quotes[0]).toMatchObject({ decidedAtUs: 5_000, bidReason: 'quote', midTicks: undefined });
    expect(batch.orders).toMatchObject([{ status: 'rejected', placedAtUs: 5_000, doneAtUs: 5_000 }]);
  });
});
