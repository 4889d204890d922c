/**
 * Patch ids of the study workflow (`patched()`), as workflows/pipeline/patches.ts keeps the pipeline
 * interpreter's: one per change of behaviour that alters the commands of histories already recorded,
 * so that old histories replay on the old branch and new runs take the new one. Keep each id until no
 * history older than it can still be replayed (then `deprecatePatch`, later delete). The recorded
 * retrain-weekly history (test/fixtures/histories/retrain-weekly.json, replayed by
 * test/workflows/replay.test.ts) predates this patch and pins the old branch.
 */

/**
 * 2026-11: failed trials are tolerated up to `maxFailedFraction` (default 0.5). With the patch the
 * study stops asking once the failed share exceeds the limit, and fails (finishStudy failed, then a
 * non-retryable `StudyFailed`) when it does or when no trial could be scored; and when the best trial's
 * holdout evaluation fails for its parameters, the next best trials are tried on the holdout. Before:
 * a study completed whatever its failed share, and evaluated the best trial's holdout once.
 */
export const STUDY_FAILED_TRIALS_LIMIT = 'study-failed-trials-limit';

/**
 * 2026-12: ADR 0008 changed the TPE sampler's defaults (multivariate, neighbour bandwidths, constant
 * liar, improvement weights, a smaller joint bandwidth floor). Sampling runs inside the workflow, so a
 * study recorded before keeps the old defaults (`TPE_DEFAULTS_BEFORE_0008` under its own settings):
 * otherwise a replay would re-suggest other parameters for trials already evaluated. The resolved
 * configuration is carried across Continue-As-New.
 */
export const TPE_DEFAULTS_0008 = 'tpe-defaults-0008';
