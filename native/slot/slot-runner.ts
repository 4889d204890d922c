/**
 * The engine process's side of a slot (`mmflow quote --slot ID`, docs/adr/0016-promotion-lifecycle.md):
 * follows the slot's desired state (./slot-follower.ts: NOTIFY + polling), prepares each new revision
 * off the hot path (./slot-apply.ts), applies it at a safe point between two events, acknowledges it
 * (`markApplied`), heartbeats and writes a cumulative metrics sample every second (./slot-metrics.ts).
 *
 * Safe point: the loop calls {@link SlotRunner.beforeEvent} / {@link SlotRunner.afterEvent} around each
 * step. A prepared change is applied at once when the loop is between two steps (it awaits its feed),
 * else by the loop's next `beforeEvent` (one boolean test per event while nothing is pending).
 *
 * Failures never stop the engine: a desired state that cannot be prepared (unknown version, params
 * that do not parse, an ONNX load failure) is logged with its fields, counted in /metrics and recorded
 * on the slot (db/repositories/slot-apply-errors.ts); the engine quotes on with what it applied before. At start, with
 * nothing applied yet, such a failure halts the engine (it never quotes an unacknowledged capital) until
 * a good revision arrives. DB writes are serialised on one chain; a failed write is logged (a transient
 * one once per outage, docs/adr/0018-engine-store-outage.md) and the next tick retries the heartbeat,
 * the queued samples and an acknowledgement (`markApplied`) that has not reached the store.
 *
 * Swap pause ("time with no quotes during a swap", issue 14): wall µs from the pull (the apply) to the
 * first place sent after it (`engine.counters.quotesPlaced` grows), in the histogram
 * `mmflow_engine_slot_swap_pause_us` and the log. A decision that places nothing (book not ready, the
 * risk gate filtering) does not end it; a state that quotes nothing (halted) records no pause, and a
 * newer apply before the first place restarts the measurement.
 */
import type { Registry } from 'prom-client';
import type { AlphaModel } from '../../core/alpha/alpha-model.ts';
import { isMmflowError, PermanentError, TransientError } from '../../core/errors.ts';
import type { AlphaSource } from '../../core/quoting/model-params.ts';
import type { RiskLimits } from '../../core/risk/risk-limits.ts';
import type { Queryable } from '../../db/queryable.ts';
import { getSlot, heartbeatSlot, markApplied } from '../../db/repositories/deployments.ts';
import { errorFields, type Log } from '../../infra/log.ts';
import type { EngineMode } from '../config.ts';
import type { EngineDriver } from '../drivers.ts';
import { recordSlotApplyError } from '../../db/repositories/slot-apply-errors.ts';
import { SlotApplier, type PreparedState } from './slot-apply.ts';
import { SlotFollower, type ListenClient } from './slot-follower.ts';
import { createSlotPromMetrics, sampleEngine, SampleQueue, type SlotPromMetrics } from './slot-metrics.ts';

/** Heartbeat, sample and halt re-assertion period, wall ms. */
const TICK_MS = 1_000;

/** What {@link SlotRunner} needs. */
export interface SlotRunnerOptions {
  readonly db: Queryable;
  readonly databaseUrl: string;
  readonly slotId: string;
  /** Polling fallback period, wall ms. */
  readonly pollMs: number;
  /** False: polling only (no LISTEN). */
  readonly listen: boolean;
  readonly driver: EngineDriver;
  readonly engineRunId: string;
  readonly mode: EngineMode;
  /** The engine config's risk limits (combined with each version's). */
  readonly engineRiskLimits: RiskLimits;
  /** The version the runtime was built with. */
  readonly initialVersionId: string;
  readonly loadAlphaModel: ((alpha: AlphaSource) => Promise<AlphaModel>) | undefined;
  readonly log: Log;
  /** The engine run's metrics registry (/metrics). */
  readonly registry: Registry;
  /** Called after the runner changed the risk gate (kill/resume), to log and store the transition. */
  readonly onRiskChange: () => void;
  /** Wall clock, Unix epoch ms (default `Date.now`): acknowledgements, heartbeats, samples. */
  readonly nowMs?: () => number;
  /** Monotonic wall µs (default `performance.now()`·1000): the swap pause. */
  readonly monoUs?: () => number;
  readonly createClient?: (databaseUrl: string) => ListenClient;
}

/** What the runner has done, for /healthz, tests and logs. */
export interface SlotRunnerCounters {
  reads: number;
  applied: number;
  failures: number;
  writeFailures: number;
}

/** See the module doc. */
export class SlotRunner {
  readonly counters: SlotRunnerCounters = { reads: 0, applied: 0, failures: 0, writeFailures: 0 };
  /** True while a prepared change waits for the loop (the hot-path test). */
  swapPending = false;
  private pending: PreparedState | undefined;
  private appliedState: PreparedState | undefined;
  private stepping = false;
  private seenRevision = 0;
  private reading = false;
  private readAgain = false;
  private readFailing = false;
  private measuring = false;
  private pauseFromUs = 0;
  private placedAtPull = 0;
  private chain: Promise<void> = Promise.resolve();
  private tickTimer: ReturnType<typeof setInterval> | undefined;
  private tickWriting = false;
  private readonly samples = new SampleQueue();
  /** The acknowledgement of the last applied state while it is not in the store (ADR 0018). */
  private unacked: Parameters<typeof markApplied>[2] | undefined;
  /** True from a transient write failure to the next successful write (logs once per outage). */
  private writeFailing = false;
  private readonly applier: SlotApplier;
  private readonly follower: SlotFollower;
  private readonly nowMs: () => number;
  private readonly monoUs: () => number;
  private readonly prom: SlotPromMetrics;

  constructor(private readonly o: SlotRunnerOptions) {
    this.nowMs = o.nowMs ?? Date.now;
    this.monoUs = o.monoUs ?? (() => performance.now() * 1000);
    this.applier = new SlotApplier({
      db: o.db,
      driver: o.driver,
      slotId: o.slotId,
      mode: o.mode,
      engineRiskLimits: o.engineRiskLimits,
      initialVersionId: o.initialVersionId,
      loadAlphaModel: o.loadAlphaModel,
      log: o.log,
    });
    this.follower = new SlotFollower({
      databaseUrl: o.databaseUrl,
      slotId: o.slotId,
      pollMs: o.pollMs,
      listen: o.listen,
      log: o.log,
      onSignal: () => this.read(),
      ...(o.createClient === undefined ? {} : { createClient: o.createClient }),
    });
    this.prom = createSlotPromMetrics(o.registry);
  }

  /** The last state applied (undefined before the first). */
  get applied(): PreparedState | undefined {
    return this.appliedState;
  }

  /** Follower counters (NOTIFY vs polling), for tests. */
  get followerCounters(): Readonly<SlotFollower['counters']> {
    return this.follower.counters;
  }

  /**
   * Applies the slot's current desired state before the first event, then starts following it.
   * @throws the DB error of the first read, or PermanentError `SLOT_NOT_FOUND` (the engine must not
   *   start without its slot).
   */
  async start(): Promise<void> {
    const { o } = this;
    const slot = await getSlot(o.db, o.slotId);
    if (slot === undefined)
      throw new PermanentError('SLOT_NOT_FOUND', `no slot ${o.slotId} in deployments`, { slotId: o.slotId });
    this.seenRevision = slot.desired.revision;
    try {
      this.applyNow(await this.applier.prepare(slot), false); // nothing quoted yet: no pause
    } catch (err) {
      this.failed({ ...slot.desired }, err);
      // Nothing acknowledged yet: hold no quotes until a good revision arrives.
      o.driver.engine.kill(
        `slot ${o.slotId}: revision ${slot.desired.revision} could not be applied at start`,
      );
      o.onRiskChange();
    }
    this.tickTimer = setInterval(() => this.tick(), TICK_MS);
    this.tickTimer.unref();
    await this.follower.start();
  }

  /** Before each event: applies a pending change (the safe point). */
  beforeEvent(): void {
    this.stepping = true;
    if (this.swapPending) this.applyPending();
  }

  /** After each event: closes the swap-pause measurement at the first place sent after a swap. */
  afterEvent(): void {
    this.stepping = false;
    if (this.measuring) this.checkPause();
  }

  /** Stops following; writes a last sample and heartbeat, waits for the writes. Never throws. */
  async stop(): Promise<void> {
    clearInterval(this.tickTimer);
    await this.follower.stop();
    if (this.pending !== undefined) await this.applier.discard(this.pending).catch(() => undefined);
    this.pending = undefined;
    this.swapPending = false;
    this.tick();
    await this.chain;
    await this.applier.close().catch(() => undefined);
  }

  /** Reads the slot (coalesced: one read in flight, at most one more queued). */
  private read(): void {
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = true;
    this.counters.reads++;
    this.readOnce()
      .catch((err: unknown) => {
        if (!this.readFailing)
          this.o.log.warn(
            { slotId: this.o.slotId, err: errorFields(err) },
            'reading the slot failed; retrying every poll',
          );
        this.readFailing = true;
      })
      .finally(() => {
        this.reading = false;
        if (this.readAgain) {
          this.readAgain = false;
          this.read();
        }
      });
  }

  private async readOnce(): Promise<void> {
    const slot = await getSlot(this.o.db, this.o.slotId);
    this.readFailing = false;
    if (slot === undefined || slot.desired.revision <= this.seenRevision) return;
    const before = this.seenRevision;
    this.seenRevision = slot.desired.revision;
    let prepared: PreparedState;
    try {
      prepared = await this.applier.prepare(slot);
    } catch (err) {
      if (err instanceof TransientError && this.seenRevision === slot.desired.revision) {
        this.seenRevision = before; // a DB hiccup, not a bad state: the next poll tries again
        throw err;
      }
      this.failed({ ...slot.desired }, err);
      return;
    }
    if (prepared.revision < this.seenRevision) {
      await this.applier.discard(prepared); // a newer revision came while loading
      return;
    }
    const superseded = this.pending;
    this.pending = prepared;
    this.swapPending = true;
    if (superseded !== undefined) await this.applier.discard(superseded);
    if (!this.stepping) this.applyPending();
  }

  /** Applies the pending change now (the caller is at a safe point). */
  private applyPending(): void {
    const p = this.pending;
    this.pending = undefined;
    this.swapPending = false;
    if (p !== undefined) this.applyNow(p, true);
  }

  private applyNow(p: PreparedState, measure: boolean): void {
    const { o } = this;
    const engine = o.driver.engine;
    const t0 = this.monoUs();
    const placed = engine.counters.quotesPlaced;
    let pulled: boolean;
    try {
      pulled = this.applier.apply(p); // driver.swapModel validates first: a throw leaves the engine as it was
    } catch (err) {
      this.failed(p, err);
      void this.applier.discard(p).catch(() => undefined);
      o.onRiskChange();
      return;
    }
    const applyUs = this.monoUs() - t0;
    this.appliedState = p;
    this.counters.applied++;
    this.prom.appliedRevision.set(p.revision);
    o.onRiskChange();
    // No pause to measure when nothing can be placed (a halt, or a latch this state does not lift).
    if (pulled && measure && !engine.risk.latched) {
      this.measuring = true;
      this.pauseFromUs = t0;
      this.placedAtPull = placed;
    } else {
      this.measuring = false;
    }
    o.log.info(
      {
        slotId: o.slotId,
        revision: p.revision,
        version: p.versionId,
        capitalFraction: p.capitalFraction,
        effectiveFraction: p.effectiveFraction,
        riskState: p.riskState,
        quoting: p.quoting,
        swapped: p.swap !== undefined,
        haltOnly: p.haltOnly,
        applyUs: Math.round(applyUs),
      },
      'slot state applied',
    );
    const atMs = Math.floor(this.nowMs());
    this.unacked = {
      revision: p.revision,
      version: p.versionId,
      capitalFraction: p.capitalFraction,
      riskState: p.riskState,
      engineRunId: o.engineRunId,
      atMs,
    };
    this.enqueue('acknowledging the slot state failed', () => this.ack());
  }

  /** Writes the pending acknowledgement; kept on a transient failure (the next tick retries), dropped on a permanent one. */
  private async ack(): Promise<void> {
    const a = this.unacked;
    if (a === undefined) return;
    try {
      await markApplied(this.o.db, this.o.slotId, a);
    } catch (err) {
      if (!(err instanceof TransientError) && this.unacked === a) this.unacked = undefined;
      throw err;
    }
    if (this.unacked === a) this.unacked = undefined;
  }

  private checkPause(): void {
    if (this.o.driver.engine.counters.quotesPlaced <= this.placedAtPull) return;
    this.measuring = false;
    const pauseUs = this.monoUs() - this.pauseFromUs;
    this.prom.swapPauseUs.observe(pauseUs);
    this.o.log.info(
      { slotId: this.o.slotId, revision: this.appliedState?.revision, pauseUs: Math.round(pauseUs) },
      'slot swap pause ended',
    );
  }

  private failed(d: FailedState, err: unknown): void {
    const { o } = this;
    this.counters.failures++;
    this.prom.applyFailures.inc();
    o.log.error(
      {
        slotId: o.slotId,
        revision: d.revision,
        desiredModel: d.model ?? d.versionId,
        capitalFraction: d.capitalFraction,
        riskState: d.riskState,
        currentVersion: this.applier.currentVersionId,
        err: errorFields(err),
      },
      'slot state not applied; quoting on with the previous one',
    );
    const error = describe(err);
    const atMs = Math.floor(this.nowMs());
    this.enqueue('recording the slot apply error failed', () =>
      recordSlotApplyError(o.db, o.slotId, { revision: d.revision, error, atMs }),
    );
  }

  /** Every second: re-assert a halt, heartbeat, sample. */
  private tick(): void {
    const { o } = this;
    const applied = this.appliedState;
    if (applied !== undefined) {
      const wasLatched = o.driver.engine.risk.latched;
      this.applier.enforce(applied);
      if (!wasLatched && o.driver.engine.risk.latched) o.onRiskChange();
    }
    const atMs = Math.floor(this.nowMs());
    if (applied !== undefined)
      this.samples.push((seq) =>
        sampleEngine(o.driver.engine, { deploymentId: o.slotId, engineRunId: o.engineRunId }, seq, atMs, {
          revision: applied.revision,
          versionId: applied.versionId,
          capitalFraction: applied.quoting ? applied.effectiveFraction : 0,
        }),
      );
    if (this.tickWriting) return; // the DB is slow: the sample waits in the queue, no backlog of writes
    this.tickWriting = true;
    this.enqueue('slot heartbeat or sample failed', async () => {
      try {
        await this.ack(); // an acknowledgement a store outage held back (ADR 0018)
        await heartbeatSlot(o.db, o.slotId, o.engineRunId, atMs);
        await this.samples.flush(o.db);
      } finally {
        this.tickWriting = false;
      }
    });
  }

  private enqueue(message: string, write: () => Promise<void>): void {
    const { log, slotId } = this.o;
    this.chain = this.chain.then(write).then(
      () => {
        if (this.writeFailing) log.info({ slotId }, 'slot writes succeed again');
        this.writeFailing = false;
      },
      (err: unknown) => {
        this.counters.writeFailures++;
        if (!(err instanceof TransientError)) {
          log.error({ slotId, err: errorFields(err) }, message);
          return;
        }
        // A store outage: logged once, retried every tick (docs/adr/0018-engine-store-outage.md).
        if (!this.writeFailing) log.warn({ slotId, err: errorFields(err) }, message);
        this.writeFailing = true;
      },
    );
  }
}

/** The desired state of a failure (a slot's desired state, or a prepared state that failed to apply). */
interface FailedState {
  readonly revision: number;
  readonly model?: string;
  readonly versionId?: string;
  readonly capitalFraction: number;
  readonly riskState: 'active' | 'halted';
}

/** `CODE: message` of an error, one line. */
function describe(err: unknown): string {
  if (isMmflowError(err)) return `${err.code}: ${err.message}`;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
