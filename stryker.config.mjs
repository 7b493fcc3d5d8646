// Mutation testing of the pure cores (run it through `npm run test:mutation`, which picks the files and
// reports a score per file). Only the unit tests beside these modules run, never the integration suite.

/** The modules whose mutation score must stay at 90 % or more; each has its unit tests beside it (see unitTestsOf). */
export const MUTATED_CORES = [
  'src/features/flags/evaluate.ts',
  'src/features/flags/conditions.ts',
  'src/features/flags/bucket.ts',
  'src/features/feedback/stats.ts',
  'src/core/csv.ts',
  'src/core/config.ts',
  'src/features/kpis/kpi-compute.ts',
  'src/features/kpis/alert-rules.ts',
  'src/features/db-insights/plan-analysis.ts',
];

/** The glob of a core's unit tests: `<name>.test.ts` and `<name>-<aspect>.test.ts` beside it. */
export const unitTestsOf = (core) => core.replace(/\.ts$/, '*.test.ts');

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'scripts/mutation-vitest.config.mjs' },
  mutate: MUTATED_CORES,
  coverageAnalysis: 'perTest',
  // The sandbox needs the sources and the configs, nothing else (no dist/, data/, test/).
  ignorePatterns: ['/*', '!/src', '!/scripts', '!/package.json', '!/tsconfig.json', '!/stryker.config.mjs'],
  // Under coverage/, which git, ESLint and Prettier already ignore.
  tempDirName: 'coverage/.stryker-tmp',
  reporters: ['progress', 'clear-text', 'html', 'json'],
  htmlReporter: { fileName: 'coverage/mutation/index.html' },
  jsonReporter: { fileName: 'coverage/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false },
  thresholds: { high: 95, low: 90, break: null },
  timeoutMS: 10_000,
};
