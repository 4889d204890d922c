/**
 * Drives the replays on the wall clock: line i of a session is streamed at
 * start + (recv_i − recv_first) / speed, so `speed` 1 is the recorded pace and 10 ten times faster.
 * Sessions run side by side, each from its own first line (they may come from different days).
 * At the end of a session it stops, or with `loop` starts a new pass (SymbolReplay.restart).
 */
import type { SymbolReplay } from './symbol-replay.ts';

/** Options of the pacer. */
export interface PacerOptions {
  /** Replay speed, × recorded pace (> 0). */
  readonly speed: number;
  /** Start a new pass at the end of a session instead of stopping. */
  readonly loop: boolean;
  /** Monotonic wall clock, ms (default `performance.now`). */
  readonly nowMs?: () => number;
}

/** Most lines replayed per timer tick per session, so a fast replay still lets the server answer. */
const MAX_STEPS_PER_TICK = 2000;

interface Lane {
  readonly replay: SymbolReplay;
  originWallMs: number;
  originRecvUs: number;
  done: boolean;
}

export class Pacer {
  private readonly lanes: Lane[];
  private readonly speed: number;
  private readonly loop: boolean;
  private readonly nowMs: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  /** @throws RangeError if speed is not a positive finite number. */
  constructor(replays: readonly SymbolReplay[], opts: PacerOptions) {
    if (!(Number.isFinite(opts.speed) && opts.speed > 0))
      throw new RangeError(`speed must be > 0, got ${opts.speed}`);
    this.speed = opts.speed;
    this.loop = opts.loop;
    this.nowMs = opts.nowMs ?? (() => performance.now());
    this.lanes = replays.map((replay) => ({
      replay,
      originWallMs: 0,
      originRecvUs: replay.liveStartRecvUs,
      done: false,
    }));
  }

  /** True once every session has ended (never with `loop`). */
  get finished(): boolean {
    return this.lanes.every((l) => l.done);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const now = this.nowMs();
    for (const l of this.lanes) l.originWallMs = now;
    this.tick();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    this.timer = undefined;
    if (!this.running) return;
    const now = this.nowMs();
    let nextDue = Infinity;
    for (const lane of this.lanes) {
      if (lane.done) continue;
      let steps = 0;
      for (;;) {
        const recv = lane.replay.nextRecvUs;
        if (recv === undefined) {
          if (!this.loop) {
            lane.done = true;
            break;
          }
          lane.replay.restart();
          lane.originWallMs = now;
          lane.originRecvUs = lane.replay.liveStartRecvUs;
          continue;
        }
        const due = lane.originWallMs + (recv - lane.originRecvUs) / 1000 / this.speed;
        if (due > now || steps >= MAX_STEPS_PER_TICK) {
          nextDue = Math.min(nextDue, steps >= MAX_STEPS_PER_TICK ? now : due);
          break;
        }
        lane.replay.step();
        steps++;
      }
    }
    if (nextDue === Infinity) return;
    this.timer = setTimeout(() => this.tick(), Math.max(0, nextDue - this.nowMs()));
  }
}
