// OpenFeature Remote Evaluation Protocol (OFREP) over the in-memory snapshot, and a server-sent
// events stream of flag changes. Servers present an `evaluate` (or `sync`, `admin`) token; web pages
// a `client` key, which sees only client-visible flags, from CORS_ORIGINS, rate-limited per client.
import { randomBytes } from 'node:crypto';
import cors, { type FastifyCorsOptionsDelegateCallback } from '@fastify/cors';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {} from '@fastify/rate-limit';
import { Counter, type Registry } from 'prom-client';
import { toHttpError } from '../../core/http.js';
import { can, isClientKey, requireCapability } from '../../core/principal.js';
import type { EvaluationContext } from './conditions.js';
import type { EvaluationResult } from './evaluate.js';
import { FlagStreamHeaders, OfrepBody, OfrepParams } from './flags.schemas.js';
import type { FlagEvaluation, StoreEvent } from './flags.service.js';
import type { FlagRow } from './flags.types.js';
import { answerJson, bulkAnswer } from './ofrep-answers.js';

export interface OfrepRouteDeps {
  flags: FlagEvaluation;
  registry: Registry;
  /** Registers a callback run when shutdown begins (open streams are closed then). */
  onShutdown(callback: () => void): void;
  /** Told of a request's successful evaluations and whom they were for (success metrics: testers reached). */
  onEvaluated(
    evaluations: ReadonlyArray<{ flag: string; variant: string }>,
    targetingKey: string | undefined,
    email: string | undefined,
  ): void;
  /** Web origins whose pages may call OFREP evaluation (CORS). */
  corsOrigins: readonly string[];
  /** OFREP requests per minute per client key and client address. */
  clientRateLimitPerMin: number;
}

const HEARTBEAT_MS = 15_000;

function ofrepError(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  const key = (request.params as { key?: string } | undefined)?.key;
  const http = toHttpError(err);
  if (http.status === 401 || http.status === 403 || http.status === 429) {
    if (http.status === 401) void reply.header('www-authenticate', 'Bearer');
    if (http.retryAfter !== undefined) void reply.header('retry-after', String(http.retryAfter));
    return reply.code(http.status).send({ error: { code: http.code, message: http.message } });
  }
  if (http.status >= 500) {
    request.log.error({ err: { message: (err as Error).message } }, 'evaluation failed');
    if (http.retryAfter !== undefined) void reply.header('retry-after', String(http.retryAfter));
    return reply.code(http.status).send({ ...(key ? { key } : {}), errorCode: 'GENERAL', errorDetails: http.message });
  }
  const parse = http.message.startsWith('Request body') || http.code === 'UNSUPPORTED_MEDIA_TYPE' || http.code === 'PAYLOAD_TOO_LARGE';
  const validation = (err as FastifyError).validation !== undefined;
  return reply.code(http.status === 404 ? 404 : 400).send({
    ...(key ? { key } : {}),
    errorCode: parse ? 'PARSE_ERROR' : validation ? 'INVALID_CONTEXT' : 'GENERAL',
    errorDetails: http.message,
  });
}

/** CORS for evaluation from pages on `corsOrigins`; any other origin gets no CORS header at all. */
function ofrepCors(corsOrigins: readonly string[]): FastifyCorsOptionsDelegateCallback {
  // Built once: the delegator runs on every evaluation, server calls included.
  const open = {
    origin: [...corsOrigins],
    methods: ['POST'],
    allowedHeaders: ['authorization', 'content-type', 'if-none-match'],
    exposedHeaders: ['etag', 'retry-after'],
    maxAge: 600,
  };
  const closed = { origin: false };
  const evaluation = /^\/ofrep\/v1\/evaluate\/flags(\/[^/?]*)?(\?|$)/;
  return (request, callback) => {
    const origin = request.headers.origin;
    callback(null, origin !== undefined && corsOrigins.includes(origin) && evaluation.test(request.url) ? open : closed);
  };
}

/**
 * `flag_evaluations_total`, counted in plain numbers per flag ([false, true]) and handed to
 * Prometheus when it scrapes: prom-client hashes the label object on every `inc`, even through a
 * bound child. Boolean flags keep their `{flag, value}` series; a typed flag's are `{flag, variant}`.
 */
function evaluationCounter(registry: Registry): (flag: string, result: EvaluationResult) => void {
  const pending = new Map<string, [number, number]>();
  const pendingVariants = new Map<string, Map<string, number>>();
  new Counter({
    name: 'flag_evaluations_total',
    help: 'Flag evaluations by flag and resulting value (boolean flags) or variant (typed flags)',
    labelNames: ['flag', 'value', 'variant'] as const,
    registers: [registry],
    collect() {
      for (const [flag, counts] of pending) {
        if (counts[0] > 0) this.inc({ flag, value: 'false' }, counts[0]);
        if (counts[1] > 0) this.inc({ flag, value: 'true' }, counts[1]);
      }
      for (const [flag, counts] of pendingVariants) {
        for (const [variant, n] of counts) this.inc({ flag, variant }, n);
      }
      pending.clear();
      pendingVariants.clear();
    },
  });
  return (flag: string, result: EvaluationResult) => {
    if (result.served !== undefined) {
      let counts = pendingVariants.get(flag);
      if (counts === undefined) pendingVariants.set(flag, (counts = new Map<string, number>()));
      counts.set(result.variant, (counts.get(result.variant) ?? 0) + 1);
      return;
    }
    let counts = pending.get(flag);
    if (counts === undefined) pending.set(flag, (counts = [0, 0]));
    counts[result.value === true ? 1 : 0]++;
  };
}

/** POST /ofrep/v1/evaluate/flags[/:key], in their own scope for the protocol's error shape. */
async function evaluationRoutes(fastify: FastifyInstance, deps: OfrepRouteDeps): Promise<void> {
  const countFor = evaluationCounter(deps.registry);
  /** Tells the success metrics and Prometheus of each successful evaluation for this context. */
  function counted(evaluated: ReadonlyArray<{ name: string; result: EvaluationResult }>, context: EvaluationContext): void {
    const targetingKey = typeof context.targetingKey === 'string' && context.targetingKey !== '' ? context.targetingKey : undefined;
    const email = typeof context.email === 'string' ? context.email : undefined;
    const served: Array<{ flag: string; variant: string }> = [];
    for (const { name, result } of evaluated) {
      if (result.errorCode) continue;
      served.push({ flag: name, variant: result.variant });
      countFor(name, result);
    }
    if (served.length > 0) deps.onEvaluated(served, targetingKey, email);
  }

  // Client keys are counted per key and address, both endpoints together; the evaluation hook below
  // hands the limiter client keys alone.
  const clientLimit = {
    max: deps.clientRateLimitPerMin,
    timeWindow: 60_000,
    keyGenerator: async (request: FastifyRequest) => {
      const principal = await request.principal();
      return isClientKey(principal) ? `ofrep-client:${principal.id}:${request.ip}` : 'ofrep-client:none';
    },
  };
  const audienceOf = async (request: FastifyRequest) => ({ clientOnly: isClientKey(await request.principal()) });

  await fastify.register(
    async (corsScope) => {
      // In their own prefix: the plugin's preflight route then answers for /ofrep/v1/* alone. Without
      // CORS_ORIGINS no page may call, and the plugin (a per-request options merge, measured at a few
      // per cent of a server's evaluation) is not registered: preflights then get 404, as without it.
      if (deps.corsOrigins.length > 0) await corsScope.register(cors, () => ofrepCors(deps.corsOrigins));
      await corsScope.register(async (scope) => {
        scope.setErrorHandler(ofrepError);
        const api = scope.withTypeProvider<TypeBoxTypeProvider>();
        // One hook, before the body is read: the caller is resolved once (the handler finds it on the
        // request), counted against the client limit only when it is a client key, so server tokens never
        // enter the rate limiter, and refused before its body is parsed when it may not evaluate.
        // The limiter is absent only where the app is built without @fastify/rate-limit (a feature's own tests).
        const limitClient = scope.hasDecorator('rateLimit') ? scope.rateLimit(clientLimit) : undefined;
        const mayEvaluate = requireCapability('evaluate', 'client');
        api.addHook('onRequest', async (request, reply) => {
          if (limitClient !== undefined && isClientKey(await request.principal())) await limitClient.call(scope, request, reply);
          await mayEvaluate(request, reply);
        });

        api.post('/evaluate/flags/:key', { schema: { params: OfrepParams, body: OfrepBody } }, async (request, reply) => {
          const context = (request.body?.context ?? {}) as EvaluationContext;
          const { key } = request.params;
          const result = deps.flags.evaluate(key, context, await audienceOf(request));
          counted([{ name: key, result }], context);
          const status = result.errorCode
            ? result.errorCode === 'FLAG_NOT_FOUND'
              ? 404
              : result.errorCode === 'GENERAL'
                ? 500
                : 400
            : 200;
          return reply
            .code(status)
            .header('cache-control', 'no-store')
            .type('application/json; charset=utf-8')
            .send(answerJson(key, result));
        });

        api.post('/evaluate/flags', { schema: { body: OfrepBody } }, async (request, reply) => {
          const context = (request.body?.context ?? {}) as EvaluationContext;
          const evaluated = deps.flags.evaluateAll(context, await audienceOf(request));
          counted(evaluated, context);
          // The ETag follows the evaluated answer (a client key's: its visible flags only), so it
          // changes when the context changes an outcome too.
          const answer = bulkAnswer(evaluated);
          void reply.header('etag', answer.etag).header('cache-control', 'no-cache');
          if (request.headers['if-none-match'] === answer.etag) return reply.code(304).send();
          return reply.code(200).type('application/json; charset=utf-8').send(answer.body());
        });
      });
    },
    { prefix: '/ofrep/v1' },
  );
}

/**
 * GET /api/flags/stream: server-sent events, one per change, ids resumable with Last-Event-ID.
 * `evaluate` tokens get notices (name, version, deleted) to re-evaluate on; full definitions, target
 * lists included, only `sync` and `admin` callers (local evaluation). Client keys: none.
 */
async function streamRoute(fastify: FastifyInstance, deps: OfrepRouteDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const boot = randomBytes(4).toString('hex');
  const streams = new Set<() => void>();
  deps.onShutdown(() => {
    for (const end of [...streams]) end();
  });
  const frame = (event: string, id: string, data: unknown) => `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
  const notice = (e: StoreEvent) => ({ op: e.op, name: e.name, version: e.version, deleted: e.op === 'delete' });
  // A definition carries the conditions of the segments it names: a segment edit moves those flags to a new
  // version, so the event of each brings the new conditions.
  const definition = (flag: FlagRow) => ({ ...flag, segment_conditions: deps.flags.segmentConditions(flag) });
  const change = (e: StoreEvent, definitions: boolean) =>
    frame('flag', `${boot}.${e.seq}`, definitions ? { ...notice(e), flag: e.flag && definition(e.flag) } : notice(e));

  app.get(
    '/api/flags/stream',
    { preHandler: requireCapability('evaluate', 'sync'), schema: { headers: FlagStreamHeaders } },
    async (request, reply) => {
      const definitions = can(await request.principal(), 'sync');
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': request.id,
      });
      const lastId = /^([0-9a-f]{8})\.(\d{1,15})$/.exec(request.headers['last-event-id'] ?? '');
      const missed = lastId && lastId[1] === boot ? deps.flags.changesSince(Number(lastId[2])) : undefined;
      const flags = missed ? [] : deps.flags.snapshot();
      const opening = missed
        ? missed.map((e) => change(e, definitions)).join('')
        : frame('snapshot', `${boot}.${deps.flags.lastChange()}`, {
            flags: definitions ? flags.map(definition) : flags.map((f) => ({ name: f.name, version: f.version })),
          });
      res.write(`retry: 3000\n\n${opening}`);

      const unsubscribe = deps.flags.subscribe((e) => res.write(change(e, definitions)));
      const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS);
      const end = () => {
        clearInterval(heartbeat);
        unsubscribe();
        streams.delete(end);
        if (!res.writableEnded) res.end();
      };
      streams.add(end);
      res.on('close', end);
    },
  );
}

export async function ofrepRoutes(fastify: FastifyInstance, deps: OfrepRouteDeps): Promise<void> {
  await evaluationRoutes(fastify, deps);
  await streamRoute(fastify, deps);
}
