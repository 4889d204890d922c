/**
 * Contract suite of the ExecutionVenue port (STYLE.md §13): run against every implementation (the
 * simulated venue here; the ccxt-backed venue of native/ against a stand-in exchange). Not a test file by
 * itself: `describeVenueContract` is called from `*.contract.test.ts` files.
 */
import { describe, it, expect } from 'vitest';
import type { ExecutionVenue, VenueReport } from '../../../core/engine/venue-port.ts';

/** What a venue implementation provides to the suite. */
export interface VenueHarness {
  readonly venue: ExecutionVenue;
  /** Every report the venue delivered so far, in delivery order. */
  readonly reports: readonly VenueReport[];
  /** Lets every request in flight complete (advance simulated time, or await the real venue). */
  settle(): Promise<void>;
  /** A bid price that rests without crossing, and one that would cross (≥ best ask), ticks. */
  readonly restingBidTicks: number;
  readonly crossingBidTicks: number;
  /** A size the venue accepts, lots. */
  readonly sizeLots: number;
}

/**
 * Declares the contract tests for one implementation; `make` builds a fresh harness per test.
 * @param skip true when a required service or data file is missing (see test/setup/require.ts).
 */
export function describeVenueContract(name: string, make: () => Promise<VenueHarness>, skip = false): void {
  describe.skipIf(skip)(`ExecutionVenue contract: ${name}`, () => {
    it('never reports from inside submit', async () => {
      const h = await make();
      h.venue.submit({
        type: 'place',
        side: 'bid',
        priceTicks: h.restingBidTicks,
        sizeLots: h.sizeLots,
        clientOrderId: 'c-1',
      });
      expect(h.reports).toEqual([]);
      h.venue.submit({ type: 'cancel', side: 'bid', clientOrderId: 'c-1' });
      expect(h.reports).toEqual([]);
    });

    it('accepts a resting post-only order, then cancels all of it', async () => {
      const h = await make();
      h.venue.submit({
        type: 'place',
        side: 'bid',
        priceTicks: h.restingBidTicks,
        sizeLots: h.sizeLots,
        clientOrderId: 'c-1',
      });
      await h.settle();
      h.venue.submit({ type: 'cancel', side: 'bid', clientOrderId: 'c-1' });
      await h.settle();
      expect(h.reports.map((r) => r.type)).toEqual(['accepted', 'canceled']);
      const canceled = h.reports[1];
      expect(canceled?.type === 'canceled' ? canceled.canceledLots : -1).toBe(h.sizeLots);
    });

    it('rejects a post-only order that would cross', async () => {
      const h = await make();
      h.venue.submit({
        type: 'place',
        side: 'bid',
        priceTicks: h.crossingBidTicks,
        sizeLots: h.sizeLots,
        clientOrderId: 'c-1',
      });
      await h.settle();
      expect(h.reports.map((r) => (r.type === 'rejected' ? r.reason : r.type))).toEqual([
        'post-only-would-cross',
      ]);
    });

    it('answers a cancel of an unknown order with cancel-rejected', async () => {
      const h = await make();
      h.venue.submit({ type: 'cancel', side: 'ask', clientOrderId: 'never-placed' });
      await h.settle();
      expect(h.reports.map((r) => r.type)).toEqual(['cancel-rejected']);
    });
  });
}
