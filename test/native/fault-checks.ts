/**
 * Checks shared by the fault-injection test of the live engine (engine-faults.test.ts): reading the
 * engine's `/healthz` and `/metrics`, and reading the simulator's ledger as a timeline of our open
 * orders. Times are the simulator's clock, Unix ms (wall clock + any injected skew).
 */
import type { LedgerOrder } from '../../exchange-sim/ledger.ts';

/** The fields of the engine's `/healthz` body the fault test reads. */
export interface EngineHealth {
  readonly runId: string;
  readonly bookSync: string;
  readonly workingOrders: number;
  readonly inventoryLots: number;
  readonly riskState: string;
  readonly riskReason: string;
  readonly eventsProcessed: number;
}

/**
 * GET `${httpUrl}/healthz` (200 or 503 both carry the body).
 * @throws Error naming the field when the body lacks one of {@link EngineHealth}.
 */
export async function healthOf(httpUrl: string): Promise<EngineHealth> {
  const body = (await (await fetch(`${httpUrl}/healthz`)).json()) as Record<string, unknown>;
  for (const k of ['runId', 'bookSync', 'riskState', 'riskReason'] as const)
    if (typeof body[k] !== 'string') throw new Error(`/healthz: ${k} is not a string`);
  for (const k of ['workingOrders', 'inventoryLots', 'eventsProcessed'] as const)
    if (typeof body[k] !== 'number') throw new Error(`/healthz: ${k} is not a number`);
  return body as unknown as EngineHealth;
}

/**
 * The value of the sample `mmflow_engine_<name>` in a Prometheus text exposition (its labels are the
 * run's constant labels: the first sample of that name is taken).
 * @throws Error when the sample is absent.
 */
export function metricValue(text: string, name: string): number {
  const full = `mmflow_engine_${name}`;
  for (const line of text.split('\n')) {
    const key = line.split(/[{ ]/, 1)[0];
    const value = line.slice(line.lastIndexOf(' ') + 1);
    if (key === full && !line.startsWith('#')) return Number(value);
  }
  throw new Error(`/metrics: no sample ${full}`);
}

/** Ledger statuses after which an order is no longer on the book. */
const DONE = new Set(['FILLED', 'CANCELED', 'REJECTED', 'EXPIRED']);

/** When an order left the book (simulator ms), `Infinity` while it is still open. */
export function closedAtMs(o: LedgerOrder): number {
  return DONE.has(o.status) ? o.updateTimeMs : Infinity;
}

/** Orders of the ledger on the book at simulator time `tMs` (placed at or before, not yet closed). */
export function openAt(orders: readonly LedgerOrder[], tMs: number): LedgerOrder[] {
  return orders.filter((o) => o.status !== 'REJECTED' && o.timeMs <= tMs && closedAtMs(o) > tMs);
}

/**
 * The first instant in [`fromMs`, `toMs`] (simulator ms) at which none of `orders` was on the book:
 * "our quotes were pulled". Candidates are `fromMs` and every close time in the range (the open count
 * only drops to 0 at a close). @returns that instant, or undefined if orders stood throughout.
 */
export function firstFlatInstant(
  orders: readonly LedgerOrder[],
  fromMs: number,
  toMs: number,
): number | undefined {
  const candidates = [fromMs, ...orders.map(closedAtMs).filter((t) => t >= fromMs && t <= toMs)].sort(
    (a, b) => a - b,
  );
  return candidates.find((t) => openAt(orders, t).length === 0);
}
