/**
 * `mmflow rollback --model NAME --by WHO --reason WHY [--slots a,b]`: starts `rollbackWorkflow` on
 * Temporal (TEMPORAL_ADDRESS; a worker on task queue `mmflow` runs it). The workflow pulls the
 * challenger's quotes first, then restores the previous champion on the affected slots (all slots of
 * the model, or those given) and records who and why (docs/adr/0016-promotion-lifecycle.md).
 * Prints `{"workflowId":…,"runId":…,"workflowType":"rollbackWorkflow"}` on stdout.
 * Also the start helper of `mmflow promote` (cli/promote.ts).
 */
import { z } from 'zod';
import { TASK_QUEUE } from '../app/paths.ts';
import { connectCliClient } from './temporal-client.ts';

const Who = z.string().trim().min(1, 'must not be empty').max(200);
const Why = z.string().trim().min(1, 'must not be empty').max(2_000);
const ModelName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" or "-"');
const SlotId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'letters, digits, . _ : -');

/** Options of `mmflow rollback` as commander gives them. */
export interface RollbackCommandOptions {
  readonly model: string;
  readonly by: string;
  readonly reason: string;
  /** Comma-separated slot ids; absent = every slot of the model. */
  readonly slots?: string | undefined;
  readonly taskQueue?: string | undefined;
}

const RollbackOptions = z.strictObject({
  model: ModelName,
  by: Who,
  reason: Why,
  slots: z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()))
    .pipe(z.array(SlotId).min(1))
    .optional(),
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
  const { model, by, reason, slots } = parsed;
  return startFromCli(env, {
    command: 'rollback',
    workflowType: 'rollbackWorkflow',
    workflowId: `rollback-${model}-${nowMs}`,
    input: { modelName: model, ...(slots === undefined ? {} : { slots }), by, reason },
    taskQueue: parsed.taskQueue ?? TASK_QUEUE,
    summary: `rollback of ${model}${slots === undefined ? '' : ` on ${slots.join(', ')}`} by ${by}: ${reason}`,
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
