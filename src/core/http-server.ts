// The HTTP server every feature plugs into: Fastify with the service's conventions (strict
// validation, one error shape, request ids), security headers, cookies, rate limiting (shared
// through Redis when there is one) and per-request metrics.
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { AppError } from './errors.js';
import { createValidatorCompiler, registerErrorHandling, registerJsonParser, requestIdFrom } from './http.js';
import type { Metrics } from './metrics.js';
import { createFallbackStore, type RateLimitState } from './rate-limit-store.js';

/** Levels at which the per-request line is written: below them its fields are not even gathered. */
const DEBUG_LEVELS = new Set(['debug', 'trace']);

/** Largest request body accepted anywhere. Routes may set a lower limit. */
export const BODY_LIMIT_BYTES = 64 * 1024;

export interface HttpServerOptions {
  logger: FastifyBaseLogger;
  trustProxy: boolean;
  /** Maps driver errors (an unreachable database) to the service's errors. */
  mapError: (err: unknown) => unknown;
}

export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger,
    // One line per request at debug (errors are logged by the error handler): access logs at info
    // would cost more than the requests themselves under load.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    trustProxy: options.trustProxy,
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
  registerErrorHandling(app, { mapError: options.mapError });
  return app;
}

export interface HttpBasicsOptions {
  metrics: Metrics;
  /** `https:` public URLs get HSTS. */
  https: boolean;
  /** Shares rate-limit counters between instances; undefined → in memory per instance. */
  redis: Redis | undefined;
}

/** Cookies, security headers, rate limiting, the request-id header and request metrics, on the root scope. */
export async function registerHttpBasics(
  app: FastifyInstance,
  options: HttpBasicsOptions,
): Promise<{ rateLimitState: () => RateLimitState }> {
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
    hsts: options.https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
  });
  // While Redis is unreachable, each instance counts in memory: limits still hold, sign-in still works.
  const shared = options.redis ? createFallbackStore(options.redis, 'beta-suite-rate-limit-') : undefined;
  await app.register(rateLimit, {
    global: false,
    ...(shared ? { store: shared.Store } : {}),
    errorResponseBuilder: (_request, context) =>
      new AppError('RATE_LIMITED', `Too many requests; try again in ${Math.ceil(context.ttl / 1000)} s.`, Math.ceil(context.ttl / 1000)),
  });
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    if (DEBUG_LEVELS.has(request.log.level)) {
      // The path only: query strings carry sign-in link tokens and search terms.
      const path = request.url.split('?', 1)[0];
      request.log.debug({ method: request.method, url: path, status: reply.statusCode, ms: reply.elapsedTime }, 'request completed');
    }
    options.metrics.recordRequest({
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: reply.statusCode,
      durationMs: reply.elapsedTime,
    });
  });
  return { rateLimitState: () => shared?.state() ?? { store: 'memory', fallback: false } };
}
