/**
 * Standard global-optimisation test functions, used by the search tests and bench/search.ts to check
 * the samplers against published behaviour (Dixon & Szegö 1978, "The global optimization problem:
 * an introduction", in Towards Global Optimisation 2; definitions and optima as tabulated by
 * Surjanovic & Bingham, Virtual Library of Simulation Experiments, sfu.ca/~ssurjano).
 */

import type { SearchSpace, TrialParams } from './space.ts';

/** Global minimum of Branin-Hoo on [−5, 10] × [0, 15]: 0.397887 (at (−π, 12.275), (π, 2.275), (9.42478, 2.475)). */
export const BRANIN_MIN = 0.397887357729739;

/** Global minimum of Hartmann6 on [0, 1]^6: −3.32237 (at (0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573)). */
export const HARTMANN6_MIN = -3.322368011391339;

/** Branin's domain: x1 ∈ [−5, 10], x2 ∈ [0, 15]. */
export const BRANIN_SPACE: SearchSpace = {
  x1: { type: 'float', low: -5, high: 10 },
  x2: { type: 'float', low: 0, high: 15 },
};

/** Hartmann6's domain: x0…x5 ∈ [0, 1]. */
export const HARTMANN6_SPACE: SearchSpace = Object.fromEntries(
  [0, 1, 2, 3, 4, 5].map((i) => [`x${i}`, { type: 'float', low: 0, high: 1 } as const]),
);

/**
 * Branin-Hoo: (x2 − b·x1² + c·x1 − r)² + s·(1 − t)·cos(x1) + s with a = 1, b = 5.1/(4π²), c = 5/π,
 * r = 6, s = 10, t = 1/(8π).
 */
export function branin(x1: number, x2: number): number {
  const b = 5.1 / (4 * Math.PI * Math.PI);
  const c = 5 / Math.PI;
  const t = 1 / (8 * Math.PI);
  return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
}

const H6_ALPHA = [1.0, 1.2, 3.0, 3.2] as const;
const H6_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
] as const;
const H6_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
] as const;

/** Hartmann6: −Σᵢ αᵢ·exp(−Σⱼ Aᵢⱼ (xⱼ − Pᵢⱼ)²), P in units of 1e-4. @param x six coordinates in [0, 1]. */
export function hartmann6(x: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < 4; i++) {
    let e = 0;
    for (let j = 0; j < 6; j++) e += (H6_A[i]?.[j] ?? 0) * ((x[j] ?? 0) - (H6_P[i]?.[j] ?? 0) * 1e-4) ** 2;
    sum += (H6_ALPHA[i] ?? 0) * Math.exp(-e);
  }
  return -sum;
}

/** Branin on trial params `{ x1, x2 }`. @throws RangeError when a param is missing or not a number. */
export function braninOf(p: TrialParams): number {
  return branin(num(p, 'x1'), num(p, 'x2'));
}

/** Hartmann6 on trial params `{ x0 … x5 }`. @throws RangeError when a param is missing or not a number. */
export function hartmann6Of(p: TrialParams): number {
  return hartmann6([0, 1, 2, 3, 4, 5].map((i) => num(p, `x${i}`)));
}

function num(p: TrialParams, name: string): number {
  const v = p[name];
  if (typeof v !== 'number') throw new RangeError(`param ${name} must be a number, got ${String(v)}`);
  return v;
}
