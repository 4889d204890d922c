/**
 * `mmflow pipelines run` as a user runs it: parameters are checked against the file's declared types
 * before anything starts, and a run that fails under `--wait` prints its failure chain (pipeline →
 * step → child workflow → activity → cause) with the step's input and the audit hint, exit code 1,
 * and a stack trace only with `--verbose`. Against this run's Temporal server, with `mmflow worker`
 * spawned as its own process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltInModels } from '../../app/seed-models.ts';
import { testServices } from '../setup/services.ts';
import { workerProcesses, type WorkerProcesses } from '../workflows/worker-processes.ts';
import { runCli } from './run-cli.ts';

const FAILING = 'test/fixtures/pipelines/fails-missing-session.yaml';
const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;

let w: WorkerProcesses;

const env = (): NodeJS.ProcessEnv => {
  const s = testServices();
  return {
    ...process.env,
    DATABASE_URL: s.databaseUrl,
    TEMPORAL_ADDRESS: s.temporalAddress,
    TEMPORAL_NAMESPACE: s.namespace,
  };
};

beforeAll(async () => {
  w = await workerProcesses('cli-run');
  await ensureBuiltInModels(w.db);
  w.start();
});

afterAll(async () => {
  await w?.close();
});

describe('mmflow pipelines run', () => {
  it('refuses params of the wrong type before starting, located like `validate` errors', async () => {
    const run = await runCli(
      ['pipelines', 'run', 'pipelines/retrain-weekly.yaml', '--param', 'nTrials=abc', '--param', 'nope=1'],
      env(),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).not.toMatch(/^started /m);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^pipelines\/retrain-weekly\.yaml:\d+:\d+: params\.nTrials: --param nTrials="abc": expected an integer, got string$/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^pipelines\/retrain-weekly\.yaml:\d+:\d+: params: --param nope: unknown parameter/,
      ),
    );
  });

  it('prints the failure chain of a failed run as one block, exit code 1, no stack trace', async () => {
    const run = await runCli(['pipelines', 'run', FAILING, '--wait', '--task-queue', w.taskQueue], env());
    expect(run.code, run.stderr).toBe(1);
    const workflowId = /started (pipeline-fails-missing-session-\S+)/.exec(run.stderr)?.[1];
    expect(workflowId).toBeDefined();
    const block = run.stderr.slice(run.stderr.indexOf(`workflow ${workflowId ?? ''} failed:`));
    const rows = block.trim().split('\n');
    expect(rows[0]).toBe(`workflow ${workflowId ?? ''} failed:`);
    const kinds = rows.slice(1).map((r) => /^ {2}(\S+(?: workflow)?)\s/.exec(r)?.[1]);
    expect(kinds.slice(0, 5)).toEqual(['workflow', 'step', 'child workflow', 'activity', 'cause']);
    expect(block).toContain(`${workflowId ?? ''}.bt (backtestWorkflow)`);
    expect(block).toMatch(/^ {2}cause\s+.*binance-spot_BTCUSDT_20990101T0000Z-20990101T0010Z/m);
    expect(block).toMatch(/^ {2}input\s+\{.*"session":"binance-spot_BTCUSDT_20990101T0000Z-20990101T0010Z"/m);
    expect(rows.at(-1)).toBe(`details: mmflow audit ${workflowId ?? ''}`);
    expect(run.stderr).not.toMatch(STACK_FRAME);
    expect(run.stderr).not.toContain('node_modules');
  });

  it('adds the stack traces with --verbose', async () => {
    const run = await runCli(
      ['--verbose', 'pipelines', 'run', FAILING, '--wait', '--task-queue', w.taskQueue],
      env(),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^ {2}activity\s/m);
    expect(run.stderr).toMatch(STACK_FRAME);
  });

  it('any other command error is one readable line without a stack trace', async () => {
    const run = await runCli(['pipelines', 'list', FAILING], { ...env(), TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^mmflow pipelines list: cannot connect to Temporal at 127\.0\.0\.1:1/m);
    expect(run.stderr).not.toMatch(STACK_FRAME);
  });
});
