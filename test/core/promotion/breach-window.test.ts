import { describe, expect, it } from 'vitest';
import { BreachWindow } from '../../../core/promotion/breach-window.ts';
import { noDataBreach, type Breach } from '../../../core/promotion/guardrails.ts';
import { PermanentError } from '../../../core/errors.ts';

const WINDOW = 15 * 60_000;
const dd: Breach = { guardrail: 'maxDrawdownQuote', value: 6, limit: 5 };
const rr: Breach = { guardrail: 'maxRejectRate', value: 0.3, limit: 0.1 };

describe('BreachWindow', () => {
  it('is sustained exactly windowMs after the first breaching check, whichever guardrail', () => {
    const w = new BreachWindow(WINDOW);
    expect(w.update(0, [])).toEqual({ sustained: false, since: undefined, elapsedMs: 0, breaches: [] });
    expect(w.update(60_000, [dd])).toMatchObject({ sustained: false, since: 60_000, elapsedMs: 0 });
    expect(w.update(60_000 + WINDOW - 1, [dd])).toMatchObject({ sustained: false, elapsedMs: WINDOW - 1 });
    expect(w.update(60_000 + WINDOW, [rr])).toEqual({
      sustained: true,
      since: 60_000,
      elapsedMs: WINDOW,
      breaches: [rr],
    });
  });

  it('a clean check resets the window', () => {
    const w = new BreachWindow(WINDOW);
    w.update(0, [dd]);
    w.update(WINDOW - 1, []);
    expect(w.update(WINDOW, [dd])).toMatchObject({ sustained: false, since: WINDOW, elapsedMs: 0 });
    expect(w.update(2 * WINDOW, [dd])).toMatchObject({ sustained: true, since: WINDOW });
  });

  it('a gap between breaching checks (worker down) counts as breached', () => {
    const w = new BreachWindow(WINDOW);
    w.update(1000, [dd]);
    expect(w.update(1000 + 3 * WINDOW, [dd]).sustained).toBe(true);
  });

  it('windowMs 0 is sustained at the first breach', () => {
    expect(new BreachWindow(0).update(5, [dd]).sustained).toBe(true);
  });

  it('state survives a JSON round trip (Continue-As-New) and continues identically', () => {
    const a = new BreachWindow(WINDOW);
    a.update(0, []);
    a.update(10_000, [dd]);
    const json = JSON.parse(JSON.stringify(a.state())) as unknown;
    expect(json).toEqual({ since: 10_000, lastAtMs: 10_000, breaches: [dd] });
    const b = new BreachWindow(WINDOW, json as ReturnType<BreachWindow['state']>);
    expect(b.state()).toEqual(a.state());
    expect(b.update(10_000 + WINDOW, [rr])).toEqual(a.update(10_000 + WINDOW, [rr]));
    const clean = new BreachWindow(WINDOW).state();
    expect(JSON.parse(JSON.stringify(clean))).toEqual({ since: null, lastAtMs: null, breaches: [] });
  });

  it('rejects time going backwards, bad windows and bad states', () => {
    const w = new BreachWindow(WINDOW);
    w.update(1000, [dd]);
    expect(() => w.update(999, [dd])).toThrow(PermanentError);
    expect(() => new BreachWindow(-1)).toThrow(PermanentError);
    const bad = { since: 'x', lastAtMs: null, breaches: [] } as unknown as ReturnType<BreachWindow['state']>;
    expect(() => new BreachWindow(WINDOW, bad)).toThrow(PermanentError);
  });

  it('counts noData (a silent slot) as a breach and carries it across a state round trip', () => {
    const w = new BreachWindow(2_000);
    expect(noDataBreach()).toEqual({ guardrail: 'noData', value: 0, limit: 1 });
    expect(w.update(1_000, [noDataBreach()])).toMatchObject({ sustained: false, since: 1_000 });
    const resumed = new BreachWindow(2_000, JSON.parse(JSON.stringify(w.state())));
    expect(resumed.state().breaches).toEqual([{ guardrail: 'noData', value: 0, limit: 1 }]);
    expect(resumed.update(3_000, [noDataBreach(), dd])).toMatchObject({ sustained: true, since: 1_000 });
  });
});
