/**
 * A counting semaphore of promises, deterministic inside a workflow (no timers, no wall clock):
 * waiters are served first come, first served, and a released slot passes straight to the oldest
 * waiter so that two runs can never both take the last slot in one activation.
 */
export class Slots {
  private free: number;
  private readonly waiters: (() => void)[] = [];

  /** @param size slots available (the pipeline's `concurrency`, ≥ 1) */
  constructor(size: number) {
    this.free = Math.max(1, Math.floor(size));
  }

  /** Resolves when a slot is held by the caller; pair with exactly one {@link release}. */
  acquire(): Promise<void> {
    if (this.free > 0) {
      this.free -= 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Gives a slot back (to the oldest waiter if any). */
  release(): void {
    const next = this.waiters.shift();
    if (next !== undefined) next();
    else this.free += 1;
  }
}
