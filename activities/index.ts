/**
 * Activities: the I/O that workflows call, built as a factory over their ports (STYLE §9) and wired
 * in the worker. Workflows import only the `Activities` type.
 */
import type { Pool } from 'pg';
import type { Logger } from '../app/logger.ts';
import { runBacktestActivity } from './backtest.ts';
import { classified } from './failures.ts';
import { keepAlive } from './heartbeat.ts';
import { ingestKlinesFile, ingestTradesFile, type IngestFileInput } from './ingest.ts';
import { validateMarketData, type ValidateMarketDataInput } from './validate-market-data.ts';
import { trainAlpha, type TrainAlphaInput } from './train-alpha.ts';
import { loadPipeline, type LoadPipelineInput } from './load-pipeline.ts';
import { dataQualityGate, type DataQualityGateInput } from './data-quality-gate.ts';
import { evaluateModel, type EvaluateModelInput } from './evaluate-model.ts';
import { calibrate, type CalibrateInput } from './calibrate.ts';
import { calibrateModelVersion, type CalibrateModelVersionInput } from './calibrate-model-version.ts';
import { registerModel, type RegisterModelInput } from './register-model.ts';
import { killEngine, resumeEngine, type KillSwitchRequest } from './kill-engine.ts';
import {
  affectedSlots,
  awaitSlotApplied,
  setSlotDesired,
  type AffectedSlotsInput,
  type AwaitSlotAppliedInput,
  type SetSlotDesiredInput,
} from './promotion/slots.ts';
import { slotIntervalMetrics, type SlotIntervalMetricsInput } from './promotion/metrics.ts';
import { decideAbTest, type DecideAbTestInput } from './promotion/decide.ts';
import {
  changeModelStatus,
  previousChampion,
  recordEvidence,
  resolveAlias,
  touchAliasFollowers,
  type ChangeModelStatusInput,
  type PreviousChampionInput,
  type RecordEvidenceInput,
  type ResolveAliasInput,
  type TouchAliasFollowersInput,
} from './promotion/registry.ts';
import { holdoutGate, type HoldoutGateInput } from './promotion/holdout-gate.ts';
import {
  createStudy,
  evaluateStudyFold,
  evaluateStudyHoldout,
  finishStudy,
  saveStudyTrial,
} from './study.ts';
import type { BacktestActivityInput } from '../workflows/types.ts';
import type {
  CreateStudyRequest,
  FinishStudyRequest,
  FoldEvaluationRequest,
  SaveTrialRequest,
} from '../workflows/study/definitions.ts';

/** Ports the activities run over. */
export interface ActivityDeps {
  readonly db: Pool;
  /** Root of the recorded data (files in pipelines are relative to it). */
  readonly dataDir: string;
  readonly log: Logger;
}

/**
 * A step activity: heartbeats kept alive while it awaits (./heartbeat.ts), failures classified by
 * retryability (./failures.ts).
 */
function step<I, R>(name: string, fn: (input: I) => Promise<R>): (input: I) => Promise<R> {
  return classified(name, (input: I) => keepAlive(() => fn(input)));
}

/**
 * Builds the activity functions registered with the worker. The study's activities keep their own
 * error handling and heartbeats (workflows/study/proxies.ts); ingest heartbeats its resume point
 * itself, so it is classified but not kept alive (a keep-alive would resend stale progress).
 */
export function createActivities(deps: ActivityDeps) {
  return {
    ingestKlinesFile: classified('ingest klines file', (input: IngestFileInput & { kind: 'klines' }) =>
      ingestKlinesFile(deps, input),
    ),
    ingestTradesFile: classified('ingest trades file', (input: IngestFileInput & { kind: 'trades' }) =>
      ingestTradesFile(deps, input),
    ),
    runBacktest: step('backtest', (input: BacktestActivityInput) => runBacktestActivity(deps, input)),
    validateMarketData: step('validate market data', (input: ValidateMarketDataInput) =>
      validateMarketData(deps, input),
    ),
    createStudy: (input: CreateStudyRequest) => createStudy(deps, input),
    evaluateStudyFold: (input: FoldEvaluationRequest) => evaluateStudyFold(deps, input),
    evaluateStudyHoldout: (input: FoldEvaluationRequest) => evaluateStudyHoldout(deps, input),
    saveStudyTrial: (input: SaveTrialRequest) => saveStudyTrial(deps, input),
    finishStudy: (input: FinishStudyRequest) => finishStudy(deps, input),
    dataQualityGate: step('data-quality gate', (input: DataQualityGateInput) => dataQualityGate(deps, input)),
    calibrate: (input: CalibrateInput) => calibrate(deps, input),
    calibrateModelVersion: step('calibrate', (input: CalibrateModelVersionInput) =>
      calibrateModelVersion(deps, input),
    ),
    trainAlpha: step('train alpha', (input: TrainAlphaInput) => trainAlpha(deps, input)),
    loadPipeline: (input: LoadPipelineInput) => loadPipeline(input),
    evaluateModel: step('evaluate model', (input: EvaluateModelInput) => evaluateModel(deps, input)),
    registerModel: step('register model', (input: RegisterModelInput) => registerModel(deps, input)),
    // Two statements: classified, no keep-alive heartbeat (the proxies set no heartbeat timeout).
    killEngine: classified('kill engine', (input: KillSwitchRequest) => killEngine(deps, input)),
    resumeEngine: classified('resume engine', (input: KillSwitchRequest) => resumeEngine(deps, input)),
    // Promotion lifecycle (activities/promotion/, docs/adr/0016-promotion-lifecycle.md).
    setSlotDesired: step('set slot desired', (input: SetSlotDesiredInput) => setSlotDesired(deps, input)),
    awaitSlotApplied: step('await slot applied', (input: AwaitSlotAppliedInput) =>
      awaitSlotApplied(deps, input),
    ),
    slotIntervalMetrics: step('slot interval metrics', (input: SlotIntervalMetricsInput) =>
      slotIntervalMetrics(deps, input),
    ),
    decideAbTest: step('decide a/b test', (input: DecideAbTestInput) => decideAbTest(deps, input)),
    changeModelStatus: step('change model status', (input: ChangeModelStatusInput) =>
      changeModelStatus(deps, input),
    ),
    touchAliasFollowers: step('touch alias followers', (input: TouchAliasFollowersInput) =>
      touchAliasFollowers(deps, input),
    ),
    previousChampion: step('previous champion', (input: PreviousChampionInput) =>
      previousChampion(deps, input),
    ),
    affectedSlots: step('affected slots', (input: AffectedSlotsInput) => affectedSlots(deps, input)),
    resolveAlias: step('resolve alias', (input: ResolveAliasInput) => resolveAlias(deps, input)),
    recordEvidence: step('record evidence', (input: RecordEvidenceInput) => recordEvidence(deps, input)),
    holdoutGate: step('holdout gate', (input: HoldoutGateInput) => holdoutGate(deps, input)),
  };
}

export type Activities = ReturnType<typeof createActivities>;
