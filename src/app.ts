// Composes the service: HTTP conventions, caller resolution, and each feature's routes with the
// narrow dependencies it declares. No listening and no environment here (see main.ts).
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { Gauge } from 'prom-client';
import type { Config } from './core/config.js';
import { createValidatorCompiler, registerErrorHandling, registerJsonParser, requestIdFrom } from './core/http.js';
import type { Lifecycle } from './core/lifecycle.js';
import type { Metrics } from './core/metrics.js';
import type { Principal } from './core/principal.js';
import type { Database } from './db/database.js';
import { toAppError } from './db/errors.js';
import { createCollector } from './features/health/collector.js';
import { healthRoutes } from './features/health/health.routes.js';
import { createSystemSampler } from './features/health/system-stats.js';
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
  /** Start the background collector and database probe (off in most tests). */
  background?: boolean;
}

export interface App {
  app: FastifyInstance;
  tokens: TokensService;
}

/** Largest request body accepted anywhere. Routes may set a lower limit. */
export const BODY_LIMIT_BYTES = 64 * 1024;

function bearerToken(authorization: string | undefined, apiKey: string | string[] | undefined): string | undefined {
  if (typeof apiKey === 'string' && apiKey !== '') return apiKey;
  const match = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  return match?.[1];
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

  const tokens = createTokensService(database.db, {
    onTouchError: (err) => app.log.warn({ err: { message: (err as Error).message } }, 'could not record token use'),
  });

  // Callers are resolved lazily and once per request: public routes never touch the database for it.
  app.decorateRequest('principal', () => Promise.resolve(undefined));
  app.addHook('onRequest', async (request) => {
    let resolved: Promise<Principal | undefined> | undefined;
    request.principal = () => {
      resolved ??= (async () => {
        const token = bearerToken(request.headers.authorization, request.headers['x-api-key']);
        return token === undefined ? undefined : tokens.verify(token);
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
  });
  if (deps.background) {
    app.addHook('onReady', async () => {
      database.startProbe(config.healthProbeIntervalMs);
      collector.start();
    });
  }
  app.addHook('onClose', async () => {
    if (deps.background) await collector.stop();
    sampler.stop();
  });

  return { app, tokens };
}
