import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { startHttpServer, type EngineHttpServer, type KillRequest } from '../../native/http-server.ts';
import { Secret } from '../../native/secret.ts';

const TOKEN = 'a-long-enough-kill-token';
let server: EngineHttpServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(withKill: boolean) {
  const kills: KillRequest[] = [];
  server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    health: () => ({ healthy: true, body: {} }),
    registry: new Registry(),
    ...(withKill
      ? {
          kill: {
            token: new Secret(TOKEN),
            onKill: async (r: KillRequest) => {
              kills.push(r);
              return Promise.resolve();
            },
          },
        }
      : {}),
  });
  return { url: server.url, kills };
}

const post = (url: string, headers: Record<string, string>, body?: string) =>
  fetch(`${url}/kill`, { method: 'POST', headers, ...(body === undefined ? {} : { body }) });

describe('POST /kill', () => {
  it('answers 401 without or with a wrong token, never calling onKill', async () => {
    const { url, kills } = await start(true);
    expect((await post(url, {})).status).toBe(401);
    expect((await post(url, { authorization: 'Bearer nope' })).status).toBe(401);
    expect((await post(url, { authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
    expect((await post(url, { authorization: TOKEN })).status).toBe(401);
    expect(kills).toEqual([]);
  });

  it('kills with the right token, with the body reason/by or defaults', async () => {
    const { url, kills } = await start(true);
    const res = await post(
      url,
      { authorization: `Bearer ${TOKEN}` },
      JSON.stringify({ reason: 'drill', by: 'ops' }),
    );
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ killed: true });
    expect((await post(url, { authorization: `bearer ${TOKEN}` })).status).toBe(202);
    expect(kills).toEqual([
      { reason: 'drill', by: 'ops' },
      { reason: 'POST /kill', by: 'http' },
    ]);
    expect((await post(url, { authorization: `Bearer ${TOKEN}` }, '{not json')).status).toBe(400);
    expect((await fetch(`${url}/kill`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(405);
  });

  it('is 404 when no token is configured', async () => {
    const { url } = await start(false);
    expect((await post(url, { authorization: `Bearer ${TOKEN}` })).status).toBe(404);
    expect((await fetch(`${url}/kill`)).status).toBe(404);
  });
});
