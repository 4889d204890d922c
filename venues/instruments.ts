/**
 * Instrument registry: the checked-in `config/instruments.json` (tick/lot sizes per instrument, one fee
 * schedule per venue with a `source` note and an "as of" date), parsed and validated at load, plus
 * look-ups by venue and symbol and the resolution of an instrument at a fee tier.
 *
 * Fees: an instrument in the file holds no fees of its own; it is charged its venue's schedule. The
 * loaded `Instrument`s carry the fees of their schedule's default tier (so every caller that does not
 * choose a tier, e.g. the live engine and the exchange simulator, gets the regular tier), and
 * `instrumentAtFeeTier` gives the same instrument at another tier (a backtest's `--fee-tier`).
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { PermanentError } from '../core/errors.ts';
import { compileStep, type Instrument } from '../core/instrument.ts';
import type { MarketKind } from '../core/market-events.ts';

/** Default instruments file: `<repo>/config/instruments.json`, resolved from this module, not the cwd. */
export const DEFAULT_INSTRUMENTS_PATH = fileURLToPath(new URL('../config/instruments.json', import.meta.url));

/** One fee tier of a venue: its name and its rates. */
export interface FeeTier {
  /** Tier name, lower case: `regular`, `vip1`…`vip9`, market-maker programme tiers `mm1`… */
  readonly name: string;
  /** Maker fee, bps of notional (negative = rebate, e.g. −0.5 for a −0.005% maker rebate). */
  readonly makerFeeBps: number;
  /** Taker fee, bps of notional. */
  readonly takerFeeBps: number;
  /** Why the tier is as it is (e.g. which programme table); absent when the schedule's source says all. */
  readonly note?: string;
}

/** The fee schedule of one venue, as published by the venue. */
export interface VenueFeeSchedule {
  readonly venue: Instrument['venue'];
  /** Where the figures come from, and which of them could not be confirmed. */
  readonly source: string;
  /** Date the figures were checked, `YYYY-MM-DD`. */
  readonly asOf: string;
  /** Tier used when a run selects none (its fees are the loaded instruments' fees). */
  readonly defaultTier: string;
  /** Tiers in the file's order (regular, VIP levels, market-maker tiers). */
  readonly tiers: readonly FeeTier[];
}

/** Everything the instruments file holds. */
export interface InstrumentRegistry {
  /** Instruments in file order, each at its venue's default fee tier (frozen objects). */
  readonly instruments: readonly Instrument[];
  /** Fee schedule of each venue that has one (every instrument's venue has one). */
  readonly feeSchedules: ReadonlyMap<Instrument['venue'], VenueFeeSchedule>;
}

const venueSchema = z.enum(['binance-spot', 'binance-usdm']);
const decimalText = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'expected a plain positive decimal string such as "0.01"');
const bps = z.number().finite().min(-100).max(1000);
const tierName = z
  .string()
  .regex(/^[a-z][a-z0-9-]*$/, 'expected a lower-case tier name such as "regular", "vip1" or "mm3"');

const instrumentSchema = z.strictObject({
  venue: venueSchema,
  symbol: z.string().regex(/^[A-Z0-9]+$/, 'expected an upper-case exchange symbol'),
  tickSize: decimalText,
  lotSize: decimalText,
});

const tierSchema = z.strictObject({
  name: tierName,
  makerFeeBps: bps,
  takerFeeBps: bps,
  note: z.string().min(1).optional(),
});

const scheduleSchema = z.strictObject({
  /** Where the figures come from (required: every number here must be traceable). */
  source: z.string().min(1),
  asOf: z.iso.date('expected the date the figures were checked, YYYY-MM-DD'),
  defaultTier: tierName,
  tiers: z.array(tierSchema).min(1),
});

const fileSchema = z.strictObject({
  /** Where the figures come from (required: every number here must be traceable). */
  source: z.string().min(1),
  feeSchedules: z.strictObject({
    'binance-spot': scheduleSchema.optional(),
    'binance-usdm': scheduleSchema.optional(),
  }),
  instruments: z.array(instrumentSchema).min(1),
});

/** `a.b[2].c` from a zod issue path. */
function fieldOf(path: readonly PropertyKey[]): string {
  return path
    .map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`))
    .join('')
    .replace(/^\./, '');
}

/**
 * Reads and validates an instruments file.
 * @param path JSON file (default `DEFAULT_INSTRUMENTS_PATH`).
 * @throws PermanentError `INSTRUMENTS_FILE` naming the file and the bad field (e.g.
 *   `instruments[2].tickSize`, `feeSchedules.binance-usdm.tiers[3].makerFeeBps`), for unreadable or
 *   invalid JSON, schema errors (including fee fields left on an instrument), zero or malformed steps,
 *   duplicate venue+symbol, duplicate tier names, a default tier that is not a tier, and an instrument
 *   whose venue has no fee schedule.
 */
export function loadInstrumentRegistry(path: string = DEFAULT_INSTRUMENTS_PATH): InstrumentRegistry {
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
    let field = fieldOf(issue?.path ?? []);
    let problem = issue?.message ?? 'invalid';
    if (issue?.code === 'unrecognized_keys') {
      const key = issue.keys[0] ?? '';
      field = field === '' ? key : `${field}.${key}`;
      problem =
        /^instruments\[\d+\]$/.test(fieldOf(issue.path)) && /FeeBps$/.test(key)
          ? 'unknown field: an instrument has no fees of its own, they come from feeSchedules.<venue>'
          : 'unknown field';
    }
    throw fail(field || '(root)', problem);
  }
  const feeSchedules = new Map<Instrument['venue'], VenueFeeSchedule>();
  for (const venue of venueSchema.options) {
    const s = r.data.feeSchedules[venue];
    if (s === undefined) continue;
    const at = `feeSchedules.${venue}`;
    const names = new Set<string>();
    s.tiers.forEach((t, i) => {
      if (names.has(t.name)) throw fail(`${at}.tiers[${i}].name`, `duplicate fee tier "${t.name}"`);
      names.add(t.name);
    });
    if (!names.has(s.defaultTier))
      throw fail(`${at}.defaultTier`, `"${s.defaultTier}" is not a tier; known: ${[...names].join(', ')}`);
    const tiers = s.tiers.map(({ note, ...rates }) =>
      Object.freeze<FeeTier>(note === undefined ? rates : { ...rates, note }),
    );
    feeSchedules.set(venue, Object.freeze({ venue, ...s, tiers: Object.freeze(tiers) }));
  }
  const seen = new Set<string>();
  const instruments = r.data.instruments.map((ins, i) => {
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
    const schedule = feeSchedules.get(ins.venue);
    const tier = schedule?.tiers.find((t) => t.name === schedule.defaultTier);
    if (tier === undefined)
      throw fail(`instruments[${i}].venue`, `no fee schedule for ${ins.venue} in feeSchedules`);
    const instrument: Instrument = {
      ...ins,
      makerFeeBps: tier.makerFeeBps,
      takerFeeBps: tier.takerFeeBps,
      feeTier: tier.name,
    };
    return Object.freeze(instrument);
  });
  return { instruments: Object.freeze(instruments), feeSchedules };
}

/**
 * The instruments of a file, each at its venue's default fee tier.
 * @throws PermanentError `INSTRUMENTS_FILE` as {@link loadInstrumentRegistry}.
 */
export function loadInstruments(path: string = DEFAULT_INSTRUMENTS_PATH): readonly Instrument[] {
  return loadInstrumentRegistry(path).instruments;
}

let defaultRegistry: InstrumentRegistry | undefined;

/** The default file's registry, loaded once (lazily) per process. */
export function defaultInstrumentRegistry(): InstrumentRegistry {
  defaultRegistry ??= loadInstrumentRegistry();
  return defaultRegistry;
}

/** The default file's instruments (stable identities: per-instrument caches key on them). */
export function defaultInstrumentList(): readonly Instrument[] {
  return defaultInstrumentRegistry().instruments;
}

/**
 * The instrument for `venue` + `symbol`, at its venue's default fee tier.
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
 * The instrument of a recorded session (`binance-<market>` + symbol), at the default fee tier.
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

/**
 * The fee schedule of a venue.
 * @throws PermanentError `NO_FEE_SCHEDULE` when the registry has none for the venue.
 */
export function feeScheduleOf(
  venue: Instrument['venue'],
  registry: InstrumentRegistry = defaultInstrumentRegistry(),
): VenueFeeSchedule {
  const schedule = registry.feeSchedules.get(venue);
  if (schedule === undefined)
    throw new PermanentError('NO_FEE_SCHEDULE', `no fee schedule for ${venue}`, { venue });
  return schedule;
}

/** Keyed by the tier object (one per loaded schedule), so two registries never share an entry. */
const atTierCache = new WeakMap<Instrument, Map<FeeTier, Instrument>>();

/**
 * The instrument charged at fee tier `tierName` of its venue: the same tick and lot, the tier's maker
 * and taker fees, `feeTier` = the tier's name. Returns `instrument` itself when it already is at that
 * tier, otherwise one frozen object per (instrument, tier) (stable identity for per-instrument caches).
 * @param registry where the venue's schedule comes from (default: the default file's).
 * @throws PermanentError `UNKNOWN_FEE_TIER` listing the venue's tier names; `NO_FEE_SCHEDULE` when
 *   the registry has no schedule for the instrument's venue.
 */
export function instrumentAtFeeTier(
  instrument: Instrument,
  tierName: string,
  registry: InstrumentRegistry = defaultInstrumentRegistry(),
): Instrument {
  const schedule = feeScheduleOf(instrument.venue, registry);
  const tier = schedule.tiers.find((t) => t.name === tierName);
  if (tier === undefined) {
    const known = schedule.tiers.map((t) => t.name).join(', ');
    throw new PermanentError(
      'UNKNOWN_FEE_TIER',
      `unknown fee tier "${tierName}" of ${instrument.venue}; known: ${known}`,
      { venue: instrument.venue, tier: tierName, known },
    );
  }
  if (
    instrument.feeTier === tier.name &&
    instrument.makerFeeBps === tier.makerFeeBps &&
    instrument.takerFeeBps === tier.takerFeeBps
  )
    return instrument;
  let byTier = atTierCache.get(instrument);
  if (byTier === undefined) atTierCache.set(instrument, (byTier = new Map()));
  let at = byTier.get(tier);
  if (at === undefined) {
    at = Object.freeze<Instrument>({
      ...instrument,
      makerFeeBps: tier.makerFeeBps,
      takerFeeBps: tier.takerFeeBps,
      feeTier: tier.name,
    });
    byTier.set(tier, at);
  }
  return at;
}
