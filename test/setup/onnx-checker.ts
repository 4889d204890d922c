/**
 * The real ONNX checker (Python `onnx`, `onnx.checker.check_model(full_check=True)`) as a peer process,
 * from the project-local Python environment (created and filled on first use, ./require.ts).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { pythonPeer, skipWithout } from './require.ts';

const run = promisify(execFile);
const peer = await pythonPeer('onnx');

/**
 * Whether tests calling {@link checkOnnx} must be skipped (prints why; throws under
 * `MMFLOW_REQUIRE_SERVICES=1`, see ./require.ts).
 */
export function skipWithoutOnnxChecker(tests: string): boolean {
  return skipWithout('missing' in peer ? peer.missing : undefined, tests);
}

/**
 * Runs the checker on the ONNX file at `path`.
 * @returns `ok` true when the checker accepts it; otherwise its stderr (the reason).
 * @throws Error when the checker is unavailable (guard the test with {@link skipWithoutOnnxChecker}).
 */
export async function checkOnnx(path: string): Promise<{ ok: boolean; stderr: string }> {
  if ('missing' in peer) throw new Error(peer.missing);
  const script = 'import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)';
  try {
    await run(peer.python, ['-c', script, path]);
    return { ok: true, stderr: '' };
  } catch (err) {
    const stderr: unknown = err instanceof Error ? Reflect.get(err, 'stderr') : undefined;
    return { ok: false, stderr: typeof stderr === 'string' ? stderr : String(err) };
  }
}
