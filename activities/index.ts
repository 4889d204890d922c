/**
 * Activities: the I/O that workflows call, built as a factory over their ports (STYLE §9) and wired
 * in the worker. Workflows import only the `Activities` type.
 */
import type { Pool } from 'pg';
import type { Logger } from '../app/logger.ts';
import { runBacktestActivity } from './backtest.ts';
import { ingestKlinesFile, ingestTradesFile, type IngestFileInput } from './ingest.ts';
import { validateMarketData, type ValidateMarketDataInput } from './validate-market-data.ts';
import { trainAlpha, type TrainAlphaInput } from './train-alpha.ts';
import { loadPipeline, type LoadPipelineInput } from './load-pipeline.ts';
import { dataQualityGate, type DataQualityGateInput } from './data-quality-gate.ts';
import { evaluateModel, type EvaluateModelInput } from './evaluate-model.ts';
import { calibrate, type CalibrateInput } from './calibrate.ts';
import { calibrateModelVersion, type CalibrateModelVersionInput } from './calibrate-model-version.ts';
import { registerModel, type RegisterModelInput } from './register-model.ts';
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

/** Builds the activity functions registered with the worker. */
export function createActivities(deps: ActivityDeps) {
  return {
    ingestKlinesFile: (input: IngestFileInput & { kind: 'klines' }) => ingestKlinesFile(deps, input),
    ingestTradesFile: (input: IngestFileInput & { kind: 'trades' }) => ingestTradesFile(deps, input),
    runBacktest: (input: BacktestActivityInput) => runBacktestActivity(deps, input),
    validateMarketData: (input: ValidateMarketDataInput) => validateMarketData(deps, input),
    createStudy: (input: CreateStudyRequest) => createStudy(deps, input),
    evaluateStudyFold: (input: FoldEvaluationRequest) => evaluateStudyFold(deps, input),
    evaluateStudyHoldout: (input: FoldEvaluationRequest) => evaluateStudyHoldout(deps, input),
    saveStudyTrial: (input: SaveTrialRequest) => saveStudyTrial(deps, input),
    finishStudy: (input: FinishStudyRequest) => finishStudy(deps, input),
    dataQualityGate: (input: DataQualityGateInput) => dataQualityGate(deps, input),
    calibrate: (input: CalibrateInput) => calibrate(deps, input),
    calibrateModelVersion: (input: CalibrateModelVersionInput) => calibrateModelVersion(deps, input),
    trainAlpha: (input: TrainAlphaInput) => trainAlpha(deps, input),
    loadPipeline: (input: LoadPipelineInput) => loadPipeline(input),
    evaluateModel: (input: EvaluateModelInput) => evaluateModel(deps, input),
    registerModel: (input: RegisterModelInput) => registerModel(deps, input),
  };
}

export type Activities = ReturnType<typeof createActivities>;
