/** Workflow entry points registered by the worker (bundled by the Temporal SDK; deterministic code only). */
export { backtestWorkflow } from './backtest.ts';
export { ingestWorkflow } from './ingest.ts';
export { killEngineWorkflow, resumeEngineWorkflow } from './kill-engine.ts';
export { pipelineWorkflow } from './pipeline.ts';
export { studyWorkflow } from './study.ts';
