/**
 * The trials of a study inside the workflow, with suggestions and pruning decisions that do not
 * depend on timing — so two studies with the same seed run the same trials whatever order their
 * parallel activities finish in, and a replay or a Continue-As-New reproduces them exactly.
 *
 * The rule ("lagged view"): with parallelism P, trial n is asked only once trials 0…n−P are finished,
 * and the sampler sees trials 0…n−P in their final state and trials n−P+1…n−1 as `running` with their
 * params only — even if some of them have in fact finished already. The pruner deciding on trial n
 * sees the same view plus trial n's own intermediate values. The view is a function of (finished
 * trials, n, P) only, never of which activity happened to complete first. With P = 1 it is the plain
 * sequential study. The cost: trial n waits for trial n−P even when a later trial is done (at most P
 * trials are in flight, and a slow trial holds back at most P−1 others).
 *
 * The core `Study` (core/search) does the asking, reporting, pruning and telling: each operation
 * runs on a `Study` built over the view (ask, prune) or over every trial (report, tell, best), so its
 * semantics and checks apply unchanged. Plain data, synchronous (deterministic).
 */
import {
  createPruner,
  createSampler,
  Study,
  type Direction,
  type Pruner,
  type PrunerConfig,
  type Sampler,
  type SamplerConfig,
  type SearchSpace,
  type TrialOutcome,
  type TrialParams,
  type TrialRecord,
} from '../../core/search/index.ts';

export type { TrialOutcome };

/** The study's trials and the lagged-view rule (see the module doc). */
export class TrialLedger {
  private readonly sampler: Sampler;
  private readonly pruner: Pruner;
  private records: TrialRecord[];

  /**
   * @param trials finished trials carried over a Continue-As-New (numbers 0…k−1, none running).
   * @throws Error when a carried trial is still running or out of order.
   */
  constructor(
    private readonly opts: {
      readonly space: SearchSpace;
      readonly direction: Direction;
      readonly sampler: SamplerConfig;
      readonly pruner: PrunerConfig;
      readonly parallelism: number;
      readonly trials?: readonly TrialRecord[];
    },
  ) {
    this.sampler = createSampler(opts.sampler);
    this.pruner = createPruner(opts.pruner);
    this.records = [...(opts.trials ?? [])];
    this.records.forEach((t, i) => {
      if (t.number !== i) throw new Error(`carried trial at position ${i} has number ${t.number}`);
      if (t.state === 'running') throw new Error(`carried trial ${i} is still running`);
    });
  }

  /** Every trial so far (running ones included), by number. */
  get trials(): readonly TrialRecord[] {
    return this.records;
  }

  /** Number of the next trial to ask. */
  get nextNumber(): number {
    return this.records.length;
  }

  /** Whether the next trial may be asked: trials 0…n−P are finished. */
  canAsk(): boolean {
    const upTo = this.records.length - this.opts.parallelism;
    for (let i = 0; i <= upTo; i++) if (this.records[i]?.state === 'running') return false;
    return true;
  }

  /** Whether the sampler has nothing left to suggest for the next trial (a fully taken grid). */
  exhausted(): boolean {
    return this.study(this.view(this.records.length)).isExhausted();
  }

  /**
   * Asks the next trial on the lagged view.
   * @throws Error when {@link canAsk} is false (a scheduling bug).
   */
  ask(): { readonly number: number; readonly params: TrialParams } {
    if (!this.canAsk())
      throw new Error(
        `trial ${this.records.length} asked before trial ${this.records.length - this.opts.parallelism} finished`,
      );
    const n = this.records.length;
    const asked = this.study(this.view(n)).ask();
    if (asked.number !== n) throw new Error(`study asked trial ${asked.number}, expected ${n}`);
    this.records.push({ number: n, params: asked.params, state: 'running', intermediate: [] });
    return asked;
  }

  /** Records trial n's value at `step` (a fold index). @throws Error from the Study (unknown, finished, non-finite). */
  report(n: number, step: number, value: number): void {
    const study = this.study(this.records);
    study.report(n, step, value);
    this.sync(study, n);
  }

  /** Whether the pruner stops trial n now, judged on the lagged view plus trial n itself. */
  shouldPrune(n: number): boolean {
    const own = this.records[n];
    if (own === undefined) throw new Error(`no trial ${n}`);
    return this.study([...this.view(n), own]).shouldPrune(n);
  }

  /** Finishes trial n. @throws Error from the Study (unknown or finished trial, bad outcome). */
  tell(n: number, outcome: TrialOutcome): TrialRecord {
    const study = this.study(this.records);
    study.tell(n, outcome);
    return this.sync(study, n);
  }

  /** The best feasible complete trial, or undefined. */
  best(): TrialRecord | undefined {
    return this.study(this.records).best();
  }

  /** Trials 0…n−1 as the sampler and pruner of trial n see them. */
  view(n: number): TrialRecord[] {
    const lastFinal = n - this.opts.parallelism;
    return this.records
      .slice(0, n)
      .map((t) =>
        t.number <= lastFinal
          ? t
          : { number: t.number, params: t.params, state: 'running', intermediate: [] },
      );
  }

  private study(trials: readonly TrialRecord[]): Study {
    return new Study({
      space: this.opts.space,
      direction: this.opts.direction,
      sampler: this.sampler,
      pruner: this.pruner,
      trials,
    });
  }

  private sync(study: Study, n: number): TrialRecord {
    const updated = study.trials[n];
    if (updated === undefined) throw new Error(`study lost trial ${n}`);
    this.records[n] = updated;
    return updated;
  }
}
