/**
 * Instrument registry: the checked-in `config/instruments.json` (tick/lot sizes, fees in bps, with a
 * `source` note), parsed and validated at load, plus look-ups by venue and symbol.
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { PermanentError } from '../core/errors.ts';
import { compileStep, type Instrument } from '../core/instrument.ts';
import type { MarketKind } from '../core/market-events.ts';

/** Default instruments file: `<repo>/config/instruments.json`, resolved from this module, not the cwd. */
export const DEFAULT_INSTRUMENTS_PATH = fileURLToPath(new URL('../config/instruments.json', import.meta.url));

const decimalText = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'expected a plain positive decimal string such as "0.01"');
const bps = z.number().finite().min(-100).max(1000);

const instrumentSchema = z.strictObject({
  venue: z.enum(['binance-spot', 'binance-usdm']),
  symbol: z.string().regex(/^[A-Z0-9]+$/, 'expected an upper-case exchange symbol'),
  tickSize: decimalText,
  lotSize: decimalText,
  makerFeeBps: bps,
  takerFeeBps: bps,
});

const fileSchema = z.strictObject({
  /** Where the figures come from (required: every number here must be traceable). */
  source: z.string().min(1),
  instruments: z.array(instrumentSchema).min(1),
});

/**
 * Reads and validates an instruments file.
 * @param path JSON file (default `DEFAULT_INSTRUMENTS_PATH`).
 * @returns the instruments in file order (frozen objects; stable identity for per-instrument caches).
 * @throws PermanentError `INSTRUMENTS_FILE` naming the file and the bad field (e.g.
 *   `instruments[2].tickSize`), for unreadable/invalid JSON, schema errors, zero or malformed steps and
 *   duplicate venue+symbol.
 */
export function loadInstruments(path: string = DEFAULT_INSTRUMENTS_PATH): readonly Instrument[] {
  const fail = (field: string, problem: string): PermanentError =>
    new PermanentError('INSTRUMENTS_FILE', `${path}: field "${field}": ${problem}`, { file: path, field });
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw fail('(root)', `cannot read as JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const r = fileSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = (issue?.path ?? [])
      .map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`))
      .join('')
      .replace(/^\./, '');
    throw fail(field || '(root)', issue?.message ?? 'invalid');
  }
  const seen = new Set<string>();
  return Object.freeze(
    r.data.instruments.map((ins, i) => {
      for (const key of ['tickSize', 'lotSize'] as const) {
        try {
          compileStep(ins[key]);
        } catch (err) {
          throw fail(`instruments[${i}].${key}`, err instanceof Error ? err.message : String(err));
        }
      }
      const id = `${ins.venue} ${ins.symbol}`;
      if (seen.has(id)) throw fail(`instruments[${i}]`, `duplicate instrument ${id}`);
      seen.add(id);
      const instrument: Instrument = { ...ins };
      return Object.freeze(instrument);
    }),
  );
}

let defaultInstruments: readonly Instrument[] | undefined;

/** The default file's instruments, loaded once (lazily) per process. */
export function defaultInstrumentList(): readonly Instrument[] {
  defaultInstruments ??= loadInstruments();
  return defaultInstruments;
}

/**
 * The instrument for `venue` + `symbol`.
 * @param instruments registry to search (default: `defaultInstrumentList()`).
 * @throws PermanentError `UNKNOWN_INSTRUMENT` listing the known instruments.
 */
export function getInstrument(
  venue: Instrument['venue'],
  symbol: string,
  instruments: readonly Instrument[] = defaultInstrumentList(),
): Instrument {
  for (const ins of instruments) if (ins.venue === venue && ins.symbol === symbol) return ins;
  const known = instruments.map((i) => `${i.venue} ${i.symbol}`).join(', ');
  throw new PermanentError('UNKNOWN_INSTRUMENT', `unknown instrument ${venue} ${symbol}; known: ${known}`, {
    venue,
    symbol,
    known,
  });
}

/**
 * The instrument of a recorded session (`binance-<market>` + symbol).
 * @throws PermanentError `UNKNOWN_INSTRUMENT` as `getInstrument`.
 */
export function instrumentForSession(
  session: { readonly market: MarketKind; readonly symbol: string },
  instruments: readonly Instrument[] = defaultInstrumentList(),
): Instrument {
  return getInstrument(
    session.market === 'spot' ? 'binance-spot' : 'binance-usdm',
    session.symbol,
    instruments,
  );
}
