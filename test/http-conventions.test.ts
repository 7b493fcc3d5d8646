// The HTTP conventions every route inherits: strict JSON bodies, the error shape, request ids.
// Exercised through a probe route registered on the real application.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/test-app.js';

describe('HTTP conventions', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
    const app = t.app.withTypeProvider<TypeBoxTypeProvider>();
    app.post(
      '/test/echo',
      {
        schema: {
          body: Type.Object(
            {
              rating: Type.Integer({ minimum: 1, maximum: 5 }),
              note: Type.Optional(Type.String({ maxLength: 100 })),
              meta: Type.Optional(Type.Unknown()),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (request) => ({ received: request.body }),
    );
    app.get('/test/boom', async () => {
      throw new Error('relation "beta_users" violates constraint at /srv/secret/path.ts:12');
    });
    app.get('/test/db-down', async () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    });
    await t.app.ready();
  });
  afterAll(() => t.close());

  const post = (payload: string, contentType = 'application/json') =>
    t.app.inject({ method: 'POST', url: '/test/echo', payload, headers: { 'content-type': contentType } });

  function expectError(res: { statusCode: number; json(): unknown; body: string }, status: number, code: string) {
    expect(res.statusCode).toBe(status);
    expect(res.json()).toEqual({ error: { code, message: expect.any(String) } });
    expect(res.body).not.toMatch(/at .*\.(ts|js):\d+|node_modules|\/srv\//);
  }

  it('accepts a valid body', async () => {
    const res = await post('{"rating":5,"note":"fine"}');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ received: { rating: 5, note: 'fine' } });
  });

  it.each([
    ['malformed JSON', '{"rating":'],
    ['an empty body', ''],
    ['a number sent as a string', '{"rating":"5"}'],
    ['a 5000-digit number', `{"rating":${'9'.repeat(5000)}}`],
    ['a fraction for an integer', '{"rating":4.5}'],
    ['a value out of range', '{"rating":6}'],
    ['an unknown field', '{"rating":5,"admin":true}'],
    ['null for a required field', '{"rating":null}'],
    ['a JSON array', '[5]'],
    ['a NUL character', '{"rating":5,"note":"a\\u0000b"}'],
    ['a lone surrogate', '{"rating":5,"note":"\\ud800"}'],
    ['prototype pollution', '{"rating":5,"__proto__":{"admin":true}}'],
    ['constructor pollution', '{"rating":5,"constructor":{"prototype":{"admin":true}}}'],
    ['excessive nesting', `{"rating":5,"meta":${'['.repeat(40)}${']'.repeat(40)}}`],
  ])('refuses %s with 400 and the error shape', async (_name, payload) => {
    expectError(await post(payload), 400, 'VALIDATION_ERROR');
  });

  it('refuses bodies over 64 KB with 413', async () => {
    expectError(await post(JSON.stringify({ rating: 5, note: 'x'.repeat(70_000) })), 413, 'PAYLOAD_TOO_LARGE');
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])('refuses %s with 415', async (type) => {
    expectError(await post('rating=5', type), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers unknown routes with a JSON 404', async () => {
    expectError(await t.app.inject('/nope?secret=1'), 404, 'NOT_FOUND');
  });

  it('hides the details of unexpected errors', async () => {
    const res = await t.app.inject('/test/boom');
    expectError(res, 500, 'INTERNAL');
    expect(res.body).not.toContain('beta_users');
  });

  it('answers 503 with Retry-After when the database cannot be reached', async () => {
    const res = await t.app.inject('/test/db-down');
    expectError(res, 503, 'DATABASE_UNAVAILABLE');
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body).not.toContain('5432');
  });

  it('echoes a safe X-Request-Id and replaces an unsafe one', async () => {
    const kept = await t.app.inject({ url: '/livez', headers: { 'x-request-id': 'lb-abc-123' } });
    expect(kept.headers['x-request-id']).toBe('lb-abc-123');
    const replaced = await t.app.inject({ url: '/livez', headers: { 'x-request-id': 'bad id\twith <tags>' } });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const fresh = await t.app.inject('/livez');
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
