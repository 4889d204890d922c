import { afterEach, describe, expect, it } from 'vitest';
import { startHttpServer, type EngineHttpServer, type HealthReport } from '../../native/http-server.ts';
import { createEngineMetrics } from '../../native/metrics.ts';

let server: EngineHttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('engine HTTP server', () => {
  it('serves /healthz with 200/503 and /metrics as Prometheus text', async () => {
    const metrics = createEngineMetrics({ mode: 'replay' });
    let report: HealthReport = { healthy: false, body: { state: 'awaiting-snapshot' } };
    server = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      health: () => report,
      registry: metrics.registry,
    });
    expect(server.port).toBeGreaterThan(0);

    const down = await fetch(`${server.url}/healthz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ state: 'awaiting-snapshot' });

    report = { healthy: true, body: { state: 'synced', events: 3 } };
    const up = await fetch(`${server.url}/healthz`);
    expect(up.status).toBe(200);
    expect(await up.json()).toEqual({ state: 'synced', events: 3 });

    metrics.events.inc(42);
    metrics.inventoryLots.set(-3);
    metrics.tickToQuoteUs.observe(5);
    const m = await fetch(`${server.url}/metrics`);
    expect(m.status).toBe(200);
    expect(m.headers.get('content-type')).toContain('text/plain');
    const text = await m.text();
    expect(text).toContain('mmflow_engine_events_total{mode="replay"} 42');
    expect(text).toContain('mmflow_engine_inventory_lots{mode="replay"} -3');
    expect(text).toContain('mmflow_engine_tick_to_quote_us_bucket{le="8",mode="replay"} 1');

    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    expect((await fetch(`${server.url}/healthz`, { method: 'POST' })).status).toBe(405);
  });

  it('close is idempotent and frees the port', async () => {
    const metrics = createEngineMetrics({});
    server = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      health: () => ({ healthy: true, body: {} }),
      registry: metrics.registry,
    });
    const url = server.url;
    await Promise.all([server.close(), server.close()]);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('rejects when the port is taken', async () => {
    const metrics = createEngineMetrics({});
    server = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      health: () => ({ healthy: true, body: {} }),
      registry: metrics.registry,
    });
    await expect(
      startHttpServer({
        host: '127.0.0.1',
        port: server.port,
        health: () => ({ healthy: true, body: {} }),
        registry: metrics.registry,
      }),
    ).rejects.toThrow(/EADDRINUSE/);
  });
});
