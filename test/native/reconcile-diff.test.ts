// The pure comparison of the periodic reconciliation (native/reconcile-diff.ts): in-flight orders and
// fills are never differences; only what two consecutive checks both see is confirmed.
import { describe, expect, it } from 'vitest';
import { confirm, diffAccount, isMatch, NO_DIFF } from '../../native/reconcile-diff.ts';

const engine = (workingIds: string[], inventoryLots = 0) => ({ workingIds, inventoryLots });
const venue = (ownOpenIds: string[], inventoryLots = 0) => ({ ownOpenIds, inventoryLots });

describe('diffAccount', () => {
  it('matches when both sides agree', () => {
    const d = diffAccount(engine(['a', 'b'], 3), venue(['b', 'a'], 3), engine(['a', 'b'], 3));
    expect(d).toEqual(NO_DIFF);
    expect(isMatch(d)).toBe(true);
  });

  it('tolerates orders placed or closed while the venue was asked', () => {
    // 'new' placed during the query (engine after only, venue not yet); 'done' closed during it
    // (engine before only, venue no longer); 'acked' listed by the venue and known after.
    const d = diffAccount(engine(['done', 'x']), venue(['x', 'acked']), engine(['x', 'new', 'acked']));
    expect(d).toEqual(NO_DIFF);
  });

  it('names orders only one side has', () => {
    const d = diffAccount(engine(['lost', 'x']), venue(['x', 'orphan']), engine(['lost', 'x']));
    expect(d.onlyEngine).toEqual(['lost']);
    expect(d.onlyVenue).toEqual(['orphan']);
    expect(isMatch(d)).toBe(false);
  });

  it('tolerates a fill in flight: the account may equal the engine before or after', () => {
    expect(diffAccount(engine([], 100), venue([], 200), engine([], 200)).inventoryDiffLots).toBe(0);
    expect(diffAccount(engine([], 100), venue([], 100), engine([], 200)).inventoryDiffLots).toBe(0);
    // Neither: engine after (200) − account (150) = 50.
    expect(diffAccount(engine([], 100), venue([], 150), engine([], 200)).inventoryDiffLots).toBe(50);
  });
});

describe('confirm', () => {
  it('keeps only what both checks saw', () => {
    const first = { onlyEngine: ['a', 'b'], onlyVenue: ['o1'], inventoryDiffLots: 0 };
    const second = { onlyEngine: ['b', 'c'], onlyVenue: ['o1', 'o2'], inventoryDiffLots: -7 };
    expect(confirm(first, second)).toEqual({ onlyEngine: ['b'], onlyVenue: ['o1'], inventoryDiffLots: 0 });
    // Two different fills in flight at two checks: not a mismatch; the same difference twice is one.
    const third = { onlyEngine: [], onlyVenue: [], inventoryDiffLots: -5 };
    expect(confirm(second, third)).toEqual({ onlyEngine: [], onlyVenue: [], inventoryDiffLots: 0 });
    const fourth = { onlyEngine: [], onlyVenue: [], inventoryDiffLots: -5 };
    expect(confirm(third, fourth)).toEqual({ onlyEngine: [], onlyVenue: [], inventoryDiffLots: -5 });
    expect(confirm(NO_DIFF, second)).toEqual(NO_DIFF);
  });
});
