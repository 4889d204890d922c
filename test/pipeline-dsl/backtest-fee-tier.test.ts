// The backtest step's optional `feeTier` input: absent stays absent (the venue's default tier), a name
// (literal or `${{ params.x }}`) reaches the step input, a malformed name is refused at compile time with
// its line and field. Whether the tier exists is checked at run time (UNKNOWN_FEE_TIER), against
// config/instruments.json, not by the pipeline compiler.
import { describe, expect, it } from 'vitest';
import { PipelineValidationError } from '../../pipeline-dsl/errors.ts';
import { compilePipeline } from '../../pipeline-dsl/load.ts';
import { resolveStepInput } from '../../pipeline-dsl/inputs.ts';
import { resolveParams } from '../../pipeline-dsl/params.ts';

const SESSION = 'binance-usdm_BTCUSDT_20240808T2354Z-20240809T0000Z';
const header = 'apiVersion: mmflow/v1\nkind: Pipeline\nmetadata:\n  name: t\n';
const backtest = (withExtra: string) =>
  `steps:\n  - id: bt\n    uses: backtest\n    with: {session: ${SESSION}, model: m@1${withExtra}}\n`;

function inputOf(text: string): unknown {
  const plan = compilePipeline('p.yaml', text);
  const step = plan.steps[0];
  if (step === undefined) throw new Error('no step');
  return resolveStepInput(step, { params: resolveParams(plan.params), steps: {} }).input;
}

describe('backtest step feeTier', () => {
  it('is optional, and passes a literal or a parameter through', () => {
    const base = { session: SESSION, model: 'm@1', entryLatencyMs: 5, cancelLatencyMs: 5 };
    expect(inputOf(header + backtest(''))).toEqual(base);
    expect(inputOf(header + backtest(', feeTier: mm3'))).toEqual({ ...base, feeTier: 'mm3' });
    const params = 'params:\n  feeTier:\n    type: string\n    default: vip9\n';
    expect(inputOf(header + params + backtest(', feeTier: "${{ params.feeTier }}"'))).toEqual({
      ...base,
      feeTier: 'vip9',
    });
  });

  it('refuses a malformed tier name, naming the line and the field', () => {
    let issues: string[] = [];
    try {
      compilePipeline('p.yaml', header + backtest(', feeTier: VIP 1'));
    } catch (err) {
      if (!(err instanceof PipelineValidationError)) throw err;
      issues = err.issues.map((i) => `${i.line} ${i.path}: ${i.message}`);
    }
    expect(issues).toEqual([
      '8 steps[0].with.feeTier: expected a fee tier name such as regular, vip9 or mm3',
    ]);
  });
});
