import { describe, expect, it } from 'vitest';
import { compilePipeline } from '../../pipeline-dsl/load.ts';
import { PipelineValidationError } from '../../pipeline-dsl/errors.ts';

const SESSION = 'binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z';

const FULL = `
apiVersion: mmflow/v1
kind: Pipeline
metadata: { name: full, description: every feature }
params:
  minPnl: { type: number, default: 0 }
  sessions: { type: "string[]", default: [${SESSION}] }
  pauseMs: { type: integer, default: 1000 }
  approvers: { type: "string[]" }
concurrency: 2
steps:
  - id: bt
    uses: backtest
    forEach: \${{ params.sessions }}
    retry: { maximumAttempts: 2 }
    timeout: 1h30m
    with: { session: "\${{ item }}", model: m@1 }
  - id: pause
    uses: wait
    needs: bt
    when: false
    with: { duration: "\${{ params.pauseMs }}" }
  - id: cool
    uses: wait
    needs: [pause]
    with: { duration: 90s }
  - id: gate
    uses: approve
    needs: [cool]
    when: steps.bt.outputs.count > 0 && steps.bt.outputs.items[0].netPnlQuote >= params.minPnl
    with:
      message: "first run made \${{ steps.bt.outputs.items[0].netPnlQuote }} quote over \${{ steps.bt.outputs.count }} sessions"
      timeout: 1d
      approvers: "\${{ params.approvers }}"
  - id: after
    uses: wait
    needs: [gate]
    when: \${{ steps.gate.outputs.decision == 'approved' }}
    with: { duration: 1500 }
`;

describe('the pipeline language', () => {
  it('compiles every feature into the plan', () => {
    const plan = compilePipeline('full.yaml', FULL);
    expect(plan.concurrency).toBe(2);
    expect(plan.params['approvers']).toEqual({ type: 'string[]' });
    expect(plan.steps).toEqual([
      {
        id: 'bt',
        uses: 'backtest',
        kind: 'workflow',
        needs: [],
        forEach: 'params.sessions',
        with: { session: '${{ item }}', model: 'm@1' },
        retry: {
          maximumAttempts: 2,
          initialIntervalMs: 1_000,
          backoffCoefficient: 2,
          maximumIntervalMs: 100_000,
        },
        timeoutMs: 5_400_000,
      },
      {
        id: 'pause',
        uses: 'wait',
        kind: 'wait',
        needs: ['bt'],
        when: 'false',
        with: { durationMs: '${{ params.pauseMs }}' },
      },
      { id: 'cool', uses: 'wait', kind: 'wait', needs: ['pause'], with: { durationMs: 90_000 } },
      {
        id: 'gate',
        uses: 'approve',
        kind: 'approve',
        needs: ['cool'],
        when: 'steps.bt.outputs.count > 0 && steps.bt.outputs.items[0].netPnlQuote >= params.minPnl',
        with: {
          message:
            'first run made ${{ steps.bt.outputs.items[0].netPnlQuote }} quote over ${{ steps.bt.outputs.count }} sessions',
          timeoutMs: 86_400_000,
          onTimeout: 'fail',
          approvers: '${{ params.approvers }}',
        },
      },
      {
        id: 'after',
        uses: 'wait',
        kind: 'wait',
        needs: ['gate'],
        when: "steps.gate.outputs.decision == 'approved'",
        with: { durationMs: 1_500 },
      },
    ]);
  });

  it('sees ancestors through needs transitively, and only those', () => {
    // gate → cool → pause → bt compiles (above); cutting cool's needs makes bt a non-ancestor of gate.
    const text = FULL.replace('    needs: [pause]\n', '');
    expect(() => compilePipeline('full.yaml', text)).toThrow(
      /full\.yaml:29:11: steps\[3\]\.when: step "bt" is not an ancestor of "gate" via needs; add it to needs/,
    );
  });

  it('reports an item field the forEach element type does not have', () => {
    const text = FULL.replace('session: "${{ item }}"', 'session: "${{ item.session }}"');
    expect(() => compilePipeline('full.yaml', text)).toThrow(
      /steps\[0\]\.with\.session: item is string, it has no field "session"/,
    );
  });

  it('reports a field under a forEach output item that the step type does not declare', () => {
    const text = FULL.replace('items[0].netPnlQuote >=', 'items[0].pnl >=');
    expect(() => compilePipeline('full.yaml', text)).toThrow(
      /steps\[3\]\.when: steps\.bt\.outputs\.items\[0\] has no field "pnl"; fields: runId/,
    );
  });

  it('reports a schedule on a pipeline with a required param and no scheduled value', () => {
    const text = FULL.replace('concurrency: 2', 'concurrency: 2\nschedule: { cron: "0 3 * * *" }');
    try {
      compilePipeline('full.yaml', text);
      throw new Error('expected a rejection');
    } catch (err) {
      if (!(err instanceof PipelineValidationError)) throw err;
      expect(err.issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`)).toEqual([
        '11:1 schedule: scheduled runs need a value for required param "approvers" (schedule.params.approvers)',
      ]);
    }
  });

  it('accepts templated discriminators and enums, leaving their values to the run', () => {
    const text = `apiVersion: mmflow/v1
kind: Pipeline
metadata: { name: t }
params:
  kind: { type: string, default: trades }
steps:
  - id: ingest
    uses: ingest
    with:
      sources: [{ kind: "\${{ params.kind }}", file: t.jsonl.gz, venue: binance-spot, symbol: BTCUSDT }]
  - id: check
    uses: validate-market-data
    needs: [ingest]
    forEach: \${{ steps.ingest.outputs.datasets }}
    with: { venue: "\${{ item.venue }}", symbol: "\${{ item.symbol }}", kind: "\${{ item.kind }}", interval: "\${{ item.interval }}" }
`;
    expect(compilePipeline('t.yaml', text).steps.map((s) => s.id)).toEqual(['ingest', 'check']);
  });
});
