/**
 * The one database capability repositories need: run a parameterised statement. A `pg.Pool`, a
 * checked-out `PoolClient` (inside a transaction) or a `pg.Client` all satisfy it.
 */
import type { Pool } from 'pg';

/** Anything that can run `query(text, values)` like a `pg.Pool`. */
export type Queryable = Pick<Pool, 'query'>;
