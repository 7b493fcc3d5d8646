// The composition root: the HTTP conventions, then each feature's plugin in order, handed the
// services and the shared ports (database, config, clock, Redis). No listening and no environment
// here (see cli.ts). Order matters twice: `auth` guards every admin route registered after it, and
// plugins close in reverse order at shutdown.
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { systemClock, type Clock } from './core/clock.js';
import { connectRedis } from './core/redis.js';
import type { Config } from './core/config.js';
import { createHttpServer, registerHttpBasics } from './core/http-server.js';
import type { Lifecycle } from './core/lifecycle.js';
import type { Metrics } from './core/metrics.js';
import type { Database } from './db/database.js';
import { toAppError } from './db/errors.js';
import { createAdminConsole } from './features/admin-ui/index.js';
import { auditPlugin } from './features/audit/index.js';
import { auth } from './features/auth/index.js';
import { betaUsersPlugin } from './features/beta-users/index.js';
import { dbInsightsPlugin } from './features/db-insights/index.js';
import { experimentsPlugin } from './features/experiments/index.js';
import { feedbackPlugin } from './features/feedback/index.js';
import { flagsPlugin, OPERATORS } from './features/flags/index.js';
import { healthPlugin, type SystemMetricsRow } from './features/health/index.js';
import { kpis, type AlertSample } from './features/kpis/index.js';
import { rolloutsPlugin } from './features/rollouts/index.js';
import { TESTER_COOKIE, testersPlugin } from './features/testers/index.js';
import { testerPortalPlugin } from './features/tester-portal/index.js';
import { tokensPlugin } from './features/tokens/index.js';
import { widgetPlugin } from './features/widget/index.js';
import { changeComment } from './core/change-comment.js';
import { createServices, type Services } from './services.js';

export interface AppDeps {
  config: Config;
  database: Database;
  metrics: Metrics;
  lifecycle: Lifecycle;
  version: string;
  instanceId: string;
  /** A pino logger; tests pass a silent one. */
  logger: FastifyBaseLogger;
  /** Signs and encrypts browser state (see core/session-secret). */
  sessionSecret: string;
  /** Shares rate-limit counters between instances (created once by the entry point). */
  redis?: Redis;
  /** Start the background jobs: collector, database probe, counter flushes, sweeps (off in most tests). */
  background?: boolean;
  /** The clock for sessions, sign-in and metrics; tests move it. */
  now?: Clock;
}

export interface App extends Pick<Services, 'tokens' | 'auth' | 'dbInsights' | 'flags' | 'kpis'> {
  app: FastifyInstance;
  services: Services;
  /** Every route registered, for the access-control inventory. */
  routes: Array<{ method: string; url: string }>;
}

/** Requests per minute per client on /auth/*. */
const AUTH_RATE_LIMIT = 30;
/** Seconds between passes over scheduled changes and release plans (each lengthened by up to a fifth). */
const ROLLOUTS_INTERVAL_S = 15;

export async function buildApp(deps: AppDeps): Promise<App> {
  const { config, database, metrics } = deps;
  const clock = deps.now ?? systemClock;
  const background = deps.background === true;
  const app = createHttpServer({ logger: deps.logger, trustProxy: config.trustProxy, mapError: toAppError });
  const routes: App['routes'] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
  const services = await createServices({
    config,
    database,
    clock,
    logger: app.log,
    instanceId: deps.instanceId,
    registry: metrics.registry,
  });
  const adminConsole = createAdminConsole({ googleSignIn: oidcSettings(config) !== undefined, conditionOperators: OPERATORS });
  const common = { clock, background, logger: app.log };

  // Redis handed in is closed by its owner; one created here (tests) is closed with the app.
  const redis = deps.redis ?? (config.redisUrl ? await connectRedis(config.redisUrl, app.log) : undefined);
  if (redis && !deps.redis) app.addHook('onClose', async () => void (await redis.quit().catch(() => undefined)));
  const basics = await registerHttpBasics(app, { metrics, https: config.publicUrl.startsWith('https:'), redis });
  await app.register(changeComment);
  await app.register(auth, {
    ...common,
    auth: services.auth,
    verifyToken: (token) => services.tokens.verify(token),
    oidc: oidcSettings(config),
    sessionSecret: deps.sessionSecret,
    publicUrl: config.publicUrl,
    rateLimitPerMinute: AUTH_RATE_LIMIT,
    forbiddenPage: (principal) => adminConsole.forbiddenPage(principal),
    testerSignIn: { cookieName: TESTER_COOKIE, start: (email, requestId) => services.testers.signInVerified(email, requestId) },
  });
  await app.register(kpis, { ...common, kpis: services.kpis, flushS: config.flagCountsFlushS });
  await app.register(healthPlugin, {
    ...common,
    database,
    metrics,
    shuttingDown: () => deps.lifecycle.shuttingDown(),
    version: deps.version,
    instanceId: deps.instanceId,
    rateLimitState: basics.rateLimitState,
    dataDir: config.dataDir,
    intervalS: config.metricsIntervalS,
    retentionDays: config.metricsRetentionDays,
    probeIntervalMs: config.healthProbeIntervalMs,
    onSample: (row) => services.kpis.onSample(alertSampleOf(row, clock)),
  });
  await app.register(flagsPlugin, {
    ...common,
    flags: services.flags,
    staleDays: config.flagStaleDays,
    countsFlushS: config.flagCountsFlushS,
    registry: metrics.registry,
    onShutdown: (callback) => deps.lifecycle.onShutdown(callback),
    onEvaluated: evaluationListener(services),
    corsOrigins: config.corsOrigins,
    clientRateLimitPerMin: config.clientRateLimitPerMin,
  });
  await app.register(experimentsPlugin, { ...common, experiments: services.experiments, flushS: config.flagCountsFlushS });
  await app.register(rolloutsPlugin, { ...common, rollouts: services.rollouts, intervalS: ROLLOUTS_INTERVAL_S });
  await app.register(betaUsersPlugin, {
    users: services.users,
    publicUrl: config.publicUrl,
    redeemRateLimitPerMin: config.publicRateLimitPerMin,
    feedbackFor: (userId) => services.feedback.forTester(userId),
  });
  const publicApi = { corsOrigins: config.corsOrigins, rateLimitPerMin: config.publicRateLimitPerMin };
  await app.register(feedbackPlugin, { ...common, ...publicApi, feedback: services.feedback });
  await app.register(widgetPlugin, {});
  await app.register(testersPlugin, { ...common, ...publicApi, testers: services.testers, publicUrl: config.publicUrl });
  await app.register(tokensPlugin, { tokens: services.tokens });
  await app.register(auditPlugin, { audit: services.audit });
  await app.register(dbInsightsPlugin, { insights: services.dbInsights, observeQueries: (listener) => database.observeQueries(listener) });
  await app.register(testerPortalPlugin);
  await app.register(adminConsole.routes);

  const { tokens, auth: authService, dbInsights, flags } = services;
  return { app, services, routes, tokens, auth: authService, dbInsights, flags, kpis: services.kpis };
}

/** Told of every successful evaluation: the flag's reach among testers, and its variants' exposures. */
function evaluationListener(services: Services) {
  return (
    evaluations: ReadonlyArray<{ flag: string; variant: string }>,
    targetingKey: string | undefined,
    email: string | undefined,
  ): void => {
    services.kpis.evaluated(
      evaluations.map((e) => e.flag),
      targetingKey,
      email,
    );
    services.experiments.record(evaluations, targetingKey);
  };
}

/** The OpenID Connect provider, when a client is configured (Google by default). */
function oidcSettings(config: Config) {
  const { googleClientId: clientId, googleClientSecret: clientSecret } = config;
  return clientId !== undefined && clientSecret !== undefined ? { issuer: config.oidcIssuer, clientId, clientSecret } : undefined;
}

/** A collected health sample as the alert rules read it. */
function alertSampleOf(row: SystemMetricsRow, clock: Clock): AlertSample {
  return {
    at: new Date(row.recorded_at ?? clock()),
    cpuPercent: row.cpu_percent,
    memoryPercent: row.memory_percent,
    diskPercent: row.disk_percent ?? null,
    dbP95Ms: row.db_p95_ms,
    requestCount: row.request_count,
    errorCount: row.error_count,
    dbReachable: row.db_reachable,
  };
}
