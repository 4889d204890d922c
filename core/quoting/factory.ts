/**
 * Builds the quoter a model version names: every driver (backtest replay, native engine) goes through
 * here, so "the model version says which model" (issue 4) holds everywhere.
 */
import type { ModelParams } from './model-params.ts';
import type { Quoter } from './quoter.ts';
import { AsV1AlphaQuoter } from './v1-alpha.ts';
import { AsV15Quoter } from './v1-5.ts';
import { FairValueQuoter } from './fair-value.ts';
import { JoinTouchQuoter } from './join-touch.ts';

/**
 * @param params parsed model parameters (core/quoting/model-params.ts `parseModelParams`).
 * @returns a fresh quoter: `AsV1AlphaQuoter` for 'as-v1-alpha', `AsV15Quoter` for 'as-v1.5',
 *   `FairValueQuoter` for 'fair-value', `JoinTouchQuoter` for the 'join-touch' baseline.
 * @throws ZodError if the parameters do not satisfy their model's schema.
 */
export function createQuoter(params: ModelParams): Quoter {
  switch (params.model) {
    case 'as-v1-alpha':
      return new AsV1AlphaQuoter(params);
    case 'as-v1.5':
      return new AsV15Quoter(params);
    case 'fair-value':
      return new FairValueQuoter(params);
    case 'join-touch':
      return new JoinTouchQuoter(params);
  }
}
