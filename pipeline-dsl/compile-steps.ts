/**
 * Compiles `steps:`: each step's own fields, the `needs` graph (unknown, self and cyclic needs,
 * duplicate ids), then the expressions and `with` of every step against that graph, into plan steps
 * in a topological order. Every problem goes to the IssueCollector; nothing is thrown.
 */
import { z } from 'zod';
import { StepExpressionChecker, type StepGraph } from './check-expressions.ts';
import { checkWith, type TemplatedValue } from './check-with.ts';
import { durationField, parseDuration } from './duration.ts';
import type { IssueCollector } from './issues.ts';
import { topologicalOrder } from './plan.ts';
import type { Json, ParamSpec, PlanStep, RetrySpec } from './plan-types.ts';
import { isStepType, stepTypes, stepTypeSpecs, type StepType } from './steps.ts';
import { isJson, isJsonObject, nonJsonPath } from './expr/json.ts';
import { describeType } from './expr/types.ts';

const stepId = z
  .string()
  .regex(
    /^[a-z][a-zA-Z0-9_]{0,62}$/,
    'expected a step id: a lower-case letter, then letters, digits or _ (usable as steps.<id> in expressions)',
  );

const retrySchema = z
  .strictObject({
    /** Total attempts including the first (1 = no retry). */
    maximumAttempts: z.int().min(1).max(1_000),
    initialInterval: durationField({ minMs: 1, minReason: 'must be at least 1 ms' }),
    backoffCoefficient: z.number().min(1).max(100).default(2),
    maximumInterval: durationField({ minMs: 1, minReason: 'must be at least 1 ms' }),
  })
  .transform((r, ctx): RetrySpec => {
    const initialIntervalMs = r.initialInterval ?? 1_000;
    const maximumIntervalMs = r.maximumInterval ?? 100 * initialIntervalMs; // Temporal's default
    if (maximumIntervalMs < initialIntervalMs)
      ctx.addIssue({
        code: 'custom',
        path: ['maximumInterval'],
        message: 'maximumInterval must not be shorter than initialInterval',
      });
    return {
      maximumAttempts: r.maximumAttempts,
      initialIntervalMs,
      backoffCoefficient: r.backoffCoefficient,
      maximumIntervalMs,
    };
  });

const stepSchema = z.strictObject({
  id: stepId,
  uses: z.string().superRefine((uses, ctx) => {
    if (!isStepType(uses))
      ctx.addIssue({
        code: 'custom',
        message: `unknown step type "${uses}"; known: ${stepTypes.join(', ')}`,
      });
  }),
  needs: z
    .union([z.string(), z.array(z.string())], { error: 'expected a step id or a list of step ids' })
    .default([]),
  with: z.record(z.string(), z.unknown(), { error: 'expected a mapping of input fields' }).default({}),
  when: z
    .union([z.string(), z.boolean()], { error: 'expected a condition: an expression or true/false' })
    .optional(),
  forEach: z.unknown().optional(),
  retry: retrySchema.optional(),
  timeout: durationField({ minMs: 1_000, minReason: 'a step timeout must be at least 1s' }),
  /** Heartbeat timeout of an activity step (default per step type: steps.ts stepActivityDefaults). */
  heartbeatTimeout: durationField({
    minMs: 1_000,
    minReason: 'a heartbeat timeout must be at least 1s (activities heartbeat every few seconds)',
  }),
});

interface Draft {
  readonly index: number;
  readonly id: string;
  readonly uses: StepType;
  readonly needs: readonly string[];
  readonly raw: z.infer<typeof stepSchema>;
}

/** Compiles the steps; returns them in topological order (meaningful only when no issue was added). */
export function compileSteps(
  rawSteps: readonly unknown[],
  params: { readonly [name: string]: ParamSpec },
  issues: IssueCollector,
): PlanStep[] {
  const drafts: Draft[] = [];
  rawSteps.forEach((raw, index) => {
    const parsed = stepSchema.safeParse(raw);
    if (!parsed.success) return issues.zod(parsed.error, ['steps', index]);
    const { id, uses } = parsed.data;
    if (!isStepType(uses)) return;
    const needs = typeof parsed.data.needs === 'string' ? [parsed.data.needs] : parsed.data.needs;
    drafts.push({ index, id, uses, needs, raw: parsed.data });
  });
  const allIds = new Set(rawSteps.map(stepIdOf).filter((id): id is string => id !== undefined));
  const byId = new Map<string, Draft>();
  for (const d of drafts) {
    const first = byId.get(d.id);
    if (first !== undefined)
      issues.at(
        ['steps', d.index, 'id'],
        `duplicate step id "${d.id}" (first declared at steps[${first.index}])`,
      );
    else byId.set(d.id, d);
    d.needs.forEach((need, j) => {
      const at =
        typeof d.raw.needs === 'string' ? ['steps', d.index, 'needs'] : ['steps', d.index, 'needs', j];
      if (need === d.id) issues.at(at, `step "${d.id}" cannot need itself`);
      else if (!allIds.has(need))
        issues.at(at, `unknown step "${need}"${allIds.size > 1 ? `; steps: ${[...allIds].join(', ')}` : ''}`);
    });
  }
  const edges = [...byId.values()].map((d) => ({
    id: d.id,
    needs: d.needs.filter((n) => n !== d.id && byId.has(n)),
  }));
  const { order, cycle } = topologicalOrder(edges);
  if (cycle.length > 0) {
    const first = byId.get(cycle[0] ?? '');
    issues.at(
      ['steps', first?.index ?? 0, 'needs'],
      `cycle in needs between steps ${cycle.map((c) => `"${c}"`).join(', ')}`,
    );
  }
  const graph = stepGraph(params, allIds, byId);
  const compiled = new Map<string, PlanStep>();
  for (const d of byId.values()) {
    const step = compileStep(d, graph, issues);
    if (step !== undefined) compiled.set(d.id, step);
  }
  return order.map((id) => compiled.get(id)).filter((s): s is PlanStep => s !== undefined);
}

function compileStep(d: Draft, graph: StepGraph, issues: IssueCollector): PlanStep | undefined {
  const spec = stepTypeSpecs[d.uses];
  const at = (field: string) => ['steps', d.index, field];
  const before = issues.issues.length;
  const control = spec.kind === 'wait' || spec.kind === 'approve';
  if (control && d.raw.retry !== undefined)
    issues.at(at('retry'), `retry does not apply to ${d.uses} steps`, { atKey: true });
  if (control && d.raw.timeout !== undefined)
    issues.at(
      at('timeout'),
      `timeout does not apply to ${d.uses} steps${d.uses === 'approve' ? '; set with.timeout (the deadline)' : ''}`,
      { atKey: true },
    );
  if (spec.kind !== 'activity' && d.raw.heartbeatTimeout !== undefined)
    issues.at(
      at('heartbeatTimeout'),
      `heartbeatTimeout applies to activity steps only; ${d.uses} is a ${spec.kind} step` +
        (spec.kind === 'workflow' ? ' (its activities set their own heartbeat timeouts)' : ''),
      { atKey: true },
    );
  if (
    d.raw.heartbeatTimeout !== undefined &&
    d.raw.timeout !== undefined &&
    d.raw.heartbeatTimeout >= d.raw.timeout
  )
    issues.at(at('heartbeatTimeout'), 'heartbeatTimeout must be shorter than the step timeout', {
      atKey: true,
    });
  if (d.uses === 'approve' && d.raw.forEach !== undefined)
    issues.at(at('forEach'), 'forEach does not apply to approve steps (one gate per step)', { atKey: true });

  const checker = new StepExpressionChecker(graph, d.id, issues, d.raw.forEach !== undefined);
  let forEach: string | undefined;
  if (d.raw.forEach !== undefined) {
    if (typeof d.raw.forEach !== 'string')
      issues.at(
        at('forEach'),
        'forEach must be an expression yielding an array, e.g. ${{ params.sessions }}',
      );
    else {
      const result = checker.condition(at('forEach'), d.raw.forEach, 'forEach');
      forEach = result?.source;
      if (result !== undefined)
        checker.itemType = result.type.kind === 'array' ? result.type.element : result.type;
    }
  }
  let when: string | undefined;
  if (typeof d.raw.when === 'boolean') when = String(d.raw.when);
  else if (d.raw.when !== undefined) when = checker.condition(at('when'), d.raw.when, 'when')?.source;

  const rawWith = jsonObject(d.raw.with, at('with'), issues);
  if (rawWith === undefined) return undefined;
  const templated = checkWith(rawWith, spec.source, at('with'), checker, issues);
  const planWith = planInput(d.uses, rawWith, templated, at('with'), issues);
  if (issues.issues.length > before || planWith === undefined) return undefined;
  return {
    id: d.id,
    uses: d.uses,
    kind: spec.kind,
    needs: d.needs,
    ...(when !== undefined && { when }),
    ...(forEach !== undefined && { forEach }),
    with: planWith,
    ...(d.raw.retry !== undefined && { retry: d.raw.retry }),
    ...(d.raw.timeout !== undefined && { timeoutMs: d.raw.timeout }),
    ...(d.raw.heartbeatTimeout !== undefined && { heartbeatTimeoutMs: d.raw.heartbeatTimeout }),
  };
}

/** The plan's `with`: as written, except control steps whose durations become ms. */
function planInput(
  uses: StepType,
  raw: { readonly [key: string]: Json },
  templated: readonly TemplatedValue[],
  at: readonly (string | number)[],
  issues: IssueCollector,
): Json | undefined {
  const duration = (field: string): Json | undefined => {
    const value = raw[field];
    const t = templated.find((v) => v.path.length === 1 && v.path[0] === field);
    if (t === undefined) {
      const parsed = parseDuration(value);
      return parsed.ok ? parsed.ms : undefined; // an invalid literal was reported by the schema
    }
    if (t.checked === undefined) return undefined;
    if (!t.checked.whole || (t.checked.type.kind !== 'number' && t.checked.type.kind !== 'unknown')) {
      issues.at(
        [...at, field],
        `a templated ${field} must be one \${{ }} expression yielding ms, got ${t.checked.whole ? describeType(t.checked.type) : 'an interpolated string'}`,
      );
      return undefined;
    }
    return t.text;
  };
  switch (uses) {
    case 'wait': {
      const durationMs = duration('duration');
      return durationMs === undefined ? undefined : { durationMs };
    }
    case 'approve': {
      const timeoutMs = duration('timeout');
      const { message, onTimeout, approvers } = raw;
      if (timeoutMs === undefined || message === undefined) return undefined;
      return {
        message,
        timeoutMs,
        onTimeout: onTimeout ?? 'fail',
        ...(approvers !== undefined && { approvers }),
      };
    }
    case 'ingest':
    case 'backtest':
    case 'validate-market-data':
    case 'data-quality-gate':
    case 'calibrate':
    case 'study':
    case 'train-alpha':
    case 'evaluate-model':
    case 'register-model':
    case 'holdout-gate':
    case 'ab-test':
    case 'canary':
    case 'rollback':
    case 'promote':
      return raw;
  }
}

function stepGraph(
  params: { readonly [name: string]: ParamSpec },
  allIds: ReadonlySet<string>,
  byId: ReadonlyMap<string, Draft>,
): StepGraph {
  const memo = new Map<string, Set<string>>();
  const ancestorsOf = (id: string): ReadonlySet<string> => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    const seen = new Set<string>();
    const stack = [...(byId.get(id)?.needs ?? [])];
    while (stack.length > 0) {
      const next = stack.pop();
      if (next === undefined || seen.has(next)) continue;
      seen.add(next);
      stack.push(...(byId.get(next)?.needs ?? []));
    }
    memo.set(id, seen);
    return seen;
  };
  return {
    params,
    allIds,
    ancestorsOf,
    stepInfo: (id) => {
      const d = byId.get(id);
      return d === undefined
        ? undefined
        : { uses: d.uses, spec: stepTypeSpecs[d.uses], forEach: d.raw.forEach !== undefined };
    },
  };
}

/** `value` as a JSON object, reporting non-JSON values (e.g. YAML .inf/.nan) at their path. */
function jsonObject(
  value: unknown,
  at: readonly (string | number)[],
  issues: IssueCollector,
): { readonly [key: string]: Json } | undefined {
  const bad = nonJsonPath(value);
  if (bad !== undefined) {
    issues.at(
      [...at, ...bad],
      'expected a JSON value (finite numbers, strings, booleans, null, lists, mappings)',
    );
    return undefined;
  }
  return isJson(value) && isJsonObject(value) ? value : undefined;
}

function stepIdOf(raw: unknown): string | undefined {
  if (raw !== null && typeof raw === 'object' && 'id' in raw && typeof raw.id === 'string') return raw.id;
  return undefined;
}
