/**
 * Resolves the data-quality gate's `sessions` against the data directory: explicit prefixes pass
 * through, `latest:<duration>[:<market>_<SYMBOL>]` selectors (pipeline-dsl/session-selector.ts) become
 * the newest recorded sessions, e.g. those `mmflow record` wrote over the last week.
 */
import { PermanentError } from '../core/errors.ts';
import {
  looksLikeSelector,
  parseSessionSelector,
  selectLatestSessions,
} from '../pipeline-dsl/session-selector.ts';
import { listSessions } from '../venues/binance/recorded.ts';

/**
 * The session prefixes `entries` stand for, in entry order (a selector's sessions oldest first), each
 * once.
 * @param dataDir recorded-data root.
 * @throws PermanentError `BAD_INPUT` for a malformed selector; `NO_SESSIONS` when a selector matches
 *   nothing (naming it); `MIXED_SESSIONS` when a selector without an instrument matches several (the
 *   gate grades one instrument: name it, e.g. `latest:7d:usdm_BTCUSDT`); `DATA_LAYOUT` from
 *   `listSessions`.
 */
export function resolveSessions(dataDir: string, entries: readonly string[]): string[] {
  if (!entries.some(looksLikeSelector)) return [...entries];
  const all = listSessions(dataDir);
  const out: string[] = [];
  for (const entry of entries) {
    if (!looksLikeSelector(entry)) {
      out.push(entry);
      continue;
    }
    const parsed = parseSessionSelector(entry);
    if (!parsed.ok) throw new PermanentError('BAD_INPUT', parsed.message, { selector: entry });
    const chosen = selectLatestSessions(all, parsed.selector);
    if (chosen.length === 0)
      throw new PermanentError('NO_SESSIONS', `session selector ${entry} matches no session in ${dataDir}`, {
        selector: entry,
        dataDir,
      });
    const instruments = new Set(chosen.map((s) => `${s.market}_${s.symbol}`));
    if (instruments.size > 1)
      throw new PermanentError(
        'MIXED_SESSIONS',
        `session selector ${entry} matches sessions of ${[...instruments].sort().join(', ')}; name one, e.g. ${entry}:${[...instruments].sort()[0]}`,
        { selector: entry, instruments: [...instruments].sort() },
      );
    out.push(...chosen.map((s) => s.prefix));
  }
  return [...new Set(out)];
}
