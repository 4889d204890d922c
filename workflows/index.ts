/** Workflow entry points registered by the worker (bundled by the Temporal SDK; deterministic code only). */
export { backtestWorkflow } from './backtest.ts';
export { ingestWorkflow } from './ingest.ts';
export { killEngineWorkflow, resumeEngineWorkflow } from './kill-engine.ts';
export { pipelineWorkflow } from './pipeline.ts';
export { studyWorkflow } from './study.ts';
export { abTestWorkflow } from './promotion/ab-test.ts';
export { canaryWorkflow } from './promotion/canary.ts';
export { promoteWorkflow } from './promotion/promote.ts';
export { rollbackWorkflow } from './promotion/rollback.ts';
