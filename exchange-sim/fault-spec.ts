/**
 * The fault requests of the exchange simulator as data: one zod schema per fault (the admin endpoint's
 * JSON body, the CLI's `--fault '<json>'`), discriminated by `fault`. Times in ms, counts in messages
 * or requests. docs/adr/0012 "Fault injection" says what each does on the wire.
 */
import { z } from 'zod';

const count = z.number().int().min(0).max(1_000_000);
/** Longest fault period accepted, ms (one hour). */
const MAX_PERIOD_MS = 3_600_000;
const market = z.enum(['spot', 'usdm']);

export const disconnectSpec = z
  .object({
    fault: z.literal('disconnect'),
    market: z.enum(['spot', 'usdm', 'all']).optional(),
    streams: z.enum(['market', 'user', 'all']).optional(),
  })
  .strict();

export const depthSpec = z
  .object({
    fault: z.literal('depth'),
    drop: count.optional(),
    duplicate: count.optional(),
    reorder: count.optional(),
    symbol: z
      .string()
      .regex(/^[A-Za-z0-9]{2,20}$/)
      .optional(),
    market: market.optional(),
  })
  .strict();

export const staleFeedSpec = z
  .object({
    fault: z.literal('staleFeed'),
    ms: z.number().int().min(1).max(MAX_PERIOD_MS),
    market: market.optional(),
    symbol: z
      .string()
      .regex(/^[A-Za-z0-9]{2,20}$/)
      .optional(),
  })
  .strict();

export const delayAcksSpec = z
  .object({
    fault: z.literal('delayAcks'),
    ms: z.number().int().min(1).max(MAX_PERIOD_MS),
    /** Acknowledgements to delay; absent = every one until `clear`. */
    count: z.number().int().min(1).max(1_000_000).optional(),
    /** `answer` (default): processed on arrival, answer held; `request`: held before processing. */
    stage: z.enum(['answer', 'request']).optional(),
  })
  .strict();

export const failRestSpec = z
  .object({
    fault: z.literal('failRest'),
    status: z.union([z.literal(500), z.literal(502), z.literal(503), z.literal(429)]),
    count: z.number().int().min(1).max(1_000_000),
    /** Only requests whose path starts with this, e.g. `/api/v3/order`. */
    pathPrefix: z.string().startsWith('/').optional(),
    /** `binance` (default): the venue's JSON `{code,msg}`; `gateway`: a non-JSON 5xx page (429: always JSON). */
    body: z.enum(['binance', 'gateway']).optional(),
    /** `Retry-After` of a 429, s (default 1). */
    retryAfterSec: z.number().int().min(0).max(3600).optional(),
  })
  .strict();

export const rejectOrdersSpec = z
  .object({
    fault: z.literal('rejectOrders'),
    count: z.number().int().min(1).max(1_000_000),
    /** Binance error code (negative); default spot -2010, USDⓈ-M -2019. */
    code: z.number().int().max(-1).optional(),
    msg: z.string().min(1).max(500).optional(),
  })
  .strict();

export const clockSkewSpec = z
  .object({
    fault: z.literal('clockSkew'),
    /** Server clock − wall clock, ms (may be negative; 0 removes the skew). */
    ms: z.number().int().min(-86_400_000).max(86_400_000),
  })
  .strict();

/** Any fault request. */
export const faultSpecSchema = z.discriminatedUnion('fault', [
  disconnectSpec,
  depthSpec,
  staleFeedSpec,
  delayAcksSpec,
  failRestSpec,
  rejectOrdersSpec,
  clockSkewSpec,
]);

export type FaultSpec = z.infer<typeof faultSpecSchema>;
export type DisconnectFault = Omit<z.infer<typeof disconnectSpec>, 'fault'>;
export type DepthFault = Omit<z.infer<typeof depthSpec>, 'fault'>;
export type StaleFeedFault = Omit<z.infer<typeof staleFeedSpec>, 'fault'>;
export type DelayAcksFault = Omit<z.infer<typeof delayAcksSpec>, 'fault'>;
export type FailRestFault = Omit<z.infer<typeof failRestSpec>, 'fault'>;
export type RejectOrdersFault = Omit<z.infer<typeof rejectOrdersSpec>, 'fault'>;
export type ClockSkewFault = Omit<z.infer<typeof clockSkewSpec>, 'fault'>;

/** A fault request that failed validation: the field (dotted path, `fault` if unknown) and why. */
export class FaultSpecError extends Error {
  readonly field: string;
  constructor(field: string, reason: string, where: string) {
    super(`${where}: ${field}: ${reason}`);
    this.name = 'FaultSpecError';
    this.field = field;
  }
}

/**
 * Parses one fault request (already JSON-decoded).
 * @param where names the source in the error, e.g. `POST /admin/faults` or `--fault #2`.
 * @throws FaultSpecError naming the first bad field.
 */
export function parseFaultSpec(raw: unknown, where: string): FaultSpec {
  const r = faultSpecSchema.safeParse(raw);
  if (r.success) {
    const d = r.data;
    if (d.fault === 'depth' && (d.drop ?? 0) + (d.duplicate ?? 0) + (d.reorder ?? 0) === 0) {
      throw new FaultSpecError('drop', 'one of drop, duplicate, reorder must be > 0', where);
    }
    return d;
  }
  const issue = r.error.issues[0];
  const path = issue?.path.map(String).join('.') ?? '';
  // An unrecognized key (`.strict()`) names the key itself.
  const keys = issue !== undefined && 'keys' in issue && Array.isArray(issue.keys) ? issue.keys : [];
  const field = keys.length > 0 ? String(keys[0]) : path === '' ? 'fault' : path;
  throw new FaultSpecError(field, issue?.message ?? 'invalid', where);
}

/**
 * Parses a JSON text of one fault request (CLI `--fault`, admin body).
 * @throws FaultSpecError (`body` if the text is not JSON).
 */
export function parseFaultJson(text: string, where: string): FaultSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new FaultSpecError('body', 'not valid JSON', where);
  }
  return parseFaultSpec(raw, where);
}
