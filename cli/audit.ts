/**
 * `mmflow audit <workflowId> [--format table|json|markdown]`: the decision trail from workflow history,
 * then, while the run is live, its activities in flight (its own and its child workflows'): attempt,
 * last heartbeat and last failure, from `describe()` (the workflow's `status` query cannot see them).
 */
import Table from 'cli-table3';
import { readAuditTrail, type AuditEntry } from '../app/audit.ts';
import { renderRunningActivities, runningActivities } from './pipeline-ops.ts';
import { connectCliClient } from './temporal-client.ts';

export type AuditFormat = 'table' | 'json' | 'markdown';

function brief(data: unknown, max = 160): string {
  if (data === undefined) return '';
  const text = JSON.stringify(data) ?? '';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Renders entries in the chosen format (pure; exported for tests). */
export function renderAudit(entries: readonly AuditEntry[], format: AuditFormat): string {
  if (format === 'json') return JSON.stringify(entries, null, 2);
  const rows = entries.map((e) => [
    new Date(e.timeMs).toISOString(),
    e.workflowId,
    e.event,
    e.name,
    e.actor ?? '',
    e.reason ?? '',
    brief(e.data),
  ]);
  const head = ['time (UTC)', 'workflow', 'event', 'name', 'who', 'why', 'input / result'];
  if (format === 'markdown') {
    const escape = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
    return [
      `| ${head.join(' | ')} |`,
      `| ${head.map(() => '---').join(' | ')} |`,
      ...rows.map((r) => `| ${r.map(escape).join(' | ')} |`),
    ].join('\n');
  }
  const table = new Table({ head, wordWrap: true, colWidths: [26, 34, 20, 28, 14, 20, 60] });
  table.push(...rows);
  return table.toString();
}

/** @returns the process exit code (1 when the workflow cannot be read). */
export async function runAuditCommand(workflowId: string, format: AuditFormat): Promise<number> {
  const { client, close } = await connectCliClient();
  try {
    const entries = await readAuditTrail(client, workflowId);
    process.stdout.write(`${renderAudit(entries, format)}\n`);
    if (format === 'json') return 0; // the trail array only, as before (scripts parse it)
    const activities = await runningActivities(client, workflowId);
    if (activities.length > 0)
      process.stdout.write(`\nactivities in flight:\n${renderRunningActivities(activities, Date.now())}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`mmflow audit: ${workflowId}: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await close();
  }
}
