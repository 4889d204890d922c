import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { dataDir } from '../../app/paths.ts';
import { trainAlpha, type TrainAlphaResult } from '../../activities/train-alpha.ts';
import { ALPHA_FEATURE_NAMES } from '../../core/alpha/features.ts';
import { PermanentError } from '../../core/errors.ts';
import { DEFAULT_AS_V15_BTCUSDT_SPOT } from '../../core/quoting/model-params.ts';
import { sha256File } from '../../ml/artifacts.ts';
import { OnnxAlphaModel } from '../../ml/onnx-alpha-model.ts';
import { checkOnnx, skipWithoutOnnxChecker } from '../setup/onnx-checker.ts';
import { skipWithout } from '../setup/require.ts';

const SESSION = 'binance-usdm_BTCUSDT_20240718T2357Z-20240719T0005Z';
const ETH = 'binance-usdm_ETHUSDT_20240718T2357Z-20240719T0005Z';
const DATA = dataDir();
const MIN_US = 60_000_000;
/** 2024-07-18T23:57:30Z, ~28 s into the recording (signals warm). */
const START_US = Date.UTC(2024, 6, 18, 23, 57, 30) * 1000;

/** Two adjacent 2-min quality windows (merged into one 4-min span) on the real session. */
const WINDOWS = [
  { sessionId: SESSION, startUs: START_US, endUs: START_US + 2 * MIN_US },
  { sessionId: SESSION, startUs: START_US + 2 * MIN_US, endUs: START_US + 4 * MIN_US },
];

async function expectCode(p: Promise<unknown>, code: string): Promise<PermanentError> {
  const err = await p.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PermanentError);
  expect((err as PermanentError).code).toBe(code);
  return err as PermanentError;
}

const DEPTH_FILE = join(DATA, 'depth', `${SESSION}.depth.jsonl.gz`);

describe.skipIf(
  skipWithout(
    existsSync(DEPTH_FILE) ? undefined : `recorded data file ${DEPTH_FILE} (MMFLOW_DATA_DIR)`,
    'trainAlpha on a recorded session',
  ),
)('trainAlpha on a recorded session', () => {
  let store = '';
  let result: TrainAlphaResult;
  const deps = () => ({ dataDir: DATA, log: pino({ level: 'silent' }), modelStoreDir: store });
  const input = { trainingId: 'wf-1.train-alpha', windows: WINDOWS, horizonMs: 1000, seed: 7, epochs: 80 };

  beforeAll(async () => {
    store = await mkdtemp(join(tmpdir(), 'mmflow-models-'));
    result = await trainAlpha(deps(), input);
  });
  afterAll(async () => {
    await rm(store, { recursive: true, force: true });
  });

  it('trains on the real features and writes an artifact whose sha256 is the one returned', async () => {
    expect(result.artifactPath).toBe('alpha-wf-1.train-alpha.onnx');
    expect(await sha256File(join(store, result.artifactPath))).toBe(result.sha256);
    expect(result.featureNames).toEqual([...ALPHA_FEATURE_NAMES]);
    expect(result.instrument).toEqual({ venue: 'binance-usdm', symbol: 'BTCUSDT' });
    // 4 min on the 100-ms grid = 2,400 samples in one merged span; the last second has no label.
    expect(result.data).toMatchObject({ sessions: 1, spans: 1 });
    expect(result.data.samples).toBeGreaterThan(2300);
    expect(result.data.samples).toBeLessThanOrEqual(2400);
    expect(result.data.rows).toBe(result.data.samples - 10);
    const m = result.metrics;
    // Validation = the latest 20 %; a training row stays if t + 1 s (its label) + 5 s (embargo) ≤ the
    // first validation time: the 59 grid rows in the 6 s before it are purged (the one at −6 s stays).
    expect(m.valRows).toBe(Math.round(result.data.rows * 0.2));
    expect(m.purgedRows).toBe(59);
    expect(m.trainRows + m.purgedRows + m.valRows).toBe(result.data.rows);
    for (const v of [m.trainMse, m.valMse, m.valR2, m.valHitRatio]) expect(Number.isFinite(v)).toBe(true);
    expect(m.valHitRatio).toBeGreaterThanOrEqual(0);
    expect(m.valHitRatio).toBeLessThanOrEqual(1);
  });

  it('onnxruntime-node reproduces the trainer within 1e-5 on the whole real validation set', () => {
    expect(result.parity.rows).toBe(result.metrics.valRows);
    expect(result.parity.rows).toBeGreaterThan(400);
    expect(result.parity.maxAbsDiff).toBeLessThanOrEqual(1e-5);
    expect(result.parity.tolerance).toBe(1e-5);
  });

  it.skipIf(skipWithoutOnnxChecker('the ONNX checker test of trainAlpha'))(
    'the artifact passes the Python ONNX checker and loads with its recorded digest',
    async () => {
      const path = join(store, result.artifactPath);
      expect(await checkOnnx(path)).toEqual({ ok: true, stderr: '' });
      const model = await OnnxAlphaModel.load(path, { expectedSha256: result.sha256 });
      expect(model.metadata).toMatchObject({ horizonMs: 1000, trainDigest: result.trainDigest, seed: 7 });
      expect(Number.isFinite(await model.predict(new Float32Array(7)))).toBe(true);
      await model.close();
    },
  );

  it('is deterministic and idempotent: a retry rebuilds the same bytes in the same place', async () => {
    const again = await trainAlpha(deps(), input);
    expect(again).toEqual(result);
    expect((await readdir(store)).filter((f) => f.startsWith('alpha-wf-1.'))).toEqual([result.artifactPath]);
  });

  it('fails permanently on bad input, unknown sessions, mixed instruments and too little data', async () => {
    await expectCode(trainAlpha(deps(), { ...input, trainingId: '../escape' }), 'BAD_INPUT');
    await expectCode(trainAlpha(deps(), { ...input, horizonMs: 0 }), 'BAD_INPUT');
    await expectCode(trainAlpha(deps(), { ...input, windows: [] }), 'BAD_INPUT');
    await expectCode(
      trainAlpha(deps(), { ...input, params: { ...DEFAULT_AS_V15_BTCUSDT_SPOT, gamma: -1 } }),
      'BAD_PARAMS',
    );
    await expectCode(
      trainAlpha(deps(), {
        ...input,
        windows: [{ sessionId: 'nope', startUs: START_US, endUs: START_US + MIN_US }],
      }),
      'UNKNOWN_SESSION',
    );
    await expectCode(
      trainAlpha(deps(), {
        ...input,
        trainingId: 'mixed',
        windows: [
          WINDOWS[0]!,
          { sessionId: ETH, startUs: START_US + 3 * MIN_US, endUs: START_US + 4 * MIN_US },
        ],
      }),
      'MIXED_INSTRUMENTS',
    );
    await expectCode(
      trainAlpha(deps(), {
        ...input,
        trainingId: 'tiny',
        windows: [{ sessionId: SESSION, startUs: START_US, endUs: START_US + 5_000_000 }],
      }),
      'ALPHA_DATASET_TOO_SMALL',
    );
  });
});
