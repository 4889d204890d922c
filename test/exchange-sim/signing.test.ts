// Request authentication of the simulator (exchange-sim/signing.ts) against Binance's documented rules
// and its documented HMAC example; account flags and files (exchange-sim/accounts-config.ts).
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '../../exchange-sim/api-error.ts';
import { loadAccountsFile, parseAccountFlag, checkUniqueKeys } from '../../exchange-sim/accounts-config.ts';
import { hmacHex, verifySignedRequest, withoutSignature } from '../../exchange-sim/signing.ts';

// Spot API docs, "SIGNED Endpoint Examples for POST /api/v3/order - HMAC Keys".
const DOC_SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';
const DOC_KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
const DOC_QUERY =
  'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559';
const DOC_SIGNATURE = 'c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71';
const NOW = 1499827319559;

const secretOf = (k: string): string | undefined => (k === DOC_KEY ? DOC_SECRET : undefined);

function codeOf(f: () => unknown): number | undefined {
  try {
    f();
  } catch (err) {
    if (err instanceof ApiError) return err.code;
    throw err;
  }
  return undefined;
}

function verify(query: string, body: string, apiKey: string | null = DOC_KEY, now = NOW): string {
  const params = new URLSearchParams(query);
  for (const [k, v] of new URLSearchParams(body)) params.append(k, v);
  return verifySignedRequest({ apiKeyHeader: apiKey ?? undefined, query, body }, params, secretOf, now);
}

describe('signed requests', () => {
  it("reproduces Binance's documented HMAC-SHA256 example", () => {
    expect(hmacHex(DOC_SECRET, DOC_QUERY)).toBe(DOC_SIGNATURE);
  });

  it('accepts the signature in the query, in the body, or split between them (totalParams = query + body)', () => {
    expect(verify(`${DOC_QUERY}&signature=${DOC_SIGNATURE}`, '')).toBe(DOC_KEY);
    expect(verify('', `${DOC_QUERY}&signature=${DOC_SIGNATURE}`)).toBe(DOC_KEY);
    const split = 'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC';
    const rest = 'quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559';
    const sig = hmacHex(DOC_SECRET, split + rest);
    expect(verify(split, `${rest}&signature=${sig}`)).toBe(DOC_KEY);
  });

  it('answers the venue codes: -2014 missing/malformed key, -2015 unknown key, -1022 bad signature, -1102 missing fields', () => {
    const signed = `${DOC_QUERY}&signature=${DOC_SIGNATURE}`;
    expect(codeOf(() => verify(signed, '', null))).toBe(-2014);
    expect(codeOf(() => verify(signed, '', 'has space'))).toBe(-2014);
    expect(codeOf(() => verify(signed, '', 'someoneElse'))).toBe(-2015);
    expect(codeOf(() => verify(`${DOC_QUERY}&signature=${'0'.repeat(64)}`, ''))).toBe(-1022);
    expect(
      codeOf(() => verify(`${DOC_QUERY.replace('quantity=1', 'quantity=2')}&signature=${DOC_SIGNATURE}`, '')),
    ).toBe(-1022);
    expect(codeOf(() => verify(DOC_QUERY, ''))).toBe(-1102);
    expect(codeOf(() => verify('symbol=LTCBTC&signature=ab', ''))).toBe(-1102);
  });

  it('applies the timestamp rule: timestamp < server + 1000 and server − timestamp ≤ recvWindow; recvWindow ≤ 60000', () => {
    const signed = `${DOC_QUERY}&signature=${DOC_SIGNATURE}`;
    expect(verify(signed, '', DOC_KEY, NOW + 5000)).toBe(DOC_KEY);
    expect(codeOf(() => verify(signed, '', DOC_KEY, NOW + 5001))).toBe(-1021);
    expect(verify(signed, '', DOC_KEY, NOW - 999)).toBe(DOC_KEY);
    expect(codeOf(() => verify(signed, '', DOC_KEY, NOW - 1000))).toBe(-1021);
    const wide = 'symbol=LTCBTC&recvWindow=60001&timestamp=1499827319559';
    expect(codeOf(() => verify(`${wide}&signature=${hmacHex(DOC_SECRET, wide)}`, ''))).toBe(-1131);
    const dflt = 'symbol=LTCBTC&timestamp=1499827319559';
    expect(
      codeOf(() => verify(`${dflt}&signature=${hmacHex(DOC_SECRET, dflt)}`, '', DOC_KEY, NOW + 5001)),
    ).toBe(-1021);
  });

  it('removes only the signature pair from the signed text', () => {
    expect(withoutSignature('a=1&signature=ff&b=2')).toBe('a=1&b=2');
    expect(withoutSignature('')).toBe('');
  });
});

describe('account configuration', () => {
  it('parses --account KEY:SECRET:ASSET=amount,…', () => {
    expect(parseAccountFlag('k1:s1:BTC=1,USDT=100000.5')).toEqual({
      apiKey: 'k1',
      secret: 's1',
      balances: { BTC: 1, USDT: 100000.5 },
    });
    expect(parseAccountFlag('k1:s1')).toEqual({ apiKey: 'k1', secret: 's1', balances: {} });
    expect(() => parseAccountFlag('k1')).toThrow(/--account "k1": expected KEY:SECRET/);
    expect(() => parseAccountFlag('k1:s1:BTC=-1')).toThrow(/balance "BTC=-1"/);
    expect(() => parseAccountFlag('k1:s1:btc=1')).toThrow(/field "balances.btc"/);
  });

  it('reads an accounts file and names the file and field on error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'exsim-'));
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ accounts: [{ apiKey: 'a', secret: 'b', balances: { USDT: 5 } }] }));
    expect(loadAccountsFile(good)).toEqual([{ apiKey: 'a', secret: 'b', balances: { USDT: 5 } }]);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ accounts: [{ apiKey: 'a', secret: '', balances: {} }] }));
    expect(() => loadAccountsFile(bad)).toThrow(/bad\.json: field "accounts\[0\]\.secret"/);
    expect(() => checkUniqueKeys([...loadAccountsFile(good), ...loadAccountsFile(good)])).toThrow(
      /duplicate API key a/,
    );
  });
});
