import type { Pool } from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { createPool } from '../../db/pool.ts';
import { testServices } from '../setup/services.ts';
import { describeRepositoryContract } from './repository-contract.ts';

let pool: Pool;
beforeAll(() => {
  pool = createPool(testServices().databaseUrl);
});
afterAll(async () => {
  await pool.end();
});

describeRepositoryContract(`the test run's database (${testServices().databaseKind})`, () => pool);
