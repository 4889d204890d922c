/**
 * Search attributes mmflow sets on its workflows so the Temporal Web UI can filter by them. They are
 * registered on the embedded dev server at start-up (infra/embedded/temporal.ts) and must be
 * registered with `temporal operator search-attribute create` on any other cluster.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const PIPELINE_KEY = defineSearchAttributeKey('MmflowPipeline', SearchAttributeType.KEYWORD);
export const MODEL_VERSION_KEY = defineSearchAttributeKey('MmflowModelVersion', SearchAttributeType.KEYWORD);
export const STEP_KEY = defineSearchAttributeKey('MmflowStep', SearchAttributeType.KEYWORD);
export const OUTCOME_KEY = defineSearchAttributeKey('MmflowOutcome', SearchAttributeType.KEYWORD);
