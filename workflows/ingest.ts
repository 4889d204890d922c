/**
 * Ingests recorded klines and trades into PostgreSQL. Each file is one heartbeating activity that
 * inserts in batches with ON CONFLICT DO NOTHING, so a retry or a second run adds no rows.
 */
import { ApplicationFailure, proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { CHILD_ACTIVITY_RETRY } from './pipeline/activity-options.ts';
import { OUTCOME_KEY, STEP_KEY } from './search-attributes.ts';
import type { IngestFileResult, IngestResult, IngestStepInput } from './types.ts';

const { ingestKlinesFile, ingestTradesFile } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds', // heartbeats every batch (well under a second)
  retry: CHILD_ACTIVITY_RETRY, // transient errors for about 2.5 min; permanent ones never
});

/** Ingests every source of the step in declaration order. */
export async function ingestWorkflow(input: IngestStepInput): Promise<IngestResult> {
  upsertSearchAttributes([{ key: STEP_KEY, value: 'ingest' }]);
  if (input.sources.length === 0)
    throw ApplicationFailure.nonRetryable('ingest needs at least one source', 'PermanentError');
  const files: IngestFileResult[] = [];
  for (const source of input.sources) {
    const result =
      source.kind === 'klines'
        ? await ingestKlinesFile({ ...source, batchSize: input.batchSize })
        : await ingestTradesFile({ ...source, batchSize: input.batchSize });
    files.push(result);
  }
  upsertSearchAttributes([{ key: OUTCOME_KEY, value: 'completed' }]);
  return {
    files,
    rowsRead: files.reduce((n, f) => n + f.rowsRead, 0),
    rowsInserted: files.reduce((n, f) => n + f.rowsInserted, 0),
  };
}
