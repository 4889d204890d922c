/**
 * The shipped `pipelines/ingest-binance.yaml` end to end on the real Temporal server: both ingest steps
 * in parallel, then one `validate-market-data` run per ingested dataset (forEach over the ingest
 * step's `datasets` output), with the data-quality figures of the recordings
 * (../shared/data/README.md). A second run inserts no rows.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../app/paths.ts';
import { countRows } from '../../db/repositories/counts.ts';
import { loadPipelineFile } from '../../pipeline-dsl/load.ts';
import { statusQuery } from '../../workflows/pipeline/definitions.ts';
import { pipelineWorkflow } from '../../workflows/pipeline.ts';
import { startHarness, uniqueId, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('ingest-binance');
});
afterAll(async () => {
  await h?.close();
});

describe('pipelines/ingest-binance.yaml', () => {
  it('ingests klines and trades in parallel and validates every dataset', async () => {
    const pipeline = await loadPipelineFile(resolve(repoRoot, 'pipelines/ingest-binance.yaml'));
    const workflowId = uniqueId('ingest-binance');
    const handle = await h.client.workflow.start(pipelineWorkflow, {
      args: [{ pipeline, params: {} }],
      taskQueue: h.taskQueue,
      workflowId,
    });
    const result = await handle.result();
    expect(result.outcome).toBe('completed');
    const byId = new Map(result.steps.map((s) => [s.id, s]));

    const status = await handle.query(statusQuery);
    const klinesRun = status.timings['ingestKlines'];
    const tradesRun = status.timings['ingestTrades'];
    expect(klinesRun?.startedAtMs).toBe(tradesRun?.startedAtMs); // independent: started together

    // 66,087 + 66,087 one-minute candles and 51,324 hourly ones; trades: spot BTCUSDT 19,904 + 3,144,
    // usdm BTCUSDT 12,935 + 10,701 + 21,313 less the one INSURANCE_FUND print of 2023-04-05 (only
    // MARKET prints are kept), usdm ETHUSDT 13,655.
    expect(byId.get('ingestKlines')?.outputs).toMatchObject({ rowsRead: 66_087 * 2 + 51_324, files: 3 });
    expect(byId.get('ingestTrades')?.outputs).toMatchObject({
      rowsRead: 19_904 + 3_144 + 12_934 + 10_701 + 21_313 + 13_655,
      files: 6,
    });

    const klines = byId.get('validateKlines')?.outputs;
    expect(klines).toMatchObject({
      count: 3,
      items: [
        // One Binance outage: no candles 2023-03-24 12:40 → 13:59 (80 minutes).
        {
          symbol: 'BTCUSDT',
          interval: '1m',
          rowsChecked: 66_087,
          gaps: 1,
          missing: 80,
          duplicates: 0,
          impossible: 0,
        },
        {
          symbol: 'ETHUSDT',
          interval: '1m',
          rowsChecked: 66_087,
          gaps: 1,
          missing: 80,
          duplicates: 0,
          impossible: 0,
        },
        // 28 gaps where Binance produced no hourly candles.
        { symbol: 'BTCUSDT', interval: '1h', rowsChecked: 51_324, gaps: 28, duplicates: 0, impossible: 0 },
      ],
    });
    const trades = byId.get('validateTrades')?.outputs;
    expect(trades).toMatchObject({
      count: 3,
      items: [
        // Two sessions (2023-04-05, 2024-08-08): ids consecutive within each, one jump between them.
        {
          venue: 'binance-spot',
          symbol: 'BTCUSDT',
          rowsChecked: 19_904 + 3_144,
          gaps: 1,
          duplicates: 0,
          impossible: 0,
        },
        // Three sessions (two jumps) plus the id of the INSURANCE_FUND print, which is not stored.
        {
          venue: 'binance-usdm',
          symbol: 'BTCUSDT',
          rowsChecked: 12_934 + 10_701 + 21_313,
          gaps: 3,
          duplicates: 0,
          impossible: 0,
        },
        {
          venue: 'binance-usdm',
          symbol: 'ETHUSDT',
          rowsChecked: 13_655,
          gaps: 0,
          missing: 0,
          duplicates: 0,
          impossible: 0,
        },
      ],
    });
    expect(byId.get('validateKlines')?.inputs[2]).toEqual({
      venue: 'binance-spot',
      symbol: 'BTCUSDT',
      kind: 'klines',
      interval: '1h',
      failOnImpossible: true,
    });

    // One stored report per dataset, keyed `dq:<workflow id>.<step>.<item>`.
    const reports = await h.db.query<{ id: string }>(
      `SELECT id FROM data_quality_reports WHERE id LIKE $1 ORDER BY id`,
      [`dq:${workflowId}.%`],
    );
    expect(reports.rows.map((r) => r.id.slice(workflowId.length + 4))).toEqual([
      'validateKlines.0',
      'validateKlines.1',
      'validateKlines.2',
      'validateTrades.0',
      'validateTrades.1',
      'validateTrades.2',
    ]);

    // Ingestion is idempotent: a second run reads everything again and inserts nothing.
    const counts = [await countRows(h.db, 'ohlcv'), await countRows(h.db, 'trades')];
    const again = await h.client.workflow.execute(pipelineWorkflow, {
      args: [{ pipeline, params: { batchSize: 20_000 } }],
      taskQueue: h.taskQueue,
      workflowId: uniqueId('ingest-binance-again'),
    });
    const rerun = new Map(again.steps.map((s) => [s.id, s.outputs]));
    expect(rerun.get('ingestKlines')).toMatchObject({ rowsInserted: 0 });
    expect(rerun.get('ingestTrades')).toMatchObject({ rowsInserted: 0 });
    expect([await countRows(h.db, 'ohlcv'), await countRows(h.db, 'trades')]).toEqual(counts);
  });
});
