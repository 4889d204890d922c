/**
 * What the embedded-service resolvers hand back to the composition roots (`npm start`, CLI, tests).
 */

/** A database the application can connect to, and how to release it. */
export interface ResolvedDatabase {
  /** `postgres://user@host:port/db` connection string. */
  readonly url: string;
  /** `external`: from DATABASE_URL; `postgres`: embedded real PostgreSQL; `pglite`: embedded PGlite. */
  readonly kind: 'external' | 'postgres' | 'pglite';
  /** Stops what the resolver started (a no-op for external or reused servers). Idempotent. */
  stop(): Promise<void>;
}

/** A Temporal frontend the application can connect to, and how to release it. */
export interface ResolvedTemporal {
  /** gRPC `host:port` of the frontend, e.g. `127.0.0.1:7233`. */
  readonly address: string;
  /** Namespace workflows run in (`default` unless TEMPORAL_NAMESPACE says otherwise). */
  readonly namespace: string;
  /** Web UI base URL; `undefined` when unknown (external server) or headless. */
  readonly uiUrl: string | undefined;
  /** `external`: TEMPORAL_ADDRESS; `cli`: our `temporal server start-dev`; `sdk`: the SDK's dev server. */
  readonly kind: 'external' | 'cli' | 'sdk';
  /** Stops what the resolver started (no-op for external or reused servers). Idempotent. */
  stop(): Promise<void>;
}
