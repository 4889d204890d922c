/**
 * Search benchmark: how good and how fast the samplers of core/search are.
 *
 * Quality: best value found after 50, 100 and 200 trials on Branin (2-D, minimum 0.397887) and
 * Hartmann6 (6-D, minimum −3.32237), median over 20 seeds, sequential studies (one trial at a time),
 * for TPE and random search at equal budget. Several TPE configurations are printed; the JSON line
 * reports `TPE_FOR_JSON`, the sampler of pipelines/retrain-weekly.yaml (every field of it is also the
 * default since docs/adr/0008-tpe-defaults.md).
 *
 * Speed: milliseconds per suggestion (`Sampler.sample`) with 100 and 1000 completed Hartmann6 trials
 * (random params), for the same TPE configuration; the median of repeated calls after a warm-up.
 *
 * Reference, measured on this machine with the same seeds (0…19) and budgets (median best after
 * 50/100/200 trials), Optuna run outside the repo: Optuna 5.1.0 TPESampler(seed=s) (multivariate,
 * neighbour bandwidths, constant liar): Branin 0.507/0.417/0.401, Hartmann6 −2.992/−3.228/−3.292;
 * Optuna 4.9.0 TPESampler() (univariate): Branin 0.82/0.45/0.40, Hartmann6 −2.72/−3.00/−3.21; Optuna
 * RandomSampler: Branin 1.14/0.78/0.51, Hartmann6 −1.77/−2.12/−2.26. The "Optuna 5.1 settings" row
 * reproduces Optuna 5.1's algorithm with our PRNG: it differs from Optuna's own figures by seed noise
 * only (200 seeds agree within one standard error, docs/search.md).
 *
 * Run: `npm run bench:search` (options: `--seeds 20 --trials 200`). Last stdout line:
 *   {"branin":{"tpe":{"50":…,"100":…,"200":…},"random":{…}},"hartmann6":{…},"suggestMsAt100":…,"suggestMsAt1000":…}
 */
import { parseArgs } from 'node:util';
import {
  NOP_PRUNER,
  OPTUNA_TPE,
  Study,
  TPE_DEFAULTS_BEFORE_0008,
  createSampler,
  createStream,
  type SamplerConfig,
  type SearchSpace,
  type TrialParams,
  type TrialRecord,
} from '../core/search/index.ts';
import { sampleRandomParams } from '../core/search/random.ts';
import { BRANIN_SPACE, HARTMANN6_SPACE, braninOf, hartmann6Of } from '../core/search/test-functions.ts';

/** Budgets at which the best value is read. */
const BUDGETS = [50, 100, 200] as const;

/** The TPE configuration of the JSON line: pipelines/retrain-weekly.yaml's sampler (= the defaults). */
const TPE_FOR_JSON = { multivariate: true, multivariateBandwidth: 'neighbour', constantLiar: true } as const;

/** Label of the JSON configuration in CONFIGS. */
const JSON_LABEL = 'tpe, retrain-weekly sampler = defaults (ADR 0008) [JSON]';

/** Every configuration printed (name → config without seed). */
const CONFIGS: readonly (readonly [string, (seed: number) => SamplerConfig])[] = [
  [JSON_LABEL, (seed) => ({ type: 'tpe', seed, ...TPE_FOR_JSON })],
  ['tpe, Optuna 5.1 TPESampler() settings (OPTUNA_TPE)', (seed) => ({ type: 'tpe', seed, ...OPTUNA_TPE })],
  [
    'tpe univariate, Optuna 4.x settings (defaults before ADR 0008)',
    (seed) => ({ type: 'tpe', seed, ...TPE_DEFAULTS_BEFORE_0008 }),
  ],
  ['random', (seed) => ({ type: 'random', seed })],
];

const PROBLEMS: readonly (readonly [string, SearchSpace, (p: TrialParams) => number])[] = [
  ['branin', BRANIN_SPACE, braninOf],
  ['hartmann6', HARTMANN6_SPACE, hartmann6Of],
];

type Figures = Record<`${(typeof BUDGETS)[number]}`, number>;

/** Median over seeds of the best value after each budget. */
function bestAtBudgets(
  cfg: (seed: number) => SamplerConfig,
  space: SearchSpace,
  f: (p: TrialParams) => number,
  seeds: number,
  trials: number,
): Figures {
  const perBudget = BUDGETS.map(() => [] as number[]);
  for (let seed = 0; seed < seeds; seed++) {
    const study = new Study({
      space,
      direction: 'minimize',
      sampler: createSampler(cfg(seed)),
      pruner: NOP_PRUNER,
    });
    let best = Number.POSITIVE_INFINITY;
    for (let i = 1; i <= trials; i++) {
      const { number, params } = study.ask();
      const value = f(params);
      study.tell(number, { state: 'complete', value });
      best = Math.min(best, value);
      BUDGETS.forEach((b, k) => {
        if (b === i) perBudget[k]?.push(best);
      });
    }
  }
  const at = (k: number): number => round(median(perBudget[k] ?? []), 4);
  return { '50': at(0), '100': at(1), '200': at(2) };
}

/** Median ms of one `sample` call with `completed` finished Hartmann6 trials (random params). */
function suggestMs(cfg: SamplerConfig, completed: number, calls: number): number {
  const rng = createStream(12345);
  const trials: TrialRecord[] = [];
  for (let n = 0; n < completed; n++) {
    const params = sampleRandomParams(HARTMANN6_SPACE, rng);
    trials.push({ number: n, params, state: 'complete', value: hartmann6Of(params), intermediate: [] });
  }
  const sampler = createSampler(cfg);
  for (let w = 0; w < 3; w++) sampler.sample(HARTMANN6_SPACE, trials, completed + w, 'minimize');
  const times: number[] = [];
  for (let k = 0; k < calls; k++) {
    const t0 = performance.now();
    sampler.sample(HARTMANN6_SPACE, trials, completed + 3 + k, 'minimize');
    times.push(performance.now() - t0);
  }
  return round(median(times), 3);
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] ?? Number.NaN) : ((s[m - 1] ?? Number.NaN) + (s[m] ?? Number.NaN)) / 2;
}

function round(x: number, digits: number): number {
  return Number(x.toFixed(digits));
}

function main(): void {
  const { values } = parseArgs({
    options: { seeds: { type: 'string', default: '20' }, trials: { type: 'string', default: '200' } },
  });
  const seeds = Number(values.seeds);
  const trials = Number(values.trials);
  if (!Number.isInteger(seeds) || seeds < 1 || !Number.isInteger(trials) || trials < Math.max(...BUDGETS)) {
    throw new Error(`--seeds must be ≥ 1 and --trials ≥ ${Math.max(...BUDGETS)}`);
  }
  const started = performance.now();
  const result: Record<string, { tpe: Figures; random: Figures }> = {};
  for (const [name, space, f] of PROBLEMS) {
    process.stdout.write(`${name}: best value after ${BUDGETS.join('/')} trials, median of ${seeds} seeds\n`);
    const figures = new Map<string, Figures>();
    for (const [label, cfg] of CONFIGS) {
      const t0 = performance.now();
      const fig = bestAtBudgets(cfg, space, f, seeds, trials);
      figures.set(label, fig);
      const secs = ((performance.now() - t0) / 1000).toFixed(1);
      process.stdout.write(
        `  ${label.padEnd(66)} ${BUDGETS.map((b) => fig[`${b}`]).join(' / ')}  (${secs} s)\n`,
      );
    }
    const tpe = figures.get(JSON_LABEL);
    const random = figures.get('random');
    if (tpe === undefined || random === undefined) throw new Error('missing figures');
    result[name] = { tpe, random };
  }
  const jsonCfg: SamplerConfig = { type: 'tpe', seed: 1, ...TPE_FOR_JSON };
  const suggestMsAt100 = suggestMs(jsonCfg, 100, 30);
  const suggestMsAt1000 = suggestMs(jsonCfg, 1000, 15);
  const uni = { type: 'tpe', seed: 1, ...TPE_DEFAULTS_BEFORE_0008 } as const;
  const uni100 = suggestMs(uni, 100, 30);
  const uni1000 = suggestMs(uni, 1000, 15);
  process.stdout.write(
    `suggestion time on Hartmann6, ms per ask (median): multivariate ${suggestMsAt100} at 100 trials, ${suggestMsAt1000} at 1000; univariate ${uni100} / ${uni1000}\n`,
  );
  process.stdout.write(
    `JSON "tpe" = ${JSON.stringify(TPE_FOR_JSON)}; total ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
  );
  process.stdout.write(
    `${JSON.stringify({ branin: result.branin, hartmann6: result.hartmann6, suggestMsAt100, suggestMsAt1000 })}\n`,
  );
}

main();
