// Browser access through HTTP: client keys (only client-visible flags, no stream, no admin, rate
// limited per key and address, feedback), CORS on OFREP for CORS_ORIGINS alone, and the `sync` scope.
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/test-app.js';

const OWNER = 'owner@example.com';
const PAGE = 'https://app.nous.example';
const OTHER = 'https://evil.example';
const LIMIT = 8;

describe('client keys and browser access', () => {
  let t: TestApp;
  let admin: Record<string, string>;
  let evaluate: Record<string, string>;
  let client: Record<string, string>;
  let clientKey: string;
  // Each test calls from its own address, so per-address limits never leak between tests.
  let address = 10;
  const nextAddress = () => `10.0.0.${address++}`;

  beforeAll(async () => {
    t = await createTestApp({ ADMIN_EMAILS: OWNER, CORS_ORIGINS: PAGE, CLIENT_RATE_LIMIT_PER_MIN: String(LIMIT) });
    await t.app.ready();
    admin = { authorization: `Bearer ${await t.token('admin')}` };
    evaluate = { authorization: `Bearer ${await t.token('evaluate')}` };
    clientKey = (await t.tokens.create({ name: 'nous-web', scope: 'client', createdBy: 'test' })).token;
    client = { authorization: `Bearer ${clientKey}` };
    const flag = (payload: object) => t.app.inject({ method: 'POST', url: '/api/admin/flags', headers: admin, payload });
    expect((await flag({ name: 'web-banner', is_enabled: true, rollout_percentage: 100, client_visible: true })).statusCode).toBe(201);
    expect(
      (await flag({ name: 'server-secret', is_enabled: true, rollout_percentage: 100, target_users: ['vip@example.com'] })).statusCode,
    ).toBe(201);
  });
  afterAll(() => t.close());

  const inject = (options: InjectOptions, remoteAddress = nextAddress()) => t.app.inject({ ...options, remoteAddress });
  const single = (key: string, headers: Record<string, string>, remoteAddress?: string) =>
    inject(
      { method: 'POST', url: `/ofrep/v1/evaluate/flags/${key}`, headers, payload: { context: { targetingKey: 'u1' } } },
      remoteAddress,
    );
  const bulk = (headers: Record<string, string>, remoteAddress?: string) =>
    inject({ method: 'POST', url: '/ofrep/v1/evaluate/flags', headers, payload: { context: { targetingKey: 'u1' } } }, remoteAddress);

  describe('flags visible to client keys', () => {
    it('defaults to hidden, is set on create and update, refuses non-booleans, and is kept in the history', async () => {
      const hidden = await inject({ url: '/api/admin/flags/server-secret', headers: admin });
      expect(hidden.json().flag?.client_visible ?? hidden.json().client_visible).toBe(false);
      const bad = await inject({
        method: 'PATCH',
        url: '/api/admin/flags/server-secret',
        headers: admin,
        payload: { client_visible: 'yes' },
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.message).toMatch(/client_visible/);

      await inject({ method: 'POST', url: '/api/admin/flags', headers: admin, payload: { name: 'history-visible' } });
      const shown = await inject({
        method: 'PATCH',
        url: '/api/admin/flags/history-visible',
        headers: admin,
        payload: { client_visible: true },
      });
      expect(shown.statusCode).toBe(200);
      expect(shown.json()).toMatchObject({ client_visible: true, version: 2 });
      const audit = await inject({ url: '/api/admin/audit?entity_type=flag&entity_id=history-visible', headers: admin });
      const update = audit.json().items.find((a: { action: string }) => a.action === 'flag.update');
      expect(update.before.client_visible).toBe(false);
      expect(update.after.client_visible).toBe(true);
      const list = await inject({ url: '/api/admin/flags', headers: admin });
      const listed = list.json().items.find((f: { name: string }) => f.name === 'history-visible');
      expect(listed.client_visible).toBe(true);
      await inject({ method: 'DELETE', url: '/api/admin/flags/history-visible', headers: admin });
    });
  });

  describe('OFREP with a client key', () => {
    it('answers client-visible flags, and every other flag exactly as a missing one', async () => {
      const visible = await single('web-banner', client);
      expect(visible.statusCode).toBe(200);
      expect(visible.json()).toMatchObject({ key: 'web-banner', value: true });

      const hidden = await single('server-secret', client);
      const missing = await single('no-such-flag', client);
      expect(hidden.statusCode).toBe(404);
      expect(missing.statusCode).toBe(404);
      expect(hidden.json()).toEqual({
        key: 'server-secret',
        errorCode: 'FLAG_NOT_FOUND',
        errorDetails: 'Flag "server-secret" does not exist.',
      });
      expect(JSON.stringify(hidden.json()).replaceAll('server-secret', 'X')).toBe(
        JSON.stringify(missing.json()).replaceAll('no-such-flag', 'X'),
      );
      // A server token still sees it.
      expect((await single('server-secret', evaluate)).json()).toMatchObject({ value: true });
    });

    it('leaves hidden flags out of the bulk answer and its ETag', async () => {
      const first = await bulk(client);
      expect(first.statusCode).toBe(200);
      expect(first.json().flags.map((f: { key: string }) => f.key)).toEqual(['web-banner']);
      expect(first.body).not.toContain('server-secret');
      const serverFirst = await bulk(evaluate);
      expect(serverFirst.json().flags.map((f: { key: string }) => f.key)).toEqual(expect.arrayContaining(['web-banner', 'server-secret']));

      // Changing a hidden flag changes the server's answer, not the page's.
      await inject({ method: 'POST', url: '/api/admin/flags/server-secret/toggle', headers: admin });
      const again = await bulk({ ...client, 'if-none-match': first.headers.etag as string });
      expect(again.statusCode).toBe(304);
      expect((await bulk({ ...evaluate, 'if-none-match': serverFirst.headers.etag as string })).statusCode).toBe(200);

      // Changing a visible one changes both.
      await inject({ method: 'POST', url: '/api/admin/flags/web-banner/toggle', headers: admin });
      const changed = await bulk({ ...client, 'if-none-match': first.headers.etag as string });
      expect(changed.statusCode).toBe(200);
      expect(changed.json().flags).toEqual([expect.objectContaining({ key: 'web-banner', value: false })]);
      await inject({ method: 'POST', url: '/api/admin/flags/web-banner/toggle', headers: admin });
      await inject({ method: 'POST', url: '/api/admin/flags/server-secret/toggle', headers: admin });
    });

    it('gives client keys no stream, no metrics and no admin API', async () => {
      const stream = await inject({ url: '/api/flags/stream', headers: client });
      expect(stream.statusCode).toBe(403);
      expect(stream.body).not.toContain('server-secret');
      expect((await inject({ url: '/api/admin/flags', headers: client })).statusCode).toBe(403);
      expect((await inject({ url: '/api/admin/flags/server-secret', headers: client })).statusCode).toBe(403);
      expect(
        (await inject({ method: 'POST', url: '/api/admin/flags/server-secret/explain', headers: client, payload: { context: {} } }))
          .statusCode,
      ).toBe(403);
      expect((await inject({ url: '/api/admin/users', headers: client })).statusCode).toBe(403);
      expect((await inject({ url: '/metrics', headers: client })).statusCode).toBe(403);
      expect((await inject({ url: '/health/metrics', headers: client })).statusCode).toBe(403);
    });

    it('limits each client key per address, and leaves server tokens alone', async () => {
      const from = nextAddress();
      for (let i = 0; i < LIMIT; i++) expect((await bulk(client, from)).statusCode).toBe(200);
      const limited = await single('web-banner', client, from);
      expect(limited.statusCode).toBe(429);
      expect(limited.json().error.code).toBe('RATE_LIMITED');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      // Another address with the same key, and another key from the same address, are counted apart.
      expect((await bulk(client, nextAddress())).statusCode).toBe(200);
      const other = {
        authorization: `Bearer ${(await t.tokens.create({ name: 'nous-web-2', scope: 'client', createdBy: 'test' })).token}`,
      };
      expect((await bulk(other, from)).statusCode).toBe(200);
      const serverFrom = nextAddress();
      for (let i = 0; i < LIMIT * 2; i++) expect((await bulk(evaluate, serverFrom)).statusCode).toBe(200);
    });
  });

  describe('CORS', () => {
    it('lets pages on CORS_ORIGINS call OFREP, read the ETag and send If-None-Match', async () => {
      const preflight = await inject({
        method: 'OPTIONS',
        url: '/ofrep/v1/evaluate/flags',
        headers: {
          origin: PAGE,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type,if-none-match',
        },
      });
      expect(preflight.statusCode).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe(PAGE);
      expect(String(preflight.headers['access-control-allow-headers']).split(/,\s*/)).toEqual(
        expect.arrayContaining(['authorization', 'content-type', 'if-none-match']),
      );
      expect(preflight.headers['access-control-allow-methods']).toContain('POST');
      expect(Number(preflight.headers['access-control-max-age'])).toBeGreaterThan(0);
      const singlePreflight = await inject({
        method: 'OPTIONS',
        url: '/ofrep/v1/evaluate/flags/web-banner',
        headers: { origin: PAGE, 'access-control-request-method': 'POST' },
      });
      expect(singlePreflight.headers['access-control-allow-origin']).toBe(PAGE);

      const answer = await bulk({ ...client, origin: PAGE });
      expect(answer.headers['access-control-allow-origin']).toBe(PAGE);
      expect(String(answer.headers['access-control-expose-headers'])).toMatch(/\betag\b/);
      expect(String(answer.headers.vary)).toMatch(/origin/i);
      const one = await single('web-banner', { ...client, origin: PAGE });
      expect(one.headers['access-control-allow-origin']).toBe(PAGE);
      // Refusals carry the header too, so the page can read them.
      const refused = await single('web-banner', { authorization: 'Bearer nope', origin: PAGE });
      expect(refused.statusCode).toBe(401);
      expect(refused.headers['access-control-allow-origin']).toBe(PAGE);
    });

    it('gives other origins, and every other route, no CORS headers', async () => {
      const preflight = await inject({
        method: 'OPTIONS',
        url: '/ofrep/v1/evaluate/flags',
        headers: { origin: OTHER, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
      });
      expect(preflight.statusCode).not.toBe(204);
      expect(Object.keys(preflight.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
      const answer = await bulk({ ...client, origin: OTHER });
      expect(answer.statusCode).toBe(200);
      expect(Object.keys(answer.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);

      for (const url of ['/api/flags/stream', '/api/admin/flags', '/metrics', '/api/admin/tokens']) {
        const pre = await inject({ method: 'OPTIONS', url, headers: { origin: PAGE, 'access-control-request-method': 'GET' } });
        expect(pre.headers['access-control-allow-origin'], url).toBeUndefined();
        const get = await inject({ url, headers: { ...client, origin: PAGE } });
        expect(get.headers['access-control-allow-origin'], url).toBeUndefined();
      }
    });

    it('allows the Authorization header on the feedback preflight', async () => {
      const preflight = await inject({
        method: 'OPTIONS',
        url: '/api/feedback',
        headers: { origin: PAGE, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      });
      expect(preflight.statusCode).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe(PAGE);
      expect(String(preflight.headers['access-control-allow-headers'])).toMatch(/\bauthorization\b/);
    });
  });

  describe('feedback with a client key', () => {
    const feedbackCount = async () =>
      Number(
        (
          await t.testDb.database.db
            .selectFrom('beta_feedback')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const submit = (headers: Record<string, string>, payload: object) =>
      inject({ method: 'POST', url: '/api/feedback', headers: { ...headers, origin: PAGE }, payload });

    it('accepts a valid client key and records its name with the feedback', async () => {
      const res = await submit(client, { rating: 4, feature: 'web-banner', metadata: { page: '/chat', client_key: 'forged' } });
      expect(res.statusCode).toBe(201);
      expect(res.headers['access-control-allow-origin']).toBe(PAGE);
      const row = await t.testDb.database.db
        .selectFrom('beta_feedback')
        .selectAll()
        .where('id', '=', res.json().id)
        .executeTakeFirstOrThrow();
      expect(row.metadata).toEqual({ page: '/chat', client_key: 'nous-web' });
    });

    it('refuses an unknown or revoked key with 401 and stores nothing', async () => {
      const before = await feedbackCount();
      const unknown = await submit({ authorization: `Bearer bst_${'A'.repeat(43)}` }, { rating: 5 });
      expect(unknown.statusCode).toBe(401);
      expect(unknown.json().error.code).toBe('UNAUTHORIZED');
      const created = await t.tokens.create({ name: 'old-page', scope: 'client', createdBy: 'test' });
      expect((await submit({ authorization: `Bearer ${created.token}` }, { rating: 5 })).statusCode).toBe(201);
      await t.tokens.revoke(created.record.id);
      const revoked = await submit({ authorization: `Bearer ${created.token}` }, { rating: 5 });
      expect(revoked.statusCode).toBe(401);
      expect(await feedbackCount()).toBe(before + 1);
    });

    it('keeps anonymous feedback working, with no key name on it', async () => {
      const res = await submit({}, { rating: 3, metadata: { client_key: 'nous-web', page: '/' } });
      expect(res.statusCode).toBe(201);
      const row = await t.testDb.database.db
        .selectFrom('beta_feedback')
        .selectAll()
        .where('id', '=', res.json().id)
        .executeTakeFirstOrThrow();
      expect(row.metadata).toEqual({ page: '/' });
    });
  });

  describe('token scopes', () => {
    it('creates client and sync tokens through the owner API and lists them', async () => {
      const owner = await t.auth.startSession({ email: OWNER, issuer: 'test', subject: OWNER, userAgent: null, ip: null }, 'OWNER', null);
      const headers = { cookie: `bs_session=${owner.sessionId}`, 'x-csrf-token': owner.csrfToken, origin: t.config.publicUrl };
      for (const scope of ['client', 'sync']) {
        const res = await inject({ method: 'POST', url: '/api/admin/tokens', headers, payload: { name: `web-${scope}`, scope } });
        expect(res.statusCode, scope).toBe(201);
        expect(res.json()).toMatchObject({ scope, name: `web-${scope}` });
      }
      const bad = await inject({ method: 'POST', url: '/api/admin/tokens', headers, payload: { name: 'x', scope: 'browser' } });
      expect(bad.statusCode).toBe(400);
      const list = await inject({ url: '/api/admin/tokens', headers });
      expect(list.json().items.map((i: { name: string; scope: string }) => `${i.name}:${i.scope}`)).toEqual(
        expect.arrayContaining(['web-client:client', 'web-sync:sync', 'nous-web:client']),
      );
    });

    it('lets sync tokens evaluate, and gives them no admin API', async () => {
      const sync = { authorization: `Bearer ${await t.token('sync')}` };
      expect((await single('server-secret', sync)).json()).toMatchObject({ value: true });
      expect((await inject({ url: '/api/admin/flags', headers: sync })).statusCode).toBe(403);
    });
  });
});
