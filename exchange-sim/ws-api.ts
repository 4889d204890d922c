/**
 * The part of the spot WebSocket API (`/ws-api/v3`, Spot "WebSocket API") that ccxt pro 4.5 uses for
 * the user-data stream: `userDataStream.subscribe.signature` (signed with the account's key: params
 * `apiKey`, `timestamp`, optional `recvWindow`, `signature` = HMAC-SHA256 of the other params sorted
 * by name as `k=v&…`), `userDataStream.unsubscribe`, `ping` and `time`. Events then arrive on the same
 * connection as `{"subscriptionId": n, "event": {...}}`. Other methods answer status 400.
 */
import type { Instrument } from '../core/instrument.ts';
import type { Account } from './account.ts';
import { ApiError, apiErrors } from './api-error.ts';
import { checkTimestamp, hmacMatches, requireApiKey } from './signing.ts';
import { forwardUserData } from './user-stream.ts';

/** What one WS API connection needs. */
export interface WsApiContext {
  readonly accounts: ReadonlyMap<string, Account>;
  readonly instrumentOf: (symbol: string) => Instrument;
  readonly nowMs: () => number;
}

/** One WS API connection's state: its user-data subscriptions. */
export class WsApiSession {
  private readonly ctx: WsApiContext;
  private readonly send: (text: string) => void;
  private readonly stops = new Map<number, () => void>();
  private nextSubscriptionId = 0;

  constructor(ctx: WsApiContext, send: (text: string) => void) {
    this.ctx = ctx;
    this.send = send;
  }

  /** Handles one request message and sends its answer. */
  onMessage(text: string): void {
    let id: unknown = null;
    try {
      const req = parseRequest(text);
      id = req.id;
      const result = this.dispatch(req.method, req.params);
      this.send(JSON.stringify({ id, status: 200, result, rateLimits: [] }));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      this.send(JSON.stringify({ id, status: err.status, error: err.body(), rateLimits: [] }));
    }
  }

  /** Stops every subscription (the connection closed). */
  close(): void {
    for (const stop of this.stops.values()) stop();
    this.stops.clear();
  }

  private dispatch(method: string, params: Record<string, unknown>): unknown {
    switch (method) {
      case 'ping':
        return {};
      case 'time':
        return { serverTime: this.ctx.nowMs() };
      case 'userDataStream.subscribe.signature':
        return { subscriptionId: this.subscribe(this.verify(params)) };
      case 'userDataStream.unsubscribe': {
        const sid = params['subscriptionId'];
        for (const [k, stop] of this.stops) {
          if (sid === undefined || sid === k) {
            stop();
            this.stops.delete(k);
          }
        }
        return {};
      }
      default:
        throw new ApiError(
          400,
          -1100,
          `Illegal characters found in parameter 'method'; unsupported: ${method}`,
        );
    }
  }

  private verify(params: Record<string, unknown>): Account {
    const strings = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) strings.set(k, String(v));
    const apiKey = requireApiKey(strings.get('apiKey') ?? undefined, (k) => this.ctx.accounts.get(k)?.secret);
    checkTimestamp(strings, this.ctx.nowMs());
    const signature = strings.get('signature');
    if (signature === null) throw apiErrors.mandatory('signature');
    const payload = Object.keys(params)
      .filter((k) => k !== 'signature')
      .sort()
      .map((k) => `${k}=${String(params[k])}`)
      .join('&');
    const account = this.ctx.accounts.get(apiKey);
    if (account === undefined || !hmacMatches(account.secret, payload, signature))
      throw apiErrors.badSignature();
    return account;
  }

  private subscribe(account: Account): number {
    const sid = this.nextSubscriptionId++;
    const stop = forwardUserData(account, this.ctx.instrumentOf, (event) =>
      this.send(JSON.stringify({ subscriptionId: sid, event })),
    );
    this.stops.set(sid, stop);
    return sid;
  }
}

function parseRequest(text: string): { id: unknown; method: string; params: Record<string, unknown> } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ApiError(400, -1100, 'Illegal characters found in request: not JSON.');
  }
  if (typeof raw !== 'object' || raw === null) throw apiErrors.mandatory('method');
  const r = raw as Record<string, unknown>;
  const method = r['method'];
  if (typeof method !== 'string') throw apiErrors.mandatory('method');
  const params = r['params'];
  return {
    id: r['id'] ?? null,
    method,
    params:
      typeof params === 'object' && params !== null && !Array.isArray(params)
        ? (params as Record<string, unknown>)
        : {},
  };
}
