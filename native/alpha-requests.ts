/**
 * Answers the engine's alpha requests (core/engine/feature-schedule.ts) with an `AlphaModel`, in one of
 * two ways:
 *  - `await` (replay): the request is kept and the driver awaits `settle()` before the next event, so a
 *    replay gives `runBacktestAsync`'s numbers exactly; a failing model fails the run, as in a backtest;
 *  - `async` (paper, live): the prediction starts at once and is applied whenever it resolves. At most
 *    one prediction is in flight (a request arriving meanwhile is skipped and counted); a failed or
 *    non-finite prediction is logged and the alpha falls back to 0 — the quoting loop never stops for it.
 *    A prediction older than the model's horizon is dropped by the engine anyway.
 */
import { ALPHA_FEATURE_NAMES } from '../core/alpha/features.ts';
import { requireFeatureNames, type AlphaModel } from '../core/alpha/alpha-model.ts';
import type { AlphaRequest } from '../core/engine/feature-schedule.ts';
import type { QuotingEngine } from '../core/engine/quoting-engine.ts';
import { errorFields, type Log } from '../infra/log.ts';

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
    void this.predictLive(request.features, request.atUs);
  };

  /** Binds the engine the answers go to (it is built after this requester, with its callback). */
  attach(engine: QuotingEngine): void {
    this.engine = engine;
  }

  /** `await` mode: the pending request's prediction, applied; undefined when nothing is pending. */
  settle(): Promise<void> | undefined {
    const request = this.pending;
    if (request === undefined) return undefined;
    this.pending = undefined;
    return this.model.predict(request.features).then((value) => {
      this.requireEngine().setAlphaTicks(value, request.atUs);
      this.counters.answered++;
    });
  }

  /** Releases the model. */
  async close(): Promise<void> {
    await this.model.close?.();
  }

  private async predictLive(features: Float32Array, atUs: number): Promise<void> {
    const engine = this.engine;
    if (engine === undefined) {
      this.inFlight = false; // cannot happen: requests come from the attached engine
      return;
    }
    try {
      engine.setAlphaTicks(await this.model.predict(features), atUs);
      this.counters.answered++;
    } catch (err) {
      this.counters.failed++;
      engine.setAlphaTicks(0, atUs);
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
