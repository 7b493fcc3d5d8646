// The dependency rules of STYLE.md: main → app → features → db → core; a feature never imports
// another feature; outside a feature only its index.ts is seen; routes call services, never
// repositories; nothing imports main or app except the layer above.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'feature-to-feature',
      comment: 'Features cooperate through interfaces passed in by app.ts, never by importing each other.',
      severity: 'error',
      from: { path: '^src/features/([^/]+)/', pathNot: '^src/features/(admin-ui|tester-portal)/browser/' },
      to: { path: '^src/features/([^/]+)/', pathNot: '^src/features/$1/' },
    },
    {
      name: 'console-browser-reads-response-types-only',
      comment:
        "The console's browser modules may import other features' route schemas for their response types (type-only, erased from the browser build), nothing else.",
      severity: 'error',
      from: { path: '^src/features/admin-ui/browser/' },
      to: { path: '^src/features/(?!admin-ui/)[^/]+/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'console-browser-types-from-schemas-only',
      comment: "Of another feature, the console's browser modules see only its *.schemas.ts (the HTTP contract).",
      severity: 'error',
      from: { path: '^src/features/admin-ui/browser/' },
      to: { path: '^src/features/(?!admin-ui/)[^/]+/', pathNot: '\\.schemas\\.ts$' },
    },
    {
      name: 'tester-pages-browser-reads-response-types-only',
      comment:
        "The tester pages' browser modules may import the testers feature's route schemas for their response types (type-only, erased from the browser build), nothing else.",
      severity: 'error',
      from: { path: '^src/features/tester-portal/browser/' },
      to: { path: '^src/features/(?!tester-portal/)[^/]+/', pathNot: '^src/features/testers/testers\\.schemas\\.ts$' },
    },
    {
      name: 'tester-pages-browser-types-only',
      severity: 'error',
      from: { path: '^src/features/tester-portal/browser/' },
      to: { path: '^src/features/testers/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'feature-internals-stay-inside',
      comment: "Outside its folder a feature is its index.ts: the composition root and the CLI never reach into a feature's files.",
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/features/' },
      to: { path: '^src/features/[^/]+/', pathNot: '^src/features/[^/]+/index\\.ts$' },
    },
    {
      name: 'routes-call-services',
      comment: 'Routes go through their service (where the rules live), never straight to SQL.',
      severity: 'error',
      from: { path: '\\.routes\\.ts$' },
      to: { path: '\\.repository\\.ts$' },
    },
    {
      name: 'core-is-the-bottom',
      comment: 'core depends on nothing else in src.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/(db|features|app|main|cli|control)' },
    },
    {
      name: 'db-below-features',
      comment: 'db may use core only.',
      severity: 'error',
      from: { path: '^src/db/' },
      to: { path: '^src/(features|app|main|cli|control)' },
    },
    {
      name: 'features-below-app',
      comment: 'features never reach up to the composition root or the CLI.',
      severity: 'error',
      from: { path: '^src/features/' },
      to: { path: '^src/(app|main|cli|control)\\.ts$' },
    },
    {
      name: 'nothing-imports-main',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/main\\.ts$' },
    },
    {
      name: 'only-main-loads-the-cli',
      comment: 'main.ts makes the V8 settings, then loads the command: nothing else imports it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/main\\.ts$' },
      to: { path: '^src/cli\\.ts$' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'src-not-from-tests',
      comment: 'Production code never imports test helpers.',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.test\\.ts$' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^dist/|\\.test\\.ts$)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
