/** The typed, content-hashed plan a pipeline compiles to: what the pipeline workflow executes. */
import type { BacktestStepInput, IngestStepInput } from './steps.ts';

export type PlanStep =
  | {
      readonly id: string;
      readonly uses: 'ingest';
      readonly needs: readonly string[];
      readonly with: IngestStepInput;
    }
  | {
      readonly id: string;
      readonly uses: 'backtest';
      readonly needs: readonly string[];
      readonly with: BacktestStepInput;
    };

export interface PipelinePlan {
  readonly apiVersion: 'mmflow/v1';
  readonly name: string;
  readonly description: string | undefined;
  /** Source file, relative to the repository root where possible. */
  readonly file: string;
  /** sha256 (hex) of the canonical JSON of the steps: identical plans have identical hashes. */
  readonly contentHash: string;
  /** Steps in a topological order of `needs` (declaration order among independent steps). */
  readonly steps: readonly PlanStep[];
}

/**
 * Topological order of steps by `needs` (Kahn's algorithm, stable in declaration order).
 * @returns the ordered ids, or the ids left in a cycle when there is one.
 */
export function topologicalOrder(steps: readonly { id: string; needs: readonly string[] }[]): {
  order: string[];
  cycle: string[];
} {
  const remaining = new Map(steps.map((s) => [s.id, new Set(s.needs)]));
  const order: string[] = [];
  let progressed = true;
  while (remaining.size > 0 && progressed) {
    progressed = false;
    for (const step of steps) {
      const deps = remaining.get(step.id);
      if (deps === undefined) continue;
      if ([...deps].every((d) => !remaining.has(d))) {
        order.push(step.id);
        remaining.delete(step.id);
        progressed = true;
      }
    }
  }
  return { order, cycle: [...remaining.keys()] };
}

/** Canonical JSON (sorted keys) used for the content hash. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
