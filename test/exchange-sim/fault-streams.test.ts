// Injected stream faults seen on the wire: a raw `ws` client on the combined depth stream sees the
// dropped, duplicated and reordered diffs as U/u gaps (spot) and pu breaks (USDⓈ-M) while the
// simulator's own book applies every diff; a stale feed sends nothing for its period and then resumes
// with a gap; a disconnect ends ccxt's pending watch with NetworkError and a new watch works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import ccxt from 'ccxt';
import type { ExchangeSim } from '../../exchange-sim/simulator.ts';
import type { SymbolReplay } from '../../exchange-sim/symbol-replay.ts';
import { ccxtBinanceConfig } from '../../exchange-sim/urls.ts';
import { skipWithout } from '../setup/require.ts';
import {
  ACCOUNT_A,
  missingSession,
  missingSpotData,
  pollUntil,
  pumpUntil,
  startManualSim,
  USDM_SESSION,
} from './helpers.ts';

const skip = skipWithout(missingSpotData, 'exchange-sim stream faults');
const skipUsdm = skipWithout(missingSession(USDM_SESSION), 'exchange-sim USDⓈ-M stream faults');

interface Diff {
  readonly U: number;
  readonly u: number;
  readonly pu?: number;
}

/** A raw combined-stream client collecting the depth diffs it receives. */
async function depthClient(url: string): Promise<{ ws: WebSocket; got: Diff[] }> {
  const ws = new WebSocket(url);
  const got: Diff[] = [];
  ws.on('message', (data: Buffer) => {
    const m = JSON.parse(data.toString('utf8')) as { data: Diff };
    got.push({ U: m.data.U, u: m.data.u, ...(m.data.pu === undefined ? {} : { pu: m.data.pu }) });
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, got };
}

/** Resolves `p` while stepping the replay a few lines every 2 ms (at most `deadlineMs` of wall time). */
async function pumpOnWallClock<T>(replay: SymbolReplay, p: Promise<T>, deadlineMs = 20_000): Promise<T> {
  let settled = false;
  const guarded = p.finally(() => {
    settled = true;
  });
  const end = Date.now() + deadlineMs;
  while (!settled && Date.now() < end) {
    for (let i = 0; i < 5; i++) replay.step();
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return guarded;
}

/** Collects the diffs the replay itself emits (before any fault) on `stream`. */
function recordDiffs(replay: SymbolReplay, stream: string): Diff[] {
  const all: Diff[] = [];
  replay.addListener((m) => {
    if (m.stream !== stream) return;
    const p = m.payload;
    all.push({
      U: Number(p['U']),
      u: Number(p['u']),
      ...(p['pu'] === undefined ? {} : { pu: Number(p['pu']) }),
    });
  });
  return all;
}

describe.skipIf(skip)('exchange simulator faults: spot depth stream', () => {
  let sim: ExchangeSim;
  let replay: SymbolReplay;
  let recorded: Diff[];
  let client: { ws: WebSocket; got: Diff[] };

  beforeAll(async () => {
    sim = await startManualSim();
    const r = sim.replays.get('BTCUSDT');
    if (r === undefined) throw new Error('no BTCUSDT replay');
    replay = r;
    recorded = recordDiffs(replay, 'btcusdt@depth');
    client = await depthClient(`${sim.urls.http.replace('http', 'ws')}/stream?streams=btcusdt@depth@100ms`);
    expect(await pollUntil(() => sim.faults.status().connections === 1)).toBe(true);
  });

  afterAll(async () => {
    client?.ws.close();
    await sim?.close();
  });

  /** Steps until `n` more diffs were emitted, then waits for the client to have `expected` more. */
  async function phase(n: number, expected: number): Promise<{ sent: Diff[]; got: Diff[] }> {
    const r0 = recorded.length;
    const g0 = client.got.length;
    expect(await pumpUntil(replay, () => recorded.length >= r0 + n, 100_000, 1)).toBe(true);
    expect(await pollUntil(() => client.got.length >= g0 + expected)).toBe(true);
    return { sent: recorded.slice(r0), got: client.got.slice(g0) };
  }

  it('the unfaulted stream is a contiguous chain (U = previous u + 1)', async () => {
    const { sent, got } = await phase(4, 4);
    expect(got).toEqual(sent);
    for (let i = 1; i < sent.length; i++) expect(sent[i]?.U).toBe((sent[i - 1]?.u ?? 0) + 1);
  });

  it('drop: the next 3 diffs are not sent; the client sees U > previous u + 1; the book applied them', async () => {
    const before = client.got.at(-1);
    sim.faults.depth({ drop: 3 });
    const { sent, got } = await phase(5, 2);
    expect(got).toEqual(sent.slice(3));
    expect(got[0]?.U).toBe((sent[2]?.u ?? 0) + 1);
    expect(got[0]?.U).toBeGreaterThan((before?.u ?? 0) + 1);
    expect(replay.updateId).toBe(sent.at(-1)?.u);
    expect(sim.faults.status().applied.depthDropped).toBe(3);
  });

  it('duplicate: the next 2 diffs arrive twice (the second copy has U ≤ the previous u)', async () => {
    sim.faults.depth({ duplicate: 2 });
    const { sent, got } = await phase(3, 5);
    expect(got).toEqual([sent[0], sent[0], sent[1], sent[1], sent[2]]);
    expect(got[1]?.U).toBeLessThanOrEqual(got[0]?.u ?? 0);
  });

  it('reorder: adjacent pairs are swapped; the client sees an id going back', async () => {
    sim.faults.depth({ reorder: 1 });
    const { sent, got } = await phase(3, 3);
    expect(got).toEqual([sent[1], sent[0], sent[2]]);
    expect(got[1]?.u).toBeLessThan(got[0]?.U ?? 0);
  });

  it('stale feed: nothing is sent for the period, the replay advances, then the stream resumes with a gap', async () => {
    const g0 = client.got.length;
    const r0 = recorded.length;
    sim.faults.staleFeed({ ms: 400, market: 'spot' });
    // Synchronous steps: they all run inside the stale period.
    for (let i = 0; i < 200; i++) replay.step();
    const staleSent = recorded.length - r0;
    expect(staleSent).toBeGreaterThan(0);
    expect(await pollUntil(() => sim.faults.status().pending.staleMsLeft === 0)).toBe(true);
    expect(client.got.length).toBe(g0);
    const { sent, got } = await phase(2, 2);
    expect(got).toEqual(sent);
    expect(got[0]?.U).toBeGreaterThan((client.got[g0 - 1]?.u ?? 0) + 1);
    expect(sim.faults.status().applied.staleDropped).toBeGreaterThanOrEqual(staleSent);
  });
});

describe.skipIf(skipUsdm)('exchange simulator faults: USDⓈ-M depth stream', () => {
  it('drop: the client sees pu ≠ previous u', async () => {
    const sim = await startManualSim([ACCOUNT_A], undefined, [USDM_SESSION]);
    const replay = sim.usdmReplays.get('ETHUSDT');
    if (replay === undefined) throw new Error('no ETHUSDT replay');
    const recorded = recordDiffs(replay, 'ethusdt@depth');
    const c = await depthClient(
      `${sim.urls.http.replace('http', 'ws')}/fstream/stream?streams=ethusdt@depth@100ms`,
    );
    try {
      expect(await pollUntil(() => sim.faults.status().connections === 1)).toBe(true);
      expect(await pumpUntil(replay, () => recorded.length >= 2, 100_000, 1)).toBe(true);
      sim.faults.depth({ drop: 2, market: 'usdm', symbol: 'ETHUSDT' });
      expect(await pumpUntil(replay, () => recorded.length >= 6, 100_000, 1)).toBe(true);
      expect(await pollUntil(() => c.got.length >= 4)).toBe(true);
      expect(c.got).toEqual([recorded[0], recorded[1], recorded[4], recorded[5]]);
      // As recorded, each diff's pu is the previous diff's u; after the drop it is not.
      expect(recorded[2]?.pu).toBe(recorded[1]?.u);
      expect(c.got[2]?.pu).toBe(recorded[3]?.u);
      expect(c.got[2]?.pu).not.toBe(c.got[1]?.u);
    } finally {
      c.ws.close();
      await sim.close();
    }
  });
});

describe.skipIf(skip)('exchange simulator faults: disconnect through ccxt pro.binance', () => {
  it("ends ccxt's pending watches with NetworkError (market and user streams apart); a new watch works", async () => {
    const sim = await startManualSim();
    const replay = sim.replays.get('BTCUSDT');
    if (replay === undefined) throw new Error('no BTCUSDT replay');
    const a = new ccxt.pro.binance({
      ...ccxtBinanceConfig(sim.urls),
      apiKey: ACCOUNT_A.apiKey,
      secret: ACCOUNT_A.secret,
    });
    try {
      await a.loadMarkets();
      const trades = a.watchTrades('BTC/USDT');
      const orders = a.watchOrders('BTC/USDT');
      const account = sim.accounts.get(ACCOUNT_A.apiKey);
      expect(await pollUntil(() => (account?.subscribers ?? 0) > 0)).toBe(true);
      expect(sim.faults.status().connections).toBe(2);
      expect(sim.faults.disconnect({ market: 'spot', streams: 'user' })).toBe(1);
      await expect(orders).rejects.toThrow(ccxt.NetworkError);
      expect(sim.faults.status().connections).toBe(1);
      expect(sim.faults.disconnect({ market: 'usdm' })).toBe(0);
      expect(sim.faults.disconnect({ market: 'spot', streams: 'market' })).toBe(1);
      await expect(trades).rejects.toThrow(ccxt.NetworkError);
      // ccxt redials after a backoff: pump on the wall clock until the new watch resolves.
      const again = await pumpOnWallClock(replay, a.watchTrades('BTC/USDT'));
      expect(again.length).toBeGreaterThan(0);
      expect(again[0]?.symbol).toBe('BTC/USDT');
    } finally {
      await a.close();
      await sim.close();
    }
  });
});
