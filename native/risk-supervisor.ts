/**
 * The engine process's side of the risk gate (docs/adr/0011-risk-layer.md): the kill-switch latch and
 * the gate's transitions, kept through a store outage (docs/adr/0018-engine-store-outage.md). Used by
 * ./engine-process.ts.
 */
import { TransientError } from '../core/errors.ts';
import type { QuotingEngine } from '../core/engine/quoting-engine.ts';
import type { Clock } from '../core/ports.ts';
import { LATCHED_REASONS } from '../core/risk/risk-state.ts';
import type { LatchChange, RiskEventRecord } from '../db/repositories/risk-state.ts';
import { errorFields, type Log } from '../infra/log.ts';
import type { EngineMetrics } from './metrics.ts';
import type { RiskStore } from './run-store.ts';

/** What {@link RiskSupervisor} needs besides the engine and the store. */
export interface RiskSupervisorOptions {
  readonly runId: string;
  readonly engineId: string;
  readonly log: Log;
  readonly metrics: EngineMetrics;
  /** Wall clock (latch times). */
  readonly wallClock: Clock;
}

/**
 * The process side of the risk gate: the kill-switch latch (read at start, polled, written by
 * `POST /kill` and by the gate's own latched halts) and the transitions (logged, counted, stored).
 * Store writes are serialised on one chain and never stop the loop (docs/adr/0018-engine-store-outage.md):
 * events and the gate's latch are kept until written; a transient failure is logged once per outage
 * and retried at the next drain or poll (every `killPollMs`); a permanent one is logged and dropped.
 */
export class RiskSupervisor {
  private seq = 0;
  private chain: Promise<void> = Promise.resolve();
  private polling = false;
  private pollFailing = false;
  /**
   * Wall ms from which a resume in the latch lifts our halt: the kill time of the latch row that halted
   * us, or when we wrote the latch. An older resume (a previous kill's) never lifts a newer halt.
   */
  private latchedAtMs = Number.POSITIVE_INFINITY;
  // --- store outage (docs/adr/0018-engine-store-outage.md) ---
  /** Risk events not yet stored, in seq order. */
  private readonly unsent: RiskEventRecord[] = [];
  /** The gate's own latch, not yet stored. */
  private unsentLatch: LatchChange | undefined;
  private writing = false;
  private writeFailing = false;
  // --- end of store outage ---

  constructor(
    private readonly engine: QuotingEngine,
    private readonly store: RiskStore,
    private readonly opts: RiskSupervisorOptions,
  ) {}

  /**
   * Reads the latch before the first event; a killed engine is halted at once.
   * @throws the store's error: without the latch the engine must not start (fail closed).
   */
  async start(): Promise<void> {
    const row = await this.store.readKillSwitch(this.opts.engineId);
    if (row?.killed === true) {
      this.latchedAtMs = row.killedAtMs;
      this.engine.kill(`latched at start: ${row.reason} (by ${row.killedBy})`);
    }
    this.drain();
  }

  /** One latch read (skipped while one is in flight); kills or resumes the engine to match it. */
  poll(): void {
    this.writeUnsent(); // retries what a store outage held back
    if (this.polling) return;
    this.polling = true;
    this.store
      .readKillSwitch(this.opts.engineId)
      .then((row) => {
        this.pollFailing = false;
        const risk = this.engine.risk;
        if (row?.killed === true) {
          // Already latched (a kill, or the gate's own loss/drawdown halt that wrote this row): no change.
          if (!risk.latched) {
            this.latchedAtMs = Math.min(this.latchedAtMs, row.killedAtMs);
            this.engine.kill(`${row.reason} (by ${row.killedBy})`);
          }
        } else if (row?.resumedAtMs !== undefined && risk.latched && row.resumedAtMs >= this.latchedAtMs) {
          this.latchedAtMs = Number.POSITIVE_INFINITY;
          this.engine.resume(`${row.resumeReason ?? ''} (by ${row.resumedBy ?? '?'})`);
        }
        this.drain();
      })
      .catch((err: unknown) => {
        if (!this.pollFailing)
          this.opts.log.warn(
            { runId: this.opts.runId, engineId: this.opts.engineId, err: errorFields(err) },
            'reading the kill switch failed; retrying every poll',
          );
        this.pollFailing = true;
      })
      .finally(() => {
        this.polling = false;
      });
  }

  /** `POST /kill`: halt now, then write the latch (the HTTP answer waits for the write). */
  readonly killFromHttp = async (request: {
    readonly reason: string;
    readonly by: string;
  }): Promise<void> => {
    const atMs = Math.floor(this.opts.wallClock.nowUs() / 1000);
    this.latchedAtMs = Math.min(this.latchedAtMs, atMs);
    this.engine.kill(`${request.reason} (by ${request.by})`);
    this.drain();
    const change = { engineId: this.opts.engineId, by: request.by, reason: request.reason, atMs };
    try {
      await this.store.kill(change);
    } catch (err) {
      // Store outage (ADR 0018): the halt holds; the latch is written once the store is back.
      if (err instanceof TransientError) this.unsentLatch = change;
      throw err;
    }
  };

  /** Logs, counts and queues for storage the gate's transitions since the last call. */
  drain(): void {
    const transitions = this.engine.risk.drainTransitions();
    if (transitions.length === 0) return;
    const { log, metrics, runId, engineId } = this.opts;
    const records: RiskEventRecord[] = [];
    for (const t of transitions) {
      metrics.riskTransitions.inc({ from: t.from, to: t.to, reason: t.reason });
      const fields = {
        runId,
        engineId,
        from: t.from,
        to: t.to,
        reason: t.reason,
        value: t.value,
        limit: t.limit,
      };
      if (t.to === 'halted') log.warn({ ...fields, note: t.note }, 'risk state changed');
      else log.info({ ...fields, note: t.note }, 'risk state changed');
      records.push({
        seq: this.seq++,
        atUs: Math.round(t.atUs),
        from: t.from,
        to: t.to,
        reason: t.reason,
        ...(t.value === undefined || !Number.isFinite(t.value) ? {} : { value: t.value }),
        ...(t.limit === undefined ? {} : { limit: t.limit }),
        ...(t.note === undefined ? {} : { note: t.note }),
      });
      if (t.to === 'halted' && LATCHED_REASONS.has(t.reason) && t.reason !== 'kill') {
        // The gate's own latch (daily loss, drawdown) goes to the kill switch too: it outlives a restart.
        const atMs = Math.floor(this.opts.wallClock.nowUs() / 1000);
        this.latchedAtMs = Math.min(this.latchedAtMs, atMs);
        const reason = `${t.reason}: ${t.value ?? '?'} beyond ${t.limit ?? '?'}`;
        this.unsentLatch = { engineId, by: 'risk-gate', reason, atMs };
      }
    }
    this.unsent.push(...records);
    this.writeUnsent();
  }

  /** Risk events held back by a store outage. */
  get pendingEvents(): number {
    return this.unsent.length;
  }

  /** Tries the held-back writes once more, then resolves once every write is done (never throws). */
  settle(): Promise<void> {
    this.writeUnsent();
    return this.chain;
  }

  /** Writes the unsent latch, then the unsent events, on the chain (one writer at a time). */
  private writeUnsent(): void {
    if (this.writing || (this.unsent.length === 0 && this.unsentLatch === undefined)) return;
    this.writing = true;
    this.chain = this.chain
      .then(async () => {
        for (;;) {
          const latch = this.unsentLatch;
          if (latch !== undefined) {
            await this.attempt('writing the risk latch failed', () => this.store.kill(latch));
            if (this.unsentLatch === latch) this.unsentLatch = undefined;
          }
          const batch = this.unsent.slice();
          if (batch.length === 0) break;
          const { runId, engineId } = this.opts;
          await this.attempt('storing risk events failed', () =>
            this.store.recordRiskEvents(runId, engineId, batch),
          );
          this.unsent.splice(0, batch.length);
        }
        this.writeFailing = false;
      })
      .catch(() => undefined) // transient: kept, retried at the next drain or poll
      .finally(() => {
        this.writing = false;
      });
  }

  /** Runs one write; a permanent failure is logged and resolves (the data is dropped), a transient one rethrows. */
  private async attempt(message: string, write: () => Promise<void>): Promise<void> {
    const { log, runId, engineId } = this.opts;
    try {
      await write();
    } catch (err) {
      if (err instanceof TransientError) {
        if (!this.writeFailing) log.warn({ runId, engineId, retrying: true, err: errorFields(err) }, message);
        this.writeFailing = true;
        throw err;
      }
      log.error({ runId, engineId, err: errorFields(err) }, message);
    }
  }
}
