/**
 * Fault injection of the exchange simulator (`sim.faults`, the admin endpoint, `--fault`): the venue
 * failures a client must survive, injected on the wire only. The replays, books and fill models never
 * see a fault: a dropped depth diff is still applied to the simulator's book, so after the fault the
 * client's next diff shows the gap (`U ≠ previous u + 1` on spot, `pu ≠ previous u` on USDⓈ-M —
 * Binance "How to manage a local order book correctly"), exactly as after a venue hiccup.
 *
 * The server calls the hooks (`marketSink`, `trackConnection`, `takeRestFailure`, `ackDelay`,
 * `takeReject`, `serverNowMs`); the rest is the control surface. State is plain counters and queues;
 * with no fault active every hook is one branch. Time: `nowMs` (wall clock, injected; ms).
 */
import { ApiError, apiErrors } from './api-error.ts';
import type { ApiAnswer } from './http-types.ts';
import { MarketFaults, type SimMarket } from './market-faults.ts';
import type { StreamMessage } from './symbol-replay.ts';
import type {
  ClockSkewFault,
  DelayAcksFault,
  DepthFault,
  DisconnectFault,
  FailRestFault,
  FaultSpec,
  RejectOrdersFault,
  StaleFeedFault,
} from './fault-spec.ts';

export type { SimMarket };

/** One open WebSocket connection as the injector sees it. */
export interface TrackedConnection {
  readonly market: SimMarket;
  /** Carries market streams (any stream connection without a listen key in its URL). */
  readonly marketStreams: boolean;
  /** Carries user data (listen-key streams, the spot WebSocket API). */
  readonly userStreams: boolean;
  /** Ends it abruptly (TCP reset, no close frame), as a network drop. */
  terminate(): void;
}

/** Faults applied so far (since start or the last `clear`) and what is still pending. */
export interface FaultStatus {
  readonly applied: {
    readonly disconnects: number;
    readonly depthDropped: number;
    readonly depthDuplicated: number;
    readonly depthReordered: number;
    readonly staleDropped: number;
    readonly acksDelayed: number;
    readonly restFailed: number;
    readonly ordersRejected: number;
  };
  readonly pending: {
    readonly depthDrop: number;
    readonly depthDuplicate: number;
    readonly depthReorder: number;
    /** Stale periods not yet over, ms left of the longest; 0 if none. */
    readonly staleMsLeft: number;
    /** Delayed acknowledgements left (null = until clear); 0 if none. */
    readonly acksToDelay: number | null;
    readonly ackDelayMs: number;
    readonly restFailures: number;
    readonly rejects: number;
  };
  /** Server clock − wall clock, ms. */
  readonly clockSkewMs: number;
  /** Open WebSocket connections. */
  readonly connections: number;
}

interface RestRule extends FailRestFault {
  left: number;
}

/** Request paths whose answers are order acknowledgements (new order, cancel, cancel all). */
const ACK_ROUTES = new Set([
  'POST /api/v3/order',
  'DELETE /api/v3/order',
  'DELETE /api/v3/openOrders',
  'POST /fapi/v1/order',
  'DELETE /fapi/v1/order',
  'DELETE /fapi/v1/allOpenOrders',
]);

/** Counters of the faults applied outside market data. */
const zeroApplied = (): {
  disconnects: number;
  acksDelayed: number;
  restFailed: number;
  ordersRejected: number;
} => ({
  disconnects: 0,
  acksDelayed: 0,
  restFailed: 0,
  ordersRejected: 0,
});

/** The simulator's fault state; see the module doc. */
export class FaultInjector {
  private readonly nowMs: () => number;
  private readonly connections = new Set<TrackedConnection>();
  private readonly market: MarketFaults;
  private restRules: RestRule[] = [];
  private rejects: { left: number; code: number | undefined; msg: string | undefined }[] = [];
  private ackRule: { ms: number; left: number; stage: 'answer' | 'request' } | undefined;
  private skewMs = 0;
  private applied = zeroApplied();

  /** @param nowMs wall clock, Unix ms (default `Date.now`). */
  constructor(nowMs: () => number = Date.now) {
    this.nowMs = nowMs;
    this.market = new MarketFaults(nowMs);
  }

  /** Applies a parsed fault request (admin endpoint, CLI). @returns the status after it. */
  apply(spec: FaultSpec): FaultStatus {
    switch (spec.fault) {
      case 'disconnect':
        this.disconnect(spec);
        break;
      case 'depth':
        this.depth(spec);
        break;
      case 'staleFeed':
        this.staleFeed(spec);
        break;
      case 'delayAcks':
        this.delayAcks(spec);
        break;
      case 'failRest':
        this.failRest(spec);
        break;
      case 'rejectOrders':
        this.rejectOrders(spec);
        break;
      case 'clockSkew':
        this.clockSkew(spec);
        break;
    }
    return this.status();
  }

  /** Terminates the matching WebSocket connections now. @returns how many. */
  disconnect(f: DisconnectFault = {}): number {
    const market = f.market ?? 'all';
    const streams = f.streams ?? 'all';
    let n = 0;
    for (const c of [...this.connections]) {
      if (market !== 'all' && c.market !== market) continue;
      const kind = streams === 'all' || (streams === 'market' ? c.marketStreams : c.userStreams);
      if (!kind) continue;
      this.connections.delete(c);
      c.terminate();
      n++;
    }
    this.applied.disconnects += n;
    return n;
  }

  /**
   * The next depth-diff messages published (of `market` / `symbol` if given): first `drop` are not
   * sent, then `duplicate` are sent twice, then `reorder` adjacent pairs of one stream are swapped.
   */
  depth(f: DepthFault): void {
    this.market.addDepth(f);
  }

  /** No market-data message (any stream) of `market` / `symbol` is sent for `ms` from now. */
  staleFeed(f: StaleFeedFault): void {
    this.market.addStale(f);
  }

  /** Holds the next `count` order acknowledgements (all until `clear` if absent) for `ms`. */
  delayAcks(f: DelayAcksFault): void {
    this.ackRule = { ms: f.ms, left: f.count ?? Infinity, stage: f.stage ?? 'answer' };
  }

  /** The next `count` REST requests (under `pathPrefix` if given) answer `status`. */
  failRest(f: FailRestFault): void {
    this.restRules.push({ ...f, left: f.count });
  }

  /** The next `count` new orders (either market) are refused with a venue error. */
  rejectOrders(f: RejectOrdersFault): void {
    this.rejects.push({ left: f.count, code: f.code, msg: f.msg });
  }

  /** Sets the server clock to wall clock + `ms`. */
  clockSkew(f: ClockSkewFault): void {
    this.skewMs = f.ms;
  }

  /** Ends every fault (held reordered messages are discarded), resets the counters and the skew. */
  clear(): void {
    this.market.clear();
    this.restRules = [];
    this.rejects = [];
    this.ackRule = undefined;
    this.skewMs = 0;
    this.applied = zeroApplied();
  }

  status(): FaultStatus {
    const acks = this.ackRule;
    return {
      applied: { ...this.applied, ...this.market.counts },
      pending: {
        ...this.market.pending(),
        acksToDelay: acks === undefined ? 0 : acks.left === Infinity ? null : acks.left,
        ackDelayMs: acks?.ms ?? 0,
        restFailures: this.restRules.reduce((s, r) => s + r.left, 0),
        rejects: this.rejects.reduce((s, r) => s + r.left, 0),
      },
      clockSkewMs: this.skewMs,
      connections: this.connections.size,
    };
  }

  // ---- hooks -------------------------------------------------------------------------------------

  /** The server clock, Unix ms: wall clock + skew (REST `time`, signed-request checks, event times). */
  serverNowMs(): number {
    return this.nowMs() + this.skewMs;
  }

  /** Registers an open connection. @returns the function to call when it closes. */
  trackConnection(c: TrackedConnection): () => void {
    this.connections.add(c);
    return () => this.connections.delete(c);
  }

  /**
   * The sink of one replay's market messages: `publish` with the faults of `market` / `symbol` applied.
   * A depth fault counts only messages someone receives (`subscribed`), so a fault set before any
   * client connects (CLI `--fault`) is not used up on an empty stream.
   * @param symbol exchange symbol, e.g. `BTCUSDT`.
   * @param subscribed whether a canonical stream has a subscriber (default: always).
   */
  marketSink(
    market: SimMarket,
    symbol: string,
    publish: (m: StreamMessage) => void,
    subscribed: (stream: string) => boolean = () => true,
  ): (m: StreamMessage) => void {
    return (m) => {
      if (this.market.idle) publish(m);
      else if (!subscribed(m.stream) && !this.market.isStale(market, symbol)) publish(m);
      else this.market.filter(market, symbol, m, publish);
    };
  }

  /** A failure answer for this REST request if a `failRest` is pending for its path; consumes one. */
  takeRestFailure(path: string): ApiAnswer | undefined {
    const i = this.restRules.findIndex((r) => r.pathPrefix === undefined || path.startsWith(r.pathPrefix));
    const rule = this.restRules[i];
    if (rule === undefined) return undefined;
    if (--rule.left === 0) this.restRules.splice(i, 1);
    this.applied.restFailed++;
    return failureAnswer(rule);
  }

  /** The delay of this request's acknowledgement, if it is one and `delayAcks` is pending; consumes one. */
  ackDelay(method: string, path: string): { ms: number; stage: 'answer' | 'request' } | undefined {
    const d = this.ackRule;
    if (d === undefined || !ACK_ROUTES.has(`${method} ${path}`)) return undefined;
    if (--d.left <= 0) this.ackRule = undefined;
    this.applied.acksDelayed++;
    return { ms: d.ms, stage: d.stage };
  }

  /** The venue error for this new order if `rejectOrders` is pending; consumes one. */
  takeReject(market: SimMarket): ApiError | undefined {
    const r = this.rejects[0];
    if (r === undefined) return undefined;
    if (--r.left === 0) this.rejects.shift();
    this.applied.ordersRejected++;
    if (r.code !== undefined) return new ApiError(400, r.code, r.msg ?? 'Order rejected (injected fault).');
    if (market === 'usdm') return new ApiError(400, -2019, r.msg ?? 'Margin is insufficient.');
    const e = apiErrors.insufficientBalance();
    return r.msg === undefined ? e : new ApiError(400, e.code, r.msg);
  }
}

/**
 * The answer of an injected REST failure. Bodies are the venue's (Spot API "General API information"
 * and "Error codes"): 429 → -1003 with `Retry-After`; 500/502 → -1000 `An unknown error occured while
 * processing the request.` (sic, Binance's spelling); 503 → -1008 `Server is currently overloaded…`;
 * `body: 'gateway'` → the gateway's non-JSON page instead (a 5xx where the request never reached the
 * matching engine).
 */
function failureAnswer(rule: FailRestFault): ApiAnswer {
  if (rule.status === 429) {
    const e = apiErrors.tooManyRequests(rule.retryAfterSec ?? 1, 6000);
    return { status: 429, body: e.body(), headers: { 'Retry-After': String(e.retryAfterSec ?? 1) } };
  }
  if (rule.body === 'gateway') {
    const text =
      rule.status === 502
        ? 'Bad Gateway'
        : rule.status === 503
          ? 'Service Unavailable'
          : 'Internal Server Error';
    return {
      status: rule.status,
      body: undefined,
      text: `<html><body><h1>${rule.status} ${text}</h1></body></html>`,
    };
  }
  const body =
    rule.status === 503
      ? {
          code: -1008,
          msg: 'Server is currently overloaded with other requests. Please try again in a few minutes.',
        }
      : { code: -1000, msg: 'An unknown error occured while processing the request.' };
  return { status: rule.status, body };
}
