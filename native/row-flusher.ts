/**
 * The flusher of an engine run's rows (./run-recorder.ts → the `RunStore` port of ./run-store.ts) and
 * the retry of the run row's writes, both riding out store outages (docs/adr/0018-engine-store-outage.md).
 */
import { TransientError } from '../core/errors.ts';
import { errorFields, type Log } from '../infra/log.ts';
import type { Sleeper } from './feeds/recorded-feed.ts';
import type { RowBatch, RunRecorder } from './run-recorder.ts';
import type { RowsWritten, RunStore } from './run-store.ts';

/** Options of {@link RowFlusher}; every field has a default. */
export interface RowFlusherOptions {
  /** First retry delay of an outage, wall ms (default 200); doubles per attempt. */
  readonly firstBackoffMs?: number;
  /** Cap of the retry delay, wall ms (default 5,000). */
  readonly maxBackoffMs?: number;
  /** Monotonic wall ms (default `performance.now`): outage durations and deadlines. */
  readonly monoMs?: () => number;
  /** Log a continuing outage at most this often, wall ms (default 10,000). */
  readonly logEveryMs?: number;
}

/** A store outage in progress (docs/adr/0018-engine-store-outage.md). */
export interface StoreOutage {
  /** When the first write failed, monotonic wall ms (`RowFlusherOptions.monoMs`). */
  readonly sinceMs: number;
  /** Failed write attempts so far (the first one included). */
  attempts: number;
  /** The last transient error. */
  lastError: unknown;
}

/** Rows of a batch (all tables). */
function rowsOf(batch: RowBatch): number {
  return batch.quotes.length + batch.orders.length + batch.fills.length;
}

/**
 * Drains a `RunRecorder` into a `RunStore`, one write at a time, batches in order (orders before
 * fills; a later batch's order state overwrites an earlier one's, as the upserts require).
 *
 * A transient store error (`TransientError`: PostgreSQL down, restarting, unreachable) never fails the
 * run (docs/adr/0018-engine-store-outage.md): the failed batch is kept at the head of a queue and an
 * outage begins; a background loop retries with exponential backoff (200 ms doubling to a 5 s cap),
 * each attempt also taking the rows recorded since; `flush()` returns at once while the outage lasts
 * (the quoting loop never waits on a down store). The first successful write of the whole queue ends
 * the outage. Any other error (a `PermanentError` such as a constraint violation, or a foreign error:
 * a bug) is kept in `failure` and rethrown by every later flush, so the engine loop fails the run.
 */
export class RowFlusher {
  readonly written: RowsWritten = { quotes: 0, orders: 0, fills: 0 };
  /** Write attempts made after a transient failure (monotone). */
  retries = 0;
  private readonly queue: RowBatch[] = [];
  private queuedRows = 0;
  private chain: Promise<void> = Promise.resolve();
  private failureValue: unknown;
  private outageValue: StoreOutage | undefined;
  private retryLoop: Promise<void> = Promise.resolve();
  private readonly stopRetry = new AbortController();
  private lastLogMs = Number.NEGATIVE_INFINITY;
  /** When the write in flight started, monotonic wall ms (undefined: none in flight). */
  private writeStartedMs: number | undefined;
  private readonly firstBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly monoMs: () => number;
  private readonly logEveryMs: number;

  constructor(
    private readonly store: RunStore,
    private readonly runId: string,
    private readonly recorder: RunRecorder,
    private readonly sleep: Sleeper,
    private readonly log: Log,
    options: RowFlusherOptions = {},
  ) {
    this.firstBackoffMs = options.firstBackoffMs ?? 200;
    this.maxBackoffMs = options.maxBackoffMs ?? 5_000;
    this.monoMs = options.monoMs ?? (() => performance.now());
    this.logEveryMs = options.logEveryMs ?? 10_000;
  }

  /** The permanent error that stopped flushing, if any. */
  get failure(): unknown {
    return this.failureValue;
  }

  /** The outage in progress, else undefined. */
  get outage(): Readonly<StoreOutage> | undefined {
    return this.outageValue;
  }

  /** How long the current outage has lasted, wall ms (0 when none). */
  outageMs(): number {
    return this.outageValue === undefined ? 0 : this.monoMs() - this.outageValue.sinceMs;
  }

  /** How long the write in flight has been running, wall ms (0 when none): a hung store shows here first. */
  writeAgeMs(): number {
    return this.writeStartedMs === undefined ? 0 : this.monoMs() - this.writeStartedMs;
  }

  /**
   * How long the store has not answered: the outage's duration, else the age of the write in flight,
   * wall ms (a write that hangs until its timeout counts from its start).
   */
  unavailableMs(): number {
    return this.outageValue === undefined ? this.writeAgeMs() : this.outageMs();
  }

  /**
   * {@link flush}, waiting at most `maxWaitMs` of real wall time (the loop's backpressure: it never
   * hangs on a store that stopped answering). @throws the permanent failure.
   */
  async flushWithin(maxWaitMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, maxWaitMs);
      timer.unref();
    });
    try {
      await Promise.race([this.flush(), expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Rows not yet in the store: the kept batches plus the recorder's pending rows. */
  get bufferedRows(): number {
    return this.queuedRows + this.recorder.pendingRows;
  }

  /**
   * Writes everything buffered so far; during an outage returns at once (the retry loop writes).
   * Resolves on a transient failure too (the outage begins).
   * @throws the permanent failure.
   */
  flush(): Promise<void> {
    if (this.failureValue !== undefined) return Promise.reject(this.failureValue);
    if (this.outageValue !== undefined) return Promise.resolve();
    this.chain = this.chain.then(() => this.writeOnce());
    return this.chain;
  }

  /**
   * Final flush at shutdown: writes everything, waiting through an outage until `deadlineMs` (wall ms
   * from now), then stops the retry loop.
   * @throws the permanent failure, or TransientError `STORE_UNAVAILABLE` when rows are still buffered
   *   at the deadline (they are lost with the process; the run cannot be completed in the store).
   */
  async close(deadlineMs: number): Promise<void> {
    const endMs = this.monoMs() + deadlineMs;
    try {
      for (;;) {
        await this.chain.catch(() => undefined);
        if (this.failureValue !== undefined) throw this.failureValue;
        if (this.outageValue === undefined) {
          if (this.bufferedRows === 0) return;
          await this.flush();
          continue;
        }
        const leftMs = endMs - this.monoMs();
        if (leftMs <= 0) {
          throw new TransientError(
            'STORE_UNAVAILABLE',
            `run ${this.runId}: the store is still unavailable at shutdown; ${this.bufferedRows} rows not written`,
            { runId: this.runId, bufferedRows: this.bufferedRows, outageMs: Math.round(this.outageMs()) },
            { cause: this.outageValue.lastError },
          );
        }
        const timer = new AbortController();
        await Promise.race([this.retryLoop, this.sleep(Math.min(leftMs, this.maxBackoffMs), timer.signal)]);
        timer.abort();
      }
    } finally {
      this.stopRetry.abort();
    }
  }

  /** Moves the recorder's pending rows into the queue. */
  private take(): void {
    if (this.recorder.pendingRows === 0) return;
    const batch = this.recorder.drain();
    this.queue.push(batch);
    this.queuedRows += rowsOf(batch);
  }

  /** Writes the queue, oldest batch first; a batch leaves the queue only once written. */
  private async writeQueue(): Promise<void> {
    this.take();
    for (let batch = this.queue[0]; batch !== undefined; batch = this.queue[0]) {
      this.writeStartedMs = this.monoMs();
      try {
        await this.store.writeRows(this.runId, batch);
      } finally {
        this.writeStartedMs = undefined;
      }
      this.queue.shift();
      this.queuedRows -= rowsOf(batch);
      this.written.quotes += batch.quotes.length;
      this.written.orders += batch.orders.length;
      this.written.fills += batch.fills.length;
    }
  }

  private async writeOnce(): Promise<void> {
    if (this.failureValue !== undefined) throw this.failureValue;
    if (this.outageValue !== undefined) return;
    try {
      await this.writeQueue();
    } catch (err) {
      if (!(err instanceof TransientError)) {
        this.failureValue = err;
        throw err;
      }
      this.outageValue = { sinceMs: this.monoMs(), attempts: 1, lastError: err };
      this.lastLogMs = this.monoMs();
      this.log.warn(
        { runId: this.runId, bufferedRows: this.bufferedRows, err: errorFields(err) },
        'store unavailable; rows kept, retrying with backoff',
      );
      this.retryLoop = this.retry();
    }
  }

  /** The outage's retry loop: backoff, write the whole queue, until it succeeds or fails permanently. */
  private async retry(): Promise<void> {
    let backoffMs = this.firstBackoffMs;
    for (;;) {
      await this.sleep(backoffMs, this.stopRetry.signal).catch(() => undefined);
      const outage = this.outageValue;
      if (this.stopRetry.signal.aborted || outage === undefined) return;
      backoffMs = Math.min(backoffMs * 2, this.maxBackoffMs);
      this.retries++;
      outage.attempts++;
      try {
        await this.writeQueue();
      } catch (err) {
        if (!(err instanceof TransientError)) {
          this.failureValue = err;
          this.log.error({ runId: this.runId, err: errorFields(err) }, 'row write failed permanently');
          return;
        }
        outage.lastError = err;
        if (this.monoMs() - this.lastLogMs >= this.logEveryMs) {
          this.lastLogMs = this.monoMs();
          this.log.warn(
            {
              runId: this.runId,
              attempts: outage.attempts,
              outageMs: Math.round(this.outageMs()),
              bufferedRows: this.bufferedRows,
              err: errorFields(err),
            },
            'store still unavailable; retrying',
          );
        }
        continue;
      }
      this.log.info(
        { runId: this.runId, attempts: outage.attempts, outageMs: Math.round(this.outageMs()) },
        'store available again; buffered rows written',
      );
      this.outageValue = undefined;
      return;
    }
  }
}

/**
 * Runs `op`, retrying a `TransientError` with backoff (200 ms doubling to a 5 s cap) until
 * `deadlineMs` wall ms from now (the run row's start and finish: docs/adr/0018-engine-store-outage.md).
 * @throws any other error at once; the last transient error once the deadline passed.
 */
export async function retryTransient<T>(
  op: () => Promise<T>,
  o: { readonly deadlineMs: number; readonly sleep: Sleeper; readonly monoMs?: () => number },
): Promise<T> {
  const monoMs = o.monoMs ?? (() => performance.now());
  const endMs = monoMs() + o.deadlineMs;
  for (let backoffMs = 200; ; backoffMs = Math.min(backoffMs * 2, 5_000)) {
    try {
      return await op();
    } catch (err) {
      const leftMs = endMs - monoMs();
      if (!(err instanceof TransientError) || leftMs <= 0) throw err;
      await o.sleep(Math.min(backoffMs, leftMs));
    }
  }
}
