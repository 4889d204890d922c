/**
 * The real wall clock and sleeper for the engine process (the composition root injects them; tests
 * inject fakes). Only `native/` reads the wall clock; `core/` never does.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import type { Clock } from '../core/ports.ts';
import type { Sleeper } from './feeds/recorded-feed.ts';

/**
 * Wall clock in Unix epoch µs with sub-millisecond resolution: `performance.timeOrigin + now()`, which
 * is monotonic within the process (unlike `Date.now()`, it never steps back with NTP).
 */
export const systemClock: Clock = {
  nowUs: () => Math.round((performance.timeOrigin + performance.now()) * 1000),
};

/** Sleeps `ms` wall milliseconds; resolves early (never rejects) when `signal` aborts. */
export const systemSleep: Sleeper = async (ms, signal) => {
  if (signal?.aborted === true) return;
  try {
    await delay(ms, undefined, signal === undefined ? undefined : { signal });
  } catch (err) {
    if (!(err instanceof Error && err.name === 'AbortError')) throw err;
  }
};

/**
 * A clock running `speed` × wall time from `originUs` (Unix epoch µs): an engine driven by a simulator
 * that replays a recorded session at `speed` × its pace (tests, benchmarks) then sees the session's own
 * pace — its signal windows, equity sampling and risk windows match a backtest of the session.
 * @param speed > 0, × recorded pace
 */
export class ScaledClock implements Clock {
  private readonly wall0Ms = performance.now();
  constructor(
    private readonly originUs: number,
    private readonly speed: number,
  ) {}
  nowUs(): number {
    return this.originUs + Math.round((performance.now() - this.wall0Ms) * 1000 * this.speed);
  }
}
