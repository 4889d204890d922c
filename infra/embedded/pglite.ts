/**
 * The no-install fallback database: PGlite (PostgreSQL compiled to WASM, running inside this Node
 * process) served over TCP on loopback by @electric-sql/pglite-socket, so `pg` pools, node-pg-migrate
 * and forked test workers connect to it like to a real server.
 *
 * Caveats (ADR 0001): one backend serves every connection, so an open transaction on one connection
 * blocks statements of the others until it ends; LISTEN/NOTIFY does not cross connections; startup
 * parameters such as `statement_timeout` are ignored; the server lives only as long as this process.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { Log } from '../log.ts';
import { acquireFileLock, type FileLock } from './file-lock.ts';
import { freePort, LOOPBACK } from './free-port.ts';
import type { ResolvedDatabase } from './resolved.ts';

/** Options of {@link startEmbeddedPglite}. */
export interface EmbeddedPgliteOptions {
  /** Directory of the PGlite database files (created if missing); `memory://` for a throwaway one. */
  readonly dataDir: string;
  readonly log: Log;
  /** Port to try first (default: any free loopback port). */
  readonly port?: number;
  /** Concurrent TCP connections accepted (default 64). */
  readonly maxConnections?: number;
}

/** Starts the socket server, retrying on another port if ours was taken between probe and bind. */
async function serveOnFreePort(
  db: PGlite,
  options: EmbeddedPgliteOptions,
): Promise<{ server: PGLiteSocketServer; port: number }> {
  let preferred = options.port;
  for (let attempt = 1; ; attempt++) {
    const port = await freePort(preferred);
    const server = new PGLiteSocketServer({
      db,
      host: LOOPBACK,
      port,
      maxConnections: options.maxConnections ?? 64,
    });
    try {
      await server.start();
      return { server, port };
    } catch (err) {
      if (attempt >= 5) throw err;
      options.log.warn({ port, attempt }, 'pglite port taken meanwhile; retrying on another port');
      preferred = undefined;
    }
  }
}

/**
 * Opens PGlite on `dataDir` and serves it on loopback. Only one process may open a data directory
 * (a lock file enforces it); others should connect through `DATABASE_URL`.
 * @returns the URL (`postgres://postgres@127.0.0.1:<port>/postgres`, PGlite's single database) and stop().
 * @throws Error if another live process holds the directory.
 */
export async function startEmbeddedPglite(options: EmbeddedPgliteOptions): Promise<ResolvedDatabase> {
  const { log } = options;
  const inMemory = options.dataDir.startsWith('memory://');
  let lock: FileLock | undefined;
  if (!inMemory) {
    await mkdir(dirname(options.dataDir), { recursive: true });
    lock = await acquireFileLock(`${options.dataDir}.lock`, 2_000).catch((err: unknown) => {
      throw new Error(
        `PGlite data dir ${options.dataDir} is open in another process; point DATABASE_URL at that ` +
          `process's server instead (${err instanceof Error ? err.message : String(err)})`,
        { cause: err },
      );
    });
  }
  try {
    const db = await PGlite.create(options.dataDir);
    const { server, port } = await serveOnFreePort(db, options);
    log.info({ dataDir: options.dataDir, port }, 'pglite started');
    let stopped = false;
    return {
      url: `postgres://postgres@${LOOPBACK}:${port}/postgres`,
      kind: 'pglite',
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await server.stop();
        await db.close();
        await lock?.release();
        log.info({ dataDir: options.dataDir }, 'pglite stopped');
      },
    };
  } catch (err) {
    await lock?.release();
    throw err;
  }
}
