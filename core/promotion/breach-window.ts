/**
 * A sustained-breach detector: is the slot out of its guardrails for at least `windowMs` (seed 004:
 * 15 minutes) with no clean check in between? The canary and the A/B test call `update` after every
 * guardrail check; `sustained` triggers the rollback.
 *
 * - Any breach counts, whichever guardrail: a slot that breaches drawdown, then reject rate, without a
 *   clean check between, has been out of bounds all along (conservative: one window, not one per
 *   guardrail).
 * - A clean check (no breach) resets the window. A gap between checks (a worker down) does not: the
 *   breach is taken to have lasted from its first breaching check (`since`) to now.
 * - sustained ⇔ breaching now and atMs − since ≥ windowMs (so exactly windowMs after the first
 *   breaching check is sustained).
 *
 * Deterministic and pure (no clock: the caller passes Temporal's time), so it runs inside workflow
 * code; its state is plain JSON (null, not undefined) to cross Continue-As-New unchanged.
 */
import { z } from 'zod';
import { PermanentError } from '../errors.ts';
import { NO_DATA, type Breach, type BreachName } from './guardrails.ts';

const GUARDRAIL_NAMES = [
  'maxDrawdownQuote',
  'maxRmsInventoryLots',
  'maxRejectRate',
  'minMarkoutPerFillQuote',
  NO_DATA,
] as const satisfies readonly BreachName[];

const epochMs = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** Zod schema of {@link BreachWindowState} (strict). */
export const BreachWindowStateSchema = z
  .object({
    /** Time of the first check of the current unbroken run of breaching checks, epoch ms; null: clean. */
    since: epochMs.nullable(),
    /** Time of the last check, epoch ms; null: none yet. */
    lastAtMs: epochMs.nullable(),
    /** Breaches of the last check. */
    breaches: z.array(
      z.object({ guardrail: z.enum(GUARDRAIL_NAMES), value: z.number(), limit: z.number() }).strict(),
    ),
  })
  .strict();

/** Serializable state of a {@link BreachWindow}. */
export type BreachWindowState = z.output<typeof BreachWindowStateSchema>;

/** What an update reports. */
export interface BreachStatus {
  /** Breaching now for at least windowMs. */
  readonly sustained: boolean;
  /** Start of the current breach, epoch ms; undefined when the last check was clean. */
  readonly since: number | undefined;
  /** atMs − since, ms; 0 when clean. */
  readonly elapsedMs: number;
  /** The breaches of this check. */
  readonly breaches: readonly Breach[];
}

export class BreachWindow {
  private since: number | null;
  private lastAtMs: number | null;
  private breaches: Breach[];

  /**
   * @param windowMs how long a breach must last to be sustained, ms (integer ≥ 0; 0: at once).
   * @param state a state from {@link BreachWindow.state} (e.g. carried across Continue-As-New).
   * @throws PermanentError BREACH_WINDOW_INVALID on a bad window or state.
   */
  constructor(
    readonly windowMs: number,
    state?: BreachWindowState,
  ) {
    if (!Number.isSafeInteger(windowMs) || windowMs < 0)
      throw new PermanentError(
        'BREACH_WINDOW_INVALID',
        `breach window: windowMs ${windowMs} must be an integer ≥ 0`,
      );
    const parsed = BreachWindowStateSchema.safeParse(state ?? { since: null, lastAtMs: null, breaches: [] });
    if (!parsed.success)
      throw new PermanentError('BREACH_WINDOW_INVALID', `breach window: bad state: ${parsed.error.message}`);
    this.since = parsed.data.since;
    this.lastAtMs = parsed.data.lastAtMs;
    this.breaches = parsed.data.breaches;
  }

  /**
   * Records a guardrail check.
   * @param atMs time of the check, epoch ms (integer, not before the previous check).
   * @param breaches the check's breaches (empty: clean).
   * @throws PermanentError BREACH_WINDOW_TIME when atMs is before the previous check or not an integer ≥ 0.
   */
  update(atMs: number, breaches: readonly Breach[]): BreachStatus {
    if (!Number.isSafeInteger(atMs) || atMs < 0 || (this.lastAtMs !== null && atMs < this.lastAtMs))
      throw new PermanentError(
        'BREACH_WINDOW_TIME',
        `breach window: check at ${atMs} before the last one at ${this.lastAtMs}`,
      );
    this.lastAtMs = atMs;
    this.breaches = breaches.map((b) => ({ guardrail: b.guardrail, value: b.value, limit: b.limit }));
    if (breaches.length === 0) {
      this.since = null;
      return { sustained: false, since: undefined, elapsedMs: 0, breaches: [] };
    }
    this.since ??= atMs;
    const elapsedMs = atMs - this.since;
    return { sustained: elapsedMs >= this.windowMs, since: this.since, elapsedMs, breaches: this.breaches };
  }

  /** A copy of the state, plain JSON. */
  state(): BreachWindowState {
    return { since: this.since, lastAtMs: this.lastAtMs, breaches: this.breaches.map((b) => ({ ...b })) };
  }
}
