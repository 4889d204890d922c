/**
 * `mmflow rollback --model NAME@N --by WHO --reason WHY [--challenger-slots a,b] [--champion-slots c]`:
 * starts `rollbackWorkflow` on Temporal (TEMPORAL_ADDRESS; a worker on task queue `mmflow` runs it).
 * The workflow pulls the quotes of version NAME@N first (the challenger, or a champion promoted by
 * mistake), then restores the champion — the previous one from the status history when NAME@N had been
 * promoted — on the affected slots (those given, else every slot of the model that quotes NAME@N and
 * every champion follower) and records who and why (docs/adr/0016-promotion-lifecycle.md).
 * Prints `{"workflowId":…,"runId":…,"workflowType":"rollbackWorkflow"}` on stdout.
 * Also the start helper of `mmflow promote` (cli/promote.ts).
 */
import { z } from 'zod';
import { TASK_QUEUE } from '../app/paths.ts';
import { connectCliClient } from './temporal-client.ts';

const Who = z.string().trim().min(1, 'must not be empty').max(200);
const Why = z.string().trim().min(1, 'must not be empty').max(2_000);
const VersionId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*@[1-9][0-9]*$/, 'a version id NAME@N (see mmflow models list)');
const SlotId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'letters, digits, . _ : -');

/** Options of `mmflow rollback` as commander gives them. */
export interface RollbackCommandOptions {
  readonly model: string;
  readonly by: string;
  readonly reason: string;
  /** Comma-separated ids of slots quoting the version; absent (with no champion slots) = found by the workflow. */
  readonly challengerSlots?: string | undefined;
  /** Comma-separated ids of slots to put back on the champion at full capital. */
  readonly championSlots?: string | undefined;
  readonly taskQueue?: string | undefined;
}

const SlotList = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()))
  .pipe(z.array(SlotId).min(1))
  .optional();

const RollbackOptions = z.strictObject({
  model: VersionId,
  by: Who,
  reason: Why,
  challengerSlots: SlotList,
  championSlots: SlotList,
  taskQueue: z.string().min(1).optional(),
});

/**
 * Starts the rollback.
 * @param nowMs the epoch ms in the workflow id `rollback-<model>-<ms>`
 * @returns the exit code: 0 started, 2 invalid options (each printed on stderr as `--field: problem`)
 * @throws Error when Temporal cannot be reached (printed by cli/main.ts)
 */
export async function runRollbackCommand(
  opts: RollbackCommandOptions,
  env: NodeJS.ProcessEnv = process.env,
  nowMs: number = Date.now(),
): Promise<number> {
  const parsed = parseOptions(RollbackOptions, opts, 'rollback');
  if (parsed === undefined) return 2;
  const { model, by, reason, challengerSlots, championSlots } = parsed;
  const slots = [...(challengerSlots ?? []), ...(championSlots ?? [])];
  return startFromCli(env, {
    command: 'rollback',
    workflowType: 'rollbackWorkflow',
    workflowId: `rollback-${model}-${nowMs}`,
    input: {
      challenger: model,
      ...(challengerSlots === undefined ? {} : { challengerSlots }),
      ...(championSlots === undefined ? {} : { championSlots }),
      by,
      reason,
    },
    taskQueue: parsed.taskQueue ?? TASK_QUEUE,
    summary: `rollback of ${model}${slots.length === 0 ? '' : ` on ${slots.join(', ')}`} by ${by}: ${reason}`,
  });
}

/**
 * `schema.parse(opts)`, printing each problem as `mmflow <command>: --<field>: <problem>`.
 * @returns the options, or undefined when invalid
 */
export function parseOptions<S extends z.ZodType>(
  schema: S,
  opts: unknown,
  command: string,
): z.output<S> | undefined {
  const parsed = schema.safeParse(stripUndefined(opts));
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    const [option, ...rest] = issue.path.map(String);
    const field = option === undefined ? '' : `--${kebab(option)}${rest.map((p) => `[${p}]`).join('')}: `;
    process.stderr.write(`mmflow ${command}: ${field}${issue.message}\n`);
  }
  return undefined;
}

/** `taskQueue` → `task-queue`, as the option is spelled. */
function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function stripUndefined(opts: unknown): unknown {
  if (opts === null || typeof opts !== 'object') return opts;
  return Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
}

/** What {@link startFromCli} starts. */
export interface CliWorkflowStart {
  readonly command: string;
  readonly workflowType: string;
  readonly workflowId: string;
  readonly input: Record<string, unknown>;
  readonly taskQueue: string;
  readonly summary: string;
}

/**
 * Starts a workflow and prints `{"workflowId","runId","workflowType"}` on stdout.
 * @returns 0
 */
export async function startFromCli(env: NodeJS.ProcessEnv, start: CliWorkflowStart): Promise<number> {
  const { client, close } = await connectCliClient(env);
  try {
    const handle = await client.workflow.start(start.workflowType, {
      args: [start.input],
      taskQueue: start.taskQueue,
      workflowId: start.workflowId,
      staticSummary: start.summary.slice(0, 400),
    });
    process.stderr.write(`mmflow ${start.command}: started ${start.workflowId}\n`);
    process.stdout.write(
      `${JSON.stringify({ workflowId: handle.workflowId, runId: handle.firstExecutionRunId, workflowType: start.workflowType })}\n`,
    );
    return 0;
  } finally {
    await close();
  }
}
