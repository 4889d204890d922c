/**
 * Applying a slot's desired state to a running engine (docs/adr/0016-promotion-lifecycle.md), in two
 * halves so the hot path never waits for I/O:
 *
 * 1. {@link SlotApplier.prepare} (async, off the loop): for a state that quotes, resolve the desired
 *    model ref to an exact version (alias `champion`/`challenger` = the version of the slot's model
 *    name with that status, db/repositories/models.ts; or an explicit `<name>@<n>` of that name), parse
 *    its params, scale them and the risk limits to the capital fraction (core/quoting/capital.ts), load
 *    its ONNX alpha model when the version changed. Any failure throws; nothing of the engine has changed.
 * 2. {@link SlotApplier.apply} (sync, at a safe point between two events): halt first when the
 *    desired state quotes nothing, then `driver.swapModel` (pulls every quote, replaces quoter,
 *    params, alpha and risk limits; book and signals stay warm), then resume when the slot is active.
 *
 * Halting: risk state `halted` or capital fraction 0 latch the risk gate with `engine.kill` (every
 * working order is cancelled at once); the current model's params and limits stay as they are (the
 * desired version is not loaded, see below). Only a halt this applier set is lifted by it: a kill that
 * was latched before the slot's halt (operator, loss limits) is left alone. (A kill switch latched on
 * top of the slot's halt is lifted by the slot's resume and re-latched by the process's next kill-switch
 * poll.)
 * A halt is never blocked by the model: a halting state never resolves, parses or loads the desired
 * version (any of which can fail: an emptied alias, bad params, a missing ONNX file); it is applied with
 * the current model (`haltOnly`) and acknowledged with the current version and the desired fraction and
 * risk state. An empty alias (`challenger` after a promotion or rollback) means "nothing to quote": an
 * active state naming it is applied as a halt too, acknowledged as `halted` at fraction 0 (logged at
 * info, not an apply error), so the workflows' waits on alias followers complete.
 *
 * Risk limits are scaled by the EFFECTIVE fraction (quoteSizeLots'/quoteSizeLots, ≥ the desired f when
 * one lot floors the size), never by f: at f = 1 % a 1-lot quote trades full size, so its loss limits
 * must stay full (core/quoting/capital.ts).
 */
import { PermanentError } from '../../core/errors.ts';
import { scaleForCapital, scaleRiskLimits } from '../../core/quoting/capital.ts';
import type { AlphaModel } from '../../core/alpha/alpha-model.ts';
import {
  alphaParamsOf,
  parseModelParams,
  type AlphaSource,
  type ModelParams,
} from '../../core/quoting/model-params.ts';
import { combineRiskLimits, NO_RISK_LIMITS, type RiskLimits } from '../../core/risk/risk-limits.ts';
import type { Queryable } from '../../db/queryable.ts';
import type { Slot } from '../../db/repositories/deployments.ts';
import { getModelVersion, listModelVersions, type ModelVersion } from '../../db/repositories/models.ts';
import type { Log } from '../../infra/log.ts';
import { AlphaRequester } from '../alpha-requests.ts';
import type { EngineMode } from '../config.ts';
import type { EngineDriver } from '../drivers.ts';

/** The slot fields resolution needs. */
export type SlotRef = Pick<Slot, 'id' | 'modelName' | 'desired'>;

/**
 * The exact model version a slot's desired model ref names now.
 * @throws PermanentError `SLOT_ALIAS_EMPTY` (no version of the name has that status; the applier
 *   halts on it),
 *   `MODEL_NOT_FOUND`, `SLOT_MODEL_MISMATCH` (an explicit version of another model name).
 */
export async function resolveSlotVersion(db: Queryable, slot: SlotRef): Promise<ModelVersion> {
  const ref = slot.desired.model;
  if (ref === 'champion' || ref === 'challenger') {
    const [version] = await listModelVersions(db, { name: slot.modelName, status: ref });
    if (version === undefined)
      throw new PermanentError('SLOT_ALIAS_EMPTY', `model ${slot.modelName} has no ${ref}`, {
        slotId: slot.id,
        modelName: slot.modelName,
        alias: ref,
      });
    return version;
  }
  const version = await getModelVersion(db, ref);
  if (version === undefined)
    throw new PermanentError('MODEL_NOT_FOUND', `model version ${ref} is not in the registry`, {
      slotId: slot.id,
      modelVersionId: ref,
    });
  if (version.name !== slot.modelName)
    throw new PermanentError(
      'SLOT_MODEL_MISMATCH',
      `slot ${slot.id} follows model ${slot.modelName}, not ${version.name} (${ref})`,
      { slotId: slot.id, modelName: slot.modelName, modelVersionId: ref },
    );
  return version;
}

/** A desired state ready to apply (everything loaded); built by {@link SlotApplier.prepare}. */
export interface PreparedState {
  readonly revision: number;
  /** Exact version applied, `<name>@<n>`. */
  readonly versionId: string;
  /** Desired capital fraction, 0–1 (what the slot is acknowledged with). */
  readonly capitalFraction: number;
  /** quoteSizeLots' / quoteSizeLots (≥ the desired fraction when one lot floors it); 0 when halted by f = 0. */
  readonly effectiveFraction: number;
  readonly riskState: 'active' | 'halted';
  /** False when the state quotes nothing (halted or f = 0). */
  readonly quoting: boolean;
  /** What the engine swaps to; undefined when only the risk state changes. */
  readonly swap:
    | {
        readonly params: ModelParams;
        readonly riskLimits: RiskLimits;
        /** A newly loaded alpha requester (the version changed and has an alpha term). */
        readonly alpha: AlphaRequester | undefined;
      }
    | undefined;
  /** True when the state is a halt applied with the current model (module doc). */
  readonly haltOnly: boolean;
}

/** What {@link SlotApplier} needs. */
export interface SlotApplierOptions {
  readonly db: Queryable;
  readonly driver: EngineDriver;
  readonly slotId: string;
  readonly mode: EngineMode;
  /** The engine config's own limits (combined with each version's, the tighter winning). */
  readonly engineRiskLimits: RiskLimits;
  /** The version the runtime was built with (unscaled params, fraction 1, active). */
  readonly initialVersionId: string;
  readonly loadAlphaModel: ((alpha: AlphaSource) => Promise<AlphaModel>) | undefined;
  readonly log: Log;
}

/** Prepares and applies desired states; see the module doc. Not re-entrant: one prepare at a time. */
export class SlotApplier {
  private versionId: string;
  private fraction = 1;
  /** A halt this applier latched (and may lift). */
  private haltedBySlot = false;
  /** Alpha requesters this applier created (the runtime closes its own). */
  private ownedAlpha: AlphaRequester | undefined;

  constructor(private readonly o: SlotApplierOptions) {
    this.versionId = o.initialVersionId;
  }

  /** The version the engine quotes with now. */
  get currentVersionId(): string {
    return this.versionId;
  }

  /**
   * Resolves and loads `slot`'s desired state. A halting state (risk state `halted` or f = 0) is
   * prepared with the current model without touching the desired version (`haltOnly`); so is an active
   * state naming an empty alias (acknowledged `halted`, fraction 0; module doc).
   * @throws PermanentError (`MODEL_NOT_FOUND`, `SLOT_MODEL_MISMATCH`, `ALPHA_MODEL_UNAVAILABLE`),
   *   ModelParamsError, the ONNX loader's error, DB errors — never for a halting state.
   */
  async prepare(slot: Slot): Promise<PreparedState> {
    const d = slot.desired;
    if (d.riskState === 'halted' || d.capitalFraction === 0) {
      return { ...this.stateOf(slot, this.versionId, 0, false), swap: undefined, haltOnly: true };
    }
    let version: ModelVersion;
    try {
      version = await resolveSlotVersion(this.o.db, slot);
    } catch (err) {
      if (!(err instanceof PermanentError) || err.code !== 'SLOT_ALIAS_EMPTY') throw err;
      this.o.log.info(
        { slotId: slot.id, revision: d.revision, desiredModel: d.model, currentVersion: this.versionId },
        'slot alias empty; nothing to quote, halting with the current model',
      );
      return {
        ...this.stateOf(slot, this.versionId, 0, false),
        capitalFraction: 0,
        riskState: 'halted',
        swap: undefined,
        haltOnly: true,
      };
    }
    const params = parseModelParams(version.params, `model_versions ${version.id} params`);
    const versionChanged = version.id !== this.versionId;
    const scaled = scaleForCapital(params, d.capitalFraction);
    if (!versionChanged && d.capitalFraction === this.fraction) {
      return {
        ...this.stateOf(slot, version.id, scaled.effectiveFraction, true),
        swap: undefined,
        haltOnly: false,
      };
    }
    const limits = combineRiskLimits(params.riskLimits ?? NO_RISK_LIMITS, this.o.engineRiskLimits);
    // The effective fraction, not f: what is really deployed (module doc, core/quoting/capital.ts).
    const riskLimits = scaleRiskLimits(limits, scaled.effectiveFraction, scaled.params.quoteSizeLots);
    const alpha = versionChanged ? await this.loadAlpha(version.id, params) : undefined;
    return {
      ...this.stateOf(slot, version.id, scaled.effectiveFraction, true),
      swap: { params: scaled.params, riskLimits, alpha },
      haltOnly: false,
    };
  }

  /**
   * Applies a prepared state now (call between two events). Order: halt (cancel all) → swap → resume,
   * so no quote of the old model survives a swap and none is placed while halting.
   * @returns true when the engine quotes afterwards and pulled its quotes for the change (a pause to
   *   measure), false otherwise.
   */
  apply(p: PreparedState): boolean {
    const engine = this.o.driver.engine;
    if (!p.quoting && !this.haltedBySlot && !engine.risk.latched) {
      engine.kill(
        `slot ${this.o.slotId} revision ${p.revision}: ${p.riskState === 'halted' ? 'halted' : 'capital fraction 0'}`,
      );
      this.haltedBySlot = true;
    }
    const swap = p.swap;
    if (swap !== undefined) {
      this.o.driver.swapModel({
        params: swap.params,
        riskLimits: swap.riskLimits,
        ...(swap.alpha === undefined ? {} : { alpha: swap.alpha }),
      });
      if (swap.alpha !== undefined) {
        const old = this.ownedAlpha;
        this.ownedAlpha = swap.alpha;
        old?.close().catch(() => undefined);
      }
      this.versionId = p.versionId;
      this.fraction = p.capitalFraction;
    }
    let resumed = false;
    if (p.quoting && this.haltedBySlot) {
      this.haltedBySlot = false;
      if (engine.risk.latched) engine.resume(`slot ${this.o.slotId} revision ${p.revision}: active`);
      resumed = true;
    }
    return p.quoting && (swap !== undefined || resumed);
  }

  /**
   * Re-asserts an applied halt (call every second): if something else lifted the latch meanwhile (an
   * operator's `mmflow resume` of a kill that came on top of ours), the slot's halt is latched again.
   * @param applied the last state applied.
   */
  enforce(applied: PreparedState): void {
    const engine = this.o.driver.engine;
    if (applied.quoting || engine.risk.latched) return;
    engine.kill(
      `slot ${this.o.slotId} revision ${applied.revision}: ${applied.riskState === 'halted' ? 'halted' : 'capital fraction 0'}`,
    );
    this.haltedBySlot = true;
  }

  /** Closes an alpha requester prepared but never applied (superseded by a newer revision). */
  async discard(p: PreparedState): Promise<void> {
    if (p.swap?.alpha !== undefined && p.swap.alpha !== this.ownedAlpha) await p.swap.alpha.close();
  }

  /** Closes the alpha requester this applier created, if any. */
  async close(): Promise<void> {
    await this.ownedAlpha?.close();
    this.ownedAlpha = undefined;
  }

  private stateOf(slot: Slot, versionId: string, effectiveFraction: number, quoting: boolean) {
    const d = slot.desired;
    return {
      revision: d.revision,
      versionId,
      capitalFraction: d.capitalFraction,
      effectiveFraction,
      riskState: d.riskState,
      quoting,
    };
  }

  /**
   * The alpha requester of a version with an alpha term (undefined without one).
   * @throws PermanentError `ALPHA_MODEL_UNAVAILABLE` without a loader; the loader's error.
   */
  private async loadAlpha(versionId: string, params: ModelParams): Promise<AlphaRequester | undefined> {
    const alpha = alphaParamsOf(params);
    if (alpha === undefined) return undefined;
    if (this.o.loadAlphaModel === undefined)
      throw new PermanentError(
        'ALPHA_MODEL_UNAVAILABLE',
        `model version ${versionId} has an alpha term (${alpha.artifactPath}) but the engine has no alpha model loader`,
        { modelVersionId: versionId, artifactPath: alpha.artifactPath },
      );
    const model = await this.o.loadAlphaModel(alpha);
    return new AlphaRequester(model, this.o.mode === 'replay' ? 'await' : 'async', this.o.log);
  }
}
