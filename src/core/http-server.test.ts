import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { CONTENT_SECURITY_POLICY, createHttpServer, isJsonContentType, registerHttpBasics } from './http-server.js';
import { createMetrics, type Metrics } from './metrics.js';

const DOCUMENT_ONLY = [
  'content-security-policy',
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'origin-agent-cluster',
  'referrer-policy',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-frame-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection',
];

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function server(https: boolean): Promise<{ app: FastifyInstance; metrics: Metrics }> {
  const metrics = createMetrics({ defaultMetrics: false });
  app = createHttpServer({ logger: pino({ level: 'silent' }), trustProxy: false, mapError: (err) => err });
  await registerHttpBasics(app, { metrics, https, redis: undefined });
  app.get('/json', async () => ({ ok: true }));
  app.get('/health-json', async (_request, reply) => reply.type('application/health+json').send(JSON.stringify({ status: 'pass' })));
  app.get('/page', async (_request, reply) => reply.type('text/html; charset=utf-8').send('<p>hi</p>'));
  app.get('/framed', async (_request, reply) => reply.header('x-frame-options', 'DENY').type('text/html').send('<p>hi</p>'));
  app.get('/stream', async (_request, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream' });
    reply.raw.end('data: 1\n\n');
  });
  app.route({ method: ['GET', 'POST'], url: '/both', handler: async () => ({ ok: true }) });
  await app.ready();
  return { app, metrics };
}

describe('security headers', () => {
  it('sends every document header on pages, with the strict CSP, and none of them on JSON', async () => {
    const { app } = await server(false);
    const page = await app.inject('/page');
    expect(page.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(page.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    for (const name of DOCUMENT_ONLY) expect(page.headers[name], name).toBeDefined();
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['strict-transport-security']).toBeUndefined();

    for (const url of ['/json', '/health-json', '/nope']) {
      const res = await app.inject(url);
      expect(res.headers['content-type']).toMatch(/json/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      for (const name of DOCUMENT_ONLY) expect(res.headers[name], `${url} ${name}`).toBeUndefined();
    }
  });

  it('keeps a header a route set itself', async () => {
    const { app } = await server(false);
    expect((await app.inject('/framed')).headers['x-frame-options']).toBe('DENY');
  });

  it('sends HSTS on every answer behind an https public URL, and nosniff on hijacked answers', async () => {
    const { app } = await server(true);
    for (const url of ['/json', '/page', '/stream']) {
      const res = await app.inject(url);
      expect(res.headers['strict-transport-security'], url).toBe('max-age=31536000; includeSubDomains');
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
    }
  });

  it('recognises JSON content types only', () => {
    expect(isJsonContentType('application/json; charset=utf-8')).toBe(true);
    expect(isJsonContentType('application/health+json')).toBe(true);
    expect(isJsonContentType('application/problem+json;charset=utf-8')).toBe(true);
    expect(isJsonContentType('application/jsonp')).toBe(false);
    expect(isJsonContentType('text/html; charset=utf-8')).toBe(false);
    expect(isJsonContentType('text/json-ish')).toBe(false);
    expect(isJsonContentType(undefined)).toBe(false);
  });
});

describe('request metrics', () => {
  it('counts each request once under its method and route template, and unmatched ones apart', async () => {
    const { app, metrics } = await server(false);
    await app.inject('/json');
    await app.inject('/json');
    await app.inject({ method: 'HEAD', url: '/json' });
    await app.inject({ method: 'POST', url: '/both' });
    await app.inject('/both');
    await app.inject('/nope');
    const { requests } = metrics.snapshot();
    expect(requests.perRoute).toEqual({ 'GET /json': 2, 'HEAD /json': 1, 'POST /both': 1, 'GET /both': 1, 'GET unmatched': 1 });
    expect(requests.total).toBe(6);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^http_request_duration_seconds_count\{method="GET",route="\/json",status_code="200"\} 2$/m);
    expect(text).toMatch(/^http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\} 1$/m);
  });
});

describe('request loggers', () => {
  it('log with the request id, and serialise responses by their schema on first use', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    app = createHttpServer({ logger, trustProxy: false, mapError: (err) => err });
    app.get('/quiet', async () => ({ ok: true }));
    app.get('/loud', async (request) => {
      request.log.warn({ step: 'one' }, 'something to see');
      request.log.info('and more');
      return { ok: true };
    });
    const schema = { response: { 200: { type: 'object', properties: { shown: { type: 'string' } }, additionalProperties: false } } };
    app.get('/typed', { schema }, async () => ({ shown: 'yes', hidden: 'secret' }));
    await app.ready();

    await app.inject({ url: '/quiet', headers: { 'x-request-id': 'quiet-1' } });
    expect(lines).toEqual([]);
    await app.inject({ url: '/loud', headers: { 'x-request-id': 'loud-1' } });
    expect(lines.map((l) => [l.requestId, l.msg, l.step])).toEqual([
      ['loud-1', 'something to see', 'one'],
      ['loud-1', 'and more', undefined],
    ]);
    const typed = await app.inject({ url: '/typed' });
    expect(typed.json()).toEqual({ shown: 'yes' });
    expect((await app.inject({ url: '/typed' })).json()).toEqual({ shown: 'yes' });
  });
});
