import { describe, expect, it } from 'vitest';
import { checkGuardrails, parseGuardrails } from '../../../core/promotion/guardrails.ts';
import { PermanentError } from '../../../core/errors.ts';

const m = { maxDrawdownQuote: 6, rmsInventoryLots: 2.5, rejectRate: 0.2, markoutPerFillQuote: -0.3 };
const g = parseGuardrails(
  { maxDrawdownQuote: 100, maxRmsInventoryLots: 10, maxRejectRate: 0.1, minMarkoutPerFillQuote: -1 },
  'test',
);

describe('checkGuardrails', () => {
  it('at full capital only the reject rate (0.2 > 0.1) breaches', () => {
    expect(checkGuardrails(m, g)).toEqual([{ guardrail: 'maxRejectRate', value: 0.2, limit: 0.1 }]);
  });

  it('scales drawdown, inventory and mark-out limits by capital, not the reject rate', () => {
    // f = 0.05: limits 5 quote, 0.5 lots, 0.1 (unscaled), −0.05 quote/fill → all four breach.
    expect(checkGuardrails(m, g, 0.05)).toEqual([
      { guardrail: 'maxDrawdownQuote', value: 6, limit: 5 },
      { guardrail: 'maxRmsInventoryLots', value: 2.5, limit: 0.5 },
      { guardrail: 'maxRejectRate', value: 0.2, limit: 0.1 },
      { guardrail: 'minMarkoutPerFillQuote', value: -0.3, limit: -0.05 },
    ]);
    // f = 0.25: limits 25, 2.5 (equal: passes), 0.1, −0.25 (−0.3 below it: breach).
    expect(checkGuardrails(m, g, 0.25).map((b) => b.guardrail)).toEqual([
      'maxRejectRate',
      'minMarkoutPerFillQuote',
    ]);
  });

  it('undefined metrics and absent limits breach nothing', () => {
    expect(checkGuardrails({ ...m, rejectRate: undefined, markoutPerFillQuote: undefined }, g, 0.25)).toEqual(
      [],
    );
    expect(checkGuardrails(m, parseGuardrails({}, 'test'), 0.01)).toEqual([]);
  });

  it('rejects a capital fraction outside (0, 1] and bad guardrails', () => {
    expect(() => checkGuardrails(m, g, 0)).toThrow(PermanentError);
    expect(() => checkGuardrails(m, g, 1.5)).toThrow(PermanentError);
    expect(() => parseGuardrails({ maxRejectRate: 2 }, 'promote.yaml')).toThrow(
      /promote\.yaml.*maxRejectRate/,
    );
    expect(() => parseGuardrails({ maxDrawdown: 2 }, 'promote.yaml')).toThrow(PermanentError);
  });
});
