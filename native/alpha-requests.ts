/**
 * Answers the engine's alpha requests (core/engine/feature-schedule.ts) with an `AlphaModel`, in one of
 * two ways:
 *  - `await` (replay): the request is kept and the driver awaits `settle()` before the next event, so a
 *    replay gives `runBacktestAsync`'s numbers exactly; a failing model fails the run, as in a backtest;
 *  - `async` (paper, live): the prediction starts at once and is applied whenever it resolves. At most
 *    one prediction is in flight (a request arriving meanwhile is skipped and counted); a failed or
 *    non-finite prediction is logged and the alpha falls back to 0 — the quoting loop never stops for it.
 *    A prediction older than the model's horizon is dropped by the engine anyway.
 *
 * Hot swap (native/drivers.ts `swapModel`): the requester of the model swapped out is `detach`ed — it
 * takes no more requests and an answer still in flight is dropped, never applied to the engine (it
 * belongs to the old model). `close` detaches too, and releases the model only once the prediction in
 * flight (if any) has settled, waiting at most `CLOSE_GRACE_MS`: releasing an ONNX Runtime session
 * while its `run` is executing would free what the run still reads.
 */
import { ALPHA_FEATURE_NAMES } from '../core/alpha/features.ts';
import { requireFeatureNames, type AlphaModel } from '../core/alpha/alpha-model.ts';
import type { AlphaRequest } from '../core/engine/feature-schedule.ts';
import type { QuotingEngine } from '../core/engine/quoting-engine.ts';
import { errorFields, type Log } from '../infra/log.ts';

/** Longest wait of `close` for a prediction in flight before the model is released anyway, ms. */
export const CLOSE_GRACE_MS = 1_000;

/** How predictions are awaited; see the module doc. */
export type AlphaMode = 'await' | 'async';

/** Counters of the alpha requests of one run. */
export interface AlphaRequestCounters {
  /** Requests the engine made. */
  requests: number;
  /** Predictions applied. */
  answered: number;
  /** Predictions that failed or were not finite (alpha set to 0). */
  failed: number;
  /** Requests skipped because a prediction was still in flight (async mode). */
  skipped: number;
}

/** One run's bridge between the engine's requests and the model. */
export class AlphaRequester {
  readonly counters: AlphaRequestCounters = { requests: 0, answered: 0, failed: 0, skipped: 0 };
  private engine: QuotingEngine | undefined;
  private pending: { readonly features: Float32Array; readonly atUs: number } | undefined;
  private inFlight = false;
  /** The prediction in flight (async mode), for `close` to wait on; never rejects. */
  private inFlightRun: Promise<void> | undefined;
  private detached = false;
  private closing: Promise<void> | undefined;

  /**
   * @throws RangeError when the model's feature names are not ALPHA_FEATURE_NAMES.
   */
  constructor(
    private readonly model: AlphaModel,
    private readonly mode: AlphaMode,
    private readonly log: Log,
  ) {
    requireFeatureNames(model, ALPHA_FEATURE_NAMES);
  }

  /** The engine's `onAlphaRequest` (copies the features: the engine reuses its array). */
  readonly onAlphaRequest: AlphaRequest = (features, nowUs) => {
    if (this.detached) return; // a swapped-out model: its engine no longer calls, but be sure
    this.counters.requests++;
    const request = { features: features.slice(), atUs: nowUs };
    if (this.mode === 'await') {
      this.pending = request;
      return;
    }
    if (this.inFlight) {
      this.counters.skipped++;
      return;
    }
    this.inFlight = true;
    this.inFlightRun = this.predictLive(request.features, request.atUs);
  };

  /** Binds the engine the answers go to (it is built after this requester, with its callback). */
  attach(engine: QuotingEngine): void {
    this.engine = engine;
  }

  /**
   * Unbinds the engine for good (its model was swapped out): no more requests are taken, a pending
   * request is dropped and an answer in flight is never applied. Idempotent.
   */
  detach(): void {
    this.detached = true;
    this.engine = undefined;
    this.pending = undefined;
  }

  /** True once detached (or closed). */
  get isDetached(): boolean {
    return this.detached;
  }

  /** `await` mode: the pending request's prediction, applied; undefined when nothing is pending. */
  settle(): Promise<void> | undefined {
    const request = this.pending;
    if (request === undefined) return undefined;
    this.pending = undefined;
    const engine = this.requireEngine();
    const run = this.model.predict(request.features).then((value) => {
      if (this.engine !== engine) return; // detached meanwhile: the old model's answer is dropped
      engine.setAlphaTicks(value, request.atUs);
      this.counters.answered++;
    });
    this.inFlightRun = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /**
   * Detaches (see `detach`), waits for the prediction in flight to settle (at most `CLOSE_GRACE_MS`),
   * then releases the model. Idempotent: later calls return the first call's promise.
   * @throws what the model's `close` throws.
   */
  close(): Promise<void> {
    this.closing ??= this.release();
    return this.closing;
  }

  private async release(): Promise<void> {
    this.detach();
    const run = this.inFlightRun;
    if (run !== undefined) await settledWithin(run, CLOSE_GRACE_MS);
    await this.model.close?.();
  }

  private async predictLive(features: Float32Array, atUs: number): Promise<void> {
    const engine = this.engine;
    if (engine === undefined) {
      this.inFlight = false; // cannot happen: requests come from the attached engine
      return;
    }
    try {
      const value = await this.model.predict(features);
      if (this.engine !== engine) return; // detached meanwhile: the old model's answer is dropped
      engine.setAlphaTicks(value, atUs);
      this.counters.answered++;
    } catch (err) {
      this.counters.failed++;
      if (this.engine === engine) engine.setAlphaTicks(0, atUs);
      this.log.warn(
        { err: errorFields(err), requestedAtUs: atUs },
        'alpha prediction failed; alpha set to 0',
      );
    } finally {
      this.inFlight = false;
    }
  }

  private requireEngine(): QuotingEngine {
    if (this.engine === undefined) throw new Error('AlphaRequester: no engine attached');
    return this.engine;
  }
}

/** Resolves when `run` settles or after `ms` wall ms, whichever is first (`run` never rejects). */
async function settledWithin(run: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
