/**
 * Host CPU accounting for benchmark logs: how much CPU time the hypervisor gave to other guests
 * ("steal") while a benchmark ran. On a shared VM the same work can take twice the wall time when the
 * host is busy; the steal share says whether a slow figure came from the code or from the host.
 *
 * Source: the aggregate `cpu` line of Linux's `/proc/stat` (proc(5)): cumulative user, nice, system,
 * idle, iowait, irq, softirq and steal time over all CPUs, in USER_HZ ticks (1/100 s). `guest` and
 * `guest_nice` are already counted in user and nice, so they are not added again.
 *
 * Read directly rather than through `systeminformation`: its `currentLoad().currentLoadSteal` mixes
 * `os.cpus()` times (ms) with `/proc/stat` steal (ticks) and reads 0 on this machine kind, where the
 * per-CPU line count it checks never matches (tried in session 4).
 */
import { readFileSync } from 'node:fs';

/** Cumulative CPU time over all CPUs, USER_HZ ticks. */
export interface CpuTimes {
  /** All time: user + nice + system + idle + iowait + irq + softirq + steal. */
  readonly totalTicks: number;
  /** Time a hypervisor ran other guests while this one had work (proc(5) `steal`). */
  readonly stealTicks: number;
}

/**
 * Parses the aggregate `cpu` line of a `/proc/stat` text.
 * @throws Error naming the line if there is no `cpu ` line or it has fewer than 8 numeric fields
 *   (kernels before 2.6.11 lack `steal`).
 */
export function parseProcStat(text: string): CpuTimes {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (line === undefined) throw new Error('/proc/stat: no aggregate "cpu " line');
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (fields.length < 8 || fields.some((x) => !Number.isFinite(x) || x < 0)) {
    throw new Error(`/proc/stat: "cpu" line needs 8 non-negative counters (user … steal), got "${line}"`);
  }
  return { totalTicks: fields.reduce((a, b) => a + b, 0), stealTicks: fields[7]! };
}

/** CPU times now; undefined where `/proc/stat` cannot be read (not Linux). */
export function readCpuTimes(path = '/proc/stat'): CpuTimes | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  return parseProcStat(text);
}

/**
 * Steal as a percentage of all CPU time between two readings (all CPUs of the machine, so one busy
 * thread on a 2-vCPU VM that loses a third of its time shows ~17 %). Undefined if either reading is
 * missing or no tick elapsed (the counters advance every 10 ms).
 */
export function stealPct(before: CpuTimes | undefined, after: CpuTimes | undefined): number | undefined {
  if (before === undefined || after === undefined) return undefined;
  const total = after.totalTicks - before.totalTicks;
  if (!(total > 0)) return undefined;
  return (100 * (after.stealTicks - before.stealTicks)) / total;
}
