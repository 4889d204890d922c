import { defineConfig } from 'vitest/config';

// Fast loop for pure-code work: no global services. `npm test` uses vitest.config.ts (everything).
export default defineConfig({
  test: {
    include: [
      'test/core/**/*.test.ts',
      'test/venues/**/*.test.ts',
      'test/pipeline-dsl/**/*.test.ts',
      'test/ml/**/*.test.ts',
    ],
    testTimeout: 120_000,
  },
});
