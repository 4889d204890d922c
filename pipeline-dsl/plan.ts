/**
 * Helpers over compiled plans (the plan types themselves are in plan-types.ts): topological order of
 * `needs` and the canonical JSON the content hash is computed over. Pure: usable in workflow code.
 */
/**
 * Topological order of steps by `needs` (Kahn's algorithm, stable in declaration order). Needs naming
 * no listed step are ignored.
 * @returns the ordered ids (steps on or behind a cycle are left out), and the ids of the steps that
 *          lie on a cycle (empty when there is none), in declaration order
 */
export function topologicalOrder(steps: readonly { id: string; needs: readonly string[] }[]): {
  order: string[];
  cycle: string[];
} {
  const ids = new Set(steps.map((s) => s.id));
  const remaining = new Map(steps.map((s) => [s.id, new Set(s.needs.filter((n) => ids.has(n)))]));
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
  // Of the steps left, those that can reach themselves are on a cycle (the others only wait on one).
  const onCycle = (start: string): boolean => {
    const seen = new Set<string>();
    const stack = [...(remaining.get(start) ?? [])];
    while (stack.length > 0) {
      const next = stack.pop();
      if (next === undefined || seen.has(next)) continue;
      if (next === start) return true;
      seen.add(next);
      stack.push(...(remaining.get(next) ?? []));
    }
    return false;
  };
  return { order, cycle: [...remaining.keys()].filter(onCycle) };
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
