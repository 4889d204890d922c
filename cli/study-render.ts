/**
 * What `mmflow study show` prints: the trials table, the best trial with its in-sample (per fold) and
 * out-of-sample (holdout) figures, parameter importances — as text tables or as one JSON object.
 * Pure functions over the stored rows (db/repositories/studies.ts), parsed here, never cast.
 */
import Table from 'cli-table3';
import { z } from 'zod';
import { parseSearchSpace } from '../core/search/index.ts';
import { pedAnovaImportances, type ParamImportance } from '../core/validation/param-importance.ts';
import type { Study, StudyTrial } from '../db/repositories/studies.ts';
import { StoredInSample, StoredOutOfSample } from '../db/repositories/study-reports.ts';
import type { InSampleReport, OutOfSampleReport } from '../workflows/study/definitions.ts';

/** Drops index signatures (a loose object's `[k: string]: unknown`), recursively: the known fields. */
type Known<T> = T extends readonly (infer E)[]
  ? readonly Known<E>[]
  : T extends object
    ? { readonly [K in keyof T as string extends K ? never : K]: Known<T[K]> }
    : T;
// One shape for writer and reader: what the study workflow writes (its report types) must fit the
// known fields of the readers' schemas; a renamed or retyped field fails this type check.
const _inSampleFits = (r: InSampleReport): Known<z.input<typeof StoredInSample>> => r;
const _outOfSampleFits = (r: OutOfSampleReport): Known<z.input<typeof StoredOutOfSample>> => r;
void _inSampleFits;
void _outOfSampleFits;

const ObjectiveShape = z.looseObject({ metric: z.string(), aggregate: z.string().optional() });

/** Everything `study show` reports, JSON-safe. */
export interface StudyReport {
  readonly study: {
    readonly id: string;
    readonly name: string;
    readonly state: string;
    readonly direction: 'minimize' | 'maximize';
    readonly metric: string;
    readonly nTrials: number;
    readonly parallelism: number;
    readonly folds: number;
    readonly workflowId: string;
    readonly runId: string;
    readonly continuedAsNew: number;
    readonly createdAtMs: number;
    readonly finishedAtMs: number | null;
  };
  readonly counts: Readonly<Record<string, number>>;
  readonly trials: readonly {
    readonly number: number;
    readonly state: string;
    readonly value: number | null;
    readonly params: Readonly<Record<string, number | string | boolean>>;
    readonly intermediate: readonly (readonly [number, number])[];
    readonly constraintViolation: number | null;
    readonly durationMs: number;
    readonly error: string | null;
  }[];
  readonly best: { readonly number: number; readonly value: number } | null;
  /** As stored, with any key a newer writer added (e.g. `refittedKPerTick`) passed through. */
  readonly inSample: StoredInSample | null;
  readonly outOfSample: StoredOutOfSample | null;
  readonly importances: readonly ParamImportance[];
}

/**
 * Builds the report from the stored study and trials.
 * @throws Error naming the study when a stored JSON column does not parse (schema drift).
 */
export function buildStudyReport(study: Study, trials: readonly StudyTrial[]): StudyReport {
  const where = `studies ${study.id}`;
  const parse = <T>(schema: z.ZodType<T>, value: unknown, column: string): T => {
    const r = schema.safeParse(value);
    if (!r.success) throw new Error(`${where} ${column}: ${z.prettifyError(r.error)}`);
    return r.data;
  };
  const objective = parse(ObjectiveShape, study.objective, 'objective');
  const inSample = study.inSample === undefined ? null : parse(StoredInSample, study.inSample, 'in_sample');
  const outOfSample =
    study.outOfSample === undefined ? null : parse(StoredOutOfSample, study.outOfSample, 'out_of_sample');
  const space = parseSearchSpace(study.space, `${where} space`);
  const scored = trials.flatMap((t) =>
    t.state === 'complete' && t.value !== undefined ? [{ params: t.params, value: t.value }] : [],
  );
  const counts: Record<string, number> = { complete: 0, pruned: 0, failed: 0, infeasible: 0, running: 0 };
  for (const t of trials) counts[t.state] = (counts[t.state] ?? 0) + 1;
  return {
    study: {
      id: study.id,
      name: study.name,
      state: study.state,
      direction: study.direction,
      metric: objective.metric,
      nTrials: study.nTrials,
      parallelism: study.parallelism,
      folds: study.folds.length,
      workflowId: study.workflowId,
      runId: study.runId,
      continuedAsNew: study.continuedAsNew,
      createdAtMs: study.createdAtMs,
      finishedAtMs: study.finishedAtMs ?? null,
    },
    counts,
    trials: trials.map((t) => ({
      number: t.number,
      state: t.state,
      value: t.value ?? null,
      params: t.params,
      intermediate: t.intermediate,
      constraintViolation: t.constraintViolation ?? null,
      durationMs: t.durationMs,
      error: t.error ?? null,
    })),
    best:
      study.bestTrial === undefined || study.bestValue === undefined
        ? null
        : { number: study.bestTrial, value: study.bestValue },
    inSample,
    outOfSample,
    importances: pedAnovaImportances(space, scored, study.direction),
  };
}

/** A number for a table cell: integers as is, others with 4 significant digits; null → `–`. */
export function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(3) : v.toPrecision(4).replace(/\.?0+$/, '');
}

const paramText = (p: Readonly<Record<string, number | string | boolean>>): string =>
  Object.entries(p)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? fmt(v) : String(v)}`)
    .join(' ');

/** No ANSI colours: the output is read by people and by scripts alike (it may not be a terminal). */
const PLAIN = { head: [], border: [] };

const KPI_ROWS = [
  ['netPnlQuote', 'net PnL (quote)'],
  ['netBp', 'net PnL, bp of traded notional'],
  ['markout1sBp', 'mark-out vs mid at 1 s, bp'],
  ['pnlTStat', 't-stat of per-minute PnL'],
  ['rmsInventoryRatio', 'RMS inventory / q_max'],
  ['maxDrawdownQuote', 'max drawdown (quote)'],
  ['fills', 'fills'],
  ['quotes', 'quotes'],
  ['fillRatio', 'fill ratio'],
] as const;

/** The text rendering: header, trials table, best trial, in-sample vs out-of-sample, importances. */
export function renderStudyText(r: StudyReport): string {
  const s = r.study;
  const lines: string[] = [
    `study ${s.id} "${s.name}" — ${s.state}; objective ${s.metric} (${s.direction}); ` +
      `${r.trials.length}/${s.nTrials} trials stored, parallelism ${s.parallelism}, ${s.folds} fold(s)` +
      (s.continuedAsNew > 0 ? `, continued as new ${s.continuedAsNew}×` : ''),
    `workflow ${s.workflowId} (first run ${s.runId})`,
    `counts: ${Object.entries(r.counts)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
  ];
  const trials = new Table({
    head: ['#', 'state', 'value', 'fold values', 'params', 'duration (s)'],
    style: PLAIN,
  });
  for (const t of r.trials)
    trials.push([
      String(t.number),
      t.state + (t.number === r.best?.number ? ' (best)' : ''),
      fmt(t.value),
      t.intermediate.map(([, v]) => fmt(v)).join(' '),
      paramText(t.params),
      (t.durationMs / 1000).toFixed(1),
    ]);
  lines.push(trials.toString());
  if (r.best === null) {
    lines.push('best trial: none (no complete, feasible trial)');
  } else {
    lines.push(`best trial #${r.best.number}: ${s.metric} = ${fmt(r.best.value)} in sample`);
    const folds = r.inSample?.folds ?? [];
    const kpis = new Table({
      head: ['KPI', ...folds.map((f) => `in-sample fold ${f.foldIndex}`), 'out-of-sample (holdout)'],
      style: PLAIN,
    });
    kpis.push([
      `objective (${s.metric})`,
      ...folds.map((f) => fmt(f.value)),
      r.outOfSample === null ? '–' : fmt(r.outOfSample.value),
    ]);
    for (const [key, label] of KPI_ROWS)
      kpis.push([label, ...folds.map((f) => fmt(f.kpis[key])), fmt(r.outOfSample?.kpis[key])]);
    // Studies without a walk-forward refit (or written before it) have no refitted k: no row.
    if (folds.some((f) => f.refittedKPerTick !== undefined) || r.outOfSample?.refittedKPerTick !== undefined)
      kpis.push([
        'k refitted (1/tick)',
        ...folds.map((f) => fmt(f.refittedKPerTick)),
        fmt(r.outOfSample?.refittedKPerTick),
      ]);
    lines.push(kpis.toString());
    if (r.outOfSample !== null)
      lines.push(
        `out of sample: ${r.outOfSample.windows} holdout window(s), ` +
          `${r.outOfSample.feasible ? 'feasible' : `infeasible (violation ${fmt(r.outOfSample.violation)})`}` +
          (r.outOfSample.failure === undefined ? '' : `; ${r.outOfSample.failure}`),
      );
  }
  if (r.importances.length > 0)
    lines.push(
      `parameter importances (PED-ANOVA): ${r.importances.map((i) => `${i.param} ${(100 * i.importance).toFixed(1)}%`).join(', ')}`,
    );
  return lines.join('\n');
}
