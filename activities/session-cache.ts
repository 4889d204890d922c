/**
 * Parsed recorded sessions, cached per worker process: the data-quality gate, calibration, walk-forward
 * trials and dataset building all replay the same few sessions, and parsing one (gunzip + JSON + exact
 * decimal conversion, ~30k events) costs about half a second, while replaying it costs tens of ms.
 *
 * A small LRU keyed by (data dir, session id) holding the load promise, so concurrent activities asking
 * for one session share a single parse; a failed load is evicted so a retry reads the files again. The
 * events are shared between callers: they are readonly and must not be mutated. A session is a few MB
 * of objects (~30k events), so the default capacity of 4 stays well under 100 MB.
 */
import { resolve } from 'node:path';
import type { Instrument } from '../core/instrument.ts';
import type { MarketEvent, MarketKind } from '../core/market-events.ts';
import { loadSessionEvents, type RecordedSession } from '../venues/binance/recorded.ts';
import { instrumentForSession } from '../venues/instruments.ts';
import { findSession } from './recorded-backtest.ts';

/** A loaded session: events in recorded order (depth + trades merged by receive time). */
export interface CachedSession {
  readonly events: readonly MarketEvent[];
  readonly market: MarketKind;
  readonly instrument: Instrument;
  /** The session's files (paths for digests and lineage). */
  readonly session: RecordedSession;
}

/** Sessions kept (least recently used evicted first). */
export const SESSION_CACHE_CAPACITY = 4;

const cache = new Map<string, Promise<CachedSession>>();
let loads = 0;

/** Parsed events of a recorded session, cached per process (LRU, a few sessions); used by calibration, walk-forward trials and dataset building.
 *
 * @param dataDir recorded-data root (as ActivityDeps.dataDir).
 * @param sessionId the recording prefix, e.g. `binance-usdm_BTCUSDT_20240718T2357Z-20240719T0005Z`.
 * @throws PermanentError `UNKNOWN_SESSION` (listing the sessions that exist), `UNKNOWN_INSTRUMENT`, or a
 *   parse error naming `file:line`.
 */
export function loadSessionCached(dataDir: string, sessionId: string): Promise<CachedSession> {
  const key = `${resolve(dataDir)}\u0000${sessionId}`;
  const hit = cache.get(key);
  if (hit !== undefined) {
    cache.delete(key); // re-insert: Map order is the recency order
    cache.set(key, hit);
    return hit;
  }
  const pending = load(dataDir, sessionId);
  cache.set(key, pending);
  pending.catch(() => {
    if (cache.get(key) === pending) cache.delete(key);
  });
  while (cache.size > SESSION_CACHE_CAPACITY) {
    const oldest = cache.keys().next();
    if (oldest.done === true) break;
    cache.delete(oldest.value);
  }
  return pending;
}

async function load(dataDir: string, sessionId: string): Promise<CachedSession> {
  loads++;
  const session = findSession(dataDir, sessionId);
  const instrument = instrumentForSession(session);
  const events = await loadSessionEvents(session, instrument);
  return { events, market: session.market, instrument, session };
}

/** Cache figures, for tests and logs: sessions held and file loads started since the last clear. */
export function sessionCacheStats(): { readonly size: number; readonly loads: number } {
  return { size: cache.size, loads };
}

/** Empties the cache and resets its counters (tests). */
export function clearSessionCache(): void {
  cache.clear();
  loads = 0;
}
