/** `mmflow pipelines validate | plan | apply | diff` as a user runs them, against this run's Temporal server. */
import { Client, Connection } from '@temporalio/client';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testServices } from '../setup/services.ts';
import { runCli } from './run-cli.ts';

const name = `cli-sched-${Date.now()}`;
const env = (): NodeJS.ProcessEnv => {
  const s = testServices();
  return { ...process.env, TEMPORAL_ADDRESS: s.temporalAddress, TEMPORAL_NAMESPACE: s.namespace };
};

afterAll(async () => {
  const s = testServices();
  const connection = await Connection.connect({ address: s.temporalAddress });
  await new Client({ connection, namespace: s.namespace }).schedule
    .getHandle(`pipeline-${name}`)
    .delete()
    .catch(() => undefined);
  await connection.close();
});

describe('mmflow pipelines', () => {
  it('validates the shipped pipelines and prints a plan with its hash', async () => {
    const validate = await runCli([
      'pipelines',
      'validate',
      'pipelines/demo.yaml',
      'pipelines/ingest-binance.yaml',
    ]);
    expect(validate.code).toBe(0);
    expect(validate.stdout).toMatch(/pipelines\/demo\.yaml: ok \(2 steps, sha256 [0-9a-f]{12}\)/);
    const plan = await runCli(['pipelines', 'plan', 'pipelines/ingest-binance.yaml']);
    expect(plan.code).toBe(0);
    const compiled = JSON.parse(plan.stdout) as {
      name: string;
      contentHash: string;
      schedule: { cron: string[] };
    };
    expect(compiled.name).toBe('ingest-binance');
    expect(compiled.schedule.cron).toEqual(['15 2 * * *']);
    expect(compiled.contentHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('apply creates the Schedule, a second apply changes nothing, and diff shows nothing pending', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mmflow-cli-'));
    const file = join(dir, `${name}.yaml`);
    await writeFile(
      file,
      `apiVersion: mmflow/v1\nkind: Pipeline\nmetadata: { name: ${name} }\nschedule: { cron: '0 4 * * 1', overlap: skip }\nsteps:\n  - { id: nap, uses: wait, with: { duration: 1s } }\n`,
    );
    const first = await runCli(['pipelines', 'apply', file], env());
    expect(first.code, first.stderr).toBe(0);
    expect(first.lastJson).toEqual({
      applied: 1,
      changes: [{ kind: 'create', scheduleId: `pipeline-${name}` }],
    });
    const second = await runCli(['pipelines', 'apply', file], env());
    expect(second.lastJson).toEqual({ applied: 0, changes: [] });
    const diff = await runCli(['pipelines', 'diff', file], env());
    expect(diff.lastJson).toEqual({ pending: 0, changes: [] });
    expect(diff.stdout).toContain('unchanged');
  });

  it('changes nothing when a file is invalid, printing its errors', async () => {
    const run = await runCli(['pipelines', 'apply', 'test/fixtures/pipelines/bad-demo.yaml'], env());
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/bad-demo\.yaml:\d+:\d+: steps\[1\]\.with\.model: /);
  });
});
