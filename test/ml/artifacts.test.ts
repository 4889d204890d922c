import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { repoRoot } from '../../app/paths.ts';
import { rowsFromColumns } from '../../core/alpha/dataset.ts';
import { PermanentError } from '../../core/errors.ts';
import {
  alphaRowsDigest,
  modelStoreDir,
  resolveArtifactPath,
  sha256File,
  sha256Hex,
  writeArtifactAtomic,
} from '../../ml/artifacts.ts';

// FIPS 180-2 appendix B.1: SHA-256("abc").
const SHA_ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

describe('artifacts', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mmflow-artifacts-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('hashes bytes and files with SHA-256 (published test vector)', async () => {
    expect(sha256Hex(new TextEncoder().encode('abc'))).toBe(SHA_ABC);
    await writeFile(join(dir, 'abc.txt'), 'abc');
    expect(await sha256File(join(dir, 'abc.txt'))).toBe(SHA_ABC);
    await expect(sha256File(join(dir, 'missing'))).rejects.toThrow(PermanentError);
  });

  it('writes atomically: replaces the file, leaves no temp file, reports the digest', async () => {
    const path = join(dir, 'store', 'nested', 'm.onnx');
    await writeArtifactAtomic(path, Uint8Array.of(1, 2, 3));
    const w = await writeArtifactAtomic(path, new TextEncoder().encode('abc'));
    expect(w).toEqual({ path, sha256: SHA_ABC, sizeBytes: 3 });
    expect(await readFile(path, 'utf8')).toBe('abc');
    expect(await readdir(join(dir, 'store', 'nested'))).toEqual(['m.onnx']);
  });

  it('fails permanently, naming the path, when the target cannot be a file', async () => {
    await writeFile(join(dir, 'a-file'), 'x');
    const err = await writeArtifactAtomic(join(dir, 'a-file', 'm.onnx'), Uint8Array.of(1)).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as PermanentError).code).toBe('ARTIFACT_WRITE');
    expect((err as PermanentError).message).toContain(join(dir, 'a-file', 'm.onnx'));
  });

  it('locates the model store from MMFLOW_MODEL_STORE or <repo>/models', () => {
    expect(modelStoreDir({})).toBe(resolve(repoRoot, 'models'));
    expect(modelStoreDir({ MMFLOW_MODEL_STORE: '/srv/models' })).toBe('/srv/models');
    expect(modelStoreDir({ MMFLOW_MODEL_STORE: 'var/m' })).toBe(resolve(repoRoot, 'var/m'));
    expect(resolveArtifactPath('alpha-x.onnx', '/srv/models')).toBe('/srv/models/alpha-x.onnx');
    expect(resolveArtifactPath('/abs/a.onnx', '/srv/models')).toBe('/abs/a.onnx');
  });

  it('digests a data set: stable for the same rows, different for any changed value', () => {
    const make = (y0: number) =>
      rowsFromColumns(
        2,
        Float32Array.of(1, 2, 3, 4),
        Float64Array.of(y0, 1),
        Float64Array.of(0, 1),
        Float64Array.of(5, 6),
      );
    expect(alphaRowsDigest(make(0.5))).toBe(alphaRowsDigest(make(0.5)));
    expect(alphaRowsDigest(make(0.5))).not.toBe(alphaRowsDigest(make(0.25)));
    expect(alphaRowsDigest(make(0.5))).toMatch(/^[0-9a-f]{64}$/);
  });
});
