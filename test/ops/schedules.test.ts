/**
 * Schedules sync on the real Temporal server: apply creates, a second apply changes nothing and diff
 * shows nothing; an edited cron updates; `paused: true` pauses; --prune deletes what no file declares.
 */
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyScheduleChanges, planScheduleChanges, scheduleIdOf } from '../../app/schedules.ts';
import { compilePipeline } from '../../pipeline-dsl/load.ts';
import type { CompiledPipeline } from '../../pipeline-dsl/plan-types.ts';
import { testServices } from '../setup/services.ts';

let connection: Connection;
let client: Client;
const name = `sched-${Date.now()}`;

beforeAll(async () => {
  const services = testServices();
  connection = await Connection.connect({ address: services.temporalAddress });
  client = new Client({ connection, namespace: services.namespace });
});

afterAll(async () => {
  await client.schedule
    .getHandle(`pipeline-${name}`)
    .delete()
    .catch(() => undefined);
  await connection?.close();
});

function pipeline(cron: string, paused = false): CompiledPipeline {
  return compilePipeline(
    `${name}.yaml`,
    `apiVersion: mmflow/v1
kind: Pipeline
metadata: { name: ${name} }
schedule:
  cron: '${cron}'
  timezone: UTC
  overlap: buffer-one
  catchupWindow: 1h
  pauseOnFailure: true
  jitter: 30s
  paused: ${paused}
steps:
  - id: pause
    uses: wait
    with: { duration: 1s }
`,
  );
}

const kinds = (changes: readonly { kind: string }[]): string[] => changes.map((c) => c.kind);

describe('pipelines apply / diff on Temporal Schedules', () => {
  it('creates once, then applying again changes nothing and diff shows nothing', async () => {
    const p = pipeline('15 2 * * *');
    const first = await planScheduleChanges(client, [p], { prune: false });
    expect(kinds(first)).toEqual(['create']);
    expect(kinds(await applyScheduleChanges(client, first))).toEqual(['create']);

    const second = await planScheduleChanges(client, [p], { prune: false });
    expect(kinds(second)).toEqual(['unchanged']);
    expect(await applyScheduleChanges(client, second)).toEqual([]);

    const described = await client.schedule.getHandle(scheduleIdOf(p)).describe();
    expect(described.policies.overlap).toBe('BUFFER_ONE');
    expect(described.policies.pauseOnFailure).toBe(true);
    expect(described.policies.catchupWindow).toBe(3_600_000);
    expect(described.state.paused).toBe(false);
    expect(described.action.type).toBe('startWorkflow');
  });

  it('updates on an edited cron, pauses on paused: true, and only then is unchanged', async () => {
    const edited = pipeline('30 3 * * 1');
    expect(kinds(await planScheduleChanges(client, [edited], { prune: false }))).toEqual(['update']);
    await applyScheduleChanges(client, await planScheduleChanges(client, [edited], { prune: false }));
    expect(kinds(await planScheduleChanges(client, [edited], { prune: false }))).toEqual(['unchanged']);

    const paused = pipeline('30 3 * * 1', true);
    const plan = await planScheduleChanges(client, [paused], { prune: false });
    expect(kinds(plan)).toEqual(['update']); // `paused` is part of what the file decides
    await applyScheduleChanges(client, plan);
    expect((await client.schedule.getHandle(scheduleIdOf(paused)).describe()).state.paused).toBe(true);
    expect(kinds(await planScheduleChanges(client, [paused], { prune: false }))).toEqual(['unchanged']);
  });

  it('deletes a schedule no file declares only with --prune', async () => {
    expect(kinds(await planScheduleChanges(client, [], { prune: false }))).toEqual([]);
    const pruned = await planScheduleChanges(client, [], { prune: true });
    expect(pruned.filter((c) => c.scheduleId === `pipeline-${name}`).map((c) => c.kind)).toEqual(['delete']);
    await applyScheduleChanges(
      client,
      pruned.filter((c) => c.scheduleId === `pipeline-${name}`),
    );
    await expect(client.schedule.getHandle(`pipeline-${name}`).describe()).rejects.toThrow(/not found/i);
  });
});
