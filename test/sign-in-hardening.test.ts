// Sign-in hardening through HTTP: owner and admin addresses compared after NFKC with ASCII-only
// case folding (a Kelvin sign is not a K), owners and admins bound to the provider account that
// first signed them in, failed sign-ins folded into one audit row per client and window (still
// counted in full by the KPIs), and the rate limit on every sign-in route.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, cookieLine, signIn, startOidcTestApp, type BrowserResponse, type OidcTestApp } from './helpers/oidc-browser.js';
import type { TestAccount, TestOidcProvider } from './helpers/oidc-provider.js';
import type { TestApp } from './helpers/test-app.js';

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
