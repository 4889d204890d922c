import { ManualClock } from '../../../core/ports.ts';
import type { VenueReport } from '../../../core/engine/venue-port.ts';
import { SimulatedVenue } from '../../../core/sim/simulated-venue.ts';
import { FakeBook } from '../sim/fake-book.ts';
import { describeVenueContract } from './venue-port.contract.ts';

describeVenueContract('SimulatedVenue', async () => {
  const clock = new ManualClock(1_000_000);
  const reports: VenueReport[] = [];
  const venue = new SimulatedVenue({
    clock,
    book: new FakeBook().set('bid', 100, 3).set('ask', 101, 3),
    entryLatencyUs: 2_000,
    cancelLatencyUs: 1_000,
    makerFeeBps: 1,
    quotePerTickLot: 1,
    onReport: (r) => reports.push(r),
  });
  return {
    venue,
    reports,
    settle: async () => {
      clock.advanceTo(clock.nowUs() + 10_000);
      venue.processUntil(clock.nowUs());
    },
    restingBidTicks: 100,
    crossingBidTicks: 101,
    sizeLots: 2,
  };
});
