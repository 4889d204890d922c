import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compareDecimal, parseKlineRow, readKlines, type KlineRow } from '../../../venues/binance/klines.ts';
import { dataPath } from './data.ts';

const tmp = mkdtempSync(join(tmpdir(), 'mmflow-klines-'));

async function collect(path: string): Promise<KlineRow[]> {
  const rows: KlineRow[] = [];
  for await (const r of readKlines(path)) rows.push(r);
  return rows;
}

describe('readKlines on the recorded files', () => {
  it('BTCUSDT 1h: 51,324 rows from 2017-08-17 04:00 to 2023-06-30 23:00, exact strings', async () => {
    const rows = await collect(dataPath('klines/binance-spot_BTCUSDT_1h_20170817-20230630.csv.gz'));
    expect(rows.length).toBe(51_324);
    expect(rows[0]).toEqual({
      openTimeMs: 1502942400000,
      open: '4261.48',
      high: '4313.62',
      low: '4261.32',
      close: '4308.83',
      volume: '47.181009',
    });
    expect(new Date(rows[0]!.openTimeMs).toISOString()).toBe('2017-08-17T04:00:00.000Z');
    expect(rows.at(-1)).toEqual({
      openTimeMs: 1688166000000,
      open: '30476.68',
      high: '30544.44',
      low: '30461.14',
      close: '30472',
      volume: '760.58818',
    });
    expect(rows.every((r, i) => i === 0 || r.openTimeMs > rows[i - 1]!.openTimeMs)).toBe(true);
  });

  it('ETHUSDT 1m: 66,087 rows', async () => {
    const rows = await collect(dataPath('klines/binance-spot_ETHUSDT_1m_20230316-20230501.csv.gz'));
    expect(rows.length).toBe(66_087);
    expect(rows[0]).toEqual({
      openTimeMs: 1679004900000,
      open: '1672.68',
      high: '1674.33',
      low: '1672.55',
      close: '1674.25',
      volume: '318.3051',
    });
  });
});

describe('klines errors name file:line and column', () => {
  const file = (content: string): string => {
    const p = join(tmp, `k${Math.random().toString(36).slice(2)}.csv.gz`);
    writeFileSync(p, gzipSync(content));
    return p;
  };
  const header = 'open_time,open,high,low,close,volume\n';

  it('wrong header', async () => {
    const p = file('time,o,h,l,c,v\n1,1,1,1,1,1\n');
    await expect(collect(p)).rejects.toThrow(
      `${p}:1: expected header "open_time,open,high,low,close,volume"`,
    );
  });

  it('bad cells', async () => {
    const p1 = file(`${header}1,1,2,1,1,1\n2,1,2,1,1e3,1\n`);
    await expect(collect(p1)).rejects.toThrow(
      `${p1}:3: column close: "1e3" is not a plain non-negative decimal`,
    );
    const p2 = file(`${header}17x,1,2,1,1,1\n`);
    await expect(collect(p2)).rejects.toThrow(`${p2}:2: column open_time`);
    const p3 = file(`${header}1,1,2,1,1\n`);
    await expect(collect(p3)).rejects.toThrow(`${p3}:2: column (row): expected 6 columns, found 5`);
    expect(() => parseKlineRow('1,1,2.5,10,1,1', 'f:9')).toThrow('f:9: column low: low 10 is above high 2.5');
  });

  it('compareDecimal is exact', () => {
    expect(compareDecimal('10', '9.99')).toBe(1);
    expect(compareDecimal('0009.5', '9.50')).toBe(0);
    expect(compareDecimal('30461.14', '30544.44')).toBe(-1);
  });
});
