/**
 * Venue benchmark: the exchange simulator (exchange-sim/, docs/adr/0012) on loopback, three figures.
 *
 *  - simMessagesPerSec: market-data messages per second delivered to two concurrent raw WebSocket
 *    clients (each in its own worker thread, so the clients do not share the simulator's event loop) on
 *    the combined stream `btcusdt@depth@100ms/btcusdt@trade/btcusdt@bookTicker`, the replay stepped as
 *    fast as the clients keep up (at most WINDOW messages in flight per client; the session is looped).
 *    Sum over both clients, over `streamSeconds` of wall time after a warm-up second.
 *  - orderRoundTripMs {p50, p99}: ccxt pro.binance `createOrder` (post-only LIMIT_MAKER 1000 USDT under
 *    the best bid) → resolved, n orders one after another, each cancelled after (untimed).
 *  - engineDecisionToSendUs {p99}: the real `QuotingEngine` and `CcxtVenue` (native/venues/ccxt-venue.ts)
 *    over the recorded events, the simulator's replay kept at the same exchange time: from
 *    `engine.onMarketEvent(ev)` entry to the wrapped client's `createOrder` being called (the venue
 *    issues it synchronously inside the event). Each event waits for the previous orders' answers.
 *
 * Run: `npm run bench:venue`. Last stdout line:
 *   {"simMessagesPerSec":…,"orderRoundTripMs":{"p50":…,"p99":…},"engineDecisionToSendUs":{"p99":…}}
 * Data: env MMFLOW_DATA_DIR, default `<repo>/../shared/data`.
 */
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import ccxt from 'ccxt';
import { dataDir as recordedDataDir } from '../app/paths.ts';
import { QuotingEngine } from '../core/engine/quoting-engine.ts';
import { engineParamsFor } from '../core/engine/engine-params.ts';
import type { VenueReport } from '../core/engine/venue-port.ts';
import { ManualClock, type Clock } from '../core/ports.ts';
import { OrderExecutor } from '../core/quoting/executor.ts';
import { createQuoter } from '../core/quoting/factory.ts';
import { DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT } from '../core/quoting/model-params.ts';
import { quotePerTickLot } from '../core/sim/fees.ts';
import { startExchangeSimulator, type ExchangeSim } from '../exchange-sim/simulator.ts';
import type { SymbolReplay } from '../exchange-sim/symbol-replay.ts';
import { ccxtBinanceConfig } from '../exchange-sim/urls.ts';
import { silentLog } from '../infra/log.ts';
import { CcxtVenue, type CcxtTradingClient } from '../native/venues/ccxt-venue.ts';
import { listSessions, loadSessionEvents } from '../venues/binance/recorded.ts';
import { instrumentForSession } from '../venues/instruments.ts';
import { readCpuTimes, stealPct } from './host-cpu.ts';

const SESSION = 'binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z';
const API_KEY = 'bench';
const SECRET = 'bench-secret';
/** Messages a client may have outstanding (sent, not yet counted) before the replay waits. */
const WINDOW = 20_000;
const WARMUP_ORDERS = 50;
/** Placing events whose samples are dropped (JIT warm-up of engine, venue adapter and ccxt). */
const WARMUP_ENGINE_SAMPLES = 100;
const STREAMS = 'btcusdt@depth@100ms/btcusdt@trade/btcusdt@bookTicker';

/** Figures of the last output line. */
export interface VenueBenchResult {
  readonly simMessagesPerSec: number;
  readonly orderRoundTripMs: { readonly p50: number; readonly p99: number };
  readonly engineDecisionToSendUs: { readonly p99: number | null };
}

/** Options of {@link runVenueBench}. */
export interface VenueBenchOptions {
  readonly dataDir?: string;
  /** Measured stream time, s (default 5). */
  readonly streamSeconds?: number;
  /** Orders timed (default 300). */
  readonly orders?: number;
  /** Engine samples wanted after 100 warm-up ones (default 1000; fewer if the session gives fewer). */
  readonly engineSamples?: number;
  readonly log?: (line: string) => void;
}

/** Runs the three measurements (module doc). @throws Error if the session is missing. */
export async function runVenueBench(opts: VenueBenchOptions = {}): Promise<VenueBenchResult> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const dataDir = opts.dataDir ?? recordedDataDir();
  const sim = await startExchangeSimulator({
    dataDir,
    sessions: [SESSION],
    speed: 1,
    loop: false,
    port: 0,
    host: '127.0.0.1',
    accounts: [{ apiKey: API_KEY, secret: SECRET, balances: { BTC: 1000, USDT: 100_000_000 } }],
    limits: { weightPerMinute: 1e9, ordersPer10s: 1e9 },
    manual: true,
  });
  try {
    const replay = sim.replays.get('BTCUSDT');
    if (replay === undefined) throw new Error(`session ${SESSION} not found in ${dataDir}`);
    log(`venue bench: ${SESSION} served on ${sim.urls.http}`);
    const host0 = readCpuTimes();
    const load0 = loadavg()[0] ?? 0;
    const simMessagesPerSec = await streamThroughput(sim, replay, opts.streamSeconds ?? 5, log);
    const orderRoundTripMs = await orderRoundTrip(sim, replay, opts.orders ?? 300, log);
    const engineDecisionToSendUs = await engineDecisionToSend(
      sim,
      replay,
      dataDir,
      opts.engineSamples ?? 1000,
      log,
    );
    const steal = stealPct(host0, readCpuTimes());
    log(
      `host: load average ${load0.toFixed(2)} → ${(loadavg()[0] ?? 0).toFixed(2)} (1 min, 2 vCPU), ` +
        (steal === undefined ? 'CPU steal not available' : `CPU steal ${steal.toFixed(1)} %`) +
        '; the tails (p99) move with other processes on a shared VM',
    );
    return { simMessagesPerSec, orderRoundTripMs, engineDecisionToSendUs };
  } finally {
    await sim.close();
  }
}

/** A raw WebSocket client in a worker thread; posts its message count every 256 messages and on close. */
const CLIENT_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const WebSocket = require(workerData.wsPath);
const ws = new WebSocket(workerData.url, { perMessageDeflate: false });
let n = 0;
ws.on('open', () => parentPort.postMessage({ open: true, n }));
ws.on('message', () => { if ((++n & 255) === 0) parentPort.postMessage({ n }); });
parentPort.on('message', () => { parentPort.postMessage({ n, final: true }); ws.terminate(); });
`;

interface ClientLane {
  readonly worker: Worker;
  received: number;
}

async function streamThroughput(
  sim: ExchangeSim,
  replay: SymbolReplay,
  seconds: number,
  log: (line: string) => void,
): Promise<number> {
  const wsPath = createRequire(import.meta.url).resolve('ws');
  const url = `${sim.urls.http.replace('http', 'ws')}/stream?streams=${STREAMS}`;
  let wake: (() => void) | undefined;
  const lanes: ClientLane[] = [0, 1].map(() => {
    const worker = new Worker(CLIENT_SOURCE, { eval: true, workerData: { url, wsPath } });
    const lane: ClientLane = { worker, received: 0 };
    worker.on('message', (m: { n: number }) => {
      lane.received = m.n;
      wake?.();
    });
    return lane;
  });
  const waitMessage = (): Promise<void> => new Promise((resolve) => (wake = resolve));
  while (sim.faults.status().connections < 2) await waitMessage();
  let sent = 0;
  const counted = new Set(['btcusdt@depth', 'btcusdt@trade', 'btcusdt@bookTicker']);
  const stop = replay.addListener((m) => {
    if (counted.has(m.stream)) sent++;
  });
  const t0 = performance.now();
  let mark: { t: number; received: number } | undefined;
  const total = (): number => lanes.reduce((s, l) => s + l.received, 0);
  for (;;) {
    const now = performance.now();
    if (mark === undefined && now - t0 >= 1000) mark = { t: now, received: total() };
    if (mark !== undefined && now - mark.t >= seconds * 1000) break;
    const behind = sent - Math.min(...lanes.map((l) => l.received));
    if (behind > WINDOW) {
      await waitMessage();
      continue;
    }
    for (let i = 0; i < 256; i++) if (!replay.step()) replay.restart();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const end = performance.now();
  const rate = (total() - (mark?.received ?? 0)) / ((end - (mark?.t ?? t0)) / 1000);
  stop();
  for (const l of lanes) {
    l.worker.postMessage('stop');
    await l.worker.terminate();
  }
  log(
    `market data: ${Math.round(rate).toLocaleString('en-US')} messages/s to 2 clients over ${seconds} s ` +
      `(${replay.loops} loop passes; ${sent.toLocaleString('en-US')} messages per client in all)`,
  );
  return Math.round(rate);
}

type Binance = InstanceType<typeof ccxt.pro.binance>;

function client(sim: ExchangeSim): Binance {
  return new ccxt.pro.binance({
    ...ccxtBinanceConfig(sim.urls),
    apiKey: API_KEY,
    secret: SECRET,
    enableRateLimit: false,
  });
}

async function orderRoundTrip(
  sim: ExchangeSim,
  replay: SymbolReplay,
  n: number,
  log: (line: string) => void,
): Promise<{ p50: number; p99: number }> {
  const c = client(sim);
  try {
    await c.loadMarkets();
    const bid = Number(replay.depthSnapshot(1).bids[0]?.[0]);
    const price = Math.floor(bid - 1000);
    const samples: number[] = [];
    for (let i = 0; i < n + WARMUP_ORDERS; i++) {
      const t0 = performance.now();
      const o = await c.createOrder('BTC/USDT', 'limit', 'buy', 0.001, price, { postOnly: true });
      const dt = performance.now() - t0;
      if (i >= WARMUP_ORDERS) samples.push(dt);
      await c.cancelOrder(String(o.id), 'BTC/USDT');
    }
    const p50 = round3(percentile(samples, 0.5));
    const p99 = round3(percentile(samples, 0.99));
    log(
      `order round trip (ccxt createOrder → resolved, n=${n} after ${WARMUP_ORDERS} warm-up): p50 ${p50} ms, ` +
        `p90 ${round3(percentile(samples, 0.9))} ms, p99 ${p99} ms, max ${round3(percentile(samples, 1))} ms`,
    );
    return { p50, p99 };
  } finally {
    await c.close();
  }
}

async function engineDecisionToSend(
  sim: ExchangeSim,
  replay: SymbolReplay,
  dataDir: string,
  wanted: number,
  log: (line: string) => void,
): Promise<{ p99: number | null }> {
  const session = listSessions(dataDir).find((s) => s.prefix === SESSION);
  if (session === undefined) throw new Error(`session ${SESSION} not found in ${dataDir}`);
  const instrument = instrumentForSession(session);
  const events = await loadSessionEvents(session, instrument);
  // A fresh pass of the simulator's replay, so its book follows the engine's events.
  replay.restart();
  const real = client(sim);
  await real.loadMarkets();
  let sentAtNs: bigint | undefined;
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    void p.then(
      () => inFlight.delete(p),
      () => inFlight.delete(p),
    );
    return p;
  };
  // The real client, with createOrder stamped and every order call tracked (whatever else the venue
  // calls — order queries, the own-trades stream — goes to the client as is).
  const stampedCreate: Binance['createOrder'] = (...args) => {
    sentAtNs ??= process.hrtime.bigint();
    return track(real.createOrder(...args));
  };
  const trackedCancel: Binance['cancelOrder'] = (...args) => track(real.cancelOrder(...args));
  const wrapped: CcxtTradingClient = new Proxy(real, {
    get(target, prop) {
      if (prop === 'createOrder') return stampedCreate;
      if (prop === 'cancelOrder') return trackedCancel;
      const v: unknown = Reflect.get(target, prop);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  const clock = new ManualClock(0);
  const reports = new Map<string, number>();
  const wall: Clock = { nowUs: () => Math.floor(performance.timeOrigin * 1000 + performance.now() * 1000) };
  const venue = new CcxtVenue({
    client: wrapped,
    instrument,
    clock: wall,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    log: silentLog,
    // Reports come after an await, once `engine` below exists.
    onReport: (r: VenueReport) => {
      reports.set(r.type, (reports.get(r.type) ?? 0) + 1);
      engine.onVenueReport(r);
    },
    onListenerError: (err) => {
      throw err;
    },
    secrets: [],
  });
  const params = DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT;
  const engine = new QuotingEngine({
    market: session.market,
    clock,
    quoter: createQuoter(params),
    executor: new OrderExecutor('bench'),
    venue,
    params: engineParamsFor(params),
    quotePerTickLot: quotePerTickLot(instrument),
  });
  const samplesNs: number[] = [];
  let used = 0;
  try {
    for (const ev of events) {
      if (samplesNs.length >= wanted + WARMUP_ENGINE_SAMPLES) break;
      used++;
      if (ev.exchTimeMs !== undefined) {
        clock.advanceTo(ev.exchTimeMs * 1000);
        while (replay.nextRecvUs !== undefined && replay.exchTimeMs < ev.exchTimeMs) replay.step();
      }
      sentAtNs = undefined;
      const t0 = process.hrtime.bigint();
      engine.onMarketEvent(ev);
      if (sentAtNs !== undefined) samplesNs.push(Number(sentAtNs - t0));
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    }
  } finally {
    venue.stop();
    await real.close();
  }
  samplesNs.splice(0, WARMUP_ENGINE_SAMPLES);
  if (samplesNs.length === 0) {
    log('engine decision → send: no order was placed; null');
    return { p99: null };
  }
  const p99 = round3(percentile(samplesNs, 0.99) / 1000);
  log(
    `engine decision → send (onMarketEvent entry → ccxt createOrder called): p50 ${round3(percentile(samplesNs, 0.5) / 1000)} µs, ` +
      `p99 ${p99} µs over ${samplesNs.length} placing events after ${WARMUP_ENGINE_SAMPLES} warm-up (${used} events replayed; ${engine.counters.events} seen by the engine; venue reports ${JSON.stringify(Object.fromEntries(reports))})`,
  );
  return { p99 };
}

function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = await runVenueBench();
  console.log(JSON.stringify(result));
}
