// The real OpenFeature clients against the real server on a loopback port: the server SDK with
// @openfeature/ofrep-provider (one OFREP request per evaluation) and the web SDK with
// @openfeature/ofrep-web-provider (bulk evaluation per context, polling with ETag / If-None-Match).
// Nothing on our side is mocked; fetch is only wrapped to record what went over the wire.
import type { AddressInfo } from 'node:net';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { OFREPWebProvider } from '@openfeature/ofrep-web-provider';
import { ErrorCode, OpenFeature as ServerOpenFeature, type Client as ServerClient } from '@openfeature/server-sdk';
import { OpenFeature as WebOpenFeature, ProviderEvents, ProviderStatus, type Client as WebClient } from '@openfeature/web-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/test-app.js';

const BULK = '/ofrep/v1/evaluate/flags';

/** One request a provider made, and what our server answered. */
interface Exchange {
  path: string;
  status: number;
  contentType: string | null;
  ifNoneMatch: string | null;
  etag: string | null;
}

/** The platform's fetch, recording each exchange (the providers pass a Request, sometimes with an init holding a signal). */
function recordingFetch(log: Exchange[]) {
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const response = await fetch(request);
    log.push({
      path: new URL(request.url).pathname,
      status: response.status,
      contentType: response.headers.get('content-type'),
      ifNoneMatch: request.headers.get('if-none-match'),
      etag: response.headers.get('etag'),
    });
    return response;
  };
}

describe('OpenFeature clients over OFREP', () => {
  let t: TestApp;
  let baseUrl: string;
  let adminToken: string;
  let evaluateToken: string;
  /** Every response the server sent on the OFREP routes, seen from inside the app. */
  const served: Array<{ url: string; status: number }> = [];

  beforeAll(async () => {
    t = await createTestApp();
    // Added before the app is ready, so it runs for every route.
    t.app.addHook('onResponse', async (request, reply) => {
      if (request.url.startsWith('/ofrep/')) served.push({ url: request.url, status: reply.statusCode });
    });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    adminToken = await t.token('admin');
    evaluateToken = await t.token('evaluate');

    const flags: object[] = [
      { name: 'of-everyone', is_enabled: true, rollout_percentage: 100 },
      { name: 'of-off', is_enabled: false, rollout_percentage: 100 },
      { name: 'of-half', is_enabled: true, rollout_percentage: 50 },
      { name: 'of-targeted', is_enabled: true, rollout_percentage: 0, target_users: ['vip-1', 'Boss@Example.com'] },
      {
        name: 'of-pro-only',
        is_enabled: true,
        rollout_percentage: 100,
        conditions: [
          { attribute: 'plan', operator: 'in', values: ['pro', 'team'] },
          { attribute: 'seats', operator: 'gte', values: [5] },
        ],
      },
      {
        name: 'of-new-users',
        is_enabled: true,
        rollout_percentage: 100,
        conditions: [{ attribute: 'signed_up', operator: 'after', values: ['2025-01-01T00:00:00Z'] }],
      },
      { name: 'of-live', is_enabled: false, rollout_percentage: 100 },
    ];
    for (const payload of flags) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/admin/flags',
        headers: { authorization: `Bearer ${adminToken}` },
        payload,
      });
      expect(res.statusCode, res.body).toBe(201);
    }
  });

  afterAll(async () => {
    // Stops the web provider's polling timer and aborts in-flight requests, so the process can exit.
    await WebOpenFeature.close();
    await ServerOpenFeature.close();
    await t?.close();
  });

  describe('server SDK with @openfeature/ofrep-provider', () => {
    const exchanges: Exchange[] = [];
    let client: ServerClient;

    const serverProvider = (headers: [string, string][], log: Exchange[] = []) =>
      new OFREPProvider({ baseUrl, headers, fetchImplementation: recordingFetch(log) });

    beforeAll(async () => {
      await ServerOpenFeature.setProviderAndWait('server', serverProvider([['Authorization', `Bearer ${evaluateToken}`]], exchanges));
      client = ServerOpenFeature.getClient('server');
    });

    it('evaluates a flag on for everyone as true, reason STATIC, from a JSON 200', async () => {
      const details = await client.getBooleanDetails('of-everyone', false, { targetingKey: 'user-1' });
      expect(details).toMatchObject({ flagKey: 'of-everyone', value: true, reason: 'STATIC', variant: 'on' });
      expect(details.errorCode).toBeUndefined();
      expect(exchanges.at(-1)).toMatchObject({ path: '/ofrep/v1/evaluate/flags/of-everyone', status: 200 });
      expect(exchanges.at(-1)!.contentType).toMatch(/^application\/json/);
    });

    it('evaluates a disabled flag as an explicit false, reason DISABLED, not as the default', async () => {
      const details = await client.getBooleanDetails('of-off', true, { targetingKey: 'user-1' });
      expect(details).toMatchObject({ value: false, reason: 'DISABLED', variant: 'off' });
      expect(details.errorCode).toBeUndefined();
    });

    it('gives the default and FLAG_NOT_FOUND for a flag that does not exist', async () => {
      const details = await client.getBooleanDetails('of-missing', true, { targetingKey: 'user-1' });
      expect(details).toMatchObject({ value: true, reason: 'ERROR', errorCode: ErrorCode.FLAG_NOT_FOUND });
      expect(details.errorMessage).toMatch(/of-missing/);
      expect(exchanges.at(-1)).toMatchObject({ path: '/ofrep/v1/evaluate/flags/of-missing', status: 404 });
    });

    it('matches target users by targetingKey or email (TARGETING_MATCH) and leaves others at false', async () => {
      expect(await client.getBooleanDetails('of-targeted', false, { targetingKey: 'vip-1' })).toMatchObject({
        value: true,
        reason: 'TARGETING_MATCH',
      });
      expect(await client.getBooleanDetails('of-targeted', false, { targetingKey: 'x', email: 'boss@example.com' })).toMatchObject({
        value: true,
        reason: 'TARGETING_MATCH',
      });
      const other = await client.getBooleanDetails('of-targeted', true, { targetingKey: 'x' });
      expect(other).toMatchObject({ value: false, reason: 'DEFAULT' });
      expect(other.errorCode).toBeUndefined();
    });

    it('applies conditions on context attributes (strings, numbers, and a Date sent as ISO-8601)', async () => {
      const pro = (attributes: Record<string, string | number>) =>
        client.getBooleanValue('of-pro-only', false, { targetingKey: 'user-1', ...attributes });
      expect(await pro({ plan: 'pro', seats: 10 })).toBe(true);
      expect(await pro({ plan: 'team', seats: 5 })).toBe(true);
      expect(await client.getBooleanDetails('of-pro-only', true, { targetingKey: 'user-1', plan: 'pro', seats: 2 })).toMatchObject({
        value: false,
        reason: 'DEFAULT',
      });
      expect(await pro({ plan: 'free', seats: 10 })).toBe(false);
      expect(await pro({ seats: 10 })).toBe(false);

      // The SDK's context allows Date values; JSON carries them as ISO strings, which `after` reads.
      expect(await client.getBooleanValue('of-new-users', false, { targetingKey: 'u', signed_up: new Date('2025-06-01T08:00:00Z') })).toBe(
        true,
      );
      expect(await client.getBooleanValue('of-new-users', true, { targetingKey: 'u', signed_up: new Date('2024-06-01T08:00:00Z') })).toBe(
        false,
      );
    });

    it('reports TARGETING_KEY_MISSING for a partial rollout without a targetingKey, and splits with one', async () => {
      const details = await client.getBooleanDetails('of-half', true, {});
      expect(details).toMatchObject({ value: true, reason: 'ERROR', errorCode: ErrorCode.TARGETING_KEY_MISSING });
      expect(exchanges.at(-1)).toMatchObject({ path: '/ofrep/v1/evaluate/flags/of-half', status: 400 });
      expect(await client.getBooleanDetails('of-half', true, { targetingKey: 'user-1' })).toMatchObject({ reason: 'SPLIT' });
    });

    it('leaves TYPE_MISMATCH to the client: the server answers a boolean, the client refuses it as a string or number', async () => {
      const before = exchanges.length;
      const asString = await client.getStringDetails('of-everyone', 'fallback', { targetingKey: 'user-1' });
      expect(asString).toMatchObject({ value: 'fallback', reason: 'ERROR', errorCode: ErrorCode.TYPE_MISMATCH });
      const asNumber = await client.getNumberDetails('of-everyone', 7, { targetingKey: 'user-1' });
      expect(asNumber).toMatchObject({ value: 7, reason: 'ERROR', errorCode: ErrorCode.TYPE_MISMATCH });
      expect(exchanges.slice(before).map((e) => e.status)).toEqual([200, 200]);
    });

    it('reports INVALID_CONTEXT from the server for a context it refuses (an over-long targetingKey)', async () => {
      const details = await client.getBooleanDetails('of-everyone', false, { targetingKey: 'k'.repeat(501) });
      expect(details).toMatchObject({ value: false, reason: 'ERROR', errorCode: ErrorCode.INVALID_CONTEXT });
      expect(exchanges.at(-1)).toMatchObject({ path: '/ofrep/v1/evaluate/flags/of-everyone', status: 400 });
    });

    it('accepts the token as X-API-Key too', async () => {
      await ServerOpenFeature.setProviderAndWait('server-api-key', serverProvider([['X-API-Key', evaluateToken]]));
      expect(
        await ServerOpenFeature.getClient('server-api-key').getBooleanDetails('of-everyone', false, { targetingKey: 'u' }),
      ).toMatchObject({ value: true, reason: 'STATIC' });
    });

    it.each([
      ['an invalid token', [['Authorization', 'Bearer not-a-real-token']] as [string, string][]],
      ['no token at all', [] as [string, string][]],
    ])('reports an error and returns the default with %s (401)', async (_label, headers) => {
      const log: Exchange[] = [];
      const domain = `server-unauthorized-${headers.length}`;
      await ServerOpenFeature.setProviderAndWait(domain, serverProvider(headers, log));
      const unauthorized = ServerOpenFeature.getClient(domain);
      const errors: unknown[] = [];
      unauthorized.addHooks({ error: (_context, error) => void errors.push(error) });
      const details = await unauthorized.getBooleanDetails('of-everyone', false, { targetingKey: 'u' });
      expect(details).toMatchObject({ value: false, reason: 'ERROR', errorCode: ErrorCode.GENERAL });
      expect(errors).toEqual([expect.objectContaining({ name: 'OFREPApiUnauthorizedError' })]);
      expect(log).toEqual([expect.objectContaining({ status: 401 })]);
    });
  });

  describe('web SDK with @openfeature/ofrep-web-provider', () => {
    const webProvider = (options: { headers: [string, string][]; log: Exchange[]; pollInterval?: number }) =>
      new OFREPWebProvider({
        baseUrl,
        headers: options.headers,
        // Node has no localStorage: persistence off rather than a shim.
        cacheMode: 'disabled',
        pollInterval: options.pollInterval ?? 0,
        fetchImplementation: recordingFetch(options.log),
      });
    const auth = (): [string, string][] => [['Authorization', `Bearer ${evaluateToken}`]];

    describe('bulk evaluation per context', () => {
      const exchanges: Exchange[] = [];
      let client: WebClient;

      beforeAll(async () => {
        await WebOpenFeature.setProviderAndWait('web', webProvider({ headers: auth(), log: exchanges }), {
          targetingKey: 'vip-1',
          plan: 'pro',
          seats: 10,
        });
        client = WebOpenFeature.getClient('web');
      });

      it('fetches every flag in one bulk request when the context is set, and answers from it', () => {
        expect(exchanges).toHaveLength(1);
        expect(exchanges[0]).toMatchObject({ path: BULK, status: 200, ifNoneMatch: null });
        expect(exchanges[0]!.contentType).toMatch(/^application\/json/);
        expect(exchanges[0]!.etag).toMatch(/^"[^"]+"$/);

        expect(client.getBooleanDetails('of-everyone', false)).toMatchObject({ value: true, reason: 'STATIC', variant: 'on' });
        const off = client.getBooleanDetails('of-off', true);
        expect(off).toMatchObject({ value: false, reason: 'DISABLED', variant: 'off' });
        expect(off.errorCode).toBeUndefined();
        expect(client.getBooleanDetails('of-targeted', false)).toMatchObject({ value: true, reason: 'TARGETING_MATCH' });
        expect(client.getBooleanDetails('of-pro-only', false)).toMatchObject({ value: true, reason: 'STATIC' });
        expect(client.getBooleanDetails('of-half', false).reason).toBe('SPLIT');
        expect(client.getBooleanDetails('of-missing', true)).toMatchObject({
          value: true,
          reason: 'ERROR',
          errorCode: ErrorCode.FLAG_NOT_FOUND,
        });
        expect(client.getStringDetails('of-everyone', 'fallback')).toMatchObject({
          value: 'fallback',
          reason: 'ERROR',
          errorCode: ErrorCode.TYPE_MISMATCH,
        });
        // Evaluations are answered from the bulk result, without further requests.
        expect(exchanges).toHaveLength(1);
      });

      it('re-evaluates on a new targetingKey, and reports TARGETING_KEY_MISSING per flag without one', async () => {
        await WebOpenFeature.setContext('web', { targetingKey: 'someone', plan: 'pro', seats: 10 });
        expect(exchanges.at(-1)).toMatchObject({ path: BULK, status: 200, ifNoneMatch: null });
        expect(client.getBooleanDetails('of-targeted', true)).toMatchObject({ value: false, reason: 'DEFAULT' });
        expect(client.getBooleanValue('of-pro-only', false)).toBe(true);

        await WebOpenFeature.setContext('web', { plan: 'pro', seats: 10 });
        expect(exchanges.at(-1)).toMatchObject({ path: BULK, status: 200 });
        expect(client.getBooleanDetails('of-half', true)).toMatchObject({
          value: true,
          reason: 'ERROR',
          errorCode: ErrorCode.TARGETING_KEY_MISSING,
        });
        expect(client.getBooleanValue('of-everyone', false)).toBe(true);
      });

      it('gets a fresh answer, not a 304, when only a non-key attribute changes the outcome (the ETag covers the evaluation)', async () => {
        await WebOpenFeature.setContext('web', { targetingKey: 'user-7', plan: 'pro', seats: 10 });
        const first = exchanges.at(-1)!;
        expect(first).toMatchObject({ status: 200, ifNoneMatch: null });
        expect(client.getBooleanValue('of-pro-only', false)).toBe(true);

        // Same targetingKey: the provider keeps its ETag and sends If-None-Match.
        await WebOpenFeature.setContext('web', { targetingKey: 'user-7', plan: 'free', seats: 10 });
        const second = exchanges.at(-1)!;
        expect(second).toMatchObject({ status: 200, ifNoneMatch: first.etag });
        expect(second.etag).not.toBe(first.etag);
        expect(client.getBooleanDetails('of-pro-only', true)).toMatchObject({ value: false, reason: 'DEFAULT' });

        // An attribute no flag reads leaves the evaluation, and so the ETag, unchanged: 304.
        await WebOpenFeature.setContext('web', { targetingKey: 'user-7', plan: 'free', seats: 10, locale: 'fr' });
        expect(exchanges.at(-1)).toMatchObject({ status: 304, ifNoneMatch: second.etag });
        expect(client.getBooleanDetails('of-pro-only', true)).toMatchObject({ value: false, reason: 'DEFAULT' });
        expect(client.getBooleanValue('of-everyone', false)).toBe(true);
      });
    });

    it('picks up a toggle made through the admin API on its next poll, with 304s while nothing changes', async () => {
      const exchanges: Exchange[] = [];
      const servedBefore = served.length;
      await WebOpenFeature.setProviderAndWait('web-live', webProvider({ headers: auth(), log: exchanges, pollInterval: 100 }), {
        targetingKey: 'user-1',
      });
      const client = WebOpenFeature.getClient('web-live');
      const changed: string[][] = [];
      client.addHandler(ProviderEvents.ConfigurationChanged, (details) => changed.push(details?.flagsChanged ?? []));
      expect(client.getBooleanDetails('of-live', true)).toMatchObject({ value: false, reason: 'DISABLED' });
      const initialEtag = exchanges[0]!.etag;
      expect(exchanges[0]).toMatchObject({ path: BULK, status: 200, ifNoneMatch: null });

      // Unchanged flags: the polls revalidate with the ETag and get 304 without a body.
      await expect.poll(() => exchanges.filter((e) => e.status === 304).length, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
      for (const poll of exchanges.slice(1)) expect(poll).toMatchObject({ path: BULK, status: 304, ifNoneMatch: initialEtag });
      expect(changed).toEqual([]);

      const toggled = await fetch(`${baseUrl}/api/admin/flags/of-live/toggle`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}` },
      });
      expect(toggled.status).toBe(200);
      expect(((await toggled.json()) as { is_enabled: boolean }).is_enabled).toBe(true);

      await expect.poll(() => changed.flat(), { timeout: 5_000 }).toContain('of-live');
      expect(changed).toEqual([['of-live']]);
      expect(client.getBooleanDetails('of-live', false)).toMatchObject({ value: true, reason: 'STATIC', variant: 'on' });

      // The poll that saw the change sent the old ETag and got a 200 with a new one; later polls revalidate against that.
      const fresh = exchanges.findIndex((e, i) => i > 0 && e.status === 200);
      expect(exchanges[fresh]).toMatchObject({ ifNoneMatch: initialEtag });
      const newEtag = exchanges[fresh]!.etag;
      expect(newEtag).not.toBe(initialEtag);
      await expect.poll(() => exchanges.length - fresh, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
      for (const poll of exchanges.slice(fresh + 1)) expect(poll).toMatchObject({ status: 304, ifNoneMatch: newEtag });

      // The server's own view of the same exchanges.
      const serverSide = served.slice(servedBefore).filter((s) => s.url === BULK);
      expect(serverSide.filter((s) => s.status === 304).length).toBeGreaterThanOrEqual(3);
      expect(serverSide.filter((s) => s.status === 200)).toHaveLength(2);
    });

    it('reports a fatal error and returns defaults when the token is refused', async () => {
      const log: Exchange[] = [];
      await expect(
        WebOpenFeature.setProviderAndWait('web-bad-token', webProvider({ headers: [['Authorization', 'Bearer nope']], log }), {
          targetingKey: 'user-1',
        }),
      ).rejects.toThrow();
      expect(log).toEqual([expect.objectContaining({ path: BULK, status: 401 })]);
      const client = WebOpenFeature.getClient('web-bad-token');
      expect(client.providerStatus).toBe(ProviderStatus.FATAL);
      expect(client.getBooleanDetails('of-everyone', false)).toMatchObject({
        value: false,
        reason: 'ERROR',
        errorCode: ErrorCode.PROVIDER_FATAL,
      });
    });
  });
});
