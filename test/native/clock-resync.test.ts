/**
 * native/venues/clock-resync.ts with the production client (`createCcxtClient`, real ccxt pro.binance)
 * against the exchange simulator: after the venue's clock jumps 60 s ahead (far beyond `recvWindow`),
 * the first signed call fails with -1021 and reloads the clock offset; the next one succeeds. An error
 * that is not a timestamp rejection (a 500) does not reload the offset.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExchangeSim } from '../../exchange-sim/simulator.ts';
import { Secret } from '../../native/secret.ts';
import { createCcxtClient, type CcxtClient } from '../../native/venues/ccxt-client.ts';
import { ACCOUNT_A, missingSpotData, startManualSim } from '../exchange-sim/helpers.ts';
import { skipWithout } from '../setup/require.ts';
import { capturingLog } from './sim-engine-harness.ts';
import { BTCUSDT } from './ccxt-venue-harness.ts';

const skip = skipWithout(missingSpotData, 'clock resync of signed calls against the exchange simulator');
const RELOADED = 'clock offset reloaded after a timestamp rejection';

describe.skipIf(skip)('signed calls after the venue clock jumped past recvWindow', () => {
  let sim: ExchangeSim;
  let client: CcxtClient;
  const { log, lines } = capturingLog();
  const reloads = (): { offsetMs?: number }[] =>
    lines.map((l) => JSON.parse(l) as { msg: string; offsetMs?: number }).filter((l) => l.msg === RELOADED);

  beforeAll(async () => {
    sim = await startManualSim([ACCOUNT_A]);
    client = createCcxtClient(
      BTCUSDT,
      { apiKey: new Secret(ACCOUNT_A.apiKey), apiSecret: new Secret(ACCOUNT_A.secret) },
      sim.urls.http,
      log,
    );
    await client.loadMarkets();
  });

  afterAll(async () => {
    await client?.close();
    await sim?.close();
  });

  it('works before the skew, without any reload', async () => {
    const balance = (await client.fetchBalance()) as { BTC?: { free?: number } };
    expect(balance.BTC?.free).toBe(1);
    expect(reloads()).toEqual([]);
  });

  it('a 500 is not a timestamp rejection: no reload', async () => {
    sim.faults.failRest({ status: 500, count: 1, pathPrefix: '/api/v3/account' });
    await expect(client.fetchBalance()).rejects.toThrow(/-1000/);
    expect(reloads()).toEqual([]);
    sim.faults.clear();
  });

  it('-1021 once, the offset is reloaded (−60 000 ms ± 1 s), then the call succeeds', async () => {
    sim.faults.clockSkew({ ms: 60_000 });
    await expect(client.fetchBalance()).rejects.toThrow(/-1021/);
    const r = reloads();
    expect(r).toHaveLength(1);
    // ccxt's offset = local − server: the server runs 60 s ahead (loopback round trip ≪ 1 s).
    expect(Math.abs((r[0]?.offsetMs ?? 0) + 60_000)).toBeLessThan(1000);
    const balance = (await client.fetchBalance()) as { BTC?: { free?: number } };
    expect(balance.BTC?.free).toBe(1);
    expect(reloads()).toHaveLength(1);
  });

  it('the skew removed: one more rejection and reload, then signed calls work again', async () => {
    sim.faults.clockSkew({ ms: 0 });
    await expect(client.fetchBalance()).rejects.toThrow(/-1021/);
    expect(reloads()).toHaveLength(2);
    expect(Math.abs(reloads()[1]?.offsetMs ?? 99_999)).toBeLessThan(1000);
    const balance = (await client.fetchBalance()) as { BTC?: { free?: number } };
    expect(balance.BTC?.free).toBe(1);
  });
});
