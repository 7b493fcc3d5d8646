// Sign-in hardening through HTTP: owner and admin addresses compared after NFKC with ASCII-only
// case folding (a Kelvin sign is not a K), owners and admins bound to the provider account that
// first signed them in, failed sign-ins folded into one audit row per client and window (still
// counted in full by the KPIs), and the rate limit on every sign-in route.
import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, cookieLine, signIn, startOidcTestApp, type BrowserResponse, type OidcTestApp } from './helpers/oidc-browser.js';
import type { TestAccount, TestOidcProvider } from './helpers/oidc-provider.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

const CLIENT_ID = 'beta-suite';
const CLIENT_SECRET = randomBytes(24).toString('base64url');
const OWNER_EMAIL = 'kate@example.com';
const ADMIN_EMAIL = 'kim@example.com';

const account = (sub: string, email: string): TestAccount => ({ sub, email, email_verified: true });

describe('owner and admin sign-in through the OpenID provider', () => {
  let setup: OidcTestApp | undefined;
  let provider: TestOidcProvider;
  let t: TestApp;
  let origin: string;

  beforeAll(async () => {
    setup = await startOidcTestApp({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, adminEmails: OWNER_EMAIL });
    ({ t, provider, origin } = setup);
    await t.testDb.database.db.insertInto('beta_users').values({ email: ADMIN_EMAIL, invite_code: 'invite-kim', role: 'ADMIN' }).execute();
  });

  afterAll(() => setup?.close());

  async function me(browser: Browser): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await browser.request(`${origin}/auth/me`, { headers: { accept: 'application/json' } });
    return { status: res.status, body: JSON.parse(res.body) as Record<string, unknown> };
  }

  async function expectRefused(browser: Browser, callback: BrowserResponse) {
    expect(callback.status, callback.body).toBe(403);
    expect(cookieLine(callback, 'bs_session')).toBeUndefined();
    expect((await me(browser)).status).toBe(401);
  }

  async function lastRefusal() {
    return t.testDb.database.db
      .selectFrom('audit_log')
      .select(['actor', 'after'])
      .where('action', '=', 'auth.sign_in_refused')
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .executeTakeFirst();
  }

  const sessionsOf = (subject: string) =>
    t.testDb.database.db.selectFrom('sessions').select(['email', 'role']).where('subject', '=', subject).execute();

  it('signs the owner in with a one-time link without binding the address to any provider account', async () => {
    const link = await t.auth.mintLoginLink('test');
    const res = await t.app.inject(`/auth/link?token=${link.token}`);
    expect(res.statusCode).toBe(303);
    // The provider account that signs in first afterwards is still accepted.
    const { callback } = await signIn(new Browser(), provider, origin, account('kate-1', OWNER_EMAIL));
    expect(callback.status, callback.body).toBe(303);
    expect(await sessionsOf('kate-1')).toEqual([{ email: OWNER_EMAIL, role: 'OWNER' }]);
  });

  it.each([
    ['the owner’s, with a Kelvin sign', '\u212Aate@example.com'],
    ['the owner’s, in fullwidth letters', '\uFF4B\uFF41\uFF54\uFF45@example.com'],
    ['an admin’s, with a Kelvin sign', '\u212Aim@example.com'],
  ])('refuses a verified address that folds into %s (non-ASCII local part)', async (_label, email) => {
    const browser = new Browser();
    const { callback } = await signIn(browser, provider, origin, account(`sub-${email}`, email));
    await expectRefused(browser, callback);
    expect(await sessionsOf(`sub-${email}`)).toEqual([]);
    expect(await lastRefusal()).toMatchObject({ actor: email, after: { email, reason: expect.stringMatching(/non-ASCII/) } });
  });

  it('still folds ASCII case: KATE@EXAMPLE.COM is the owner', async () => {
    const browser = new Browser();
    const { callback } = await signIn(browser, provider, origin, account('kate-1', 'KATE@EXAMPLE.COM'));
    expect(callback.status, callback.body).toBe(303);
    expect((await me(browser)).body).toMatchObject({ email: OWNER_EMAIL, role: 'OWNER' });
  });

  it('refuses another provider account that reuses the owner’s address, and keeps accepting the first', async () => {
    const intruder = new Browser();
    const { callback } = await signIn(intruder, provider, origin, account('kate-2', OWNER_EMAIL));
    await expectRefused(intruder, callback);
    expect(await sessionsOf('kate-2')).toEqual([]);
    expect(await lastRefusal()).toMatchObject({
      actor: OWNER_EMAIL,
      after: { email: OWNER_EMAIL, subject: 'kate-2', reason: expect.stringMatching(/another account/) },
    });
    const again = await signIn(new Browser(), provider, origin, account('kate-1', OWNER_EMAIL));
    expect(again.callback.status).toBe(303);
    // One-time links are not bound: the owner can still use one.
    const link = await t.auth.mintLoginLink('test');
    expect((await t.app.inject(`/auth/link?token=${link.token}`)).statusCode).toBe(303);
  });

  it('binds an admin to the first provider account too', async () => {
    const first = await signIn(new Browser(), provider, origin, account('kim-1', ADMIN_EMAIL));
    expect(first.callback.status, first.callback.body).toBe(303);
    expect(await sessionsOf('kim-1')).toEqual([{ email: ADMIN_EMAIL, role: 'ADMIN' }]);
    const intruder = new Browser();
    const second = await signIn(intruder, provider, origin, account('kim-2', ADMIN_EMAIL));
    await expectRefused(intruder, second.callback);
    expect(await lastRefusal()).toMatchObject({
      actor: ADMIN_EMAIL,
      after: { subject: 'kim-2', reason: expect.stringMatching(/another/) },
    });
  });
});

describe('failed sign-ins: rate-limited, folded in the audit log, counted in full', () => {
  let t: TestApp;
  let adminToken: string;
  const RATE_LIMIT = 30;

  beforeAll(async () => {
    t = await createTestApp({ ADMIN_EMAILS: OWNER_EMAIL });
    await t.app.ready();
    adminToken = await t.token('admin');
  });
  afterAll(() => t?.close());

  const fail = (route: 'callback' | 'link', client: string) =>
    t.app.inject({
      url: route === 'callback' ? '/auth/callback?code=abc&state=def' : '/auth/link?token=not-a-link',
      remoteAddress: client,
    });

  /** Failed sign-ins in the audit log, per route and client: rows and the failures they stand for. */
  async function failures(): Promise<Map<string, { rows: number; count: number }>> {
    const res = await t.app.inject({
      url: '/api/admin/audit?action=auth.sign_in_failed&limit=200',
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(res.statusCode).toBe(200);
    const byClient = new Map<string, { rows: number; count: number }>();
    for (const row of res.json<{ items: Array<{ actor: string; entity_type: string; after: { client?: string; count?: number } }> }>()
      .items) {
      expect(row.actor).toBe('anonymous');
      const key = `${row.entity_type} ${row.after.client}`;
      const seen = byClient.get(key) ?? { rows: 0, count: 0 };
      byClient.set(key, { rows: seen.rows + 1, count: seen.count + (row.after.count ?? 1) });
    }
    return byClient;
  }

  /** One row per route and client, or two if the ten-minute window turned meanwhile. */
  const windowOf = () => Math.floor(Date.now() / 600_000);

  it('folds concurrent failures from one client into one row per route, with their count', async () => {
    const window = windowOf();
    const answers = await Promise.all([
      ...Array.from({ length: 10 }, () => fail('callback', '10.0.0.1')),
      ...Array.from({ length: 10 }, () => fail('link', '10.0.0.1')),
      fail('callback', '10.0.0.2'),
    ]);
    expect(answers.map((a) => a.statusCode)).toEqual(Array.from({ length: 21 }, () => 400));
    const rowsEach = windowOf() === window ? 1 : 2;
    const seen = await failures();
    expect([...seen.keys()].sort()).toEqual(['login_link 10.0.0.1', 'session 10.0.0.1', 'session 10.0.0.2']);
    for (const key of ['session 10.0.0.1', 'login_link 10.0.0.1']) {
      expect(seen.get(key)!.count).toBe(10);
      expect(seen.get(key)!.rows).toBeGreaterThanOrEqual(1);
      expect(seen.get(key)!.rows).toBeLessThanOrEqual(rowsEach);
    }
    expect(seen.get('session 10.0.0.2')).toEqual({ rows: 1, count: 1 });
  });

  it.each(['callback', 'link'] as const)(
    'rate-limits /auth/%s per client with 429 and Retry-After, auditing only what it answered',
    async (route) => {
      const client = route === 'callback' ? '10.0.1.1' : '10.0.1.2';
      const statuses: number[] = [];
      let limited: LightMyRequestResponse | undefined;
      const windowOpened = Date.now();
      for (let i = 0; i < RATE_LIMIT + 5; i++) {
        const res = await fail(route, client);
        statuses.push(res.statusCode);
        if (res.statusCode === 429) limited = res;
      }
      expect(statuses).toEqual([...Array.from({ length: RATE_LIMIT }, () => 400), ...Array.from({ length: 5 }, () => 429)]);
      expect(limited!.json().error.code).toBe('RATE_LIMITED');
      // The one-minute window opened with this client's first request: what is left of it, in whole seconds.
      const elapsedS = (Date.now() - windowOpened) / 1000;
      expect(Number(limited!.headers['retry-after'])).toBeGreaterThanOrEqual(Math.floor(60 - elapsedS));
      expect(Number(limited!.headers['retry-after'])).toBeLessThanOrEqual(60);
      // Another client, and the other sign-in route for this one, are unaffected.
      expect((await fail(route, '10.0.1.3')).statusCode).toBe(400);
      expect((await fail(route === 'callback' ? 'link' : 'callback', client)).statusCode).toBe(400);
      const entity = route === 'callback' ? 'session' : 'login_link';
      expect((await failures()).get(`${entity} ${client}`)?.count).toBe(RATE_LIMIT);
    },
  );

  it('counts every folded failure in the refused-or-failed sign-ins KPI', async () => {
    const total = [...(await failures()).values()].reduce((sum, f) => sum + f.count, 0);
    // 21 concurrent, 2 × (30 answered + 2 from the neighbours).
    expect(total).toBe(21 + 2 * (RATE_LIMIT + 2));
    const res = await t.app.inject({ url: '/api/admin/kpis?window=24h', headers: { authorization: `Bearer ${adminToken}` } });
    expect(res.statusCode, res.body).toBe(200);
    const kpi = res
      .json<{ kpis: Array<{ key: string; value: number; series: Array<{ v: number | null }> }> }>()
      .kpis.find((k) => k.key === 'refused_sign_ins');
    expect(kpi?.value).toBe(total);
    expect(kpi!.series.reduce((sum, p) => sum + (p.v ?? 0), 0)).toBe(total);
  });
});
