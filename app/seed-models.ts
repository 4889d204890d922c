/**
 * Built-in model versions registered on first start, so that a fresh database has a champion to
 * backtest and quote with. Registration is idempotent: an existing version is left untouched.
 */
import type { Pool } from 'pg';
import { DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT } from '../core/quoting/model-params.ts';
import { getModelVersion, registerModelVersion, setStatus } from '../db/repositories/models.ts';

/** Id of the default model version (Avellaneda–Stoikov V1-α for Binance spot BTCUSDT). */
export const DEFAULT_MODEL_VERSION_ID = 'as-v1-alpha-btcusdt-spot@1';

/** Registers the built-in model versions that are missing. @returns the ids registered now. */
export async function ensureBuiltInModels(db: Pool): Promise<string[]> {
  if ((await getModelVersion(db, DEFAULT_MODEL_VERSION_ID)) !== undefined) return [];
  const registered = await registerModelVersion(db, {
    name: 'as-v1-alpha-btcusdt-spot',
    version: 1,
    kind: DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT.model,
    params: { ...DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT },
    lineage: {
      source: 'built-in default',
      definedIn: 'core/quoting/model-params.ts DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT',
    },
  });
  // The built-in default is the first champion: there is nothing to compare it against.
  await setStatus(db, registered.id, 'champion');
  return [DEFAULT_MODEL_VERSION_ID];
}
