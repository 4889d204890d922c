import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseProcStat, readCpuTimes, stealPct } from '../../bench/host-cpu.ts';

// A real 2-vCPU /proc/stat layout: cpu user nice system idle iowait irq softirq steal guest guest_nice.
const statAt = (user: number, idle: number, steal: number): string =>
  [
    `cpu  ${user} 0 300 ${idle} 20 0 10 ${steal} 0 0`,
    `cpu0 ${user / 2} 0 150 ${idle / 2} 10 0 5 ${steal / 2} 0 0`,
    `cpu1 ${user / 2} 0 150 ${idle / 2} 10 0 5 ${steal / 2} 0 0`,
    'intr 3080341771 126 10',
    'ctxt 123456',
    '',
  ].join('\n');

describe('parseProcStat', () => {
  it('sums user..steal of the aggregate line and keeps steal apart', () => {
    // 1000 + 0 + 300 + 5000 + 20 + 0 + 10 + 70 = 6400 ticks; guest fields are not added again.
    expect(parseProcStat(statAt(1000, 5000, 70))).toEqual({ totalTicks: 6400, stealTicks: 70 });
  });

  it('names the problem when the cpu line is missing or short', () => {
    expect(() => parseProcStat('cpu0 1 2 3\nintr 1\n')).toThrow(/no aggregate "cpu " line/);
    expect(() => parseProcStat('cpu  1 2 3 4 5 6 7\n')).toThrow(
      /needs 8 non-negative counters.*"cpu {2}1 2 3 4 5 6 7"/,
    );
    expect(() => parseProcStat('cpu  1 2 3 4 5 6 7 x\n')).toThrow(/needs 8 non-negative counters/);
  });
});

describe('stealPct', () => {
  it('is the steal share of all CPU time between two readings', () => {
    const before = parseProcStat(statAt(1000, 5000, 70));
    // +300 user, +100 idle, +100 steal: 500 ticks elapsed, 100 of them stolen → 20 %.
    const after = parseProcStat(statAt(1300, 5100, 170));
    expect(stealPct(before, after)).toBeCloseTo(20, 12);
  });

  it('is undefined without a reading or without elapsed ticks', () => {
    const r = parseProcStat(statAt(1000, 5000, 70));
    expect(stealPct(undefined, r)).toBeUndefined();
    expect(stealPct(r, undefined)).toBeUndefined();
    expect(stealPct(r, r)).toBeUndefined();
  });
});

describe('readCpuTimes', () => {
  it('reads a stat file and gives undefined for a missing one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'host-cpu-'));
    const file = join(dir, 'stat');
    writeFileSync(file, statAt(1000, 5000, 70));
    expect(readCpuTimes(file)).toEqual({ totalTicks: 6400, stealTicks: 70 });
    expect(readCpuTimes(join(dir, 'absent'))).toBeUndefined();
  });
});
