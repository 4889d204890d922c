// Adopted inventory (core/engine/position.ts; docs/adr/0015-reconciliation.md): a position taken from
// the account adds no PnL at adoption; it is marked at the first mid when none was seen yet. Figures
// for BTCUSDT spot: tick 0.01 USDT × lot 0.00001 BTC = 1e-7 USDT per tick·lot.
import { describe, expect, it } from 'vitest';
import { PositionLedger } from '../../core/engine/position.ts';

const QPTL = 1e-7;

describe('PositionLedger.adopt', () => {
  it('adopted before any mid: marked at the first mid, then only price moves and trading count', () => {
    const p = new PositionLedger(QPTL);
    expect(p.adopt(500, undefined)).toBe(500); // 0.005 BTC held at start
    expect(p.inventoryLots).toBe(500);
    expect(p.maxAbsInventoryLots).toBe(500);
    expect(p.netPnlQuote(undefined)).toBe(0);
    expect(p.netPnlQuote(6_000_000)).toBe(0); // not yet marked: left out
    p.markAdopted(6_000_000); // first mid 60 000.00
    expect(p.unmarkedLots).toBe(0);
    expect(p.netPnlQuote(6_000_000)).toBe(0);
    // Mid +1.00 USDT: 0.005 BTC × 1.00 = 0.005 USDT.
    expect(p.netPnlQuote(6_000_100)).toBeCloseTo(0.005, 12);
    // Sell 100 lots at 60 002.00 paying 0.06 fee: 0.005 BTC × 2.00 − 0.06 = −0.05 at mid 60 002.00.
    p.onFill({
      clientOrderId: 'x-1',
      side: 'ask',
      priceTicks: 6_000_200,
      sizeLots: 100,
      feeQuote: 0.06,
      liquidity: 'maker',
      timeUs: 1,
    });
    expect(p.inventoryLots).toBe(400);
    expect(p.netPnlQuote(6_000_200)).toBeCloseTo(-0.05, 12);
  });

  it('adopted with a mark: the PnL at that mark is unchanged', () => {
    const p = new PositionLedger(QPTL);
    p.adopt(400, 6_000_000);
    const before = p.netPnlQuote(6_000_500);
    expect(p.adopt(300, 6_000_500)).toBe(-100);
    expect(p.netPnlQuote(6_000_500)).toBeCloseTo(before, 12);
    expect(p.adopt(300, 6_000_500)).toBe(0);
  });

  it('refuses a fractional lot count', () => {
    expect(() => new PositionLedger(QPTL).adopt(1.5, undefined)).toThrow(RangeError);
  });
});
