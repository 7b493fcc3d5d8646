// The HTTP server every feature plugs into: Fastify with the service's conventions (strict
// validation, one error shape, request ids), security headers, cookies, rate limiting (shared
// through Redis when there is one) and per-request metrics.
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { AppError } from './errors.js';
import { createValidatorCompiler, lazySerializerFactory, registerErrorHandling, registerJsonParser, requestIdFrom } from './http.js';
import type { Metrics, RouteRecorder } from './metrics.js';
import { RequestLogger } from './logger.js';
import { createFallbackStore, type RateLimitState } from './rate-limit-store.js';

/** Levels at which the per-request line is written: below them its fields are not even gathered. */
const DEBUG_LEVELS = new Set(['debug', 'trace']);

/** The Content-Security-Policy of every page: own scripts, styles (inline allowed), images and requests only. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join(';');

/**
 * Headers a browser applies only to a document it renders (framing, CSP, cross-origin isolation,
 * referrers, old IE/Flash behaviour): the values helmet 8 sends, with our CSP. Sent on every answer
 * that is not JSON, so a JSON API answer (read by scripts and servers, never rendered) skips them.
 */
export const DOCUMENT_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['content-security-policy', CONTENT_SECURITY_POLICY],
  ['cross-origin-opener-policy', 'same-origin'],
  ['cross-origin-resource-policy', 'same-origin'],
  ['origin-agent-cluster', '?1'],
  ['referrer-policy', 'no-referrer'],
  ['x-dns-prefetch-control', 'off'],
  ['x-download-options', 'noopen'],
  ['x-frame-options', 'SAMEORIGIN'],
  ['x-permitted-cross-domain-policies', 'none'],
  ['x-xss-protection', '0'],
];

const HSTS = 'max-age=31536000; includeSubDomains';
const JSON_TYPE = /^application\/(?:[\w.+-]*\+)?json(?:;|$)/i;

/** Whether an answer of this content type is JSON (`application/json`, `application/health+json`…). */
export function isJsonContentType(contentType: unknown): boolean {
  return typeof contentType === 'string' && JSON_TYPE.test(contentType);
}

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
    childLoggerFactory: (logger, bindings, options) => new RequestLogger(logger, bindings, options),
    trustProxy: options.trustProxy,
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: (req) => requestIdFrom(req.headers['x-request-id']),
    requestIdHeader: false,
    // Shutdown is drained by core/lifecycle: never answer 503 just because close() began.
    return503OnClosing: false,
    forceCloseConnections: false,
    routerOptions: { ignoreTrailingSlash: true },
    schemaController: { compilersFactory: { buildSerializer: lazySerializerFactory() } },
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
  registerSecurityHeaders(app, options.https);
  // While Redis is unreachable, each instance counts in memory: limits still hold, sign-in still works.
  const shared = options.redis ? createFallbackStore(options.redis, 'beta-suite-rate-limit-') : undefined;
  await app.register(rateLimit, {
    global: false,
    ...(shared ? { store: shared.Store } : {}),
    errorResponseBuilder: (_request, context) =>
      new AppError('RATE_LIMITED', `Too many requests; try again in ${Math.ceil(context.ttl / 1000)} s.`, Math.ceil(context.ttl / 1000)),
  });
  registerRequestMetrics(app, options.metrics);
  return { rateLimitState: () => shared?.state() ?? { store: 'memory', fallback: false } };
}

/**
 * Every answer: `X-Content-Type-Options: nosniff` (which also lets browsers block cross-origin reads of
 * JSON), HSTS on https, and the request id. Answers that are not JSON (pages, scripts, styles, CSV,
 * redirects): the document headers too. Nothing here is built per request.
 */
function registerSecurityHeaders(app: FastifyInstance, https: boolean): void {
  // On the raw response, so hijacked answers (the event stream) carry them too.
  app.addHook('onRequest', (request, reply, done) => {
    reply.raw.setHeader('x-content-type-options', 'nosniff');
    if (https) reply.raw.setHeader('strict-transport-security', HSTS);
    void reply.header('x-request-id', request.id);
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (!isJsonContentType(reply.getHeader('content-type'))) {
      for (const [name, value] of DOCUMENT_HEADERS) if (!reply.hasHeader(name)) void reply.header(name, value);
    }
    done(null, payload);
  });
}

/**
 * Request metrics: each route gets its recorder when it is registered (a route-level hook, so a
 * request never looks its route up); requests no route matched count under `unmatched`.
 */
function registerRequestMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onRoute', (route) => {
    const methods = [route.method].flat();
    const recorders = new Map(methods.map((method) => [method, metrics.routeRecorder(method, route.url)]));
    const single = methods.length === 1 ? recorders.get(methods[0]!) : undefined;
    const existing = route.onResponse;
    const record = (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      (single ?? recorders.get(request.method))?.record(reply.statusCode, reply.elapsedTime);
      done();
    };
    route.onResponse = [...(existing === undefined ? [] : [existing].flat()), record];
  });
  const unmatched = new Map<string, RouteRecorder>();
  app.addHook('onResponse', (request, reply, done) => {
    if (DEBUG_LEVELS.has(request.log.level)) {
      // The path only: query strings carry sign-in link tokens and search terms.
      const path = request.url.split('?', 1)[0];
      request.log.debug({ method: request.method, url: path, status: reply.statusCode, ms: reply.elapsedTime }, 'request completed');
    }
    if (request.is404) {
      let recorder = unmatched.get(request.method);
      if (recorder === undefined) unmatched.set(request.method, (recorder = metrics.routeRecorder(request.method, 'unmatched')));
      recorder.record(reply.statusCode, reply.elapsedTime);
    }
    done();
  });
}
