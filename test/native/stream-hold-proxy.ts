/**
 * A loopback TCP proxy in front of the exchange simulator that can hold back what the server sends on
 * its WebSocket connections: a network delay of the user-data stream, injected on the wire. The client
 * (the real ccxt pro.binance) talks to the proxy exactly as to the venue; REST passes untouched, so a
 * REST answer (cancel, order query) can overtake an execution report already sent by the venue — the
 * race Binance's user-data stream docs warn of ("events may arrive out of order relative to REST").
 *
 * A connection is a WebSocket one when its first request carries `Upgrade: websocket` (RFC 6455 §4.1).
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** The proxy: `url` (`http://127.0.0.1:PORT`) replaces the simulator's base URL. */
export interface StreamHoldProxy {
  readonly url: string;
  /** From now on, server→client bytes of WebSocket connections are queued, not sent. */
  hold(): void;
  /** Sends everything queued, in order, and stops holding. */
  release(): void;
  /** Bytes queued now (0 when nothing is held). */
  heldBytes(): number;
  close(): Promise<void>;
}

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
  ws: boolean;
  readonly queue: Buffer[];
}

/**
 * Starts a proxy to `target` (`http://host:port`).
 * @throws if `target` is not an http URL with a port.
 */
export async function startStreamHoldProxy(target: string): Promise<StreamHoldProxy> {
  const t = new URL(target);
  if (t.protocol !== 'http:' || t.port === '') throw new Error(`stream-hold proxy: bad target ${target}`);
  const pairs = new Set<Pair>();
  let holding = false;

  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: t.hostname, port: Number(t.port) });
    const pair: Pair = { client, upstream, ws: false, queue: [] };
    pairs.add(pair);
    let first = true;
    client.on('data', (chunk: Buffer) => {
      if (first) pair.ws = /\r\nupgrade:\s*websocket\r\n/i.test(chunk.toString('latin1'));
      first = false;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (holding && pair.ws) pair.queue.push(chunk);
      else client.write(chunk);
    });
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('stream-hold proxy: no port');

  return {
    url: `http://127.0.0.1:${addr.port}`,
    hold: () => {
      holding = true;
    },
    release: () => {
      holding = false;
      for (const p of pairs) for (const chunk of p.queue.splice(0)) p.client.write(chunk);
    },
    heldBytes: () => [...pairs].reduce((n, p) => n + p.queue.reduce((m, c) => m + c.length, 0), 0),
    close: async () => {
      for (const p of pairs) {
        p.client.destroy();
        p.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
