// Client order ids a restarted engine recognises (native/client-order-ids.ts): a stable engine tag
// plus a per-run part, inside Binance's newClientOrderId rule and the executor's 24-char prefix limit.
import { describe, expect, it } from 'vitest';
import { OrderExecutor } from '../../core/quoting/executor.ts';
import { engineOrderTag, isOwnClientOrderId, runClientIdPrefix } from '../../native/client-order-ids.ts';

const BINANCE_CLIENT_ID = /^[.A-Za-z0-9:/_-]{1,36}$/;

describe('client order ids', () => {
  it('the tag is stable per engine id and differs between engines', () => {
    const tag = engineOrderTag('live:BTCUSDT');
    expect(tag).toMatch(/^mm[0-9a-z]{7}$/);
    expect(engineOrderTag('live:BTCUSDT')).toBe(tag);
    expect(engineOrderTag('live:ETHUSDT')).not.toBe(tag);
    expect(() => engineOrderTag('')).toThrow(RangeError);
  });

  it('each run has its own prefix under the same tag; ids fit Binance and the executor', () => {
    const startedMs = 1_796_617_558_230; // 2026-12-07, 8 base-36 chars
    const run1 = runClientIdPrefix('live:BTCUSDT', startedMs);
    const run2 = runClientIdPrefix('live:BTCUSDT', startedMs + 1);
    expect(run1).toBe(`${engineOrderTag('live:BTCUSDT')}${startedMs.toString(36)}`);
    expect(run1).toHaveLength(17);
    expect(run2).not.toBe(run1);
    expect(() => new OrderExecutor(run1)).not.toThrow(); // ≤ 24 chars of the allowed set
    const id = `${run1}-123456789`;
    expect(id).toMatch(BINANCE_CLIENT_ID);
    const tag = engineOrderTag('live:BTCUSDT');
    expect(isOwnClientOrderId(tag, id)).toBe(true);
    expect(isOwnClientOrderId(tag, `${runClientIdPrefix('other', startedMs)}-1`)).toBe(false);
    expect(isOwnClientOrderId(tag, 'web_8f3a')).toBe(false);
    expect(isOwnClientOrderId(tag, undefined)).toBe(false);
  });
});
