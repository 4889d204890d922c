/**
 * Configuration of the quoting engine process, parsed once at start-up from CLI options and the
 * environment (CLI wins). Only configuration differs between `replay`, `paper` and `live`.
 *
 * Environment variables: MMFLOW_MODE, MMFLOW_SESSION, MMFLOW_DATA_DIR, MMFLOW_VENUE, MMFLOW_SYMBOL,
 * MMFLOW_MODEL, MMFLOW_PACE, MMFLOW_HTTP_HOST, MMFLOW_HTTP_PORT, MMFLOW_DATABASE_URL (or DATABASE_URL),
 * MMFLOW_FLUSH_INTERVAL_MS, MMFLOW_ORDER_LATENCY_US, MMFLOW_CANCEL_LATENCY_US, MMFLOW_STARTUP_GRACE_MS,
 * MMFLOW_CANCEL_DEADLINE_MS, MMFLOW_EXCHANGE_URL; reconciliation (docs/adr/0015-reconciliation.md):
 * MMFLOW_RECONCILE_INTERVAL_MS, MMFLOW_IGNORE_FOREIGN_ORDERS (1/true), MMFLOW_INVENTORY_BASELINE_BASE; risk (docs/adr/0011-risk-layer.md): MMFLOW_ENGINE_ID, MMFLOW_RISK_LIMITS (JSON)
 * or MMFLOW_RISK_LIMITS_FILE, MMFLOW_KILL_TOKEN or MMFLOW_KILL_TOKEN_FILE, MMFLOW_KILL_POLL_MS; live feed
 * (docs/adr/0013-live-book-feed.md): MMFLOW_STALE_FEED_MS, MMFLOW_RESNAPSHOT_MS; for `live` only:
 * MMFLOW_API_KEY / MMFLOW_API_KEY_FILE and MMFLOW_API_SECRET / MMFLOW_API_SECRET_FILE. Credentials are
 * never accepted on the command line (they would show in `ps`).
 *
 * Slots (docs/adr/0016-promotion-lifecycle.md): `--slot ID` / MMFLOW_SLOT makes the engine follow a
 * `deployments` row; mode, venue, symbol and the initial model version then come from that row (read
 * first with native/slot/slot-config.ts `loadSlotBinding`, passed as `slot` to {@link parseEngineConfig});
 * `--model` is refused with a slot. MMFLOW_SLOT_POLL_MS (default 1000) and MMFLOW_SLOT_LISTEN (1/0,
 * default 1) tune how the engine learns of changes.
 *
 * Fastest top of book (docs/adr/0020-fair-value-quoter.md): MMFLOW_FAST_TOUCH (1/0, default 0). Fee tier
 * of simulated fills (docs/adr/0019-fee-tiers.md): MMFLOW_FEE_TIER (default the venue's default tier).
 * Store outage (docs/adr/0018-engine-store-outage.md): MMFLOW_STORE_OUTAGE_HALT_MS (default 60000):
 * quotes are pulled once PostgreSQL has been unreachable this long; rows stay buffered and retried.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { PermanentError } from '../core/errors.ts';
import {
  NO_RISK_LIMITS,
  parseRiskLimits,
  RiskLimitsError,
  type RiskLimits,
} from '../core/risk/risk-limits.ts';
import { Secret } from './secret.ts';

/** `replay`: recorded data, simulated fills. `paper`: live data, simulated fills. `live`: real orders. */
export type EngineMode = 'replay' | 'paper' | 'live';

/** `fast`: events as fast as the engine takes them. `recorded`: sleep to the recorded inter-event times. */
export type ReplayPace = 'fast' | 'recorded';

/** Exchange credentials (live only); both values are wrapped so they never print. */
export interface ApiCredentials {
  readonly apiKey: Secret;
  readonly apiSecret: Secret;
}

/** The parsed, validated engine configuration. */
export interface EngineConfig {
  readonly mode: EngineMode;
  /** Recorded session prefix (replay only), e.g. `binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z`. */
  readonly session: string | undefined;
  /** Folder of the recorded data (replay), absolute path. */
  readonly dataDir: string;
  /** Venue id (paper/live; derived from the session in replay), e.g. `binance-spot`. */
  readonly venue: 'binance-spot' | 'binance-usdm' | undefined;
  /** Exchange symbol (paper/live), e.g. `BTCUSDT`. */
  readonly symbol: string | undefined;
  /** Model version id in the registry (DB). */
  readonly modelVersionId: string;
  /** Replay pacing; ignored by paper/live, which run at market speed. */
  readonly pace: ReplayPace;
  /** Simulated order-entry latency, µs (replay/paper): time from our send to the venue acting on it. */
  readonly orderLatencyUs: number;
  /** Simulated cancel latency, µs (replay/paper). */
  readonly cancelLatencyUs: number;
  /** HTTP bind host for /healthz and /metrics. */
  readonly httpHost: string;
  /** HTTP port; 0 = an ephemeral port chosen by the OS. */
  readonly httpPort: number;
  /** PostgreSQL connection URL. */
  readonly databaseUrl: string;
  /** How often buffered quotes/orders/fills are written to the DB, wall ms. */
  readonly flushIntervalMs: number;
  /** After start-up, /healthz reports 503 while the book is unsynced only once this grace has passed, ms. */
  readonly startupGraceMs: number;
  /** On shutdown, how long to wait for cancel acks before giving up, ms. */
  readonly cancelDeadlineMs: number;
  /** Present only in `live` mode. */
  readonly credentials: ApiCredentials | undefined;
  /**
   * Stable name of this engine, the key of its kill-switch latch (survives restarts, unlike the run id).
   * Default `<mode>:<symbol or session>`.
   */
  readonly engineId: string;
  /** Limits of the risk gate (core/risk/risk-limits.ts); default none. */
  readonly riskLimits: RiskLimits;
  /** Bearer token of `POST /kill`; undefined: the endpoint answers 404 (disabled). Never printed. */
  readonly killToken: Secret | undefined;
  /** How often the engine reads its kill-switch latch in PostgreSQL, wall ms. */
  readonly killPollMs: number;
  /** Stale-feed watchdog: quotes are pulled when no depth arrived for this long, wall ms (paper/live). */
  readonly staleFeedMs: number;
  /** Store outage: quotes are pulled once the run store has failed transiently this long, wall ms (docs/adr/0018-engine-store-outage.md). */
  readonly storeOutageHaltMs: number;
  /** Periodic REST re-snapshot of the live book, wall ms; 0 = never (docs/adr/0013-live-book-feed.md). */
  readonly resnapshotMs: number;
  /**
   * Base URL of a server speaking Binance's protocol (`mmflow exchange-sim`), `http://host:port`;
   * undefined = Binance itself (native/venues/endpoints.ts). Paper and live only.
   */
  readonly exchangeUrl: string | undefined;
  /** Live: how often the account is reconciled with the engine, wall ms (docs/adr/0015-reconciliation.md). */
  readonly reconcileIntervalMs: number;
  /** Live: start despite open orders of the symbol that this engine did not place (left alone). */
  readonly ignoreForeignOrders: boolean;
  /**
   * Live spot: base units held outside the strategy, an exact decimal on the lot grid ("0" = none);
   * the engine's inventory is (free + locked base) − this.
   */
  readonly inventoryBaselineBase: string;
  /** The slot this engine follows (`deployments.id`); undefined for a fixed `--model` run. */
  readonly slot: string | undefined;
  /** Slot polling fallback period, wall ms. */
  readonly slotPollMs: number;
  /** Slot: LISTEN for changes (false: polling only). */
  readonly slotListen: boolean;
  /**
   * Quote against the fastest top of book: bookTicker events ahead of the depth book set the touch
   * (core/book/fast-touch.ts, docs/adr/0020-fair-value-quoter.md). Default false (measured: it helps
   * every model on the recordings but has not been A/B tested live).
   */
  readonly fastTouch: boolean;
  /**
   * Fee tier of the venue the simulated fills are charged at in replay and paper (config/instruments.json:
   * `regular`, `vip1`…, `mm1`…; docs/adr/0019-fee-tiers.md); undefined = the venue's default tier. Live
   * fills carry the venue's own fee.
   */
  readonly feeTier: string | undefined;
}

/**
 * What a slot run takes from its `deployments` row before the config is parsed (native/slot/slot-config.ts):
 * mode, venue, symbol, and the version its desired model ref names now.
 */
export interface SlotBinding {
  readonly slotId: string;
  readonly mode: 'paper' | 'live';
  readonly venue: 'binance-spot' | 'binance-usdm';
  readonly symbol: string;
  /** Exact version, `<name>@<n>`. */
  readonly modelVersionId: string;
}

/** Options as the CLI hands them over (strings or numbers; undefined = not given). */
export interface EngineCliOptions {
  readonly mode?: string | undefined;
  readonly session?: string | undefined;
  readonly dataDir?: string | undefined;
  readonly venue?: string | undefined;
  readonly symbol?: string | undefined;
  readonly model?: string | number | undefined;
  readonly pace?: string | undefined;
  readonly host?: string | undefined;
  readonly port?: string | number | undefined;
  readonly dbUrl?: string | undefined;
  readonly flushIntervalMs?: string | number | undefined;
  readonly orderLatencyUs?: string | number | undefined;
  readonly cancelLatencyUs?: string | number | undefined;
  readonly startupGraceMs?: string | number | undefined;
  readonly cancelDeadlineMs?: string | number | undefined;
  readonly engineId?: string | undefined;
  readonly killPollMs?: string | number | undefined;
  readonly exchangeUrl?: string | undefined;
  readonly reconcileIntervalMs?: string | number | undefined;
  readonly ignoreForeignOrders?: boolean | string | undefined;
  readonly inventoryBaselineBase?: string | undefined;
  readonly slot?: string | undefined;
}

/** Invalid configuration: `details.field` names the offending field (never its value if secret). */
export class ConfigError extends PermanentError {
  /** @param field config field name, e.g. `pace`; @param source where it came from, e.g. `--pace / MMFLOW_PACE`. */
  constructor(field: string, source: string, problem: string) {
    super('CONFIG_INVALID', `invalid engine config: field "${field}" (${source}): ${problem}`, {
      field,
      source,
    });
  }
}

/** Default data folder: `<repo>/../shared/data`, resolved from this file, not from the cwd. */
export function defaultDataDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'data');
}

/** A `deployments.id` (infra/migrations/0013_promotion.sql). */
const SLOT_ID = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/, 'expected a slot id: letters, digits, ".", "_", ":" or "-"');

const count = (max: number) => z.coerce.number().int().min(0).max(max);

const schema = z.object({
  mode: z.enum(['replay', 'paper', 'live']),
  session: z.string().min(1).optional(),
  dataDir: z.string().min(1),
  venue: z
    .enum(['binance-spot', 'binance-usdm', 'binance', 'binanceusdm'])
    .transform((v) => (v === 'binance' ? 'binance-spot' : v === 'binanceusdm' ? 'binance-usdm' : v))
    .optional(),
  symbol: z
    .string()
    .regex(/^[A-Z0-9]{2,30}$/, 'expected an exchange symbol like BTCUSDT')
    .optional(),
  modelVersionId: z.union([z.string().min(1), z.number().int().nonnegative()]).transform(String),
  pace: z.enum(['fast', 'recorded']),
  orderLatencyUs: count(60_000_000),
  cancelLatencyUs: count(60_000_000),
  httpHost: z.string().min(1),
  httpPort: count(65_535),
  databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// URL'),
  flushIntervalMs: z.coerce.number().int().min(10).max(600_000),
  startupGraceMs: count(3_600_000),
  cancelDeadlineMs: z.coerce.number().int().min(1).max(600_000),
  engineId: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,200}$/, 'expected 1-200 letters, digits, ".", "_", ":" or "-"')
    .optional(),
  killPollMs: z.coerce.number().int().min(50).max(60_000),
  staleFeedMs: z.coerce.number().int().min(500).max(600_000),
  storeOutageHaltMs: z.coerce.number().int().min(100).max(86_400_000),
  resnapshotMs: z.coerce.number().int().min(0).max(86_400_000),
  exchangeUrl: z
    .string()
    .regex(/^https?:\/\/[^/?#@\s]+\/?$/, 'expected http://host:port (no path, query or credentials)')
    .transform((u) => u.replace(/\/$/, ''))
    .optional(),
  reconcileIntervalMs: z.coerce.number().int().min(100).max(3_600_000),
  ignoreForeignOrders: z
    .union([z.boolean(), z.enum(['1', '0', 'true', 'false'])])
    .transform((v) => v === true || v === '1' || v === 'true'),
  inventoryBaselineBase: z.string().regex(/^\d{1,20}(\.\d{1,18})?$/, 'expected a decimal amount like 0.5'),
  slot: SLOT_ID.optional(),
  slotPollMs: z.coerce.number().int().min(50).max(600_000),
  slotListen: z.enum(['1', '0', 'true', 'false']).transform((v) => v === '1' || v === 'true'),
  fastTouch: z.enum(['1', '0', 'true', 'false']).transform((v) => v === '1' || v === 'true'),
  feeTier: z
    .string()
    .regex(/^[a-z][a-z0-9]{0,15}$/, 'expected a tier name like regular, vip3 or mm3')
    .optional(),
});

type SchemaField = keyof z.infer<typeof schema>;

/** Where each field comes from, for error messages. */
const SOURCES: Record<SchemaField, string> = {
  mode: '--mode / MMFLOW_MODE',
  session: '--session / MMFLOW_SESSION',
  dataDir: '--data-dir / MMFLOW_DATA_DIR',
  venue: '--venue / MMFLOW_VENUE',
  symbol: '--symbol / MMFLOW_SYMBOL',
  modelVersionId: '--model / MMFLOW_MODEL',
  pace: '--pace / MMFLOW_PACE',
  orderLatencyUs: '--order-latency-us / MMFLOW_ORDER_LATENCY_US',
  cancelLatencyUs: '--cancel-latency-us / MMFLOW_CANCEL_LATENCY_US',
  httpHost: '--host / MMFLOW_HTTP_HOST',
  httpPort: '--port / MMFLOW_HTTP_PORT',
  databaseUrl: '--db-url / MMFLOW_DATABASE_URL / DATABASE_URL',
  flushIntervalMs: '--flush-interval-ms / MMFLOW_FLUSH_INTERVAL_MS',
  startupGraceMs: '--startup-grace-ms / MMFLOW_STARTUP_GRACE_MS',
  cancelDeadlineMs: '--cancel-deadline-ms / MMFLOW_CANCEL_DEADLINE_MS',
  engineId: 'MMFLOW_ENGINE_ID',
  killPollMs: 'MMFLOW_KILL_POLL_MS',
  staleFeedMs: 'MMFLOW_STALE_FEED_MS',
  storeOutageHaltMs: 'MMFLOW_STORE_OUTAGE_HALT_MS',
  resnapshotMs: 'MMFLOW_RESNAPSHOT_MS',
  exchangeUrl: '--exchange-url / MMFLOW_EXCHANGE_URL',
  reconcileIntervalMs: '--reconcile-interval-ms / MMFLOW_RECONCILE_INTERVAL_MS',
  ignoreForeignOrders: '--ignore-foreign-orders / MMFLOW_IGNORE_FOREIGN_ORDERS',
  inventoryBaselineBase: '--inventory-baseline-base / MMFLOW_INVENTORY_BASELINE_BASE',
  slot: '--slot / MMFLOW_SLOT',
  slotPollMs: 'MMFLOW_SLOT_POLL_MS',
  slotListen: 'MMFLOW_SLOT_LISTEN',
  fastTouch: 'MMFLOW_FAST_TOUCH',
  feeTier: 'MMFLOW_FEE_TIER',
};

function isSchemaField(key: string): key is SchemaField {
  return Object.hasOwn(SOURCES, key);
}

/** Reads a credential file; injected so tests need no files. */
export type SecretFileReader = (path: string) => string;

const readUtf8: SecretFileReader = (path) => readFileSync(path, 'utf8');

/**
 * Parses and validates the engine configuration.
 * @param cli options from the command line (take precedence).
 * @param env process environment (or a test double).
 * @param readSecretFile reads `MMFLOW_API_*_FILE` files (default: `fs.readFileSync` utf8).
 * @param slot with `--slot`: the slot's row as {@link SlotBinding} (required then); it supplies mode,
 *   venue, symbol and model (given ones must agree with it).
 * @returns the typed config.
 * @throws ConfigError naming the first bad field (its source too); credential values never appear.
 */
export function parseEngineConfig(
  cli: EngineCliOptions,
  env: Readonly<Record<string, string | undefined>>,
  readSecretFile: SecretFileReader = readUtf8,
  slot?: SlotBinding,
): EngineConfig {
  const pick = <T>(cliValue: T | undefined, ...envNames: string[]): T | string | undefined => {
    if (cliValue !== undefined) return cliValue;
    for (const name of envNames) {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
    }
    return undefined;
  };
  const raw = {
    mode: pick(cli.mode, 'MMFLOW_MODE'),
    session: pick(cli.session, 'MMFLOW_SESSION'),
    dataDir: pick(cli.dataDir, 'MMFLOW_DATA_DIR') ?? defaultDataDir(),
    venue: pick(cli.venue, 'MMFLOW_VENUE'),
    symbol: pick(cli.symbol, 'MMFLOW_SYMBOL'),
    modelVersionId: pick(cli.model, 'MMFLOW_MODEL'),
    pace: pick(cli.pace, 'MMFLOW_PACE') ?? 'fast',
    orderLatencyUs: pick(cli.orderLatencyUs, 'MMFLOW_ORDER_LATENCY_US') ?? 0,
    cancelLatencyUs: pick(cli.cancelLatencyUs, 'MMFLOW_CANCEL_LATENCY_US') ?? 0,
    httpHost: pick(cli.host, 'MMFLOW_HTTP_HOST') ?? '127.0.0.1',
    httpPort: pick(cli.port, 'MMFLOW_HTTP_PORT') ?? 9464,
    databaseUrl: pick(cli.dbUrl, 'MMFLOW_DATABASE_URL', 'DATABASE_URL'),
    flushIntervalMs: pick(cli.flushIntervalMs, 'MMFLOW_FLUSH_INTERVAL_MS') ?? 1000,
    startupGraceMs: pick(cli.startupGraceMs, 'MMFLOW_STARTUP_GRACE_MS') ?? 10_000,
    cancelDeadlineMs: pick(cli.cancelDeadlineMs, 'MMFLOW_CANCEL_DEADLINE_MS') ?? 5_000,
    engineId: pick(cli.engineId, 'MMFLOW_ENGINE_ID'),
    killPollMs: pick(cli.killPollMs, 'MMFLOW_KILL_POLL_MS') ?? 1_000,
    staleFeedMs: pick(undefined, 'MMFLOW_STALE_FEED_MS') ?? 5_000,
    storeOutageHaltMs: pick(undefined, 'MMFLOW_STORE_OUTAGE_HALT_MS') ?? 60_000,
    resnapshotMs: pick(undefined, 'MMFLOW_RESNAPSHOT_MS') ?? 900_000,
    exchangeUrl: pick(cli.exchangeUrl, 'MMFLOW_EXCHANGE_URL'),
    reconcileIntervalMs: pick(cli.reconcileIntervalMs, 'MMFLOW_RECONCILE_INTERVAL_MS') ?? 5_000,
    ignoreForeignOrders: pick(cli.ignoreForeignOrders, 'MMFLOW_IGNORE_FOREIGN_ORDERS') ?? false,
    inventoryBaselineBase: pick(cli.inventoryBaselineBase, 'MMFLOW_INVENTORY_BASELINE_BASE') ?? '0',
    slot: pick(cli.slot, 'MMFLOW_SLOT'),
    slotPollMs: pick(undefined, 'MMFLOW_SLOT_POLL_MS') ?? 1_000,
    slotListen: pick(undefined, 'MMFLOW_SLOT_LISTEN') ?? '1',
    fastTouch: pick(undefined, 'MMFLOW_FAST_TOUCH') ?? '0',
    feeTier: pick(undefined, 'MMFLOW_FEE_TIER'),
  };
  if (raw.slot !== undefined) bindSlot(raw, slot);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.path[0];
    const field: SchemaField = typeof key === 'string' && isSchemaField(key) ? key : 'mode';
    const problem =
      issue?.code === 'invalid_type' && raw[field] === undefined ? 'is required' : issue?.message;
    throw new ConfigError(field, SOURCES[field], problem ?? 'invalid');
  }
  const c = parsed.data;
  if (c.mode === 'replay' && c.session === undefined) {
    throw new ConfigError('session', SOURCES.session, 'is required in replay mode');
  }
  if (c.mode === 'replay' && c.exchangeUrl !== undefined)
    throw new ConfigError('exchangeUrl', SOURCES.exchangeUrl, 'is for paper and live modes only');
  if (c.mode !== 'replay') {
    if (c.venue === undefined) throw new ConfigError('venue', SOURCES.venue, `is required in ${c.mode} mode`);
    if (c.symbol === undefined)
      throw new ConfigError('symbol', SOURCES.symbol, `is required in ${c.mode} mode`);
  }
  return {
    mode: c.mode,
    session: c.session,
    dataDir: resolve(c.dataDir),
    venue: c.venue,
    symbol: c.symbol,
    modelVersionId: c.modelVersionId,
    pace: c.pace,
    orderLatencyUs: c.orderLatencyUs,
    cancelLatencyUs: c.cancelLatencyUs,
    httpHost: c.httpHost,
    httpPort: c.httpPort,
    databaseUrl: c.databaseUrl,
    flushIntervalMs: c.flushIntervalMs,
    startupGraceMs: c.startupGraceMs,
    cancelDeadlineMs: c.cancelDeadlineMs,
    credentials: c.mode === 'live' ? readCredentials(env, readSecretFile) : undefined,
    engineId:
      c.engineId ??
      (c.slot === undefined ? `${c.mode}:${c.symbol ?? c.session ?? 'engine'}` : `slot:${c.slot}`),
    riskLimits: readRiskLimits(env, readSecretFile),
    killToken: readKillToken(env, readSecretFile),
    killPollMs: c.killPollMs,
    staleFeedMs: c.staleFeedMs,
    storeOutageHaltMs: c.storeOutageHaltMs,
    resnapshotMs: c.resnapshotMs,
    exchangeUrl: c.exchangeUrl,
    reconcileIntervalMs: c.reconcileIntervalMs,
    ignoreForeignOrders: c.ignoreForeignOrders,
    inventoryBaselineBase: c.inventoryBaselineBase,
    slot: c.slot,
    slotPollMs: c.slotPollMs,
    slotListen: c.slotListen,
    fastTouch: c.fastTouch,
    feeTier: c.feeTier,
  };
}

/**
 * Fills mode, venue, symbol and model of a slot run from its row (in place).
 * @throws ConfigError for `--model` with a slot, a missing or mismatched binding, or a given
 *   mode/venue/symbol that differs from the slot's.
 */
function bindSlot(
  raw: { slot: unknown; mode: unknown; venue: unknown; symbol: unknown; modelVersionId: unknown },
  slot: SlotBinding | undefined,
): void {
  const id = String(raw.slot);
  if (raw.modelVersionId !== undefined)
    throw new ConfigError(
      'modelVersionId',
      SOURCES.modelVersionId,
      `slot ${id} names its model; drop --model / MMFLOW_MODEL`,
    );
  if (slot?.slotId !== id)
    throw new ConfigError('slot', SOURCES.slot, `slot ${id} was not read from the database (no such slot?)`);
  const given = { mode: raw.mode, venue: raw.venue, symbol: raw.symbol } as const;
  for (const field of ['mode', 'venue', 'symbol'] as const) {
    const value = given[field];
    if (value !== undefined && value !== slot[field])
      throw new ConfigError(field, SOURCES[field], `slot ${id} is ${slot[field]}, not ${String(value)}`);
  }
  raw.mode = slot.mode;
  raw.venue = slot.venue;
  raw.symbol = slot.symbol;
  raw.modelVersionId = slot.modelVersionId;
}

/**
 * Risk limits from `MMFLOW_RISK_LIMITS` (JSON) or the JSON file `MMFLOW_RISK_LIMITS_FILE` (not both);
 * none set: no limits.
 * @throws ConfigError naming the variable (and the file) and the bad field.
 */
function readRiskLimits(
  env: Readonly<Record<string, string | undefined>>,
  readFile: SecretFileReader,
): RiskLimits {
  const direct = env.MMFLOW_RISK_LIMITS;
  const path = env.MMFLOW_RISK_LIMITS_FILE;
  const source = 'MMFLOW_RISK_LIMITS / MMFLOW_RISK_LIMITS_FILE';
  const hasDirect = direct !== undefined && direct !== '';
  const hasFile = path !== undefined && path !== '';
  if (hasDirect && hasFile)
    throw new ConfigError('riskLimits', source, 'set either the variable or the _FILE, not both');
  if (!hasDirect && !hasFile) return NO_RISK_LIMITS;
  const where = hasFile ? `MMFLOW_RISK_LIMITS_FILE ${path}` : 'MMFLOW_RISK_LIMITS';
  let text: string;
  try {
    text = hasFile ? readFile(path) : (direct ?? '');
  } catch (err) {
    const reason = err instanceof Error && 'code' in err ? String(err.code) : 'unreadable';
    throw new ConfigError('riskLimits', source, `cannot read ${path} (${reason})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(
      'riskLimits',
      source,
      `${where}: not JSON (${err instanceof Error ? err.message : 'parse error'})`,
    );
  }
  try {
    return parseRiskLimits(json, where);
  } catch (err) {
    if (err instanceof RiskLimitsError) throw new ConfigError('riskLimits', source, err.message);
    throw err;
  }
}

/**
 * The `POST /kill` bearer token from `MMFLOW_KILL_TOKEN` or the file `MMFLOW_KILL_TOKEN_FILE` (trimmed);
 * undefined when neither is set. At least 16 characters, no whitespace.
 * @throws ConfigError naming the variable, never the token.
 */
function readKillToken(
  env: Readonly<Record<string, string | undefined>>,
  readFile: SecretFileReader,
): Secret | undefined {
  const direct = env.MMFLOW_KILL_TOKEN;
  const path = env.MMFLOW_KILL_TOKEN_FILE;
  const source = 'MMFLOW_KILL_TOKEN / MMFLOW_KILL_TOKEN_FILE';
  const hasDirect = direct !== undefined && direct !== '';
  const hasFile = path !== undefined && path !== '';
  if (hasDirect && hasFile)
    throw new ConfigError('killToken', source, 'set either the variable or the _FILE, not both');
  if (!hasDirect && !hasFile) return undefined;
  let value: string;
  try {
    value = (hasFile ? readFile(path) : (direct ?? '')).trim();
  } catch (err) {
    const reason = err instanceof Error && 'code' in err ? String(err.code) : 'unreadable';
    throw new ConfigError('killToken', source, `cannot read token file ${path} (${reason})`);
  }
  if (value.length < 16 || /\s/.test(value))
    throw new ConfigError(
      'killToken',
      source,
      'the token must be at least 16 characters, without whitespace',
    );
  return new Secret(value);
}

/**
 * Reads API key and secret from `MMFLOW_API_KEY`/`MMFLOW_API_SECRET` or the `…_FILE` variants
 * (file content trimmed). Exactly one source per credential.
 * @throws ConfigError naming the variable; never quotes a credential or file content.
 */
function readCredentials(
  env: Readonly<Record<string, string | undefined>>,
  readSecretFile: SecretFileReader,
): ApiCredentials {
  const one = (field: 'apiKey' | 'apiSecret', name: string): Secret => {
    const direct = env[name];
    const filePath = env[`${name}_FILE`];
    const source = `${name} / ${name}_FILE`;
    const hasDirect = direct !== undefined && direct !== '';
    const hasFile = filePath !== undefined && filePath !== '';
    if (hasDirect && hasFile)
      throw new ConfigError(field, source, 'set either the variable or the _FILE, not both');
    if (!hasDirect && !hasFile) {
      throw new ConfigError(
        field,
        source,
        'live mode requires exchange credentials from the environment or a file',
      );
    }
    let value: string;
    if (hasFile) {
      try {
        value = readSecretFile(filePath).trim();
      } catch (err) {
        const reason = err instanceof Error && 'code' in err ? String(err.code) : 'unreadable';
        throw new ConfigError(field, source, `cannot read credential file ${filePath} (${reason})`);
      }
    } else {
      value = (direct ?? '').trim();
    }
    if (value === '') throw new ConfigError(field, source, 'credential is empty');
    if (/\s/.test(value)) throw new ConfigError(field, source, 'credential contains whitespace');
    return new Secret(value);
  };
  return { apiKey: one('apiKey', 'MMFLOW_API_KEY'), apiSecret: one('apiSecret', 'MMFLOW_API_SECRET') };
}
