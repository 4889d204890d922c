/**
 * `mmflow promote --model NAME@N --by WHO --reason WHY`: starts `promoteWorkflow` on Temporal with the
 * approval already given (the operator running the command is the approver): the challenger becomes
 * champion, the old champion is retired, the slots following the alias swap, each change recorded
 * with who and why (docs/adr/0016-promotion-lifecycle.md).
 * Prints `{"workflowId":…,"runId":…,"workflowType":"promoteWorkflow"}` on stdout.
 */
import { z } from 'zod';
import { TASK_QUEUE } from '../app/paths.ts';
import { parseOptions, startFromCli } from './rollback.ts';

/** Options of `mmflow promote` as commander gives them. */
export interface PromoteCommandOptions {
  /** The version to promote, `<name>@<n>`. */
  readonly model: string;
  readonly by: string;
  readonly reason: string;
  readonly taskQueue?: string | undefined;
}

const PromoteOptions = z.strictObject({
  model: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*@[1-9][0-9]*$/, 'a version id NAME@N, e.g. as-v1@3'),
  by: z.string().trim().min(1, 'must not be empty').max(200),
  reason: z.string().trim().min(1, 'must not be empty').max(2_000),
  taskQueue: z.string().min(1).optional(),
});

/**
 * Starts the promotion; workflow id `promote-<NAME@N>-<epoch ms>`.
 * @returns the exit code: 0 started, 2 invalid options
 * @throws Error when Temporal cannot be reached (printed by cli/main.ts)
 */
export async function runPromoteCommand(
  opts: PromoteCommandOptions,
  env: NodeJS.ProcessEnv = process.env,
  nowMs: number = Date.now(),
): Promise<number> {
  const parsed = parseOptions(PromoteOptions, opts, 'promote');
  if (parsed === undefined) return 2;
  const { model, by, reason } = parsed;
  return startFromCli(env, {
    command: 'promote',
    workflowType: 'promoteWorkflow',
    workflowId: `promote-${model}-${nowMs}`,
    input: { challenger: model, by, reason, approval: 'given' },
    taskQueue: parsed.taskQueue ?? TASK_QUEUE,
    summary: `promote ${model} by ${by}: ${reason}`,
  });
}
