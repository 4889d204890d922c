/**
 * Session selectors of the data-quality gate's `sessions`: besides explicit recording prefixes, a
 * pipeline may ask for the newest recorded sessions, e.g. `sessions: latest:7d` or, in a data
 * directory that records several instruments, `latest:7d:usdm_BTCUSDT`. Pure (used by the step
 * schema at compile time); the activity resolves a selector against the data directory
 * (activities/session-selection.ts).
 *
 * `latest:<duration>[:<market>_<SYMBOL>]` selects every session (of that instrument) whose last minute
 * is within `<duration>` of the newest session's last minute: the span is anchored to the data, not
 * the wall clock, so a rerun over the same files selects the same sessions.
 */
import { parseDuration } from './duration.ts';

/** A parsed `latest:` selector. */
export interface LatestSessionsSelector {
  /** How far back from the newest session's last minute, ms (> 0). */
  readonly withinMs: number;
  /** `spot` or `usdm`; undefined = any. */
  readonly market: 'spot' | 'usdm' | undefined;
  /** Exchange symbol, e.g. `BTCUSDT`; undefined = any. */
  readonly symbol: string | undefined;
}

const SELECTOR = /^latest:([0-9a-z]+)(?::(spot|usdm)_([A-Z0-9]+))?$/;

/** True when `text` starts like a selector (`latest:`), so a malformed one is reported as such. */
export function looksLikeSelector(text: string): boolean {
  return text.startsWith('latest:');
}

/**
 * Parses a selector.
 * @returns the selector, or a message saying what is wrong (never throws).
 */
export function parseSessionSelector(
  text: string,
):
  | { readonly ok: true; readonly selector: LatestSessionsSelector }
  | { readonly ok: false; readonly message: string } {
  const m = SELECTOR.exec(text);
  const hint = 'expected latest:<duration>[:<spot|usdm>_<SYMBOL>], e.g. latest:7d or latest:7d:usdm_BTCUSDT';
  if (m === null || m[1] === undefined)
    return { ok: false, message: `invalid session selector "${text}": ${hint}` };
  const d = parseDuration(m[1]);
  if (!d.ok) return { ok: false, message: `session selector "${text}": ${d.message}` };
  if (d.ms <= 0) return { ok: false, message: `session selector "${text}": the duration must be above 0` };
  const market = m[2] === 'spot' || m[2] === 'usdm' ? m[2] : undefined;
  return { ok: true, selector: { withinMs: d.ms, market, symbol: m[3] } };
}

/** What a selector chooses from: a session's prefix, instrument and last UTC minute (`20240808T2354Z`). */
export interface SelectableSession {
  readonly prefix: string;
  readonly market: 'spot' | 'usdm';
  readonly symbol: string;
  readonly lastUtc: string;
}

/** Unix epoch ms of a compact UTC minute `YYYYMMDDTHHMMZ`. */
export function utcMinuteMs(text: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z$/.exec(text);
  if (m === null) return Number.NaN;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]));
}

/**
 * The sessions a selector chooses, oldest first (by last minute, then prefix). Pure.
 * @returns empty when no session matches the instrument filter.
 */
export function selectLatestSessions<S extends SelectableSession>(
  sessions: readonly S[],
  selector: LatestSessionsSelector,
): S[] {
  const matching = sessions.filter(
    (s) =>
      (selector.market === undefined || s.market === selector.market) &&
      (selector.symbol === undefined || s.symbol === selector.symbol) &&
      Number.isFinite(utcMinuteMs(s.lastUtc)),
  );
  if (matching.length === 0) return [];
  const newestMs = Math.max(...matching.map((s) => utcMinuteMs(s.lastUtc)));
  return matching
    .filter((s) => newestMs - utcMinuteMs(s.lastUtc) <= selector.withinMs)
    .sort((a, b) => utcMinuteMs(a.lastUtc) - utcMinuteMs(b.lastUtc) || (a.prefix < b.prefix ? -1 : 1));
}
