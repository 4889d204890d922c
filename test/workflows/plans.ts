/**
 * Builders of compiled pipelines by hand, for workflow tests and the history recorder: the
 * interpreter's input contract (pipeline-dsl/plan-types.ts) without going through the YAML compiler.
 */
import type { CompiledPipeline, ParamSpec, PlanStep } from '../../pipeline-dsl/plan-types.ts';

/** A step for a compiled pipeline (defaults: no needs, `with: {}`). */
export function step(
  id: string,
  uses: 'wait' | 'approve' | 'ingest' | 'backtest' | 'validate-market-data',
  fields: Partial<Omit<PlanStep, 'id' | 'uses' | 'kind'>> = {},
): PlanStep {
  const kind: PlanStep['kind'] =
    uses === 'ingest' || uses === 'backtest'
      ? 'workflow'
      : uses === 'validate-market-data'
        ? 'activity'
        : uses;
  return { id, uses, kind, needs: [], with: {}, ...fields };
}

/** A `wait` step of `durationMs`. */
export function waitStep(id: string, durationMs: number, fields: Partial<PlanStep> = {}): PlanStep {
  return step(id, 'wait', { with: { durationMs }, ...fields });
}

/** A compiled pipeline built by hand (the interpreter's contract, independent of the YAML compiler). */
export function pipelineOf(
  name: string,
  steps: readonly PlanStep[],
  options: { concurrency?: number; params?: { [name: string]: ParamSpec } } = {},
): CompiledPipeline {
  return {
    apiVersion: 'mmflow/v1',
    name,
    description: undefined,
    labels: {},
    file: `test/${name}.yaml`,
    contentHash: `hash-of-${name}`,
    params: options.params ?? {},
    schedule: undefined,
    concurrency: options.concurrency ?? 4,
    steps,
  };
}
