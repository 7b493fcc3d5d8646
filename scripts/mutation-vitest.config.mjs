// Vitest for mutation runs: only the unit tests beside the mutated cores (no global database setup,
// no integration tests), so each mutant is judged quickly.
import { defineConfig } from 'vitest/config';
import { MUTATED_CORES, unitTestsOf } from '../stryker.config.mjs';

export default defineConfig({
  test: {
    include: MUTATED_CORES.map(unitTestsOf),
    testTimeout: 30_000,
  },
});
