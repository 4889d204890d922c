import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  listCustomSearchAttributes,
  MMFLOW_SEARCH_ATTRIBUTES,
} from '../../infra/embedded/search-attributes.ts';
import { findTemporalCli } from '../../infra/embedded/temporal-cli.ts';
import { resolveTemporal } from '../../infra/embedded/temporal.ts';
import { silentLog } from '../../infra/log.ts';
import { pythonEnvDir } from '../../app/paths.ts';
import { skipWithout } from '../setup/require.ts';
import { testServices } from '../setup/services.ts';

describe("the test run's Temporal server", () => {
  const { temporalAddress, namespace } = testServices();
  let connection: Connection;

  beforeAll(async () => {
    connection = await Connection.connect({ address: temporalAddress });
  });
  afterAll(async () => {
    await connection.close();
  });

  it('answers for its namespace', async () => {
    const described = await connection.workflowService.describeNamespace({ namespace });
    expect(described.namespaceInfo?.name).toBe(namespace);
  });

  it("has mmflow's four search attributes registered as Keyword", async () => {
    const registered = await listCustomSearchAttributes(connection, namespace);
    expect(Object.keys(MMFLOW_SEARCH_ATTRIBUTES).sort()).toEqual([
      'MmflowModelVersion',
      'MmflowOutcome',
      'MmflowPipeline',
      'MmflowStep',
    ]);
    for (const name of Object.keys(MMFLOW_SEARCH_ATTRIBUTES)) expect(registered[name]).toBe('KEYWORD');
  });
});

// The test run's global setup has already found or installed the CLI (project-local Python environment).
const cli = await findTemporalCli({
  env: process.env,
  log: silentLog,
  pythonEnvDir: pythonEnvDir(),
  allowPipInstall: false,
});

describe('resolveTemporal', () => {
  it('uses TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE as given, starting nothing', async () => {
    const resolved = await resolveTemporal({
      env: { TEMPORAL_ADDRESS: 'temporal.example:7233', TEMPORAL_NAMESPACE: 'mm' },
      stateDir: '/nonexistent',
      log: silentLog,
    });
    expect(resolved).toMatchObject({
      address: 'temporal.example:7233',
      namespace: 'mm',
      kind: 'external',
      uiUrl: undefined,
    });
    await resolved.stop();
  });

  it.skipIf(
    skipWithout(
      cli === undefined ? 'the temporal CLI (TEMPORAL_CLI_PATH, PATH, .mmflow/python, pip)' : undefined,
      'the dev-server lifecycle test',
    ),
  )('starts a dev server with persistent state, lets a second caller reuse it, and stops it', async () => {
    if (cli === undefined) throw new Error('unreachable: skipped without a CLI');
    const stateDir = await mkdtemp(join(tmpdir(), 'mmflow-temporal-'));
    const env = { PATH: process.env['PATH'], TEMPORAL_CLI_PATH: cli };
    try {
      const first = await resolveTemporal({
        env,
        stateDir,
        log: silentLog,
        ui: true,
        preferDefaultPorts: false,
      });
      expect(first.kind).toBe('cli');
      expect(first.uiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const second = await resolveTemporal({ env, stateDir, log: silentLog, preferDefaultPorts: false });
      expect(second.address).toBe(first.address);
      await second.stop(); // a reused server is not ours to stop
      const connection = await Connection.connect({ address: first.address });
      await connection.workflowService.describeNamespace({ namespace: 'default' });
      await connection.close();
      await first.stop();
      const restarted = await resolveTemporal({
        env,
        stateDir,
        log: silentLog,
        ui: false,
        preferDefaultPorts: false,
      });
      const again = await Connection.connect({ address: restarted.address });
      const attributes = await listCustomSearchAttributes(again, 'default');
      expect(attributes['MmflowPipeline']).toBe('KEYWORD');
      await again.close();
      await restarted.stop();
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
