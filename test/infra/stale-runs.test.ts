import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLog } from '../../infra/log.ts';
import { claimStateDir, sweepStaleTestStates, TEST_STATE_PREFIX } from '../setup/stale-runs.ts';

let parent: string;
beforeAll(async () => {
  parent = await mkdtemp(join(tmpdir(), 'mmflow-sweep-'));
});
afterAll(async () => {
  await rm(parent, { recursive: true, force: true });
});

describe('sweepStaleTestStates', () => {
  it('removes only state dirs whose recorded owner is dead', async () => {
    const live = join(parent, `${TEST_STATE_PREFIX}live`);
    const dead = join(parent, `${TEST_STATE_PREFIX}dead`);
    const unowned = join(parent, `${TEST_STATE_PREFIX}unowned`);
    const other = join(parent, 'something-else');
    for (const dir of [live, dead, unowned, other]) await mkdir(join(dir, 'temporal'), { recursive: true });
    await claimStateDir(live);
    await writeFile(join(dead, 'owner.pid'), `${spawnSync('true').pid}\n`);
    await writeFile(join(dead, 'temporal', 'server.json'), JSON.stringify({ pid: spawnSync('true').pid }));
    await writeFile(join(other, 'owner.pid'), `${spawnSync('true').pid}\n`);

    await sweepStaleTestStates(parent, silentLog);

    expect((await readdir(parent)).sort()).toEqual(
      [`${TEST_STATE_PREFIX}live`, `${TEST_STATE_PREFIX}unowned`, 'something-else'].sort(),
    );
  });
});
