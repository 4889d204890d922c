/**
 * The simulator's network glue (node:http, and `ws` for the WebSocket endpoints):
 *
 *   HTTP  /api/v3/…            spot REST (./spot-api.ts)
 *         /fapi/…              USDⓈ-M REST market data (./usdm-api.ts); anything else 404, empty body
 *   WS    /ws, /ws/<a>/<b>…    spot raw streams; a path part that is a listen key streams that account's user data
 *         /stream?streams=a/b  spot combined streams
 *         /ws-api/v3           spot WebSocket API (user-data subscription, ./ws-api.ts)
 *         /fstream[/public|/market|/private]/ws…, …/stream   USDⓈ-M streams (ccxt rewrites `…/ws` to
 *                              `…/public/ws`); a listen key (path part or `?listenKey=`) streams user data
 *   HTTP  /admin/…             loopback-only fault injection and ledger (./admin-api.ts)
 *
 * Injected faults (./faults.ts) act here on the wire: REST failures and delayed acknowledgements before
 * and after the handlers, abrupt WebSocket terminations (every connection is tracked).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Instrument } from '../core/instrument.ts';
import { ADMIN_PREFIX, handleAdminRequest, type AdminContext } from './admin-api.ts';
import type { FaultInjector, SimMarket } from './faults.ts';
import type { ApiAnswer, ApiRequest } from './http-types.ts';
import { NOT_FOUND } from './http-types.ts';
import { handleSpotRequest, type SpotContext } from './spot-api.ts';
import { handleUsdmRequest, type UsdmContext } from './usdm-api.ts';
import { StreamHub, StreamSubscriber } from './stream-hub.ts';
import { forwardFuturesUserData, forwardUserData } from './user-stream.ts';
import { WsApiSession } from './ws-api.ts';

/** Largest request body read, bytes. */
const MAX_BODY_BYTES = 1 << 20;
/** Largest client WebSocket message accepted, bytes (Binance requests are tiny; larger: close 1009). */
const MAX_MESSAGE_BYTES = 1 << 20;
/** A client that lets this much unsent data pile up is disconnected (Binance drops slow consumers). */
const MAX_BUFFERED_BYTES = 64 << 20;

/** Everything the server serves. */
export interface ServerContext {
  readonly spot: SpotContext;
  readonly spotHub: StreamHub;
  readonly usdm: UsdmContext;
  readonly usdmHub: StreamHub;
  /** Spot instruments by symbol (user-data events). */
  readonly instrumentOf: (symbol: string) => Instrument;
  readonly faults: FaultInjector;
  readonly admin: AdminContext;
}

/** The server and a way to end its WebSocket connections (node:http no longer tracks upgraded sockets). */
export interface SimServer {
  readonly server: Server;
  destroyUpgraded(): void;
}

/** A node:http server answering the simulator's endpoints (not yet listening). */
export function createSimServer(ctx: ServerContext): SimServer {
  const upgraded = new Set<Duplex>();
  // No compression (Binance streams are uncompressed); ping frames are answered by `ws` itself.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    perMessageDeflate: false,
  });
  const server = createServer((req, res) => {
    void readBody(req)
      .then((body) => answerWithFaults(ctx, req, body))
      .then((a) => writeAnswer(res, a))
      .catch((err: unknown) => {
        writeAnswer(res, {
          status: 500,
          body: { code: -1000, msg: err instanceof Error ? err.message : String(err) },
        });
      });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgraded.add(socket);
    socket.on('close', () => upgraded.delete(socket));
    upgrade(ctx, wss, req, socket, head);
  });
  return {
    server,
    destroyUpgraded: () => {
      for (const s of upgraded) s.destroy();
      upgraded.clear();
    },
  };
}

/** The answer, after the injected REST failure or acknowledgement delay of this request, if any. */
async function answerWithFaults(ctx: ServerContext, req: IncomingMessage, body: string): Promise<ApiAnswer> {
  const apiReq = apiRequestOf(req, body);
  if (apiReq.path.startsWith(ADMIN_PREFIX)) return handleAdminRequest(ctx.admin, apiReq);
  const failure = ctx.faults.takeRestFailure(apiReq.path);
  if (failure !== undefined) return failure;
  const delay = ctx.faults.ackDelay(apiReq.method, apiReq.path);
  if (delay?.stage === 'request') await sleepMs(delay.ms);
  const a = answer(ctx, apiReq);
  if (delay?.stage === 'answer') await sleepMs(delay.ms);
  return a;
}

function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function apiRequestOf(req: IncomingMessage, body: string): ApiRequest {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const header = req.headers['x-mbx-apikey'];
  return {
    method: req.method ?? 'GET',
    path: q < 0 ? url : url.slice(0, q),
    query: q < 0 ? '' : url.slice(q + 1),
    body,
    apiKeyHeader: typeof header === 'string' ? header : undefined,
    clientAddress: req.socket.remoteAddress ?? '',
  };
}

function answer(ctx: ServerContext, apiReq: ApiRequest): ApiAnswer {
  if (apiReq.path.startsWith('/api/v3/')) return handleSpotRequest(ctx.spot, apiReq);
  if (apiReq.path.startsWith('/fapi/')) return handleUsdmRequest(ctx.usdm, apiReq);
  return NOT_FOUND;
}

function writeAnswer(res: ServerResponse, a: ApiAnswer): void {
  const headers: Record<string, string> = { ...a.headers };
  if (a.body === undefined) {
    if (a.text === undefined) res.writeHead(a.status, headers).end();
    else res.writeHead(a.status, { ...headers, 'Content-Type': 'text/html' }).end(a.text);
    return;
  }
  headers['Content-Type'] = 'application/json;charset=UTF-8';
  res.writeHead(a.status, headers).end(JSON.stringify(a.body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) req.destroy(new Error('request body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Stream endpoints: spot `/ws…`, `/stream`; USDⓈ-M the same under `/fstream`, `/fstream/public`, `/fstream/market`. */
const STREAM_PATH = /^(\/fstream(?:\/public|\/market|\/private)?)?\/(ws|stream)(?:\/(.*))?$/;

function upgrade(
  ctx: ServerContext,
  wss: WebSocketServer,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname;
  const m = STREAM_PATH.exec(path);
  if (path !== '/ws-api/v3' && (m === null || (m[2] === 'stream' && m[3] !== undefined))) {
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
    return;
  }
  // `ws` answers 400 to a request that is not a WebSocket handshake.
  wss.handleUpgrade(req, socket, head, (ws) => {
    if (m === null) {
      track(ctx, ws, 'spot', false, true);
      serveWsApi(ctx, ws);
    } else serveStreams(ctx, ws, m, url);
  });
}

/** Registers a connection with the fault injector (disconnect faults) until it closes. */
function track(
  ctx: ServerContext,
  ws: WebSocket,
  market: SimMarket,
  marketStreams: boolean,
  userStreams: boolean,
): void {
  const untrack = ctx.faults.trackConnection({
    market,
    marketStreams,
    userStreams,
    terminate: () => ws.terminate(),
  });
  ws.on('close', untrack);
}

/** The spot WebSocket API (`/ws-api/v3`). */
function serveWsApi(ctx: ServerContext, ws: WebSocket): void {
  const session = new WsApiSession(
    { accounts: ctx.spot.accounts, instrumentOf: ctx.instrumentOf, nowMs: ctx.spot.nowMs },
    textSender(ws),
  );
  onText(ws, (t) => session.onMessage(t));
  ws.on('close', () => session.close());
}

/** Market (and listen-key user-data) streams; `m` is the match of `STREAM_PATH`. */
function serveStreams(ctx: ServerContext, ws: WebSocket, m: RegExpExecArray, url: URL): void {
  const conn = { send: textSender(ws) };
  const spot = m[1] === undefined;
  const isWs = m[2] === 'ws';
  const hub = spot ? ctx.spotHub : ctx.usdmHub;
  const sub = new StreamSubscriber(conn, !isWs);
  const stops: Array<() => void> = [];
  const parts = isWs ? (m[3] ?? '').split('/') : (url.searchParams.get('streams') ?? '').split('/');
  const listenKeyParam = url.searchParams.get('listenKey');
  if (listenKeyParam !== null) parts.push(listenKeyParam);
  const names: string[] = [];
  for (const part of parts.filter((p) => p !== '')) {
    const send = isWs
      ? (ev: Record<string, unknown>) => conn.send(JSON.stringify(ev))
      : (ev: Record<string, unknown>) => conn.send(JSON.stringify({ stream: part, data: ev }));
    const stop = spot ? spotUserData(ctx, part, send) : futuresUserData(ctx, part, send);
    if (stop === undefined) names.push(part);
    else stops.push(stop);
  }
  hub.subscribe(sub, names);
  track(ctx, ws, spot ? 'spot' : 'usdm', stops.length === 0 || names.length > 0, stops.length > 0);
  onText(ws, (t) => conn.send(hub.handleRequest(sub, t)));
  ws.on('close', () => {
    hub.remove(sub);
    for (const stop of stops) stop();
  });
}

/** Sends text frames while the connection is open; a client this far behind is dropped. */
function textSender(ws: WebSocket): (text: string) => void {
  return (text) => {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) ws.terminate();
    else ws.send(text);
  };
}

/** Calls `handle` with every client message (binary ones decoded as UTF-8, as text). */
function onText(ws: WebSocket, handle: (text: string) => void): void {
  // A protocol error (bad frame, message over maxPayload) closes the connection; 'close' follows.
  ws.on('error', () => {});
  ws.on('message', (data: RawData) => handle(rawText(data)));
}

function rawText(data: RawData): string {
  const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
  return buf.toString('utf8');
}

type Send = (ev: Record<string, unknown>) => void;

/** Spot user data if `listenKey` is one; undefined otherwise. */
function spotUserData(ctx: ServerContext, listenKey: string, send: Send): (() => void) | undefined {
  const apiKey = ctx.spot.listenKeys.apiKeyOf(listenKey);
  const account = apiKey === undefined ? undefined : ctx.spot.accounts.get(apiKey);
  return account === undefined ? undefined : forwardUserData(account, ctx.instrumentOf, send);
}

/** USDⓈ-M user data if `listenKey` is one; undefined otherwise. */
function futuresUserData(ctx: ServerContext, listenKey: string, send: Send): (() => void) | undefined {
  const apiKey = ctx.usdm.listenKeys.apiKeyOf(listenKey);
  const account = apiKey === undefined ? undefined : ctx.usdm.accounts.get(apiKey);
  if (account === undefined) return undefined;
  const instrumentOf = (symbol: string): Instrument => {
    const ins = ctx.usdm.replays.get(symbol)?.instrument;
    if (ins === undefined) throw new Error(`no USDⓈ-M session of ${symbol}`);
    return ins;
  };
  return forwardFuturesUserData(account, instrumentOf, send);
}
