/** A recorded line that is not JSON is reported as such, with the parser's message, file and line. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../core/errors.ts';
import { readRecordedFile } from '../../../venues/binance/recorded.ts';
import { readTradeRows } from '../../../venues/binance/trades-file.ts';
import { getInstrument } from '../../../venues/instruments.ts';

const NOT_JSON = 'this is not json {';
const parserMessage = ((): string => {
  try {
    JSON.parse(NOT_JSON);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('unreachable');
})();

async function failure(run: () => Promise<void>): Promise<PermanentError> {
  try {
    await run();
  } catch (err) {
    if (err instanceof PermanentError) return err;
    throw err;
  }
  throw new Error('expected a PermanentError');
}

const dir = mkdtempSync(join(tmpdir(), 'mmflow-not-json-'));
const spotBtc = getInstrument('binance-spot', 'BTCUSDT');

describe('a line that is not JSON', () => {
  it('in a depth file: "line is not valid JSON: <parser message>" at file:line, not a recv_ns complaint', async () => {
    const path = join(dir, 'x.depth.jsonl.gz');
    const snapshot = '{"recv_ns":1723161254036059768,"lastUpdateId":1,"bids":[],"asks":[]}';
    writeFileSync(path, gzipSync(`${snapshot}\n${NOT_JSON}\n`));
    const err = await failure(async () => {
      for await (const ev of readRecordedFile(path, spotBtc)) void ev;
    });
    expect(err.code).toBe('PARSE_JSON');
    expect(err.message).toBe(`${path}:2: line is not valid JSON: ${parserMessage}; line: ${NOT_JSON}`);
    expect(err.details).toMatchObject({ file: path, line: 2, reason: parserMessage });
  });

  it('in a trades file: the same message', async () => {
    const path = join(dir, 'x.trades.jsonl.gz');
    writeFileSync(path, gzipSync(`${NOT_JSON}\n`));
    const err = await failure(async () => {
      for await (const row of readTradeRows(path, 'spot')) void row;
    });
    expect(err.code).toBe('PARSE_JSON');
    expect(err.message).toBe(`${path}:1: line is not valid JSON: ${parserMessage}`);
  });
});
