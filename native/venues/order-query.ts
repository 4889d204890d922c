/**
 * The venue's answer about one order whose outcome we do not know (docs/adr/0015-reconciliation.md):
 * `fetchOrder` by client order id with bounded retries of transient errors. Used by `CcxtVenue` for a
 * create or cancel that timed out and for the reconciliation's re-checks. Never assumes: a permanent
 * error or exhausted retries are reported as `failed`, not as "gone" or "live".
 */
import type { Instrument } from '../../core/instrument.ts';
import { errorFields, type Log } from '../../infra/log.ts';
import type { Sleeper } from '../feeds/recorded-feed.ts';
import type { Secret } from '../secret.ts';
import { fetchVenueOrderByClientId, type CcxtOrderQueryClient, type VenueOrder } from './ccxt-account.ts';
import { mapCcxtError } from './ccxt-errors.ts';

/** What the venue said: the order, "order does not exist" (-2013), or no usable answer. */
export type QueryOutcome =
  | { readonly kind: 'found'; readonly order: VenueOrder }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'failed' };

/** Where and how to ask. */
export interface OrderQueryOptions {
  readonly client: CcxtOrderQueryClient;
  readonly instrument: Instrument;
  readonly sleep: Sleeper;
  readonly log: Log;
  /** Credentials to scrub from error text (an unwrapped client). */
  readonly secrets: readonly Secret[];
  /** Attempts on transient errors (≥ 1); backoff 100 ms doubling between them. */
  readonly attempts: number;
}

/**
 * Asks the venue about `clientOrderId` (Binance `origClientOrderId`), retrying transient errors.
 * Never throws; a failure is logged once, with the last error.
 */
export async function queryOrder(o: OrderQueryOptions, clientOrderId: string): Promise<QueryOutcome> {
  for (let attempt = 1; attempt <= o.attempts; attempt++) {
    try {
      const found = await fetchVenueOrderByClientId(o.client, o.instrument, clientOrderId);
      return found === undefined ? { kind: 'not-found' } : { kind: 'found', order: found };
    } catch (err) {
      const mapped = mapCcxtError(err, { op: 'fetchOrder', clientOrderId }, o.secrets);
      if (!mapped.retryable || attempt >= o.attempts) {
        o.log.error({ clientOrderId, attempt, err: errorFields(mapped) }, 'order query failed');
        return { kind: 'failed' };
      }
      await o.sleep(100 * 2 ** (attempt - 1));
    }
  }
  return { kind: 'failed' };
}
