/**
 * The QuoterView fields a quoter of seed 004 does not read (touch sizes, our last fills, our resting
 * orders and their queue), at their "nothing known" values, for tests that build views by hand.
 */
import type { QuoterView } from '../../../core/quoting/quoter.ts';

export const UNSEEN_VIEW_FIELDS = Object.freeze({
  bestBidLots: undefined,
  bestAskLots: undefined,
  lastBidFillUs: Number.NEGATIVE_INFINITY,
  lastAskFillUs: Number.NEGATIVE_INFINITY,
  restingBidTicks: undefined,
  restingBidQueueLots: undefined,
  restingAskTicks: undefined,
  restingAskQueueLots: undefined,
} as const satisfies Partial<QuoterView>);
