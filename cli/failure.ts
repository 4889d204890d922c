/**
 * Readable CLI errors. A failed workflow arrives as Temporal's `WorkflowFailedError` whose `cause`
 * chain is pipeline failure → child workflow → activity → application failure; this prints that chain
 * as one block (one line per link), with the failing step's input and the `mmflow audit` hint, instead
 * of Node's uncaught-error dump. Stack traces only with `--verbose`.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  ChildWorkflowFailure,
  TemporalFailure,
  WorkflowFailedError,
  type Client,
} from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';

/** `type` of the ApplicationFailure a pipeline throws when a step fails (workflows/pipeline/scheduler.ts STEP_FAILED). */
const STEP_FAILED = 'PipelineStepFailed';

/** Longest step input printed, in characters (the rest is in `mmflow audit`). */
const MAX_INPUT_CHARS = 600;

/** One link of a failure chain, outermost first. */
export interface FailureLink {
  /** What failed: `workflow`, `step`, `child workflow`, `activity`, `cause`. */
  readonly what: string;
  /** One line: id, type and message. */
  readonly text: string;
}

/** The `cause` chain of `err`, outermost first (bounded against cycles). */
function chainOf(err: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e: unknown = err; e !== undefined && e !== null && chain.length < 16;) {
    chain.push(e);
    e = e instanceof Error ? e.cause : undefined;
  }
  return chain;
}

const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, ' ').trim();

/** The links of a workflow failure's chain. */
export function failureLinks(err: unknown, workflowId?: string): FailureLink[] {
  const links: FailureLink[] = [];
  for (const e of chainOf(err)) {
    if (e instanceof WorkflowFailedError) {
      links.push({ what: 'workflow', text: `${workflowId ?? ''} failed`.trim() });
    } else if (e instanceof ApplicationFailure && e.type === STEP_FAILED) {
      const stepId = e.details?.[0];
      links.push({ what: 'step', text: typeof stepId === 'string' ? `"${stepId}"` : oneLine(e.message) });
    } else if (e instanceof ChildWorkflowFailure) {
      links.push({
        what: 'child workflow',
        text: `${e.execution.workflowId} (${e.workflowType})`,
      });
    } else if (e instanceof ActivityFailure) {
      links.push({ what: 'activity', text: `${e.activityType} (activity id ${e.activityId})` });
    } else if (e instanceof ApplicationFailure) {
      const type = e.type === undefined || e.type === null ? '' : `${e.type}: `;
      const retry = e.nonRetryable ? ' (not retryable)' : '';
      links.push({ what: 'cause', text: `${type}${oneLine(e.message)}${retry}` });
    } else if (e instanceof TemporalFailure) {
      links.push({ what: 'cause', text: `${e.name}: ${oneLine(e.message)}` });
    } else if (e instanceof Error) {
      links.push({ what: 'cause', text: `${e.name}: ${oneLine(e.message)}` });
    } else {
      links.push({ what: 'cause', text: String(e) });
    }
  }
  return links;
}

/** The JSON value of the first payload of `payloads`, or undefined. */
function decode(payloads: temporal.api.common.v1.IPayloads | null | undefined): unknown {
  const first = payloads?.payloads?.[0];
  if (first === undefined) return undefined;
  try {
    return defaultPayloadConverter.fromPayload(first);
  } catch {
    return undefined;
  }
}

/**
 * The input of the failing step, from history: the deepest child workflow's start input, or, for a
 * step that is an activity of the pipeline itself, the activity's scheduled input.
 */
async function failingStepInput(client: Client, workflowId: string, err: unknown): Promise<unknown> {
  const chain = chainOf(err);
  const child = chain.find((e): e is ChildWorkflowFailure => e instanceof ChildWorkflowFailure);
  const childId = child?.execution.workflowId;
  if (typeof childId === 'string') {
    const history = await client.workflow.getHandle(childId).fetchHistory();
    return decode(history.events?.[0]?.workflowExecutionStartedEventAttributes?.input);
  }
  const activity = chain.find((e): e is ActivityFailure => e instanceof ActivityFailure);
  if (activity === undefined) return undefined;
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = history.events?.find(
    (ev) => ev.activityTaskScheduledEventAttributes?.activityId === activity.activityId,
  );
  return decode(scheduled?.activityTaskScheduledEventAttributes?.input);
}

/**
 * The block printed when a workflow started by the CLI failed: the chain, the failing step's input,
 * the audit hint; with `verbose`, the stack of every link.
 */
export async function describeWorkflowFailure(
  client: Client,
  workflowId: string,
  err: unknown,
  verbose: boolean,
): Promise<string> {
  const links = failureLinks(err, workflowId);
  const width = Math.max(...links.map((l) => l.what.length), 'input'.length);
  const lines = links.map((l) => `  ${l.what.padEnd(width)}  ${l.text}`);
  let input: unknown;
  try {
    input = await failingStepInput(client, workflowId, err);
  } catch {
    input = undefined; // history unavailable: the chain alone still says what failed
  }
  if (input !== undefined) {
    const json = JSON.stringify(input);
    const shown = json.length > MAX_INPUT_CHARS ? `${json.slice(0, MAX_INPUT_CHARS)}…` : json;
    lines.push(`  ${'input'.padEnd(width)}  ${shown}`);
  }
  const out = [`workflow ${workflowId} failed:`, ...lines, `details: mmflow audit ${workflowId}`];
  if (verbose) out.push(...stacks(err));
  return `${out.join('\n')}\n`;
}

function stacks(err: unknown): string[] {
  return chainOf(err).flatMap((e) => (e instanceof Error && e.stack !== undefined ? [e.stack] : []));
}

/**
 * Any other error of a command, as `mmflow <command>: <message>` (with its cause chain on the same
 * block), plus stacks with `verbose`.
 */
export function describeCliError(command: string, err: unknown, verbose: boolean): string {
  const head = err instanceof Error ? oneLine(err.message) : String(err);
  const causes = chainOf(err)
    .slice(1)
    .filter((e) => !(e instanceof Error && head.includes(oneLine(e.message))));
  const lines = [
    `mmflow${command === '' ? '' : ` ${command}`}: ${head}`,
    ...failureLinks(causes[0]).map((l) => `  caused by ${l.text}`),
  ];
  if (causes.length === 0) lines.length = 1;
  if (verbose) lines.push(...stacks(err));
  else lines.push('(run with --verbose for the stack trace)');
  return `${lines.join('\n')}\n`;
}
