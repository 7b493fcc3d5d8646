// Composes the service: HTTP conventions, caller resolution, and each feature's routes with the
// narrow dependencies it declares. No listening and no environment here (see main.ts).
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import { Redis } from 'ioredis';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { Counter, Gauge } from 'prom-client';
import type { Config } from './core/config.js';
import { assertCsrf } from './core/csrf.js';
import { AppError } from './core/errors.js';
import { createValidatorCompiler, registerErrorHandling, registerJsonParser, requestIdFrom } from './core/http.js';
import type { Lifecycle } from './core/lifecycle.js';
import type { Metrics } from './core/metrics.js';
import { can, describePrincipal, isOwner, type Principal } from './core/principal.js';
import type { Database } from './db/database.js';
import { toAppError } from './db/errors.js';
import { createAdminConsole } from './features/admin-ui/admin-ui.routes.js';
import { insertAudit } from './features/audit/audit.repository.js';
import { auditRoutes } from './features/audit/audit.routes.js';
import { authRoutes, cookieNames, sessionAdminRoutes } from './features/auth/auth.routes.js';
import { createAuthService, type AuthService } from './features/auth/auth.service.js';
import { createOidcClient } from './features/auth/oidc.js';
import { createSealer } from './features/auth/sealed.js';
import { ensureTester } from './features/beta-users/beta-users.repository.js';
import { betaUserRoutes } from './features/beta-users/beta-users.routes.js';
import { createBetaUsersService } from './features/beta-users/beta-users.service.js';
import { dbInsightsRoutes } from './features/db-insights/db-insights.routes.js';
import { createDbInsights, type DbInsights } from './features/db-insights/db-insights.service.js';
import { listFeedback } from './features/feedback/feedback.repository.js';
import { feedbackRoutes, presentFeedback } from './features/feedback/feedback.routes.js';
import { createFeedbackService } from './features/feedback/feedback.service.js';
import { createEvaluationCounter } from './features/flags/evaluation-counter.js';
import { createFlagStore, type FlagStore } from './features/flags/flag-store.js';
import { flagRoutes } from './features/flags/flags.routes.js';
import {
  addEvaluationCounts,
  FLAG_CHANNEL,
  findFlag,
  listFlags,
  listOverrides,
  notifyFlagChange,
} from './features/flags/flags.repository.js';
import { OPERATORS } from './features/flags/conditions.js';
import { createFlagsService } from './features/flags/flags.service.js';
import { ofrepRoutes } from './features/flags/ofrep.routes.js';
import { createCollector } from './features/health/collector.js';
import { healthRoutes, metricsSeriesRoutes } from './features/health/health.routes.js';
import { createSystemSampler } from './features/health/system-stats.js';
import { createActivityCounter } from './features/kpis/activity-counter.js';
import type { AlertSample } from './features/kpis/alert-rules.js';
import { addAdminRequestCounts, addFlagReach, addPageViewCounts } from './features/kpis/kpis.repository.js';
import { kpisRoutes } from './features/kpis/kpis.routes.js';
import { createKpisService } from './features/kpis/kpis.service.js';
import { createAlerting } from './features/kpis/alerting.js';
import { createHealthService } from './features/health/health.service.js';
import { createAuditService } from './features/audit/audit.service.js';
import { createWebhookNotifier } from './features/kpis/webhook.js';
import { tokensRoutes } from './features/tokens/tokens.routes.js';
import { createTokensService, type TokensService } from './features/tokens/tokens.service.js';

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
  /** Start the background collector and database probe (off in most tests). */
  background?: boolean;
  /** The clock for sessions and sign-in; tests move it. */
  now?: () => Date;
}

export interface App {
  app: FastifyInstance;
  tokens: TokensService;
  auth: AuthService;
  /** Every route registered, for the access-control inventory. */
  routes: Array<{ method: string; url: string }>;
  /** Query statistics, slow-query plans, index suggestions: the database report. */
  dbInsights: DbInsights;
  flags: { store: FlagStore; flushCounts(): Promise<number> };
  /** Success metrics: alert evaluation of one sample (the collector feeds it), and waiting for its writes and webhooks. */
  kpis: { onSample(sample: AlertSample): void; idle(): Promise<void> };
}

/** Paths under the admin scope: denied to everyone but owners and admins, whoever registers them. */
export const ADMIN_PREFIXES = ['/api/admin/', '/admin/'];
export const isAdminPath = (url: string) => ADMIN_PREFIXES.some((p) => url.startsWith(p) || url === p.slice(0, -1));
/** Requests per minute per client on /auth/*. */
const AUTH_RATE_LIMIT = 30;

/** Largest request body accepted anywhere. Routes may set a lower limit. */
export const BODY_LIMIT_BYTES = 64 * 1024;

function bearerToken(authorization: string | undefined, apiKey: string | string[] | undefined): string | undefined {
  if (typeof apiKey === 'string' && apiKey !== '') return apiKey;
  const match = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  return match?.[1];
}

/** Sessions, sign-in links and roles as configured; shared by the server and the CLI. */
export function authServiceFor(
  config: Config,
  db: Database['db'],
  options: { now?: () => Date; onBackgroundError?: (err: unknown) => void } = {},
): AuthService {
  return createAuthService({
    db,
    adminEmails: config.adminEmails,
    idleTimeoutMs: config.sessionIdleTimeoutMin * 60_000,
    absoluteTimeoutMs: config.sessionAbsoluteTimeoutH * 3_600_000,
    now: options.now ?? (() => new Date()),
    recordAudit: insertAudit,
    onBackgroundError: options.onBackgroundError,
  });
}

export async function buildApp(deps: AppDeps): Promise<App> {
  const { config, database, metrics, lifecycle } = deps;
  const app = Fastify({
    loggerInstance: deps.logger,
    // One line per request at debug (errors are logged by the error handler): access logs at info
    // would cost more than the requests themselves under load.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    trustProxy: config.trustProxy,
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: (req) => requestIdFrom(req.headers['x-request-id']),
    requestIdHeader: false,
    // Shutdown is drained by core/lifecycle: never answer 503 just because close() began.
    return503OnClosing: false,
    forceCloseConnections: false,
    routerOptions: { ignoreTrailingSlash: true },
  });
  app.setValidatorCompiler(createValidatorCompiler());
  registerJsonParser(app);
  registerErrorHandling(app, { mapError: toAppError });
  const now = deps.now ?? (() => new Date());
  const publicOrigin = new URL(config.publicUrl).origin;
  const https = config.publicUrl.startsWith('https:');

  await app.register(cookie);
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
      },
    },
    hsts: https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
  });
  // Several instances share counters through Redis; if Redis is unreachable, limits are skipped
  // rather than failing sign-in.
  const redis = config.redisUrl
    ? new Redis(config.redisUrl, { connectTimeout: 1000, maxRetriesPerRequest: 1, enableOfflineQueue: false })
    : undefined;
  redis?.on('error', (err: Error) => app.log.warn({ err: { message: err.message } }, 'rate-limit store unavailable'));
  app.addHook('onClose', async () => {
    await redis?.quit().catch(() => undefined);
  });
  if (redis) {
    // Give the connection a moment so the first requests are counted (bounded: start-up never waits on Redis).
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1000);
      redis.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  await app.register(rateLimit, {
    global: false,
    ...(redis ? { redis, nameSpace: 'beta-suite-rate-limit-', skipOnError: true } : {}),
    errorResponseBuilder: (_request, context) =>
      new AppError('RATE_LIMITED', `Too many requests; try again in ${Math.ceil(context.ttl / 1000)} s.`, Math.ceil(context.ttl / 1000)),
  });

  const adminConsole = createAdminConsole({
    googleSignIn: config.googleClientId !== undefined && config.googleClientSecret !== undefined,
    conditionOperators: OPERATORS,
  });
  const routes: App['routes'] = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) routes.push({ method, url: route.url });
    if (isAdminPath(route.url)) {
      // Denied by default: every admin route gets the guard, whichever plugin registers it.
      const existing = route.preValidation;
      route.preValidation = [adminGuard, ...(existing === undefined ? [] : Array.isArray(existing) ? existing : [existing])];
    }
  });

  async function adminGuard(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const principal = await request.principal();
    const isPage = request.url.startsWith('/admin');
    if (!principal) {
      if (isPage && request.method === 'GET') {
        return reply.redirect(`/sign-in?next=${encodeURIComponent(request.url)}`, 302);
      }
      void reply.header('www-authenticate', 'Bearer');
      throw new AppError('UNAUTHORIZED', 'Sign in or present an admin token.');
    }
    const allowed = can(principal, 'admin') && (!request.routeOptions.config.ownerOnly || isOwner(principal));
    if (!allowed) {
      if (isPage) {
        return reply
          .code(403)
          .header('cache-control', 'no-store')
          .type('text/html; charset=utf-8')
          .send(adminConsole.forbiddenPage(principal));
      }
      throw new AppError('FORBIDDEN', request.routeOptions.config.ownerOnly ? 'Only an owner may do this.' : 'Admin access required.');
    }
    assertCsrf(request, principal, publicOrigin);
  }

  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.debug({ method: request.method, url: request.url, status: reply.statusCode, ms: reply.elapsedTime }, 'request completed');
    metrics.recordRequest({
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: reply.statusCode,
      durationMs: reply.elapsedTime,
    });
  });

  // Success metrics: every answered admin route counts as refused or served (and to whom: served
  // without an identified admin is an authentication bypass incident); console pages viewed count
  // per admin and day. Counted in memory, written in batches.
  const activity = createActivityCounter({
    adminRequests: (rows) => addAdminRequestCounts(database.db, rows),
    pageViews: (rows) => addPageViewCounts(database.db, rows),
    flagReach: (rows) => addFlagReach(database.db, rows),
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url;
    if (route === undefined || !isAdminPath(route)) return;
    const status = reply.statusCode;
    const signInRedirect = status === 302 && String(reply.getHeader('location') ?? '').startsWith('/sign-in?');
    if (status >= 400 && status !== 401 && status !== 403) return;
    const principal = await request.principal();
    const at = now();
    if (status === 401 || status === 403 || (signInRedirect && principal === undefined)) {
      activity.adminRequest('refused', principal ? describePrincipal(principal) : null, at);
      return;
    }
    activity.adminRequest('served', principal && can(principal, 'admin') ? describePrincipal(principal) : null, at);
    const html = String(reply.getHeader('content-type') ?? '').startsWith('text/html');
    if (request.method === 'GET' && status === 200 && html && principal?.kind === 'session' && route.startsWith('/admin')) {
      activity.pageView(principal.email, at);
    }
  });

  const tokens = createTokensService(database.db, {
    recordAudit: insertAudit,
    onTouchError: (err) => app.log.warn({ err: { message: (err as Error).message } }, 'could not record token use'),
  });
  const auth = authServiceFor(config, database.db, {
    now,
    onBackgroundError: (err) => app.log.warn({ err: { message: (err as Error).message } }, 'could not record session use'),
  });
  const sessionCookie = cookieNames(config.publicUrl).session;

  // Callers are resolved lazily and once per request: public routes never touch the database for it.
  app.decorateRequest('principal', () => Promise.resolve(undefined));
  app.addHook('onRequest', async (request) => {
    let resolved: Promise<Principal | undefined> | undefined;
    request.principal = () => {
      resolved ??= (async () => {
        const token = bearerToken(request.headers.authorization, request.headers['x-api-key']);
        if (token !== undefined) return tokens.verify(token);
        const sessionId = request.cookies[sessionCookie];
        return sessionId === undefined ? undefined : auth.resolveSession(sessionId);
      })();
      return resolved;
    };
  });

  const sampler = createSystemSampler(config.dataDir);
  new Gauge({
    name: 'db_pool_connections',
    help: 'Database pool connections by state',
    labelNames: ['state'] as const,
    registers: [metrics.registry],
    collect() {
      const pool = database.poolState();
      this.set({ state: 'in_use' }, pool.inUse);
      this.set({ state: 'idle' }, pool.idle);
      this.set({ state: 'waiting' }, pool.waiting);
      this.set({ state: 'max' }, pool.max);
    },
  });
  new Gauge({
    name: 'db_reachable',
    help: '1 while the background probe reaches the database',
    registers: [metrics.registry],
    collect() {
      this.set(database.probeState().reachable === true ? 1 : 0);
    },
  });

  await app.register(healthRoutes, {
    metrics,
    sampler,
    poolState: () => database.poolState(),
    probeState: () => database.probeState(),
    shuttingDown: () => lifecycle.shuttingDown(),
    version: deps.version,
    instanceId: deps.instanceId,
  });

  await app.register(authRoutes, {
    auth,
    oidc:
      config.googleClientId !== undefined && config.googleClientSecret !== undefined
        ? createOidcClient({
            issuer: config.oidcIssuer,
            clientId: config.googleClientId,
            clientSecret: config.googleClientSecret,
            redirectUri: `${config.publicUrl}/auth/callback`,
          })
        : undefined,
    sealer: createSealer(deps.sessionSecret, 'oidc-pending-sign-in'),
    publicUrl: config.publicUrl,
    now,
    rateLimitPerMinute: AUTH_RATE_LIMIT,
  });
  const logWarn = (msg: string) => (err: unknown) => app.log.warn({ err: { message: (err as Error).message } }, msg);
  const store = createFlagStore({
    loadAll: () => listFlags(database.db),
    loadOne: (name) => findFlag(database.db, name),
    loadOverrides: () => listOverrides(database.db),
    listen: (onMessage, onReconnect) => database.listen(FLAG_CHANNEL, onMessage, onReconnect),
    onError: logWarn('flag snapshot update failed'),
  });
  await store.start();
  const counter = createEvaluationCounter();
  const flushCounts = () => counter.flush((rows) => addEvaluationCounts(database.db, rows));
  const flags = createFlagsService({ db: database.db, store, recordAudit: insertAudit, now });
  await app.register(flagRoutes, { db: database.db, flags, store, staleDays: config.flagStaleDays, now });
  await app.register(ofrepRoutes, {
    store,
    counter,
    registry: metrics.registry,
    onShutdown: (cb) => lifecycle.onShutdown(cb),
    onEvaluated: (flag, targetingKey, email) => activity.evaluated(flag, targetingKey, email, now()),
  });

  const users = createBetaUsersService({
    db: database.db,
    recordAudit: insertAudit,
    overridesChanged: (trx) => notifyFlagChange(trx, { op: 'overrides' }),
  });
  await app.register(betaUserRoutes, {
    db: database.db,
    users,
    publicUrl: config.publicUrl,
    redeemRateLimitPerMin: config.publicRateLimitPerMin,
    feedbackFor: async (userId) => (await listFeedback(database.db, { userId, limit: 100 })).map(presentFeedback),
  });

  const feedbackSubmitted = new Counter({ name: 'feedback_submitted_total', help: 'Feedback rows stored', registers: [metrics.registry] });
  const feedback = createFeedbackService({
    db: database.db,
    ensureTester,
    recordAudit: insertAudit,
    onSubmitted: () => feedbackSubmitted.inc(),
    now,
  });
  await app.register(feedbackRoutes, {
    db: database.db,
    feedback,
    corsOrigins: config.corsOrigins,
    rateLimitPerMin: config.publicRateLimitPerMin,
  });

  await app.register(sessionAdminRoutes, { auth });
  await app.register(tokensRoutes, { tokens });
  await app.register(auditRoutes, { audit: createAuditService(database.db) });

  const dbInsights = await createDbInsights({
    db: database.db,
    kind: database.kind,
    poolState: () => database.poolState(),
    slowQueryMs: config.slowQueryMs,
    cooldownMs: config.slowQueryCooldownS * 1000,
    explainTimeoutMs: config.explainTimeoutMs,
    logger: app.log,
  });
  const stopObservingQueries = database.observeQueries((event) => dbInsights.record(event));
  app.addHook('onClose', async () => {
    stopObservingQueries();
    await dbInsights.stop();
  });
  await app.register(dbInsightsRoutes, { insights: dbInsights });

  const flushActivity = () => activity.flush();
  await app.register(kpisRoutes, {
    kpis: createKpisService({
      db: database.db,
      intervalS: config.metricsIntervalS,
      now,
      flushActivity,
      onFlushError: logWarn('could not write admin activity counts'),
    }),
  });
  const notifier = config.alerts.webhookUrl
    ? createWebhookNotifier({ url: config.alerts.webhookUrl, cooldownMs: config.alerts.cooldownS * 1000, now, logger: app.log })
    : undefined;
  const alerting = createAlerting({
    db: database.db,
    instanceId: deps.instanceId,
    thresholds: { ...config.alerts, intervalS: config.metricsIntervalS },
    logger: app.log,
    notify: notifier ? (notice) => notifier.notify(notice) : undefined,
  });
  alerting.start();
  let alertsClosed = false;
  const onSample = (sample: AlertSample) => {
    if (!alertsClosed) alerting.onSample(sample);
  };

  await app.register(metricsSeriesRoutes, { health: createHealthService({ db: database.db, clock: now }) });
  await app.register(adminConsole.routes);

  const collector = createCollector({
    db: database.db,
    metrics,
    sampler,
    poolState: () => database.poolState(),
    probeState: () => database.probeState(),
    instanceId: deps.instanceId,
    intervalMs: config.metricsIntervalS * 1000,
    retentionMs: config.metricsRetentionDays * 86_400_000,
    logger: app.log,
    onSample: (row) =>
      onSample({
        at: new Date(row.recorded_at ?? now()),
        cpuPercent: row.cpu_percent,
        memoryPercent: row.memory_percent,
        diskPercent: row.disk_percent ?? null,
        dbP95Ms: row.db_p95_ms,
        requestCount: row.request_count,
        errorCount: row.error_count,
        dbReachable: row.db_reachable,
      }),
  });
  let sweeper: NodeJS.Timeout | undefined;
  let flusher: NodeJS.Timeout | undefined;
  if (deps.background) {
    app.addHook('onReady', async () => {
      flusher = setInterval(() => {
        flushCounts().catch(logWarn('could not write flag evaluation counts'));
      }, config.flagCountsFlushS * 1000);
      flusher.unref();
      database.startProbe(config.healthProbeIntervalMs);
      collector.start();
      sweeper = setInterval(() => {
        auth.deleteExpired().catch((err: unknown) => app.log.warn({ err: { message: (err as Error).message } }, 'session sweep failed'));
        feedback.pruneKeys().catch(logWarn('idempotency key sweep failed'));
      }, 10 * 60_000);
      sweeper.unref();
    });
  }
  app.addHook('onClose', async () => {
    clearInterval(sweeper);
    clearInterval(flusher);
    await flushCounts().catch(logWarn('could not write flag evaluation counts'));
    await store.stop();
    if (deps.background) await collector.stop();
    sampler.stop();
  });

  let activityFlusher: NodeJS.Timeout | undefined;
  if (deps.background) {
    app.addHook('onReady', async () => {
      activityFlusher = setInterval(() => {
        flushActivity().catch(logWarn('could not write admin activity counts'));
      }, config.flagCountsFlushS * 1000);
      activityFlusher.unref();
    });
  }
  app.addHook('onClose', async () => {
    clearInterval(activityFlusher);
    await flushActivity().catch(logWarn('could not write admin activity counts'));
    alertsClosed = true;
    await alerting.idle();
    await notifier?.stop();
  });
  const kpis = {
    onSample,
    idle: async () => {
      await alerting.idle();
      await notifier?.idle();
    },
  };

  return { app, tokens, auth, routes, dbInsights, flags: { store, flushCounts }, kpis };
}
