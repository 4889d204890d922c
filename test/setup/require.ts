/**
 * What a test needs from the machine (a service, a binary, a data file) and what happens when it is
 * missing. With `MMFLOW_REQUIRE_SERVICES=1` (set by .ci/run) a missing need fails the test file: a
 * green CI run never hides a skipped test. Without it the tests are skipped and one line on stderr says
 * which and why.
 */
import { ensurePythonPeer, type PythonPeer } from '../../infra/embedded/python-env.ts';
import { silentLog } from '../../infra/log.ts';
import { pythonEnvDir } from '../../app/paths.ts';

/** `MMFLOW_REQUIRE_SERVICES=1`: missing needs fail instead of skipping. */
export function servicesRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env['MMFLOW_REQUIRE_SERVICES'] === '1';
}

/** Thrown (at collection time, failing the test file) when a required need is missing. */
export class MissingRequirement extends Error {
  override readonly name = 'MissingRequirement';
}

/**
 * Whether to skip `tests` because a need is missing.
 * @param missing `undefined` when the need is met, else what is missing and why (one line).
 * @param tests the tests that would be skipped, for the message.
 * @returns `false` when the need is met; `true` (after printing one `skipped …` line to stderr) when it
 *   is missing and not required.
 * @throws MissingRequirement when it is missing and `MMFLOW_REQUIRE_SERVICES=1`.
 */
export function skipWithout(
  missing: string | undefined,
  tests: string,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (missing === undefined) return false;
  if (servicesRequired(env))
    throw new MissingRequirement(`MMFLOW_REQUIRE_SERVICES=1 and ${tests} cannot run: ${missing}`);
  process.stderr.write(`skipped: ${tests}: ${missing} (set MMFLOW_REQUIRE_SERVICES=1 to fail instead)\n`);
  return true;
}

/** A Python peer of the project-local environment, or why it is unavailable. */
export type PeerOutcome = { readonly python: string } | { readonly missing: string };

/**
 * Makes the pinned Python `peer` available in the project-local environment (`.mmflow/python`,
 * created on first use; infra/embedded/python-env.ts), the way `npm start` provides the temporal CLI.
 * @returns the venv's interpreter, or why it could not be provided (no Python 3, no package index).
 */
export async function pythonPeer(peer: PythonPeer): Promise<PeerOutcome> {
  try {
    const venv = await ensurePythonPeer({ dir: pythonEnvDir(), peer, env: process.env, log: silentLog });
    return { python: venv.python };
  } catch (err) {
    return { missing: `Python ${peer} (${err instanceof Error ? err.message : String(err)})` };
  }
}
