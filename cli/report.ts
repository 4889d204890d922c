/**
 * `mmflow report [RUN_ID] | --depth FILE --trades FILE [--model VERSION] [--fee-tier NAME]`: re-runs one
 * backtest with its fills kept, writes one self-contained HTML report (equity, inventory, mark-out
 * curve, PnL attribution waterfall, fills on the price: inline SVG, app/report/) and prints the KPIs
 * as a table, then one JSON line. For a stored run, the re-run's net PnL is checked against the stored
 * figure (to {@link NET_PNL_TOLERANCE_QUOTE}); a difference is a warning (stderr and the page), not a
 * failure: the page shows the re-run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Table from 'cli-table3';
import { isRetryable, PermanentError } from '../core/errors.ts';
import { backtestRecordedSession, type RecordedBacktestReport } from '../activities/recorded-backtest.ts';
import { dataDir, stateDir } from '../app/paths.ts';
import { reportHtml } from '../app/report/html.ts';
import { kpiRows } from '../app/report/kpi-rows.ts';
import { renderReportCharts } from '../app/report/svg.ts';
import { headlineKpis } from '../workflows/types.ts';
import { openCliDatabase } from './cli-database.ts';
import { jobFromFiles, jobFromRun, type ReportJob } from './report-source.ts';

/** Largest |re-run − stored| net PnL taken as equal, quote currency (the row keeps 8 decimals). */
export const NET_PNL_TOLERANCE_QUOTE = 1e-6;

export interface ReportCommandOptions {
  readonly runId?: string;
  readonly depth?: string;
  readonly trades?: string;
  readonly model?: string;
  readonly feeTier?: string;
  /** HTML file to write; default `<stateDir>/reports/<session>-<model>.html`. */
  readonly out?: string;
  readonly entryLatencyMs: number;
  readonly cancelLatencyMs: number;
}

/** `<stateDir>/reports/<session>-<model>.html`, the name reduced to letters, digits and `._@-`. */
export function defaultReportPath(
  session: string,
  model: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const slug = model === 'built-in default' ? 'default' : model === 'ad hoc' ? 'adhoc' : model;
  return join(stateDir(env), 'reports', `${session}-${slug}.html`.replace(/[^A-Za-z0-9._@-]/g, '_'));
}

async function resolveJob(opts: ReportCommandOptions): Promise<ReportJob> {
  const files = opts.depth !== undefined || opts.trades !== undefined;
  if (opts.runId !== undefined) {
    if (files || opts.model !== undefined || opts.feeTier !== undefined)
      throw new PermanentError(
        'BAD_ARGUMENTS',
        'give a run id, or --depth and --trades (with --model, --fee-tier), not both',
      );
    const db = await openCliDatabase();
    try {
      return await jobFromRun(db.pool, opts.runId, dataDir());
    } finally {
      await db.close();
    }
  }
  if (opts.depth === undefined || opts.trades === undefined)
    throw new PermanentError('BAD_ARGUMENTS', 'give a run id, or both --depth FILE and --trades FILE');
  return jobFromFiles({ ...opts, depth: opts.depth, trades: opts.trades }, openCliDatabase);
}

/** Whether a re-run's net PnL equals the stored figure (NUMERIC text), to {@link NET_PNL_TOLERANCE_QUOTE}. */
export function netPnlMatches(storedQuote: string, recomputedQuote: number): boolean {
  return Math.abs(recomputedQuote - Number(storedQuote)) <= NET_PNL_TOLERANCE_QUOTE;
}

/** The stored run's figures against the re-run's: warnings naming both figures when they differ. */
export function storedRunWarnings(job: ReportJob, report: RecordedBacktestReport): string[] {
  const s = job.stored;
  if (s === undefined) return [];
  const warnings: string[] = [];
  const net = report.kpis.netPnlQuote;
  if (!netPnlMatches(s.netPnlQuote, net))
    warnings.push(
      `recomputed net PnL ${net.toFixed(8)} differs from the stored ${s.netPnlQuote} of run ${s.runId} ` +
        `(by ${(net - Number(s.netPnlQuote)).toFixed(8)} quote); the report shows the recomputed run`,
    );
  if (report.execution.makerFeeBps !== s.makerFeeBps)
    warnings.push(
      `maker fee ${report.execution.makerFeeBps} bps in the re-run, ${s.makerFeeBps} bps when run ${s.runId} was stored (config/instruments.json changed)`,
    );
  return warnings;
}

const utc = (us: number | null): string => (us === null ? 'n/a' : new Date(us / 1000).toISOString());

/** The page's label/value lines about the run. */
function facts(job: ReportJob, report: RecordedBacktestReport): [string, string][] {
  const s = report.session;
  const x = report.execution;
  const lines: [string, string][] = [
    ['session', s.id],
    ['venue / symbol / market', `${s.venue} / ${s.symbol} / ${s.market}`],
    ['model', job.model],
    ['fee tier', `${report.feeTier} (maker ${x.makerFeeBps} bps)`],
    ['latency (entry / cancel)', `${x.entryLatencyUs / 1000} ms / ${x.cancelLatencyUs / 1000} ms`],
    ['replayed', `${utc(s.firstEventUs)} → ${utc(s.lastEventUs)} (${s.durationSec.toFixed(0)} s)`],
  ];
  const stored = job.stored;
  if (stored === undefined) {
    lines.push(['source', `files ${job.session.depthPath}, ${job.session.tradesPath ?? ''}`]);
  } else {
    const finished = new Date(stored.finishedAtMs).toISOString();
    lines.push(['source', `stored run ${stored.runId} (finished ${finished}), re-run`]);
    lines.push(['net PnL stored / re-run', `${stored.netPnlQuote} / ${report.kpis.netPnlQuote.toFixed(8)}`]);
  }
  return lines;
}

/** @returns the process exit code (0 ok, 1 failure with a one-line error on stderr). */
export async function runReportCommand(opts: ReportCommandOptions): Promise<number> {
  try {
    const job = await resolveJob(opts);
    const report = await backtestRecordedSession({
      session: job.session,
      params: job.params,
      entryLatencyUs: job.entryLatencyUs,
      cancelLatencyUs: job.cancelLatencyUs,
      recordFills: true,
      ...(job.feeTier === undefined ? {} : { feeTier: job.feeTier }),
    });
    const warnings = storedRunWarnings(job, report);
    for (const w of warnings) process.stderr.write(`mmflow report: warning: ${w}\n`);
    const rows = kpiRows(report.kpis);
    const out = resolve(opts.out ?? defaultReportPath(job.session.prefix, job.model));
    const html = reportHtml({
      title: `${job.session.prefix} — ${job.model}`,
      facts: facts(job, report),
      kpis: rows,
      warnings,
      charts: await renderReportCharts(report.analysis),
      generatedAt: new Date().toISOString(),
    });
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, html);
    // No colour codes: the table is read in pipes and logs as often as in a terminal.
    const table = new Table({ head: ['KPI', 'value'], style: { head: [], border: [] } });
    table.push(...rows);
    process.stdout.write(`${table.toString()}\nreport written to ${out}\n`);
    process.stdout.write(
      `${JSON.stringify({
        session: job.session.prefix,
        model: job.model,
        feeTier: report.feeTier,
        ...(job.stored === undefined
          ? {}
          : {
              runId: job.stored.runId,
              storedNetPnlQuote: job.stored.netPnlQuote,
              netPnlMatches: netPnlMatches(job.stored.netPnlQuote, report.kpis.netPnlQuote),
            }),
        out,
        ...headlineKpis(report.kpis),
      })}\n`,
    );
    return 0;
  } catch (err) {
    process.stderr.write(
      `mmflow report: ${err instanceof Error ? err.message : String(err)}${isRetryable(err) ? ' (transient: retry)' : ''}\n`,
    );
    return 1;
  }
}
