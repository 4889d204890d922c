import { describe, expect, it } from 'vitest';
import { MissingRequirement, servicesRequired, skipWithout } from '../setup/require.ts';

describe('skipWithout (what a test does when its service, binary or data file is missing)', () => {
  it('runs the tests when nothing is missing, required or not', () => {
    expect(skipWithout(undefined, 'some tests', {})).toBe(false);
    expect(skipWithout(undefined, 'some tests', { MMFLOW_REQUIRE_SERVICES: '1' })).toBe(false);
  });

  it('skips when something is missing and the run does not require it', () => {
    expect(skipWithout('the temporal CLI', 'the dev-server test', {})).toBe(true);
    expect(skipWithout('the temporal CLI', 'the dev-server test', { MMFLOW_REQUIRE_SERVICES: '0' })).toBe(
      true,
    );
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
