import { AuthenticationError, NetworkError } from 'ccxt';
import { describe, expect, it } from 'vitest';
import type { Log } from '../../infra/log.ts';
import { Secret } from '../../native/secret.ts';
import { strayRejectionHandler } from '../../native/venues/ccxt-stray-rejections.ts';

function recordingLog(): { log: Log; records: string[] } {
  const records: string[] = [];
  const put = (level: string) => (fields: object, msg: string) =>
    records.push(JSON.stringify({ level, msg, ...fields }));
  return { log: { debug: put('debug'), info: put('info'), warn: put('warn'), error: put('error') }, records };
}

describe('strayRejectionHandler', () => {
  it('logs a ccxt network error with no caller, redacted, and goes on', () => {
    const { log, records } = recordingLog();
    const key = new Secret('AKIA0123456789abcdefXYZ');
    const handle = strayRejectionHandler(log, [key]);
    handle(
      new NetworkError('WebSocket was closed before the connection was established AKIA0123456789abcdefXYZ'),
    );
    expect(records).toHaveLength(1);
    expect(records[0]).toContain('"level":"warn"');
    expect(records[0]).toContain('closed before the connection');
    expect(records[0]).not.toContain('AKIA0123456789abcdefXYZ');
    handle(new AuthenticationError('binance {"code":-2015,"msg":"Invalid API-key"}'));
    expect(records).toHaveLength(2);
    expect(records[1]).toContain('-2015');
  });

  it('rethrows anything else (a bug of ours still ends the process)', () => {
    const { log, records } = recordingLog();
    const bug = new TypeError('x is undefined');
    expect(() => strayRejectionHandler(log, [])(bug)).toThrow(bug);
    expect(records).toEqual([]);
  });
});
