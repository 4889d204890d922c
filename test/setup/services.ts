/**
 * Typed access, from test files, to the services test/setup/global-setup.ts started (or found through
 * DATABASE_URL / TEMPORAL_ADDRESS) for this vitest run.
 */
import { inject } from 'vitest';

/** Where this run's database and Temporal server are. */
export interface TestServices {
  /** A migrated database of its own for this run: `postgres://…`. */
  readonly databaseUrl: string;
  /** Temporal frontend gRPC `host:port`. */
  readonly temporalAddress: string;
  /** Temporal namespace (mmflow's search attributes are registered there). */
  readonly namespace: string;
  /** Which database engine serves `databaseUrl`. */
  readonly databaseKind: 'external' | 'postgres' | 'pglite';
}

declare module 'vitest' {
  export interface ProvidedContext {
    mmflowServices: TestServices;
  }
}

/**
 * The services of this vitest run. Only valid under vitest.config.ts (which runs the global setup).
 * @throws Error when called without the global setup (e.g. under vitest.unit.config.ts).
 */
export function testServices(): TestServices {
  const services = inject('mmflowServices');
  if (services === undefined)
    throw new Error('no services: run with vitest.config.ts (global setup), not the unit config');
  return services;
}
