/**
 * Model artifacts on disk: the model store directory, sha256 digests (of files, bytes and training
 * data sets) and atomic writes (temp file in the same directory + fsync + rename, so a reader never
 * sees a half-written model and a crash leaves either the old file or the new one).
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { repoRoot } from '../app/paths.ts';
import type { AlphaRows } from '../core/alpha/dataset.ts';
import { PermanentError, TransientError } from '../core/errors.ts';

/**
 * The model store: env `MMFLOW_MODEL_STORE` (resolved from the repository root when relative),
 * default `<repo>/models`.
 */
export function modelStoreDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(repoRoot, env['MMFLOW_MODEL_STORE'] ?? 'models');
}

/**
 * An artifact path as recorded in the registry (relative to the model store, or absolute) → an
 * absolute path.
 */
export function resolveArtifactPath(artifactPath: string, storeDir: string = modelStoreDir()): string {
  return isAbsolute(artifactPath) ? artifactPath : resolve(storeDir, artifactPath);
}

/** sha256 of bytes, 64 lower-case hex digits. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * sha256 of a file's contents (streamed), 64 lower-case hex digits.
 * @throws PermanentError `ARTIFACT_READ` naming the file when it cannot be read.
 */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (err) {
    throw new PermanentError(
      'ARTIFACT_READ',
      `cannot read ${path}: ${(err as Error).message}`,
      { path },
      {
        cause: err,
      },
    );
  }
  return hash.digest('hex');
}

/**
 * Digest of a training data set: sha256 over a header (`mmflow-alpha-rows/1`, feature count, row
 * count) then the raw little-endian bytes of x (float32), yTicks, timeUs and labelTimeUs (float64).
 * Same rows → same digest; any changed value, row or order → another one.
 */
export function alphaRowsDigest(rows: AlphaRows): string {
  const hash = createHash('sha256');
  hash.update(`mmflow-alpha-rows/1 features=${rows.featureCount} rows=${rows.count}\n`);
  for (const a of [rows.x, rows.yTicks, rows.timeUs, rows.labelTimeUs]) hash.update(littleEndianBytes(a));
  return hash.digest('hex');
}

function littleEndianBytes(a: Float32Array | Float64Array): Uint8Array {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (new Uint8Array(Uint16Array.of(1).buffer)[0] === 1) return bytes;
  const out = new Uint8Array(bytes.length); // big-endian host: swap each element
  const w = a.BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.length; i += w) for (let k = 0; k < w; k++) out[i + k] = bytes[i + w - 1 - k]!;
  return out;
}

const PERMANENT_FS_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EISDIR', 'EEXIST']);

/** What {@link writeArtifactAtomic} wrote. */
export interface WrittenArtifact {
  /** Absolute path. */
  readonly path: string;
  /** sha256 of the bytes written, hex. */
  readonly sha256: string;
  readonly sizeBytes: number;
}

/**
 * Writes `bytes` to `path` atomically: a uniquely named temp file in the same directory, fsync, then
 * rename over `path` (creating the directory if needed). An existing file is replaced.
 * @throws `ARTIFACT_WRITE` naming the path when the write fails (the temp file is removed):
 *   PermanentError for a path that cannot be written (EACCES, EPERM, EROFS, ENOTDIR, EISDIR; EEXIST: a file where the directory should be),
 *   TransientError otherwise (ENOSPC, EIO…: may succeed on a retry).
 */
export async function writeArtifactAtomic(path: string, bytes: Uint8Array): Promise<WrittenArtifact> {
  const target = resolve(path);
  const tmp = `${target}.tmp-${process.pid}-${randomUUID()}`;
  try {
    await mkdir(dirname(target), { recursive: true });
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined); // best effort: the error below matters
    const code = (err as NodeJS.ErrnoException).code;
    const Err = code !== undefined && PERMANENT_FS_CODES.has(code) ? PermanentError : TransientError;
    throw new Err(
      'ARTIFACT_WRITE',
      `cannot write ${target}: ${(err as Error).message}`,
      { path: target, code },
      {
        cause: err,
      },
    );
  }
  return { path: target, sha256: sha256Hex(bytes), sizeBytes: bytes.length };
}
