import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { rowsFromColumns, splitTimeOrdered, type AlphaSplit } from '../../core/alpha/dataset.ts';
import { ALPHA_FEATURE_NAMES } from '../../core/alpha/features.ts';
import { predictNet, predictNetFloat32 } from '../../core/alpha/mlp.ts';
import { createStream } from '../../core/random/xoshiro.ts';
import { trainAlphaNet, type TrainResult } from '../../core/alpha/trainer.ts';
import { InvariantViolation, PermanentError } from '../../core/errors.ts';
import { sha256Hex, writeArtifactAtomic } from '../../ml/artifacts.ts';
import { OnnxAlphaModel } from '../../ml/onnx-alpha-model.ts';
import { exportAlphaOnnx } from '../../ml/onnx-export.ts';
import type { AlphaOnnxMetadata } from '../../ml/onnx-metadata.ts';
import { checkOnnx, skipWithoutOnnxChecker } from '../setup/onnx-checker.ts';

const D = 7;
const META: AlphaOnnxMetadata = {
  featureNames: ALPHA_FEATURE_NAMES,
  horizonMs: 1000,
  trainDigest: 'ab'.repeat(32),
  trainingId: 'test-1',
  seed: 3,
};

/** Synthetic rows with labels of tens of ticks (as BTCUSDT futures, tick 0.1) and a non-linear part. */
function syntheticSplit(): AlphaSplit {
  const rng = createStream(42);
  const n = 3000;
  const x = new Float32Array(n * D);
  const y = new Float64Array(n);
  const t = new Float64Array(n);
  const tl = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < D; k++) x[i * D + k] = (rng.nextFloat() - 0.5) * (k + 1) * 20 + k;
    y[i] = 40 * Math.tanh(x[i * D]! / 8) + 2 * x[i * D + 5]! + (rng.nextFloat() - 0.5);
    t[i] = i * 100_000;
    tl[i] = t[i]! + 1_000_000;
  }
  return splitTimeOrdered(rowsFromColumns(D, x, y, t, tl), { embargoMs: 1000 });
}

describe('ONNX export and onnxruntime-node', () => {
  let dir = '';
  let split: AlphaSplit;
  let mlp: TrainResult;
  let linear: TrainResult;
  let bytes: Uint8Array;
  let path = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mmflow-onnx-'));
    split = syntheticSplit();
    mlp = trainAlphaNet(split.train, split.validation, {
      seed: 3,
      hidden: 16,
      maxEpochs: 60,
      adam: { learningRate: 0.01 },
    });
    linear = trainAlphaNet(split.train, split.validation, {
      seed: 3,
      hidden: 0,
      maxEpochs: 60,
      adam: { learningRate: 0.01 },
    });
    bytes = exportAlphaOnnx(mlp.net, META);
    path = (await writeArtifactAtomic(join(dir, 'alpha-mlp.onnx'), bytes)).path;
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exports deterministic bytes: same weights → same file; retraining with the seed → same file', () => {
    expect(Buffer.from(exportAlphaOnnx(mlp.net, META)).equals(Buffer.from(bytes))).toBe(true);
    const again = trainAlphaNet(split.train, split.validation, {
      seed: 3,
      hidden: 16,
      maxEpochs: 60,
      adam: { learningRate: 0.01 },
    });
    expect(sha256Hex(exportAlphaOnnx(again.net, META))).toBe(sha256Hex(bytes));
    expect(sha256Hex(exportAlphaOnnx(mlp.net, { ...META, horizonMs: 2000 }))).not.toBe(sha256Hex(bytes));
  });

  it('writes the declared graph: opset 17, IR 8, producer mmflow, features → alpha_ticks, metadata', () => {
    const m = onnxProto.onnx.ModelProto.decode(bytes);
    expect(Number(m.irVersion)).toBe(8);
    expect(m.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 17]]);
    expect(m.producerName).toBe('mmflow');
    const g = onnxProto.onnx.GraphProto.create(m.graph ?? {});
    expect(g.node.map((n) => n.opType)).toEqual(['Cast', 'Sub', 'Div', 'Gemm', 'Tanh', 'Gemm', 'Cast']);
    expect(g.input.map((i) => i.name)).toEqual(['features']);
    expect(g.output.map((o) => o.name)).toEqual(['alpha_ticks']);
    const dims = g.input[0]?.type?.tensorType?.shape?.dim?.map((d) => d.dimParam || Number(d.dimValue));
    expect(dims).toEqual(['N', 7]);
    const meta = Object.fromEntries(m.metadataProps.map((e) => [e.key, e.value]));
    expect(JSON.parse(meta['mmflow.feature_names']!)).toEqual([...ALPHA_FEATURE_NAMES]);
    expect(meta['mmflow.horizon_ms']).toBe('1000');
    expect(meta['mmflow.train_digest']).toBe('ab'.repeat(32));
    const linNodes = onnxProto.onnx.ModelProto.decode(exportAlphaOnnx(linear.net, META)).graph?.node ?? [];
    expect(linNodes.map((n) => n.opType)).toEqual(['Cast', 'Sub', 'Div', 'Gemm', 'Cast']);
  });

  it.skipIf(skipWithoutOnnxChecker('the ONNX checker test of onnx-alpha'))(
    'passes the Python ONNX checker (full_check), which does reject a broken graph',
    async () => {
      expect(await checkOnnx(path)).toEqual({ ok: true, stderr: '' });
      const linPath = join(dir, 'alpha-linear.onnx');
      await writeFile(linPath, exportAlphaOnnx(linear.net, META));
      expect((await checkOnnx(linPath)).ok).toBe(true);
      const broken = join(dir, 'broken.onnx');
      await writeFile(broken, Buffer.from(bytes).toString('latin1').replaceAll('Gemm', 'Gemx'), 'latin1');
      const r = await checkOnnx(broken);
      expect(r.ok).toBe(false);
      expect(r.stderr).toContain('Gemx');
    },
  );

  it('onnxruntime-node reproduces the trainer within 1e-5 on the whole validation set (MLP and linear)', async () => {
    for (const r of [mlp, linear]) {
      const b = exportAlphaOnnx(r.net, META);
      const p = (await writeArtifactAtomic(join(dir, `parity-${r.net.layers.length}.onnx`), b)).path;
      const model = await OnnxAlphaModel.load(p, { expectedSha256: sha256Hex(b) });
      const v = split.validation;
      const onnxOut = await model.predictBatch(v.x, v.count);
      const reference = predictNetFloat32(r.net, v.x, v.count);
      const exact = predictNet(r.net, v.x, v.count);
      let maxDiff = 0;
      let maxDiff64 = 0;
      let maxAbs = 0;
      for (let i = 0; i < v.count; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(onnxOut[i]! - reference[i]!));
        maxDiff64 = Math.max(maxDiff64, Math.abs(onnxOut[i]! - exact[i]!));
        maxAbs = Math.max(maxAbs, Math.abs(exact[i]!));
      }
      expect(v.count).toBeGreaterThan(500);
      expect(maxAbs).toBeGreaterThan(20); // outputs of tens of ticks, where float32 arithmetic would bite
      expect(maxDiff).toBeLessThanOrEqual(1e-5);
      // Against the float64 prediction, the only difference is the output cast: ≤ half a float32 ulp.
      expect(maxDiff64).toBeLessThanOrEqual(maxAbs * 2 ** -24);
      // One vector at a time gives the same as the batch.
      expect(await model.predict(v.x.slice(0, D))).toBe(onnxOut[0]);
      await model.close();
    }
  });

  it('exposes the metadata and checks the horizon', async () => {
    const model = await OnnxAlphaModel.load(path, {
      expectedSha256: sha256Hex(bytes),
      expectedHorizonMs: 1000,
    });
    expect(model.featureNames).toEqual([...ALPHA_FEATURE_NAMES]);
    expect(model.horizonMs).toBe(1000);
    expect(model.metadata).toEqual({ ...META, featureNames: [...ALPHA_FEATURE_NAMES] });
    expect(model.sha256).toBe(sha256Hex(bytes));
    await model.close();
    await expect(model.predict(new Float32Array(D))).rejects.toThrow(InvariantViolation);
    await expect(
      OnnxAlphaModel.load(path, { expectedSha256: sha256Hex(bytes), expectedHorizonMs: 500 }),
    ).rejects.toThrow(/predicts over 1000 ms, expected 500 ms/);
  });

  it('refuses a file whose sha256 differs from the recorded one, before loading it', async () => {
    const err = await OnnxAlphaModel.load(path, { expectedSha256: '0'.repeat(64) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as PermanentError).code).toBe('ALPHA_MODEL_DIGEST');
    expect((err as PermanentError).message).toContain(path);
    // A tampered weight (same length, valid protobuf) is caught by the digest alone.
    const tampered = Buffer.from(bytes);
    tampered[tampered.length - 300] = (tampered[tampered.length - 300]! + 1) % 256;
    const tp = join(dir, 'tampered.onnx');
    await writeFile(tp, tampered);
    await expect(OnnxAlphaModel.load(tp, { expectedSha256: sha256Hex(bytes) })).rejects.toThrow(/sha256/);
  });

  it('gives a clear error for a corrupt or foreign file (digest matching, so the content is what fails)', async () => {
    const code = async (b: Uint8Array): Promise<string> => {
      const p = join(dir, `bad-${sha256Hex(b).slice(0, 8)}.onnx`);
      await writeFile(p, b);
      const e = await OnnxAlphaModel.load(p, { expectedSha256: sha256Hex(b) }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(PermanentError);
      expect((e as PermanentError).message).toContain(p);
      return (e as PermanentError).code;
    };
    expect(await code(bytes.slice(0, Math.floor(bytes.length / 2)))).toBe('ALPHA_MODEL_CORRUPT'); // truncated
    expect(await code(new TextEncoder().encode('not an onnx model at all\n'))).toMatch(
      /ALPHA_MODEL_(CORRUPT|METADATA)/,
    );
    expect(
      await code(Buffer.from(Buffer.from(bytes).toString('latin1').replaceAll('Gemm', 'Gemx'), 'latin1')),
    ).toBe(
      'ALPHA_MODEL_CORRUPT', // ONNX Runtime refuses the unknown op
    );
    const other = exportAlphaOnnx(mlp.net, { ...META, featureNames: ['a', 'b', 'c', 'd', 'e', 'f', 'g'] });
    expect(await code(other)).toBe('ALPHA_MODEL_FEATURES');
    const noMeta = onnxProto.onnx.ModelProto.decode(bytes);
    noMeta.metadataProps = noMeta.metadataProps.filter((e) => e.key !== 'mmflow.horizon_ms');
    expect(await code(onnxProto.onnx.ModelProto.encode(noMeta).finish())).toBe('ALPHA_MODEL_METADATA');
    const e = await OnnxAlphaModel.load(join(dir, 'absent.onnx'), { expectedSha256: '0'.repeat(64) }).catch(
      (x: unknown) => x,
    );
    expect((e as PermanentError).code).toBe('ARTIFACT_READ');
  });

  it('refuses a feature vector of the wrong length', async () => {
    const model = await OnnxAlphaModel.load(path, { expectedSha256: sha256Hex(bytes) });
    await expect(model.predict(new Float32Array(6))).rejects.toThrow(InvariantViolation);
    await expect(model.predictBatch(new Float32Array(15), 2)).rejects.toThrow(/2×7/);
    await model.close();
  });

  it('refuses to export an inconsistent network', () => {
    expect(() => exportAlphaOnnx(mlp.net, { ...META, featureNames: ['ofi'] })).toThrow(InvariantViolation);
    const nan = { ...mlp.net, featureMean: Float64Array.of(Number.NaN, 0, 0, 0, 0, 0, 0) };
    expect(() => exportAlphaOnnx(nan, META)).toThrow(/non-finite/);
  });
});
