// Who may do what, proven through HTTP: every admin route refuses anonymous callers, testers and
// non-admin tokens; owner-only routes refuse admins; cookie sessions need CSRF tokens; sessions
// and owner links expire; every change lands in the audit log.
import { createHash } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/test-app.js';

const OWNER = 'owner@example.com';
const ADMIN = 'admin@example.com';
const TESTER = 'tester@example.com';

function cookieFrom(res: LightMyRequestResponse, name: string): string | undefined {
  const header = res.headers['set-cookie'];
  const all = Array.isArray(header) ? header : header ? [header] : [];
  return all.find((c) => c.startsWith(`${name}=`));
}

describe('access control', () => {
  let t: TestApp;
  let clock = Date.now();
  let owner: { cookie: string; csrf: string };
  let admin: { cookie: string; csrf: string };
  let tester: { cookie: string; csrf: string };
  let tokens: Record<'evaluate' | 'monitor' | 'admin' | 'client' | 'sync', string>;

  async function session(email: string, role: 'OWNER' | 'ADMIN') {
    const s = await t.auth.startSession({ email, issuer: 'test', subject: email, userAgent: null, ip: null }, role, null);
    return { cookie: `bs_session=${s.sessionId}`, csrf: s.csrfToken };
  }

  beforeAll(async () => {
    t = await createTestApp({ ADMIN_EMAILS: OWNER }, { now: () => new Date(clock) });
    await t.app.ready();
    await t.testDb.database.db
      .insertInto('beta_users')
      .values({ email: ADMIN, invite_code: 'invite-admin-0123456789abcdef', role: 'ADMIN' })
      .execute();
    owner = await session(OWNER, 'OWNER');
    admin = await session(ADMIN, 'ADMIN');
    // Signed in once as an admin whose grant is gone: a tester now.
    tester = await session(TESTER, 'ADMIN');
    tokens = {
      evaluate: await t.token('evaluate'),
      monitor: await t.token('monitor'),
      admin: await t.token('admin'),
      client: await t.token('client'),
      sync: await t.token('sync'),
    };
  });
  afterAll(() => t.close());

  const adminRoutes = () => t.routes.filter((r) => r.url.startsWith('/api/admin') || r.url.startsWith('/admin'));
  const concrete = (url: string) => url.replace(/:(\w+)/g, '00000000-0000-0000-0000-000000000000');

  it('knows the admin routes it guards', () => {
    const urls = adminRoutes().map((r) => `${r.method} ${r.url}`);
    expect(urls).toEqual(
      expect.arrayContaining([
        'GET /api/admin/audit',
        'GET /api/admin/tokens',
        'POST /api/admin/tokens',
        'DELETE /api/admin/tokens/:id',
        'POST /api/admin/sessions/revoke-all',
      ]),
    );
  });

  it('refuses every admin route to anonymous callers, testers and evaluate, monitor, sync or client tokens', async () => {
    for (const route of adminRoutes()) {
      if (route.method === 'HEAD') continue;
      const url = concrete(route.url);
      const method = route.method as 'GET';
      const anonymous = await t.app.inject({ method, url, payload: route.method === 'GET' ? undefined : {} });
      if (route.url.startsWith('/admin') && route.method === 'GET') {
        expect(anonymous.statusCode, `${route.method} ${route.url}`).toBe(302);
        expect(anonymous.headers.location).toMatch(/^\/sign-in\?next=/);
      } else {
        expect(anonymous.statusCode, `${route.method} ${route.url}`).toBe(401);
        expect(anonymous.json().error.code).toBe('UNAUTHORIZED');
      }
      const asTester = await t.app.inject({
        method,
        url,
        headers: { cookie: tester.cookie, 'x-csrf-token': tester.csrf },
        payload: route.method === 'GET' ? undefined : {},
      });
      expect(asTester.statusCode, `tester ${route.method} ${route.url}`).toBe(403);
      for (const scope of ['evaluate', 'monitor', 'sync', 'client'] as const) {
        const res = await t.app.inject({
          method,
          url,
          headers: { authorization: `Bearer ${tokens[scope]}` },
          payload: route.method === 'GET' ? undefined : {},
        });
        expect(res.statusCode, `${scope} token ${route.method} ${route.url}`).toBe(403);
      }
    }
  });

  it('keeps owner-only routes from admins and admin tokens', async () => {
    const ownerOnly = [
      { method: 'GET' as const, url: '/api/admin/tokens' },
      { method: 'POST' as const, url: '/api/admin/tokens', payload: { name: 'x', scope: 'monitor' } },
      { method: 'DELETE' as const, url: '/api/admin/tokens/00000000-0000-0000-0000-000000000000' },
      { method: 'POST' as const, url: '/api/admin/sessions/revoke-all' },
    ];
    for (const r of ownerOnly) {
      const asAdmin = await t.app.inject({ ...r, headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf } });
      expect(asAdmin.statusCode, `admin ${r.method} ${r.url}`).toBe(403);
      const asToken = await t.app.inject({ ...r, headers: { authorization: `Bearer ${tokens.admin}` } });
      expect(asToken.statusCode, `admin token ${r.method} ${r.url}`).toBe(403);
    }
    const audit = await t.app.inject({ url: '/api/admin/audit', headers: { cookie: admin.cookie } });
    expect(audit.statusCode).toBe(200);
    const byToken = await t.app.inject({ url: '/api/admin/audit', headers: { authorization: `Bearer ${tokens.admin}` } });
    expect(byToken.statusCode).toBe(200);
  });

  it('requires a CSRF token, a same-origin Origin and same-origin fetch metadata on cookie sessions', async () => {
    const stateChanging = adminRoutes().filter((r) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method) && r.url.startsWith('/api/admin'));
    expect(stateChanging.map((r) => `${r.method} ${r.url}`)).toEqual(
      expect.arrayContaining(['POST /api/admin/tokens', 'DELETE /api/admin/tokens/:id', 'POST /api/admin/sessions/revoke-all']),
    );
    for (const route of stateChanging) {
      const url = concrete(route.url);
      const method = route.method as 'POST';
      const cases: Array<[string, Record<string, string>]> = [
        ['no token', { cookie: owner.cookie }],
        ['wrong token', { cookie: owner.cookie, 'x-csrf-token': 'x'.repeat(43) }],
        ['wrong origin', { cookie: owner.cookie, 'x-csrf-token': owner.csrf, origin: 'https://evil.example' }],
        ['cross-site fetch', { cookie: owner.cookie, 'x-csrf-token': owner.csrf, 'sec-fetch-site': 'cross-site' }],
        ['same-site (other subdomain) fetch', { cookie: owner.cookie, 'x-csrf-token': owner.csrf, 'sec-fetch-site': 'same-site' }],
      ];
      for (const [name, headers] of cases) {
        const res = await t.app.inject({ method, url, headers, payload: {} });
        expect(res.statusCode, `${name}: ${route.method} ${route.url}`).toBe(403);
        expect(res.json().error.message).toMatch(/CSRF|Cross-site|Cross-origin/);
      }
    }
    // The correct combination passes the CSRF layer (here: creating a token).
    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/admin/tokens',
      headers: { cookie: owner.cookie, 'x-csrf-token': owner.csrf, origin: 'http://localhost:5000', 'sec-fetch-site': 'same-origin' },
      payload: { name: 'csrf-ok', scope: 'monitor' },
    });
    expect(ok.statusCode).toBe(201);
    // A form field works as well as the header.
    const form = await t.app.inject({
      method: 'POST',
      url: '/api/admin/tokens',
      headers: { cookie: owner.cookie },
      payload: { name: 'csrf-field', scope: 'monitor', _csrf: owner.csrf },
    });
    expect(form.statusCode).toBe(201);
  });

  it('lets owners manage API tokens over HTTP: shown once, stored hashed, audited', async () => {
    const headers = { cookie: owner.cookie, 'x-csrf-token': owner.csrf };
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/admin/tokens',
      headers,
      payload: { name: 'deploy', scope: 'monitor' },
    });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body.token).toMatch(/^bst_[A-Za-z0-9_-]{43}$/);
    expect(body).toMatchObject({ name: 'deploy', scope: 'monitor', created_by: OWNER, revoked_at: null });
    const stored = await t.testDb.database.db
      .selectFrom('api_tokens')
      .select('token_hash')
      .where('id', '=', body.id)
      .executeTakeFirstOrThrow();
    expect(stored.token_hash).toBe(createHash('sha256').update(body.token).digest('hex'));

    const list = await t.app.inject({ url: '/api/admin/tokens', headers });
    expect(list.body).not.toContain(body.token);
    expect(list.json().items.map((i: { id: string }) => i.id)).toContain(body.id);

    const works = await t.app.inject({ url: '/health/metrics', headers: { authorization: `Bearer ${body.token}` } });
    expect(works.statusCode).toBe(200);
    const sent = Date.now();
    const revoked = await t.app.inject({ method: 'DELETE', url: `/api/admin/tokens/${body.id}`, headers });
    expect(revoked.statusCode).toBe(200);
    // Revoked by this request: stamped between sending it and now.
    expect(Date.parse(revoked.json().revoked_at)).toBeGreaterThanOrEqual(sent);
    expect(Date.parse(revoked.json().revoked_at)).toBeLessThanOrEqual(Date.now());
    expect((await t.app.inject({ url: '/health/metrics', headers: { authorization: `Bearer ${body.token}` } })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'DELETE', url: `/api/admin/tokens/${body.id}`, headers })).statusCode).toBe(404);

    const bad = await t.app.inject({ method: 'POST', url: '/api/admin/tokens', headers, payload: { name: 'x', scope: 'root' } });
    expect(bad.statusCode).toBe(400);

    const audit = await t.app.inject({ url: `/api/admin/audit?entity_id=${body.id}`, headers });
    const actions = audit.json().items.map((i: { action: string; actor: string }) => `${i.actor} ${i.action}`);
    expect(actions.sort()).toEqual([`${OWNER} token.create`, `${OWNER} token.revoke`]);
  });

  it('pages through the audit log with filters and a stable cursor', async () => {
    const headers = { cookie: owner.cookie };
    for (let i = 0; i < 5; i++) {
      await t.auth.audit({ actor: 'pager@example.com', action: 'test.page', entityType: 'test', entityId: String(i) });
    }
    const seen: string[] = [];
    const times: number[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/admin/audit?actor=pager@example.com&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await t.app.inject({ url, headers });
      expect(res.statusCode).toBe(200);
      const page = res.json();
      seen.push(...page.items.map((i: { entity_id: string }) => i.entity_id));
      times.push(...page.items.map((i: { at: string }) => Date.parse(i.at)));
      cursor = page.next_cursor;
    } while (cursor);
    // Every entry exactly once across pages (entries within one millisecond are ordered by id).
    expect(seen).toHaveLength(5);
    expect([...seen].sort()).toEqual(['0', '1', '2', '3', '4']);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect((await t.app.inject({ url: '/api/admin/audit?cursor=garbage', headers })).statusCode).toBe(400);
    expect((await t.app.inject({ url: '/api/admin/audit?limit=1000', headers })).statusCode).toBe(400);
    expect((await t.app.inject({ url: '/api/admin/audit?bogus=1', headers })).statusCode).toBe(400);
  });

  it('signs the owner in once with a link, which then stops working', async () => {
    const link = await t.auth.mintLoginLink('test');
    expect(link.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = await t.testDb.database.db.selectFrom('login_links').selectAll().where('email', '=', OWNER).execute();
    expect(stored.some((r) => r.token_hash === createHash('sha256').update(link.token).digest('hex'))).toBe(true);
    expect(JSON.stringify(stored)).not.toContain(link.token);

    const first = await t.app.inject(`/auth/link?token=${link.token}`);
    expect(first.statusCode).toBe(303);
    expect(first.headers.location).toBe('/admin/beta/');
    const cookie = cookieFrom(first, 'bs_session');
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).not.toMatch(/; Secure/);
    const me = await t.app.inject({ url: '/auth/me', headers: { cookie: cookie!.split(';')[0]! } });
    expect(me.json()).toMatchObject({ email: OWNER, role: 'OWNER' });

    const again = await t.app.inject(`/auth/link?token=${link.token}`);
    expect(again.statusCode).toBe(400);
    expect(cookieFrom(again, 'bs_session')).toBeUndefined();

    const late = await t.auth.mintLoginLink('test');
    clock += 16 * 60_000;
    expect((await t.app.inject(`/auth/link?token=${late.token}`)).statusCode).toBe(400);
  });

  it('ends sessions at logout, after the idle timeout and after the absolute timeout', async () => {
    const me = (cookie: string) => t.app.inject({ url: '/auth/me', headers: { cookie } });

    const a = await session(OWNER, 'OWNER');
    expect((await me(a.cookie)).statusCode).toBe(200);
    const noCsrf = await t.app.inject({ method: 'POST', url: '/auth/logout', headers: { cookie: a.cookie } });
    expect(noCsrf.statusCode).toBe(403);
    const out = await t.app.inject({ method: 'POST', url: '/auth/logout', headers: { cookie: a.cookie, 'x-csrf-token': a.csrf } });
    expect(out.statusCode).toBe(204);
    expect(cookieFrom(out, 'bs_session')).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect((await me(a.cookie)).statusCode).toBe(401);

    const idle = await session(OWNER, 'OWNER');
    clock += 29 * 60_000;
    expect((await me(idle.cookie)).statusCode).toBe(200);
    clock += 31 * 60_000;
    expect((await me(idle.cookie)).statusCode).toBe(401);

    const busy = await session(OWNER, 'OWNER');
    // Active every 20 minutes (never idle) for 11 h 40 min: still signed in …
    for (let step = 0; step < 35; step++) {
      clock += 20 * 60_000;
      expect((await me(busy.cookie)).statusCode).toBe(200);
    }
    // … and out at 12 h, although only 20 minutes idle.
    clock += 20 * 60_000;
    expect((await me(busy.cookie)).statusCode).toBe(401);
  });

  it('lets an owner revoke every session', async () => {
    const mine = await session(OWNER, 'OWNER');
    const theirs = await session(ADMIN, 'ADMIN');
    const count = async () =>
      Number(
        (
          await t.testDb.database.db
            .selectFrom('sessions')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const existing = await count();
    expect(existing).toBeGreaterThanOrEqual(5); // the three of beforeAll, and these two
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/admin/sessions/revoke-all',
      headers: { cookie: mine.cookie, 'x-csrf-token': mine.csrf },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().revoked).toBe(existing);
    expect(await count()).toBe(0);
    expect((await t.app.inject({ url: '/auth/me', headers: { cookie: theirs.cookie } })).statusCode).toBe(401);
    expect((await t.app.inject({ url: '/auth/me', headers: { cookie: mine.cookie } })).statusCode).toBe(401);
    owner = await session(OWNER, 'OWNER');
    admin = await session(ADMIN, 'ADMIN');
    tester = await session(TESTER, 'ADMIN');
  });

  it('explains that Google sign-in is off when no client is configured', async () => {
    const res = await t.app.inject('/auth/login?next=/admin/beta/');
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('admin-link');
  });

  it('sends security headers: strict CSP and no framing on pages, no sniffing everywhere', async () => {
    // A JSON answer is never rendered: it carries only what browsers apply to it.
    const json = await t.app.inject('/livez');
    expect(json.headers['x-content-type-options']).toBe('nosniff');
    expect(json.headers['content-security-policy']).toBeUndefined();
    const res = await t.app.inject('/sign-in');
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });

  it('rate-limits sign-in routes with 429 and Retry-After', async () => {
    const answers: LightMyRequestResponse[] = [];
    const windowOpened = Date.now();
    for (let i = 0; i < 31; i++) answers.push(await t.app.inject({ url: '/auth/login', remoteAddress: '10.9.9.9' }));
    const elapsed = Date.now() - windowOpened;
    // 30 requests a minute per client (docs/auth.md); the 31st is refused.
    expect(answers.slice(0, 30).map((r) => r.statusCode)).toEqual(Array.from({ length: 30 }, () => 503));
    const limited = answers[30]!;
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('RATE_LIMITED');
    // The window opened with the first request: Retry-After is what is left of it, in whole seconds rounded up.
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(Math.ceil((60_000 - elapsed) / 1000));
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Other clients are unaffected.
    expect((await t.app.inject({ url: '/auth/login', remoteAddress: '10.9.9.10' })).statusCode).toBe(503);
  });
});

describe('access control under https', () => {
  it('uses a __Host- Secure cookie and HSTS', async () => {
    const t = await createTestApp({ ADMIN_EMAILS: OWNER, PUBLIC_URL: 'https://beta.example.com' });
    try {
      const link = await t.auth.mintLoginLink('test');
      const res = await t.app.inject(`/auth/link?token=${link.token}`);
      const cookie = cookieFrom(res, '__Host-bs_session');
      expect(cookie).toMatch(/; Secure/);
      expect(cookie).toMatch(/; Path=\//);
      expect(cookie).not.toMatch(/Domain=/);
      expect(res.headers['strict-transport-security']).toMatch(/max-age=31536000/);
    } finally {
      await t.close();
    }
  });
});
