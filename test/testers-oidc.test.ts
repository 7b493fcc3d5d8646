// Testers signing in with the identity provider, end to end over HTTP: the real app on loopback
// against a real `oidc-provider`, with a scripted browser. An active tester whose address the
// provider verifies gets a tester session (and no console session) that the admin routes refuse;
// a stranger and an unverified address are sent back to the sign-in page without a session.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestAccount, TestOidcProvider } from './helpers/oidc-provider.js';
import { Browser, cookieLine, startOidcTestApp, throughProvider, type OidcTestApp } from './helpers/oidc-browser.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

const CLIENT_ID = 'beta-suite';
const CLIENT_SECRET = randomBytes(24).toString('base64url');
const OWNER_EMAIL = 'owner@example.com';

const TESTER: TestAccount = { sub: 'sub-tester', email: 'Google.Tester@Example.com', email_verified: true };
const STRANGER: TestAccount = { sub: 'sub-stranger', email: 'nobody@example.com', email_verified: true };
const UNVERIFIED: TestAccount = { sub: 'sub-unverified', email: TESTER.email, email_verified: false };
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

describe('tester sign-in with the identity provider', () => {
  let setup: OidcTestApp | undefined;
  let provider: TestOidcProvider;
  let t: TestApp;
  let origin: string;
  let testerId: string;

  beforeAll(async () => {
    setup = await startOidcTestApp({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, adminEmails: OWNER_EMAIL });
    ({ t, provider, origin } = setup);
    const row = await t.testDb.database.db
      .insertInto('beta_users')
      .values({
        email: 'google.tester@example.com',
        invite_code: 'invite-tester',
        role: 'TESTER',
        is_active: true,
        verified_at: new Date(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    testerId = row.id;
  });
  afterAll(() => setup?.close());

  async function testerSignIn(browser: Browser, account: TestAccount) {
    provider.signInAs(account);
    const start = await browser.request(`${origin}/beta/sign-in/google`);
    expect(start.status, start.body).toBe(302);
    expect(start.location!.origin).toBe(provider.issuer);
    const callbackUrl = await throughProvider(browser, start.location!, origin);
    expect(callbackUrl.pathname).toBe('/auth/callback');
    return browser.request(callbackUrl);
  }

  it('tells the sign-in page that Google sign-in is on, and the page has the (hidden until then) button', async () => {
    const res = await new Browser().request(`${origin}/api/beta/program`);
    expect(JSON.parse(res.body)).toMatchObject({ oidc_enabled: true });
    const page = await new Browser().request(`${origin}/beta/sign-in`);
    expect(page.body).toContain('<p id="sign-in-google" class="mt-3" hidden>');
    expect(page.body).toContain('<a class="btn btn-outline-secondary" href="/beta/sign-in/google">Sign in with Google</a>');
  });

  it('without a provider configured, says so and does not start a sign-in', async () => {
    const plain = await createTestApp({});
    try {
      expect((await plain.app.inject({ url: '/api/beta/program' })).json()).toMatchObject({ oidc_enabled: false });
      const start = await plain.app.inject({ url: '/beta/sign-in/google' });
      expect(start.statusCode).toBe(503);
      expect(start.headers['set-cookie']).toBeUndefined();
    } finally {
      await plain.close();
    }
  });

  it('signs an active tester in to the portal, with a tester session the admin routes refuse', async () => {
    const browser = new Browser();
    const callback = await testerSignIn(browser, TESTER);
    expect(callback.status, callback.body).toBe(303);
    expect(callback.location!.href).toBe(`${origin}/beta/`);
    expect(cookieLine(callback, 'bs_session')).toBeUndefined();
    const cookie = browser.cookie(origin, 'beta_tester');
    expect(cookie).toMatch(TOKEN);
    expect(cookieLine(callback, 'beta_tester')).toMatch(/; HttpOnly; SameSite=Lax$/);

    const me = await browser.request(`${origin}/api/beta/me`);
    expect(me.status, me.body).toBe(200);
    expect(JSON.parse(me.body)).toMatchObject({
      tester: { id: testerId, email: 'google.tester@example.com', status: 'active', joined_at: null },
      csrf_token: expect.stringMatching(TOKEN),
    });

    for (const path of ['/api/admin/flags', '/api/admin/users', '/api/admin/audit']) {
      const withTester = await browser.request(`${origin}${path}`, { headers: { accept: 'application/json' } });
      const anonymous = await new Browser().request(`${origin}${path}`, { headers: { accept: 'application/json' } });
      expect(withTester.status, path).toBe(401);
      expect(JSON.parse(withTester.body)).toEqual(JSON.parse(anonymous.body));
    }
  });

  it('sends a stranger and an unverified address back to the sign-in page without any session', async () => {
    for (const account of [STRANGER, UNVERIFIED]) {
      const browser = new Browser();
      const callback = await testerSignIn(browser, account);
      expect(callback.status, callback.body).toBe(303);
      expect(callback.location!.href).toBe(`${origin}/beta/sign-in?notice=link-invalid`);
      expect(browser.cookie(origin, 'beta_tester')).toBeUndefined();
      expect(browser.cookie(origin, 'bs_session')).toBeUndefined();
      expect((await browser.request(`${origin}/api/beta/me`)).status).toBe(401);
    }
  });

  it('still refuses the tester the console through the console sign-in', async () => {
    const browser = new Browser();
    provider.signInAs(TESTER);
    const login = await browser.request(`${origin}/auth/login`);
    const callback = await browser.request(await throughProvider(browser, login.location!, origin));
    expect(callback.status).toBe(403);
    expect(browser.cookie(origin, 'beta_tester')).toBeUndefined();
    expect(browser.cookie(origin, 'bs_session')).toBeUndefined();
  });
});
