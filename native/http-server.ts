/**
 * The engine's two HTTP endpoints on node:http:
 * - `GET /healthz` → the JSON health report; status 200 when healthy, 503 when not.
 * - `GET /metrics` → Prometheus text exposition from the run's prom-client registry.
 * - `POST /kill` (when a kill token is configured, else 404): the kill switch
 *   (docs/adr/0011-risk-layer.md). `Authorization: Bearer <token>`, compared in constant time; a
 *   missing or wrong token → 401. Optional JSON body `{"reason": "…", "by": "…"}` (≤ 4 KiB) → 202.
 *   The token is never logged nor echoed.
 * Anything else → 404; other methods → 405.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Secret } from './secret.ts';

/** Largest `POST /kill` body read, bytes. */
const MAX_KILL_BODY_BYTES = 4096;

/** What an authenticated `POST /kill` asks for. */
export interface KillRequest {
  /** Free text (body `reason`), default `POST /kill`. */
  readonly reason: string;
  /** Who (body `by`), default `http`. */
  readonly by: string;
}

/** The kill endpoint's settings. */
export interface KillEndpoint {
  /** The bearer token. */
  readonly token: Secret;
  /** Halts the engine and writes the latch; resolves once both are done. */
  readonly onKill: (request: KillRequest) => Promise<void>;
}

/** What `/healthz` serves: `healthy` picks 200 vs 503; `body` is sent as JSON. */
export interface HealthReport {
  readonly healthy: boolean;
  readonly body: Readonly<Record<string, unknown>>;
}

/** Options of `startHttpServer`. */
export interface HttpServerOptions {
  /** Bind host, e.g. `127.0.0.1`. */
  readonly host: string;
  /** Bind port; 0 = ephemeral. */
  readonly port: number;
  /** Called per `/healthz` request; must be cheap and must not throw. */
  readonly health: () => HealthReport;
  /** Registry rendered on `/metrics`. */
  readonly registry: Registry;
  /** Called before each `/metrics` render, e.g. to copy plain hot-path counters into the registry. */
  readonly beforeScrape?: () => void;
  /** `POST /kill`; absent: the path is 404. */
  readonly kill?: KillEndpoint;
}

/** A running server. */
export interface EngineHttpServer {
  /** The port actually bound (resolves port 0). */
  readonly port: number;
  /** Base URL, e.g. `http://127.0.0.1:9464`. */
  readonly url: string;
  /** Stops accepting, drops idle keep-alive connections, resolves when closed. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the health/metrics server.
 * @returns once listening.
 * @throws the listen error (e.g. EADDRINUSE) as the rejection.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<EngineHttpServer> {
  const server = createServer((req, res) => {
    handle(req, res, options).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error\n');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address: AddressInfo | string | null = server.address();
  if (address === null || typeof address === 'string')
    throw new Error('HTTP server is not bound to a TCP port');
  let closing: Promise<void> | undefined;
  return {
    port: address.port,
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${address.port}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, options: HttpServerOptions): Promise<void> {
  const path = (req.url ?? '/').split('?', 1)[0];
  if (path === '/kill') {
    if (options.kill !== undefined) {
      await handleKill(req, res, options.kill);
      return;
    }
    req.resume();
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
    res.end('method not allowed\n');
    return;
  }
  if (path === '/healthz') {
    const report = options.health();
    const body = JSON.stringify(report.body);
    res.writeHead(report.healthy ? 200 : 503, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  if (path === '/metrics') {
    options.beforeScrape?.();
    const text = await options.registry.metrics();
    res.writeHead(200, { 'content-type': options.registry.contentType });
    res.end(req.method === 'HEAD' ? undefined : text);
    return;
  }
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found\n');
}

async function handleKill(req: IncomingMessage, res: ServerResponse, kill: KillEndpoint): Promise<void> {
  if (req.method !== 'POST') {
    res.writeHead(405, { allow: 'POST', 'content-type': 'text/plain' });
    res.end('method not allowed\n');
    return;
  }
  if (!authorized(req.headers.authorization, kill.token)) {
    req.resume(); // drain the body unread
    res.writeHead(401, { 'www-authenticate': 'Bearer', 'content-type': 'text/plain' });
    res.end('unauthorized\n');
    return;
  }
  let body: unknown = {};
  try {
    const text = await readBody(req, MAX_KILL_BODY_BYTES);
    if (text.trim() !== '') body = JSON.parse(text);
  } catch {
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end('expected a JSON body of at most 4 KiB: {"reason": "...", "by": "..."}\n');
    return;
  }
  const field = (name: string, fallback: string): string => {
    const v = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
    return typeof v === 'string' && v.trim() !== '' ? v.trim().slice(0, 500) : fallback;
  };
  await kill.onKill({ reason: field('reason', 'POST /kill'), by: field('by', 'http') });
  res.writeHead(202, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ killed: true }));
}

/** Constant-time check of `Authorization: Bearer <token>` (digests compared, so lengths never leak). */
function authorized(header: string | undefined, token: Secret): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  const given = createHash('sha256')
    .update(match?.[1] ?? '')
    .digest();
  const expected = createHash('sha256').update(token.reveal()).digest();
  return timingSafeEqual(given, expected) && match !== null;
}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk instanceof Buffer ? chunk : Buffer.from(String(chunk));
    size += b.length;
    if (size > maxBytes) throw new RangeError('body too large');
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}
