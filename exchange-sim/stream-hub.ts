/**
 * Market-stream fan-out of one market (Spot API "WebSocket Streams"): raw streams on `/ws/<name>`,
 * combined streams on `/stream?streams=a/b` (each message wrapped as `{"stream","data"}`), and the live
 * `SUBSCRIBE` / `UNSUBSCRIBE` / `LIST_SUBSCRIPTIONS` requests on either connection (what ccxt pro uses:
 * it connects to `<ws>/<n>` and subscribes).
 *
 * Names are matched case-insensitively on the event part. Any `<symbol>@depth`, `@depth@100ms`,
 * `@depth@0ms`… subscription receives the recorded diff stream (spot records `@depth@100ms`, USDⓈ-M
 * `@depth@0ms`); combined messages carry the name the client subscribed with.
 */
import type { StreamMessage } from './symbol-replay.ts';

/** Where a subscriber's messages go. */
export interface StreamSink {
  send(text: string): void;
}

/** One connection's subscriptions: canonical name → the name the client used. */
export class StreamSubscriber {
  readonly combined: boolean;
  readonly sink: StreamSink;
  readonly names = new Map<string, string>();

  constructor(sink: StreamSink, combined: boolean) {
    this.sink = sink;
    this.combined = combined;
  }
}

/** The canonical stream of a client stream name; undefined if the simulator has no such stream. */
export function canonicalStream(name: string): string | undefined {
  const m = /^([a-z0-9]+)@(depth(?:@\d+ms)?|trade|aggtrade|bookticker)$/.exec(name.toLowerCase());
  if (m === null || m[1] === undefined || m[2] === undefined) return undefined;
  const kind = m[2].startsWith('depth')
    ? 'depth'
    : m[2] === 'aggtrade'
      ? 'aggTrade'
      : m[2] === 'bookticker'
        ? 'bookTicker'
        : 'trade';
  return `${m[1]}@${kind}`;
}

/** Subscribers of one market's streams. */
export class StreamHub {
  private readonly byStream = new Map<string, Set<StreamSubscriber>>();

  /** Subscribes to the names the simulator knows; unknown names are ignored (as the venue does). */
  subscribe(sub: StreamSubscriber, names: readonly string[]): void {
    for (const name of names) {
      const c = canonicalStream(name);
      if (c === undefined) continue;
      sub.names.set(c, name);
      let set = this.byStream.get(c);
      if (set === undefined) {
        set = new Set();
        this.byStream.set(c, set);
      }
      set.add(sub);
    }
  }

  unsubscribe(sub: StreamSubscriber, names: readonly string[]): void {
    for (const name of names) {
      const c = canonicalStream(name);
      if (c === undefined) continue;
      sub.names.delete(c);
      this.byStream.get(c)?.delete(sub);
    }
  }

  /** Drops every subscription of a closed connection. */
  remove(sub: StreamSubscriber): void {
    this.unsubscribe(sub, [...sub.names.keys()]);
  }

  /** Whether a canonical stream (`btcusdt@depth`) has a subscriber. */
  hasSubscribers(stream: string): boolean {
    return (this.byStream.get(stream)?.size ?? 0) > 0;
  }

  /** Sends one replayed message to its subscribers (serialised once). */
  publish(msg: StreamMessage): void {
    const set = this.byStream.get(msg.stream);
    if (set === undefined || set.size === 0) return;
    const data = JSON.stringify(msg.payload);
    for (const sub of set) {
      if (!sub.combined) sub.sink.send(data);
      else
        sub.sink.send(`{"stream":${JSON.stringify(sub.names.get(msg.stream) ?? msg.stream)},"data":${data}}`);
    }
  }

  /**
   * Answers one client request on a stream connection (Binance "Live subscribing/unsubscribing").
   * @returns the JSON answer text.
   */
  handleRequest(sub: StreamSubscriber, text: string): string {
    let req: unknown;
    try {
      req = JSON.parse(text);
    } catch {
      return JSON.stringify({ error: { code: 3, msg: 'Invalid JSON: expected value at line 1 column 1' } });
    }
    const r = typeof req === 'object' && req !== null ? (req as Record<string, unknown>) : {};
    const id = r['id'] ?? null;
    const params = Array.isArray(r['params'])
      ? r['params'].filter((p): p is string => typeof p === 'string')
      : [];
    switch (r['method']) {
      case 'SUBSCRIBE':
        this.subscribe(sub, params);
        return JSON.stringify({ result: null, id });
      case 'UNSUBSCRIBE':
        this.unsubscribe(sub, params);
        return JSON.stringify({ result: null, id });
      case 'LIST_SUBSCRIPTIONS':
        return JSON.stringify({ result: [...sub.names.values()], id });
      default:
        return JSON.stringify({ error: { code: 2, msg: 'Invalid request: unknown variant' }, id });
    }
  }
}
