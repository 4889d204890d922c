/**
 * The per-step `heartbeatTimeout:` key: compiled to the plan's `heartbeatTimeoutMs` for activity steps,
 * refused on other kinds and when not shorter than the step's `timeout:`; the step type defaults and
 * the default retry policy (at least 2 min of retries of a transient error).
 */
import { describe, expect, it } from 'vitest';
import { PipelineValidationError } from '../../pipeline-dsl/errors.ts';
import { compilePipeline } from '../../pipeline-dsl/load.ts';
import {
  STEP_RETRY_DEFAULT,
  stepActivityDefaults,
  stepTypeSpecs,
  stepTypes,
} from '../../pipeline-dsl/steps.ts';

const header = 'apiVersion: mmflow/v1\nkind: Pipeline\nmetadata:\n  name: t\nsteps:\n';
const validate = (extra: string): string =>
  `${header}  - id: v\n    uses: validate-market-data\n${extra}    with: { venue: binance-spot, symbol: BTCUSDT, kind: trades }\n`;

function errorsOf(text: string): string[] {
  try {
    compilePipeline('p.yaml', text);
  } catch (err) {
    if (err instanceof PipelineValidationError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  throw new Error('expected the pipeline to be rejected');
}

describe('heartbeatTimeout', () => {
  it('compiles to heartbeatTimeoutMs on an activity step, and is absent when not set', () => {
    const plan = compilePipeline('p.yaml', validate('    heartbeatTimeout: 45s\n    timeout: 5m\n'));
    expect(plan.steps[0]).toMatchObject({ heartbeatTimeoutMs: 45_000, timeoutMs: 300_000 });
    expect(compilePipeline('p.yaml', validate('')).steps[0]).not.toHaveProperty('heartbeatTimeoutMs');
  });

  it('is refused on non-activity steps, below 1 s, and when not shorter than the timeout', () => {
    expect(
      errorsOf(`${header}  - id: w\n    uses: wait\n    heartbeatTimeout: 30s\n    with: { duration: 1s }\n`),
    ).toEqual([
      expect.stringContaining('heartbeatTimeout applies to activity steps only; wait is a wait step'),
    ]);
    expect(errorsOf(validate('    heartbeatTimeout: 500ms\n'))).toEqual([
      expect.stringContaining('a heartbeat timeout must be at least 1s'),
    ]);
    expect(errorsOf(validate('    heartbeatTimeout: 10m\n    timeout: 5m\n'))).toEqual([
      expect.stringContaining('heartbeatTimeout must be shorter than the step timeout'),
    ]);
  });

  it('has defaults for every activity step type: a heartbeat timeout unless the activity is short', () => {
    const activitySteps = stepTypes.filter((t) => stepTypeSpecs[t].kind === 'activity').sort();
    expect(Object.keys(stepActivityDefaults).sort()).toEqual(activitySteps);
    for (const [uses, t] of Object.entries(stepActivityDefaults)) {
      if (t.heartbeatTimeoutMs === undefined) expect(t.startToCloseMs, uses).toBeLessThanOrEqual(60_000);
      else expect(t.heartbeatTimeoutMs, uses).toBeLessThanOrEqual(60_000);
    }
  });

  it('retries a transient failure for at least 2 minutes by default', () => {
    let waitedMs = 0;
    let interval: number = STEP_RETRY_DEFAULT.initialIntervalMs;
    for (let retry = 1; retry < STEP_RETRY_DEFAULT.maximumAttempts; retry++) {
      waitedMs += interval;
      interval = Math.min(
        interval * STEP_RETRY_DEFAULT.backoffCoefficient,
        STEP_RETRY_DEFAULT.maximumIntervalMs,
      );
    }
    expect(waitedMs).toBeGreaterThanOrEqual(120_000);
  });
});
