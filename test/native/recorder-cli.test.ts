// `mmflow record` as a process against the exchange simulator: it records the replayed streams into
// `.partial` files, and on SIGTERM closes them under their final names and exits 0; bad options exit 2.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../../app/paths.ts';
import type { ExchangeSim } from '../../exchange-sim/simulator.ts';
import { listSessions } from '../../venues/binance/recorded.ts';
import { runCli } from '../cli/run-cli.ts';
import { skipWithout } from '../setup/require.ts';
import { missingSpotData, startManualSim, yieldIo } from '../exchange-sim/helpers.ts';

const skip = skipWithout(missingSpotData, 'mmflow record against the simulator');

let dir: string | undefined;
let sim: ExchangeSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('mmflow record', () => {
  it('refuses bad options (exit 2, naming the field) and unknown instruments (exit 1)', async () => {
    const run = await runCli(['record', '--venue', 'binance-spot', '--symbol', 'btcusdt']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('symbol[0]');
    const venue = await runCli(['record', '--venue', 'kraken', '--symbol', 'BTCUSDT']);
    expect(venue.code).toBe(2);
    expect(venue.stderr).toContain('venue');
    // An instrument the list does not know ends the process (exit 1) before anything starts.
    const unknown = await runCli(['record', '--venue', 'binance-spot', '--symbol', 'NOPEUSDT']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('NOPEUSDT');
  });

  it.skipIf(skip)('records the simulator into final-named files and exits 0 on SIGTERM', async () => {
    sim = await startManualSim([]);
    const replay = sim.replays.get('BTCUSDT');
    if (replay === undefined) throw new Error('no replay');
    dir = mkdtempSync(join(tmpdir(), 'mmflow-record-cli-'));
    const data = dir;
    const child = spawn(
      process.execPath,
      [
        resolve(repoRoot, 'bin/mmflow.mjs'),
        'record',
        '--venue',
        'binance-spot',
        '--symbol',
        'BTCUSDT',
        '--data',
        data,
        '--exchange-url',
        sim.urls.http,
      ],
      {
        cwd: repoRoot,
        env: { ...process.env, MMFLOW_LOG_LEVEL: 'error' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exited = new Promise<number | null>((done) => child.on('close', done));
    const partials = (folder: string): string[] =>
      existsSync(join(data, folder))
        ? readdirSync(join(data, folder)).filter((n) => n.endsWith('.partial'))
        : [];
    // Step the replay slowly until the child's feed is live (its first line opens a .partial file),
    // then until it has its REST snapshot and some more.
    const deadline = Date.now() + 60_000;
    while (partials('bookticker').length === 0 && Date.now() < deadline) {
      replay.step();
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(partials('bookticker')).toHaveLength(1);
    for (let i = 0; i < 2000; i++) {
      replay.step();
      if (i % 20 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    for (let i = 0; i < 50; i++) await yieldIo();
    expect(listSessions(data)).toEqual([]); // nothing final while recording
    child.kill('SIGTERM');
    expect(await exited, stderr).toBe(0);

    const [session] = listSessions(data);
    if (session === undefined) throw new Error('no session recorded');
    expect(session.prefix).toMatch(/^binance-spot_BTCUSDT_\d{8}T\d{4}Z-\d{8}T\d{4}Z$/);
    expect(partials('depth')).toEqual([]);
    const depth = gunzipSync(readFileSync(session.depthPath)).toString('utf8').trim().split('\n');
    expect(depth.filter((l) => l.includes('"lastUpdateId"'))).toHaveLength(1); // the feed's REST snapshot
    expect(depth.length).toBeGreaterThan(10);
    expect(session.tradesPath).toBeDefined();
    expect(session.bookTickerPath).toBeDefined();
  });
});
