/**
 * Patch ids of the pipeline interpreter (`patched()`): one per change of behaviour that alters the
 * commands of histories already running, so that old histories replay on the old branch and new runs
 * take the new one. Keep each id until no history older than it can still be replayed (then
 * `deprecatePatch`, later delete). Histories recorded before a patch are kept frozen under
 * test/fixtures/histories (see test/workflows/record-histories.ts FROZEN) to prove the old branch.
 */

/**
 * 2026-11: a `wait` step of 0 ms completes at once, without a timer. Before: `sleep(0)` started a
 * timer, which the Temporal server fires about 1 s later (timer-queue granularity), so a `wait: 0s`
 * step cost a second. Old branch pinned by test/fixtures/histories/features-before-wait-zero-patch.json.
 */
export const WAIT_ZERO_WITHOUT_TIMER = 'wait-zero-without-timer';
