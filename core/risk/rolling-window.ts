/**
 * Time-windowed samples for the risk guards: a FIFO of (time µs, value) pairs, pruned from the front as
 * time passes. Pure: the caller passes event time. Used for the ACK latency p99 and the reject rate.
 */

/** Samples inside a trailing window of `windowUs`. */
export class RollingWindow {
  private times: number[] = [];
  private values: number[] = [];
  private head = 0;
  private sum = 0;

  /** @param windowUs trailing window, µs (> 0). */
  constructor(private readonly windowUs: number) {}

  /** Samples in the window (after the last `prune`). */
  get size(): number {
    return this.times.length - this.head;
  }

  /** Sum of the values in the window. */
  get total(): number {
    return this.sum;
  }

  /** Adds a sample at `timeUs` (times are expected non-decreasing; an older one is still kept). */
  add(timeUs: number, value: number): void {
    this.times.push(timeUs);
    this.values.push(value);
    this.sum += value;
  }

  /** Drops samples at or before `nowUs − windowUs`. @returns whether any was dropped. */
  prune(nowUs: number): boolean {
    const cutoff = nowUs - this.windowUs;
    const start = this.head;
    while (this.head < this.times.length && this.times[this.head]! <= cutoff) {
      this.sum -= this.values[this.head]!;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.values = this.values.slice(this.head);
      this.head = 0;
    }
    if (this.size === 0) this.sum = 0; // no float drift left over when empty
    return this.head !== start;
  }

  /**
   * Nearest-rank quantile of the values in the window (q in (0, 1]); undefined when empty.
   * Allocates a sorted copy: called on ACKs and prunes, not per market event.
   */
  quantile(q: number): number | undefined {
    const n = this.size;
    if (n === 0) return undefined;
    const sorted = this.values.slice(this.head).sort((a, b) => a - b);
    return sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))];
  }
}
