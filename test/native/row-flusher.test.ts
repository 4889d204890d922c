/**
 * `RowFlusher` through a store outage (docs/adr/0018-engine-store-outage.md), with a fake store that
 * fails a given number of writes and a fake sleeper (no real waits): transient failures keep every
 * row, in order, and retry with backoff 200, 400, 800, 1600, 3200, 5000, 5000 … ms; `flush()` never
 * waits on the outage; a permanent failure is kept and rethrown; `close` gives up at its deadline.
 */
import { describe, expect, it } from 'vitest';
import { PermanentError, TransientError } from '../../core/errors.ts';
import type { QuoteIntent } from '../../core/quoting/intent.ts';
import { silentLog } from '../../infra/log.ts';
import { ConfigError, parseEngineConfig } from '../../native/config.ts';
import { RunRecorder, type RowBatch } from '../../native/run-recorder.ts';
import { retryTransient, RowFlusher } from '../../native/row-flusher.ts';
import type { RunStore } from '../../native/run-store.ts';

const intent: QuoteIntent = {
  bid: { priceTicks: 100, sizeLots: 5 },
  ask: undefined,
  bidReason: 'quote',
  askReason: 'halted',
  decidedAtUs: 1_000,
  midTicks: 102,
};

/** A store whose next `failures` writes throw `error`; records the client ids of every written order. */
class FakeStore implements RunStore {
  readonly written: RowBatch[] = [];
  attempts = 0;
  constructor(
    public failures: number,
    public error: Error = new TransientError('DB_CONNECTION', 'connect ECONNREFUSED'),
  ) {}
  startRun(): Promise<void> {
    return Promise.resolve();
  }
  finishRun(): Promise<void> {
    return Promise.resolve();
  }
  writeRows(_runId: string, batch: RowBatch): Promise<void> {
    this.attempts++;
    if (this.failures > 0) {
      this.failures--;
      return Promise.reject(this.error);
    }
    this.written.push(batch);
    return Promise.resolve();
  }
  /** Client order ids in write order. */
  orderIds(): string[] {
    return this.written.flatMap((b) => b.orders.map((o) => o.clientOrderId));
  }
}

/** A sleeper that records each delay and advances a fake monotonic clock; resolves on a macrotask. */
function fakeTime(): { sleeps: number[]; nowMs: () => number; sleep: (ms: number) => Promise<void> } {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    nowMs: () => now,
    sleep: (ms) => {
      sleeps.push(ms);
      now += ms;
      return new Promise((r) => setImmediate(r));
    },
  };
}

function place(r: RunRecorder, n: number): void {
  r.onAction(
    { type: 'place', side: 'bid', priceTicks: 100, sizeLots: 5, clientOrderId: `o-${n}` },
    intent,
    n,
  );
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 5_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

describe('RowFlusher through a store outage', () => {
  it('keeps the failed batch, retries with capped backoff, then writes every row in order', async () => {
    const store = new FakeStore(8);
    const recorder = new RunRecorder();
    const t = fakeTime();
    const f = new RowFlusher(store, 'run-1', recorder, t.sleep, silentLog, { monoMs: t.nowMs });
    place(recorder, 1);
    place(recorder, 2);
    await f.flush(); // fails transiently: resolves, the outage begins
    expect(f.failure).toBeUndefined();
    expect(f.outage?.attempts).toBe(1);
    expect(f.bufferedRows).toBe(4); // 2 quotes + 2 orders kept
    place(recorder, 3); // recorded during the outage
    await f.flush(); // returns at once: the retry loop owns writing
    await until(() => f.outage === undefined, 'the outage to end');
    // Attempt 1 in flush, then 8 more: 7 failing retries and the 8th succeeds.
    expect(t.sleeps).toEqual([200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
    expect(f.retries).toBe(8);
    expect(store.orderIds()).toEqual(['o-1', 'o-2', 'o-3']);
    expect(f.written).toEqual({ quotes: 3, orders: 3, fills: 0 });
    expect(f.bufferedRows).toBe(0);
    // Healthy again: a flush writes at once.
    place(recorder, 4);
    await f.flush();
    expect(store.orderIds()).toEqual(['o-1', 'o-2', 'o-3', 'o-4']);
    await f.close(1_000);
  });

  it('reports the outage duration on the monotonic clock', async () => {
    const store = new FakeStore(3);
    const recorder = new RunRecorder();
    const t = fakeTime();
    const f = new RowFlusher(store, 'run-2', recorder, t.sleep, silentLog, { monoMs: t.nowMs });
    place(recorder, 1);
    await f.flush();
    await until(() => t.sleeps.length >= 2, 'two retries');
    expect(f.outageMs()).toBeGreaterThanOrEqual(600); // 200 + 400 ms of backoff
    await until(() => f.outage === undefined, 'the outage to end');
    expect(f.outageMs()).toBe(0);
    expect(t.sleeps).toEqual([200, 400, 800]);
    await f.close(1_000);
  });

  it('fails at once on a permanent error and rethrows it on every flush', async () => {
    const bad = new PermanentError('DB_CONSTRAINT', 'insert orders: violates check constraint');
    const store = new FakeStore(1, bad);
    const recorder = new RunRecorder();
    const t = fakeTime();
    const f = new RowFlusher(store, 'run-3', recorder, t.sleep, silentLog, { monoMs: t.nowMs });
    place(recorder, 1);
    await expect(f.flush()).rejects.toBe(bad);
    expect(f.failure).toBe(bad);
    expect(f.outage).toBeUndefined();
    expect(t.sleeps).toEqual([]);
    await expect(f.flush()).rejects.toBe(bad);
    await expect(f.close(1_000)).rejects.toBe(bad);
  });

  it('a permanent error during an outage ends the retries with that failure', async () => {
    const store = new FakeStore(2);
    const recorder = new RunRecorder();
    const t = fakeTime();
    const f = new RowFlusher(store, 'run-4', recorder, t.sleep, silentLog, { monoMs: t.nowMs });
    place(recorder, 1);
    await f.flush();
    const bad = new PermanentError('DB_DATA', 'numeric field overflow');
    store.error = bad;
    await until(() => f.failure !== undefined, 'the permanent failure');
    expect(f.failure).toBe(bad);
    expect(store.attempts).toBe(2); // the first write, then one retry met the permanent error
    await expect(f.flush()).rejects.toBe(bad);
  });

  it('close waits through a short outage and writes everything', async () => {
    const store = new FakeStore(3);
    const recorder = new RunRecorder();
    const t = fakeTime();
    const f = new RowFlusher(store, 'run-5', recorder, t.sleep, silentLog, { monoMs: t.nowMs });
    place(recorder, 1);
    await f.flush();
    place(recorder, 2);
    await f.close(60_000);
    expect(store.orderIds()).toEqual(['o-1', 'o-2']);
    expect(f.bufferedRows).toBe(0);
  });

  it('close gives up at its deadline with STORE_UNAVAILABLE and the rows left', async () => {
    const store = new FakeStore(1_000);
    const recorder = new RunRecorder();
    const t = fakeTime();
    const f = new RowFlusher(store, 'run-6', recorder, t.sleep, silentLog, { monoMs: t.nowMs });
    place(recorder, 1);
    const err: unknown = await f.close(10_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).code).toBe('STORE_UNAVAILABLE');
    expect((err as TransientError).details).toMatchObject({ bufferedRows: 2 });
    expect(store.written).toEqual([]);
  });
});

describe('RowFlusher with a store that stops answering', () => {
  it('flushWithin returns at its bound; the hung write shows in writeAgeMs and unavailableMs', async () => {
    let release: () => void = () => undefined;
    const written: string[] = [];
    const store: RunStore = {
      startRun: () => Promise.resolve(),
      finishRun: () => Promise.resolve(),
      writeRows: (_runId, batch) =>
        new Promise<void>((resolve) => {
          release = () => {
            written.push(...batch.orders.map((o) => o.clientOrderId));
            resolve();
          };
        }),
    };
    const recorder = new RunRecorder();
    let now = 1_000;
    const f = new RowFlusher(store, 'run-7', recorder, () => Promise.resolve(), silentLog, {
      monoMs: () => now,
    });
    place(recorder, 1);
    const began = Date.now();
    await f.flushWithin(50); // the write hangs: back after 50 ms of real time
    expect(Date.now() - began).toBeLessThan(2_000);
    now += 1_500;
    expect(f.writeAgeMs()).toBe(1_500);
    expect(f.unavailableMs()).toBe(1_500);
    expect(f.outage).toBeUndefined();
    release();
    await until(() => written.length === 1, 'the hung write to finish');
    expect(f.writeAgeMs()).toBe(0);
    expect(f.unavailableMs()).toBe(0);
    expect(written).toEqual(['o-1']);
  });
});

describe('retryTransient', () => {
  it('retries transient errors with backoff and returns the first success', async () => {
    const t = fakeTime();
    let calls = 0;
    const value = await retryTransient(
      () => (++calls < 4 ? Promise.reject(new TransientError('DB_CONNECTION', 'down')) : Promise.resolve(7)),
      { deadlineMs: 60_000, sleep: t.sleep, monoMs: t.nowMs },
    );
    expect(value).toBe(7);
    expect(t.sleeps).toEqual([200, 400, 800]);
  });

  it('rethrows a permanent error at once and a transient one after the deadline', async () => {
    const t = fakeTime();
    const bad = new PermanentError('DB_CONSTRAINT', 'no');
    await expect(
      retryTransient(() => Promise.reject(bad), { deadlineMs: 60_000, sleep: t.sleep }),
    ).rejects.toBe(bad);
    expect(t.sleeps).toEqual([]);
    const down = new TransientError('DB_CONNECTION', 'down');
    await expect(
      retryTransient(() => Promise.reject(down), { deadlineMs: 1_000, sleep: t.sleep, monoMs: t.nowMs }),
    ).rejects.toBe(down);
    expect(t.sleeps).toEqual([200, 400, 400]); // 200 + 400 + the 400 ms left of the 1 s deadline
  });
});

describe('storeOutageHaltMs (MMFLOW_STORE_OUTAGE_HALT_MS)', () => {
  const cli = {
    mode: 'replay',
    session: 'binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z',
    model: '7',
    dbUrl: 'postgres://u@127.0.0.1:5432/mmflow',
  } as const;

  it('defaults to 60 s and reads the environment', () => {
    expect(parseEngineConfig(cli, {}).storeOutageHaltMs).toBe(60_000);
    expect(parseEngineConfig(cli, { MMFLOW_STORE_OUTAGE_HALT_MS: '1500' }).storeOutageHaltMs).toBe(1_500);
  });

  it('refuses a value below 100 ms, naming the field', () => {
    let err: unknown;
    try {
      parseEngineConfig(cli, { MMFLOW_STORE_OUTAGE_HALT_MS: '50' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).details?.['field']).toBe('storeOutageHaltMs');
  });
});
