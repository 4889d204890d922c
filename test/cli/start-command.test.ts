/**
 * The main job end to end as a user runs it (`mmflow start --once`), against this run's PostgreSQL
 * and Temporal (DATABASE_URL / TEMPORAL_ADDRESS from the global setup, so it starts no servers).
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { testServices } from '../setup/services.ts';
import { runCli } from './run-cli.ts';

const nullableNumber = z.number().nullable();
const resultLine = z.object({
  events: z.number().int().positive(),
  quotes: z.number().int().positive(),
  fills: z.number().int().nonnegative(),
  netPnlQuote: z.number(),
  grossBp: nullableNumber,
  markout1sBp: nullableNumber,
  pnlTStat: nullableNumber,
  maxDrawdownQuote: z.number().nonnegative(),
  rmsInventoryRatio: nullableNumber,
  spreadCapturedPct: nullableNumber,
  fillRatio: nullableNumber,
  cancelRatio: nullableNumber,
  workflowIds: z.array(z.string()).length(3),
  engineRunId: z.string(),
  backtestRunId: z.string(),
});

describe('mmflow start --once', () => {
  it('runs the demo pipeline and the replay engine, and ends with the KPI JSON line', async () => {
    const services = testServices();
    const run = await runCli(['start', '--once'], {
      ...process.env,
      DATABASE_URL: services.databaseUrl,
      TEMPORAL_ADDRESS: services.temporalAddress,
      TEMPORAL_NAMESPACE: services.namespace,
    });
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    const result = resultLine.parse(run.lastJson);
    expect(result.workflowIds[1]).toBe(`${result.workflowIds[0]}.ingest`);
    expect(result.workflowIds[2]).toBe(`${result.workflowIds[0]}.backtest`);
    expect(run.stdout).toContain('quoting engine (replay)');
    expect(result.events).toBeGreaterThan(20_000);
  });

  it('refuses an invalid pipeline file before starting anything, naming file, line and field', async () => {
    const run = await runCli(['start', '--once', '--pipeline', 'test/fixtures/pipelines/bad-demo.yaml']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('test/fixtures/pipelines/bad-demo.yaml:');
    expect(run.stderr).toMatch(/bad-demo\.yaml:\d+:\d+: steps\[1\]\.with\.model: /);
  });
});
