// OpenFeature Remote Evaluation Protocol (OFREP) over the in-memory snapshot, and a server-sent
// events stream of flag changes. Callers present an `evaluate` (or `admin`) token.
import { randomBytes } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Counter, type Registry } from 'prom-client';
import { toHttpError } from '../../core/http.js';
import { requireCapability } from '../../core/principal.js';
import type { EvaluationContext } from './conditions.js';
import type { EvaluationResult } from './evaluate.js';
import { FlagStreamHeaders, OfrepBody, OfrepParams } from './flags.schemas.js';
import type { FlagEvaluation, StoreEvent } from './flags.service.js';
import { answerJson, bulkAnswer } from './ofrep-answers.js';

export interface OfrepRouteDeps {
  flags: FlagEvaluation;
  registry: Registry;
  /** Registers a callback run when shutdown begins (open streams are closed then). */
  onShutdown(callback: () => void): void;
  /** Told of every successful evaluation and whom it was for (success metrics: testers reached). */
  onEvaluated(flag: string, targetingKey: string | undefined, email: string | undefined): void;
}

const HEARTBEAT_MS = 15_000;

function ofrepError(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  const key = (request.params as { key?: string } | undefined)?.key;
  const http = toHttpError(err);
  if (http.status === 401 || http.status === 403) {
    if (http.status === 401) void reply.header('www-authenticate', 'Bearer');
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

/** POST /ofrep/v1/evaluate/flags[/:key], in their own scope for the protocol's error shape. */
async function evaluationRoutes(fastify: FastifyInstance, deps: OfrepRouteDeps): Promise<void> {
  // Counted in plain numbers per flag ([false, true]) and handed to Prometheus when it scrapes:
  // prom-client hashes the label object on every `inc`, even through a bound child.
  // Boolean flags keep their `{flag, value}` series; a typed flag's are `{flag, variant}`.
  const pending = new Map<string, [number, number]>();
  const pendingVariants = new Map<string, Map<string, number>>();
  new Counter({
    name: 'flag_evaluations_total',
    help: 'Flag evaluations by flag and resulting value (boolean flags) or variant (typed flags)',
    labelNames: ['flag', 'value', 'variant'] as const,
    registers: [deps.registry],
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
  const countFor = (flag: string, result: EvaluationResult) => {
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
  /** Tells the success metrics and Prometheus of each successful evaluation for this context. */
  function counted(evaluated: ReadonlyArray<{ name: string; result: EvaluationResult }>, context: EvaluationContext): void {
    const targetingKey = typeof context.targetingKey === 'string' && context.targetingKey !== '' ? context.targetingKey : undefined;
    const email = typeof context.email === 'string' ? context.email : undefined;
    for (const { name, result } of evaluated) {
      if (result.errorCode) continue;
      deps.onEvaluated(name, targetingKey, email);
      countFor(name, result);
    }
  }

  await fastify.register(async (scope) => {
    scope.setErrorHandler(ofrepError);
    const api = scope.withTypeProvider<TypeBoxTypeProvider>();
    api.addHook('preHandler', requireCapability('evaluate'));

    api.post('/ofrep/v1/evaluate/flags/:key', { schema: { params: OfrepParams, body: OfrepBody } }, async (request, reply) => {
      const context = (request.body?.context ?? {}) as EvaluationContext;
      const { key } = request.params;
      const result = deps.flags.evaluate(key, context);
      counted([{ name: key, result }], context);
      const status = result.errorCode ? (result.errorCode === 'FLAG_NOT_FOUND' ? 404 : result.errorCode === 'GENERAL' ? 500 : 400) : 200;
      return reply.code(status).header('cache-control', 'no-store').type('application/json; charset=utf-8').send(answerJson(key, result));
    });

    api.post('/ofrep/v1/evaluate/flags', { schema: { body: OfrepBody } }, async (request, reply) => {
      const context = (request.body?.context ?? {}) as EvaluationContext;
      const evaluated = deps.flags.evaluateAll(context);
      counted(evaluated, context);
      // The ETag follows the evaluated answer, so it changes when the context changes an outcome too.
      const answer = bulkAnswer(evaluated);
      void reply.header('etag', answer.etag).header('cache-control', 'no-cache');
      if (request.headers['if-none-match'] === answer.etag) return reply.code(304).send();
      return reply.code(200).type('application/json; charset=utf-8').send(answer.body());
    });
  });
}

/** GET /api/flags/stream: server-sent events, one per change, ids resumable with Last-Event-ID. */
async function streamRoute(fastify: FastifyInstance, deps: OfrepRouteDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const boot = randomBytes(4).toString('hex');
  const streams = new Set<() => void>();
  deps.onShutdown(() => {
    for (const end of [...streams]) end();
  });
  const frame = (event: string, id: string, data: unknown) => `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
  const change = (e: StoreEvent) => frame('flag', `${boot}.${e.seq}`, { op: e.op, name: e.name, version: e.version, flag: e.flag });

  app.get(
    '/api/flags/stream',
    { preHandler: requireCapability('evaluate'), schema: { headers: FlagStreamHeaders } },
    async (request, reply) => {
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
      const opening = missed
        ? missed.map(change).join('')
        : frame('snapshot', `${boot}.${deps.flags.lastChange()}`, { flags: deps.flags.snapshot() });
      res.write(`retry: 3000\n\n${opening}`);

      const unsubscribe = deps.flags.subscribe((e) => res.write(change(e)));
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
