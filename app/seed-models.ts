/**
 * Built-in model versions registered on first start, so that a fresh database has a champion to
 * backtest and quote with. Registration is idempotent: an existing version is left untouched.
 */
import type { Pool } from 'pg';
import {
  DEFAULT_AS_V15_BTCUSDT_USDM,
  DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT,
} from '../core/quoting/model-params.ts';
import {
  DEFAULT_FAIR_VALUE_BTCUSDT_USDM,
  DEFAULT_JOIN_TOUCH_BTCUSDT_USDM,
} from '../core/quoting/fair-value-params.ts';
import { getModelVersion, registerModelVersion, setStatus } from '../db/repositories/models.ts';

/** Id of the default model version (Avellaneda–Stoikov V1-α for Binance spot BTCUSDT). */
export const DEFAULT_MODEL_VERSION_ID = 'as-v1-alpha-btcusdt-spot@1';

/** Id of the base model of the weekly retraining (V1.5 for Binance USDⓈ-M BTCUSDT). */
export const RETRAIN_BASE_MODEL_VERSION_ID = 'as-v1.5-btcusdt-usdm@1';

/** Id of the fair-value quoter's defaults for Binance USDⓈ-M BTCUSDT (a candidate: it has not won an A/B test). */
export const FAIR_VALUE_MODEL_VERSION_ID = 'fair-value-btcusdt-usdm@1';

/** Id of the join-the-touch baseline for Binance USDⓈ-M BTCUSDT (a reference, never promoted). */
export const BASELINE_MODEL_VERSION_ID = 'join-touch-btcusdt-usdm@1';

const BUILT_IN = [
  {
    id: DEFAULT_MODEL_VERSION_ID,
    name: 'as-v1-alpha-btcusdt-spot',
    params: DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT,
    definedIn: 'core/quoting/model-params.ts DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT',
    champion: true,
  },
  {
    id: RETRAIN_BASE_MODEL_VERSION_ID,
    name: 'as-v1.5-btcusdt-usdm',
    params: DEFAULT_AS_V15_BTCUSDT_USDM,
    definedIn: 'core/quoting/model-params.ts DEFAULT_AS_V15_BTCUSDT_USDM',
    champion: true,
  },
  {
    id: FAIR_VALUE_MODEL_VERSION_ID,
    name: 'fair-value-btcusdt-usdm',
    params: DEFAULT_FAIR_VALUE_BTCUSDT_USDM,
    definedIn: 'core/quoting/fair-value-params.ts DEFAULT_FAIR_VALUE_BTCUSDT_USDM',
    champion: false,
  },
  {
    id: BASELINE_MODEL_VERSION_ID,
    name: 'join-touch-btcusdt-usdm',
    params: DEFAULT_JOIN_TOUCH_BTCUSDT_USDM,
    definedIn: 'core/quoting/fair-value-params.ts DEFAULT_JOIN_TOUCH_BTCUSDT_USDM',
    champion: false,
  },
] as const;

/** Registers the built-in model versions that are missing. @returns the ids registered now. */
export async function ensureBuiltInModels(db: Pool): Promise<string[]> {
  const registeredNow: string[] = [];
  for (const model of BUILT_IN) {
    if ((await getModelVersion(db, model.id)) !== undefined) continue;
    const registered = await registerModelVersion(db, {
      name: model.name,
      version: 1,
      kind: model.params.model,
      params: { ...model.params },
      lineage: { source: 'built-in default', definedIn: model.definedIn },
    });
    // A built-in default of a quoting model is the first champion of its name: there is nothing to
    // compare it against. The fair-value defaults and the baseline stay candidates (issue 15: neither
    // beats adverse selection on the recorded sessions; bench:quality).
    if (model.champion) await setStatus(db, registered.id, 'champion');
    registeredNow.push(registered.id);
  }
  return registeredNow;
}
