/**
 * Loopback TCP port helpers for embedded services. A port found free can be taken by someone else
 * before our server binds it; callers retry their start on "address in use".
 */
import { createServer } from 'node:net';

/** The loopback address every embedded service binds to (never a public interface). */
export const LOOPBACK = '127.0.0.1';

/** Resolves to the port bound by listening on `port` (0 = any), or `undefined` if that fails. */
function tryListen(port: number, host: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen({ port, host, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

/** Whether `port` on `host` (default loopback) can be bound right now. */
export async function isPortFree(port: number, host: string = LOOPBACK): Promise<boolean> {
  return (await tryListen(port, host)) === port;
}

/**
 * A TCP port that is free on `host` now: `preferred` when given and free, else one the OS picks.
 * @throws Error if the OS gives no port (no loopback interface).
 */
export async function freePort(preferred?: number, host: string = LOOPBACK): Promise<number> {
  if (preferred !== undefined && (await isPortFree(preferred, host))) return preferred;
  const port = await tryListen(0, host);
  if (port === undefined) throw new Error(`no free TCP port on ${host}`);
  return port;
}
