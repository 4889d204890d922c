/**
 * Ports the pure core depends on; drivers (backtester, native engine) supply implementations.
 * Nothing here touches the wall clock or I/O.
 */

/** Injected time source. `nowUs()` returns Unix epoch microseconds (simulated or real). */
export interface Clock {
  nowUs(): number;
}

/** A clock set explicitly by a driver (replay, tests). Time never goes backwards. */
export class ManualClock implements Clock {
  private currentUs: number;

  /** @param startUs initial time, Unix epoch µs. */
  constructor(startUs = 0) {
    this.currentUs = startUs;
  }

  nowUs(): number {
    return this.currentUs;
  }

  /** Moves time forward to `tUs` (µs); earlier values are ignored so time stays monotonic. */
  advanceTo(tUs: number): void {
    if (tUs > this.currentUs) this.currentUs = tUs;
  }
}
