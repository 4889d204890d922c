/** Schema of a pipeline file (`pipelines/*.yaml`), apiVersion `mmflow/v1`, kind `Pipeline`. */
import { z } from 'zod';
import { stepTypes } from './steps.ts';

const identifier = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,62}$/, 'expected a lower-case identifier (a-z, 0-9, -), starting with a letter');

export const pipelineStepSchema = z.strictObject({
  id: identifier,
  uses: z.enum(stepTypes as [string, ...string[]], {
    error: (iss) => `unknown step type ${JSON.stringify(iss.input)}; known: ${stepTypes.join(', ')}`,
  }),
  needs: z.array(identifier).default([]),
  /** Validated against the schema of `uses` in a second pass (see load.ts). */
  with: z.record(z.string(), z.unknown()).default({}),
});

export const pipelineFileSchema = z.strictObject({
  apiVersion: z.literal('mmflow/v1'),
  kind: z.literal('Pipeline'),
  metadata: z.strictObject({
    name: identifier,
    description: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
  }),
  /** Each step is validated on its own (pipelineStepSchema) so that every step's errors are reported. */
  steps: z.array(z.unknown()).min(1),
});

export type PipelineFile = z.infer<typeof pipelineFileSchema>;
export type PipelineStep = z.infer<typeof pipelineStepSchema>;
