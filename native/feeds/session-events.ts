/**
 * The replay feed's source: one recorded session located by prefix and streamed from disk (gunzip +
 * readline per file, merged by receive time), never loaded whole into memory.
 *
 * The event set matches `loadSessionEvents` (venues/binance/recorded.ts), which backtests use: depth
 * (snapshot + diffs) and trades, bookTicker only on request. The merge is the same stable merge by
 * receive time, so a replay sees exactly the events, in the order, a backtest of the session sees.
 */
import { PermanentError } from '../../core/errors.ts';
import type { Instrument } from '../../core/instrument.ts';
import type { MarketEvent } from '../../core/market-events.ts';
import {
  listSessions,
  mergeByRecvTime,
  readRecordedFile,
  type RecordedSession,
} from '../../venues/binance/recorded.ts';

/**
 * The session whose prefix is `prefix`, or the only one starting with it.
 * @throws PermanentError `SESSION_NOT_FOUND` (listing the sessions) or `SESSION_AMBIGUOUS` (listing the
 *   matches); `DATA_LAYOUT` from `listSessions`.
 */
export function findSession(dataDir: string, prefix: string): RecordedSession {
  const sessions = listSessions(dataDir);
  const exact = sessions.find((s) => s.prefix === prefix);
  if (exact !== undefined) return exact;
  const matches = sessions.filter((s) => s.prefix.startsWith(prefix));
  const only = matches[0];
  if (matches.length === 1 && only !== undefined) return only;
  if (matches.length > 1) {
    const names = matches.map((s) => s.prefix).join(', ');
    throw new PermanentError(
      'SESSION_AMBIGUOUS',
      `session prefix "${prefix}" matches ${matches.length} sessions: ${names}`,
      {
        prefix,
      },
    );
  }
  const known = sessions.map((s) => s.prefix).join(', ');
  throw new PermanentError(
    'SESSION_NOT_FOUND',
    `no recorded session "${prefix}" in ${dataDir}; known: ${known}`,
    { prefix, dataDir },
  );
}

/**
 * Streams a session's events in recorded (receive-time) order.
 * @param includeBookTicker also merge the bookTicker file (default false, as backtests).
 * @throws PermanentError (while iterating) naming file:line for a malformed line.
 */
export function streamSessionEvents(
  session: RecordedSession,
  instrument: Instrument,
  includeBookTicker = false,
): AsyncGenerator<MarketEvent> {
  const paths = [session.depthPath, session.tradesPath];
  if (includeBookTicker) paths.push(session.bookTickerPath);
  const sources = paths
    .filter((p): p is string => p !== undefined)
    .map((p) => readRecordedFile(p, instrument));
  return mergeByRecvTime(...sources);
}
