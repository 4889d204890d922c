/**
 * `mmflow study show <id> [--json] [--plot FILE] [--follow]`: a parameter study from PostgreSQL
 * (DATABASE_URL, else the embedded database): its trials table, the best trial's in-sample and
 * out-of-sample figures, parameter importances; `--plot` writes a self-contained HTML page
 * (optimisation history + importances, inline SVG); `--follow` first shows a progress bar (stderr)
 * fed by the workflow's `studyStatus` query until the study ends.
 */
import { SingleBar } from 'cli-progress';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { getStudy, listStudyTrials, type Study } from '../db/repositories/studies.ts';
import { studyStatusQuery, type StudyStatus } from '../workflows/study/definitions.ts';
import { openCliDatabase } from './cli-database.ts';
import { renderStudyHtml } from './study-plot.ts';
import { buildStudyReport, fmt, renderStudyText } from './study-render.ts';
import { connectCliClient } from './temporal-client.ts';

export interface StudyShowOptions {
  readonly json?: boolean;
  readonly plot?: string;
  readonly follow?: boolean;
  /** Poll interval of `--follow`, ms (default 500). */
  readonly pollMs?: number;
}

/** Shows a progress bar until the study's workflow is no longer running. */
async function follow(study: Study, pollMs: number): Promise<void> {
  const { client, close } = await connectCliClient();
  const handle = client.workflow.getHandle(study.workflowId);
  const bar = new SingleBar({
    format: 'study {name} |{bar}| {value}/{total} trials · {phase} · best {best} · {elapsed}s',
    stream: process.stderr,
    hideCursor: true,
  });
  let started = false;
  try {
    for (;;) {
      const description = await handle.describe();
      if (description.status.name !== 'RUNNING' && description.status.name !== 'CONTINUED_AS_NEW') break;
      let status: StudyStatus | undefined;
      try {
        status = await handle.query(studyStatusQuery);
      } catch {
        status = undefined; // between runs (Continue-As-New) or no worker yet: poll again
      }
      if (status !== undefined) {
        const payload = {
          name: status.name,
          phase: status.phase,
          best: status.best === null ? '–' : `#${status.best.number} ${fmt(status.best.value)}`,
          elapsed: (status.elapsedMs / 1000).toFixed(0),
        };
        if (!started) {
          bar.start(status.nTrials, status.done, payload);
          started = true;
        } else bar.update(status.done, payload);
      }
      await new Promise((done) => setTimeout(done, pollMs));
    }
  } finally {
    if (started) bar.stop();
    await close();
  }
}

/**
 * @returns the exit code: 0; 1 for an unknown study id or a failure (one line on stderr).
 */
export async function runStudyShowCommand(id: string, opts: StudyShowOptions = {}): Promise<number> {
  let db: Awaited<ReturnType<typeof openCliDatabase>> | undefined;
  try {
    db = await openCliDatabase();
    let study = await getStudy(db.pool, id);
    if (study === undefined) {
      process.stderr.write(`mmflow study show: no study "${id}" in the database\n`);
      return 1;
    }
    if (opts.follow === true) {
      await follow(study, opts.pollMs ?? 500);
      study = (await getStudy(db.pool, id)) ?? study;
    }
    const report = buildStudyReport(study, await listStudyTrials(db.pool, id));
    if (opts.plot !== undefined) {
      const file = resolve(opts.plot);
      const html = await renderStudyHtml({
        studyId: report.study.id,
        name: report.study.name,
        summary:
          `${report.trials.length}/${report.study.nTrials} trials, objective ${report.study.metric} (${report.study.direction})` +
          (report.best === null ? '' : `, best #${report.best.number} = ${fmt(report.best.value)}`),
        metric: report.study.metric,
        direction: report.study.direction,
        trials: report.trials,
        importances: report.importances,
      });
      await writeFile(file, html, 'utf8');
      process.stderr.write(`plot written to ${file}\n`);
    }
    process.stdout.write(`${opts.json === true ? JSON.stringify(report) : renderStudyText(report)}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`mmflow study show: ${id}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await db?.close();
  }
}
