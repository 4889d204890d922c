import { afterEach, describe, expect, it, vi } from 'vitest';
import { MissingRequirement, servicesRequired, skipWithout } from '../setup/require.ts';

describe('skipWithout (what a test does when its service, binary or data file is missing)', () => {
  it('runs the tests when nothing is missing, required or not', () => {
    expect(skipWithout(undefined, 'some tests', {})).toBe(false);
    expect(skipWithout(undefined, 'some tests', { MMFLOW_REQUIRE_SERVICES: '1' })).toBe(false);
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('skips when something is missing and the run does not require it, saying so in one line', () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockReturnValue(true);
    expect(skipWithout('the temporal CLI', 'the dev-server test', {})).toBe(true);
    expect(skipWithout('the temporal CLI', 'the dev-server test', { MMFLOW_REQUIRE_SERVICES: '0' })).toBe(
      true,
    );
    expect(stderr.mock.calls.map(([line]) => String(line))).toEqual([
      'skipped: the dev-server test: the temporal CLI (set MMFLOW_REQUIRE_SERVICES=1 to fail instead)\n',
      'skipped: the dev-server test: the temporal CLI (set MMFLOW_REQUIRE_SERVICES=1 to fail instead)\n',
    ]);
  });

  it('fails, naming the tests and what is missing, under MMFLOW_REQUIRE_SERVICES=1', () => {
    const run = () =>
      skipWithout('the temporal CLI', 'the dev-server test', { MMFLOW_REQUIRE_SERVICES: '1' });
    expect(run).toThrow(MissingRequirement);
    expect(run).toThrow('MMFLOW_REQUIRE_SERVICES=1 and the dev-server test cannot run: the temporal CLI');
  });

  it('reads the requirement from MMFLOW_REQUIRE_SERVICES=1 only', () => {
    expect(servicesRequired({ MMFLOW_REQUIRE_SERVICES: '1' })).toBe(true);
    expect(servicesRequired({ MMFLOW_REQUIRE_SERVICES: 'true' })).toBe(false);
    expect(servicesRequired({})).toBe(false);
  });
});
