/**
 * Request-weight and order-rate limits, as Binance spot applies them (Spot API "LIMITS"): fixed
 * windows (the minute, the 10-second slot) counted per bucket; here one bucket per API key (requests
 * without a key: per client address). Over the limit the request is not processed and answers 429
 * with `Retry-After` (seconds to the window's end) and -1003 (weight) or -1015 (orders). Every answer
 * carries the bucket's counters in `X-MBX-USED-WEIGHT-1M` and, for orders, `X-MBX-ORDER-COUNT-10S`.
 */
import { apiErrors } from './api-error.ts';

/** Limits per bucket. */
export interface RateLimitOptions {
  /** Request weight per minute (Binance spot: 6000). */
  readonly weightPerMinute: number;
  /** New orders per 10 s (Binance spot: 100). */
  readonly ordersPer10s: number;
}

export const BINANCE_SPOT_LIMITS: RateLimitOptions = { weightPerMinute: 6000, ordersPer10s: 100 };
/** USDⓈ-M futures: 2400 weight per minute, 300 orders per 10 s. */
export const BINANCE_USDM_LIMITS: RateLimitOptions = { weightPerMinute: 2400, ordersPer10s: 300 };

const MINUTE_MS = 60_000;
const TEN_S_MS = 10_000;

interface Bucket {
  weightWindowStartMs: number;
  weight: number;
  orderWindowStartMs: number;
  orders: number;
}

/** Counters after a charged request, for the answer's headers. */
export interface UsedCounters {
  readonly usedWeight1m: number;
  /** Orders in the current 10-s window; undefined for a request that is not a new order. */
  readonly orderCount10s: number | undefined;
}

export class RateLimiter {
  /** The limits in force. */
  readonly limits: RateLimitOptions;
  private readonly buckets = new Map<string, Bucket>();

  constructor(opts: RateLimitOptions = BINANCE_SPOT_LIMITS) {
    this.limits = opts;
  }

  /**
   * Charges one request to `bucketId`.
   * @param weight the endpoint's request weight. @param isOrder whether it places an order.
   * @param nowMs server clock, Unix ms.
   * @throws ApiError 429 (-1003 / -1015) with `retryAfterSec`; nothing is charged then.
   */
  charge(bucketId: string, weight: number, isOrder: boolean, nowMs: number): UsedCounters {
    const b = this.bucket(bucketId, nowMs);
    const { weightPerMinute, ordersPer10s } = this.limits;
    if (b.weight + weight > weightPerMinute) {
      throw apiErrors.tooManyRequests(
        Math.ceil((b.weightWindowStartMs + MINUTE_MS - nowMs) / 1000),
        weightPerMinute,
      );
    }
    if (isOrder && b.orders + 1 > ordersPer10s) {
      throw apiErrors.tooManyOrders(
        Math.ceil((b.orderWindowStartMs + TEN_S_MS - nowMs) / 1000),
        ordersPer10s,
      );
    }
    b.weight += weight;
    if (isOrder) b.orders++;
    return { usedWeight1m: b.weight, orderCount10s: isOrder ? b.orders : undefined };
  }

  private bucket(id: string, nowMs: number): Bucket {
    const minute = nowMs - (nowMs % MINUTE_MS);
    const tenS = nowMs - (nowMs % TEN_S_MS);
    let b = this.buckets.get(id);
    if (b === undefined) {
      b = { weightWindowStartMs: minute, weight: 0, orderWindowStartMs: tenS, orders: 0 };
      this.buckets.set(id, b);
    }
    if (b.weightWindowStartMs !== minute) {
      b.weightWindowStartMs = minute;
      b.weight = 0;
    }
    if (b.orderWindowStartMs !== tenS) {
      b.orderWindowStartMs = tenS;
      b.orders = 0;
    }
    return b;
  }
}

/**
 * Request weight of a spot endpoint (Spot API docs, each endpoint's "Weight"); 1 for unlisted ones.
 * @param params the request parameters (the depth weight depends on `limit`, openOrders on `symbol`).
 */
export function spotWeight(method: string, path: string, params: URLSearchParams): number {
  switch (`${method} ${path}`) {
    case 'GET /api/v3/exchangeInfo':
    case 'GET /api/v3/account':
    case 'GET /api/v3/myTrades':
      return 20;
    case 'GET /api/v3/depth': {
      const limit = Number(params.get('limit') ?? '100');
      return limit <= 100 ? 5 : limit <= 500 ? 25 : limit <= 1000 ? 50 : 250;
    }
    case 'GET /api/v3/openOrders':
      return params.has('symbol') ? 6 : 80;
    case 'GET /api/v3/order':
      return 4;
    case 'POST /api/v3/userDataStream':
    case 'PUT /api/v3/userDataStream':
    case 'DELETE /api/v3/userDataStream':
      return 2;
    default:
      return 1;
  }
}
