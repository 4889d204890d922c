/**
 * The engine's two HTTP endpoints on node:http:
 * - `GET /healthz` → the JSON health report; status 200 when healthy, 503 when not.
 * - `GET /metrics` → Prometheus text exposition from the run's prom-client registry.
 * Anything else → 404; methods other than GET/HEAD → 405.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

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
