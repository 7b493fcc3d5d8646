// OpenID Connect sign-in, end to end over HTTP: the real app (and, once, the real server process)
// against a real `oidc-provider` on loopback, with a scripted browser (cookie jar, manual
// redirects). Covers roles, refusals, every ID-token check the relying party must make, replay,
// session fixation, open redirects through `next`, and the audit trail.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  selfSignedCertificate,
  startOidcProvider,
  type IdTokenTamper,
  type TestAccount,
  type TestOidcProvider,
} from './helpers/oidc-provider.js';
import {
  Browser,
  cookieLine,
  signIn,
  startOidcTestApp,
  throughProvider,
  type BrowserResponse,
  type OidcTestApp,
} from './helpers/oidc-browser.js';
import { MAIN, serverEnv } from './helpers/server-process.js';
import type { TestApp } from './helpers/test-app.js';
import { cloneTemplate, type TestDatabaseLocation } from './helpers/test-database.js';

const CLIENT_ID = 'beta-suite';
const CLIENT_SECRET = randomBytes(24).toString('base64url');
const OWNER_EMAIL = 'owner@example.com';

const OWNER: TestAccount = { sub: 'sub-owner', email: OWNER_EMAIL, email_verified: true };
const GRANTED: TestAccount = { sub: 'sub-granted', email: 'granted@example.com', email_verified: true };
const REVOKED: TestAccount = { sub: 'sub-revoked', email: 'revoked@example.com', email_verified: true };
const STRANGER: TestAccount = { sub: 'sub-stranger', email: 'stranger@example.com', email_verified: true };
/** An email claim carrying markup, which the refusal page must not render as HTML. */
const MARKUP: TestAccount = { sub: 'sub-markup', email: '<img src=x onerror=alert(1)>@example.com', email_verified: true };
/** The owner's address, but the provider does not vouch for it. */
const UNVERIFIED: TestAccount = { sub: 'sub-unverified', email: OWNER_EMAIL, email_verified: false };

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;
/** A sealed pending sign-in: base64url of IV, tag and the encrypted state, nonce, verifier and expiry (well over 100 characters). */
const SEALED = /^[A-Za-z0-9_-]{100,}$/;

describe('OpenID Connect sign-in (in-process app, provider over http on loopback)', () => {
  let setup: OidcTestApp | undefined;
  let provider: TestOidcProvider;
  let t: TestApp;
  let origin: string;
  let adminToken: string;

  beforeAll(async () => {
    setup = await startOidcTestApp({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, adminEmails: OWNER_EMAIL });
    ({ t, provider, origin } = setup);
    adminToken = await t.token('admin');
    await t.testDb.database.db
      .insertInto('beta_users')
      .values([
        { email: 'Granted@Example.com', invite_code: 'invite-granted', role: 'ADMIN', is_active: true },
        { email: REVOKED.email, invite_code: 'invite-revoked', role: 'ADMIN', is_active: false },
        { email: STRANGER.email, invite_code: 'invite-stranger', role: 'TESTER', is_active: true },
      ])
      .execute();
  });

  afterAll(() => setup?.close());

  interface AuditRow {
    actor: string;
    action: string;
    after: Record<string, unknown> | null;
    request_id: string | null;
  }
  async function audit(action: string): Promise<AuditRow[]> {
    const res = await fetch(`${origin}/api/admin/audit?action=${encodeURIComponent(action)}&limit=200`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: AuditRow[] }).items;
  }

  /** Failed sign-ins audited so far: a client's repeats share a row and its `count`. */
  async function failedSignIns(): Promise<number> {
    const rows = await audit('auth.sign_in_failed');
    return rows.reduce((sum, row) => sum + (row.after?.count as number), 0);
  }

  async function me(browser: Browser): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await browser.request(`${origin}/auth/me`, { headers: { accept: 'application/json' } });
    return { status: res.status, body: JSON.parse(res.body) as Record<string, unknown> };
  }

  /** The callback refused the sign-in and no session exists in the browser or on the server. */
  async function expectNoSession(browser: Browser, callback: BrowserResponse) {
    expect(cookieLine(callback, 'bs_session')).toBeUndefined();
    expect(browser.cookie(origin, 'bs_session')).toBeUndefined();
    expect((await me(browser)).status).toBe(401);
    const rows = await t.testDb.database.db.selectFrom('sessions').select(['email']).execute();
    expect(rows.filter((r) => r.email !== OWNER_EMAIL && r.email !== 'granted@example.com')).toEqual([]);
  }

  it('signs the owner in: PKCE S256, state and nonce, a fresh HttpOnly SameSite=Lax session, 303 to next', async () => {
    const browser = new Browser();
    const before = (await audit('auth.sign_in')).length;
    const attempt = await signIn(browser, provider, origin, OWNER, { next: '/admin/beta/flags?tab=rollout' });

    // /auth/login sends the browser to the provider's authorization endpoint with every binding.
    expect(`${attempt.authorizeUrl.origin}${attempt.authorizeUrl.pathname}`).toBe(`${provider.issuer}/auth`);
    const params = attempt.authorizeUrl.searchParams;
    expect(params.get('response_type')).toBe('code');
    expect(params.get('client_id')).toBe(CLIENT_ID);
    expect(params.get('redirect_uri')).toBe(`${origin}/auth/callback`);
    expect(params.get('scope')?.split(' ').sort()).toEqual(['email', 'openid']);
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const state = params.get('state');
    const nonce = params.get('nonce');
    expect(state).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    expect(state).not.toBe(nonce);
    // …and the provider itself received them (PKCE is required there: no challenge, no code).
    expect(Object.fromEntries(provider.authorizationRequests.at(-1)!)).toMatchObject({
      code_challenge_method: 'S256',
      code_challenge: params.get('code_challenge'),
      state,
      nonce,
    });
    const withoutPkce = new URL(attempt.authorizeUrl);
    withoutPkce.searchParams.delete('code_challenge');
    withoutPkce.searchParams.delete('code_challenge_method');
    const refused = await new Browser().request(withoutPkce);
    expect(refused.location?.searchParams.get('error')).toBe('invalid_request');
    // The verifier never leaves the server: the pending state rides in a sealed HttpOnly cookie.
    const pending = cookieLine(attempt.login, 'bs_signin');
    expect(pending).toMatch(/HttpOnly/i);
    expect(pending).not.toContain(state!);
    expect(attempt.login.headers['cache-control']).toBe('no-store');

    // The provider answered the app's callback with the same state, and issued a real ID token for this nonce.
    expect(attempt.callbackUrl.pathname).toBe('/auth/callback');
    expect(attempt.callbackUrl.searchParams.get('state')).toBe(state);
    expect(attempt.callbackUrl.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const idToken = provider.idTokens.at(-1)!;
    expect(idToken.claims).toMatchObject({ iss: provider.issuer, aud: CLIENT_ID, sub: OWNER.sub, nonce, email: OWNER_EMAIL });

    const { callback } = attempt;
    expect(callback.status, callback.body).toBe(303);
    expect(callback.headers.location).toBe('/admin/beta/flags?tab=rollout');
    const sessionCookie = cookieLine(callback, 'bs_session')!;
    expect(sessionCookie.split(';')[0]).toBe(`bs_session=${browser.cookie(origin, 'bs_session')}`);
    expect(sessionCookie).toMatch(/;\s*HttpOnly/i);
    expect(sessionCookie).toMatch(/;\s*SameSite=Lax/i);
    expect(sessionCookie).toMatch(/;\s*Path=\//i);
    expect(sessionCookie).not.toMatch(/;\s*Secure/i); // http PUBLIC_URL
    expect(browser.cookie(origin, 'bs_session')).toMatch(SESSION_ID);
    // The pending sign-in is spent.
    expect(browser.cookie(origin, 'bs_signin')).toBeUndefined();

    expect(await me(browser)).toEqual({ status: 200, body: { email: OWNER_EMAIL, role: 'OWNER', csrfToken: expect.any(String) } });
    const console = await browser.request(`${origin}/api/admin/audit?action=auth.sign_in`, { headers: { accept: 'application/json' } });
    expect(console.status).toBe(200);
    // …and without the cookie the same request is refused: the 200 above is the session's doing.
    expect((await fetch(`${origin}/api/admin/audit`)).status).toBe(401);

    const rows = await audit('auth.sign_in');
    expect(rows.length).toBe(before + 1);
    expect(rows[0]).toMatchObject({ actor: OWNER_EMAIL, after: { email: OWNER_EMAIL, role: 'OWNER', issuer: provider.issuer } });
    // The row names the request that signed in: the id the callback's answer carried.
    expect(rows[0]!.request_id).toBe(callback.headers['x-request-id']);
    // The server-side row records who signed in, by issuer and subject.
    const session = await t.testDb.database.db
      .selectFrom('sessions')
      .select(['email', 'role', 'issuer', 'subject'])
      .where('subject', '=', OWNER.sub)
      .executeTakeFirstOrThrow();
    expect(session).toEqual({ email: OWNER_EMAIL, role: 'OWNER', issuer: provider.issuer, subject: OWNER.sub });
  });

  it('signs in a user an owner granted ADMIN (email matched case-insensitively) with role ADMIN', async () => {
    const browser = new Browser();
    const { callback } = await signIn(browser, provider, origin, GRANTED);
    expect(callback.status, callback.body).toBe(303);
    expect(callback.headers.location).toBe('/admin/beta/');
    expect(cookieLine(callback, 'bs_session')?.split(';')[0]).toMatch(/^bs_session=[A-Za-z0-9_-]{43}$/);
    expect(await me(browser)).toEqual({ status: 200, body: { email: GRANTED.email, role: 'ADMIN', csrfToken: expect.any(String) } });
    expect((await browser.request(`${origin}/api/admin/audit`)).status).toBe(200);
    const rows = await audit('auth.sign_in');
    expect(rows[0]).toMatchObject({ actor: GRANTED.email, after: { role: 'ADMIN' } });
  });

  it('refuses a verified non-owner with 403, no session, and an auth.sign_in_refused audit row', async () => {
    const browser = new Browser();
    const before = (await audit('auth.sign_in_refused')).length;
    const signInsBefore = (await audit('auth.sign_in')).length;
    const { callback } = await signIn(browser, provider, origin, STRANGER);
    expect(callback.status).toBe(403);
    expect(callback.headers['content-type']).toMatch(/^text\/html/);
    expect(callback.body).toContain(STRANGER.email);
    await expectNoSession(browser, callback);
    const rows = await audit('auth.sign_in_refused');
    expect(rows.length).toBe(before + 1);
    expect(rows[0]).toMatchObject({ actor: STRANGER.email, after: { email: STRANGER.email, emailVerified: true } });
    expect((await audit('auth.sign_in')).length).toBe(signInsBefore);
  });

  it('shows a refused email escaped on the 403 page', async () => {
    const browser = new Browser();
    const { callback } = await signIn(browser, provider, origin, MARKUP);
    expect(callback.status).toBe(403);
    expect(callback.body).not.toContain('<img');
    expect(callback.body).toContain('&lt;img src=x onerror=alert(1)&gt;@example.com');
    await expectNoSession(browser, callback);
  });

  it('refuses a user whose ADMIN grant is no longer active', async () => {
    const browser = new Browser();
    const { callback } = await signIn(browser, provider, origin, REVOKED);
    expect(callback.status).toBe(403);
    await expectNoSession(browser, callback);
    expect((await audit('auth.sign_in_refused'))[0]).toMatchObject({ actor: REVOKED.email });
  });

  it('refuses an email the provider does not vouch for (email_verified false), even the owner’s', async () => {
    const browser = new Browser();
    const { callback } = await signIn(browser, provider, origin, UNVERIFIED);
    expect(provider.idTokens.at(-1)!.claims).toMatchObject({ email: OWNER_EMAIL, email_verified: false });
    expect(callback.status).toBe(403);
    expect(callback.body).toMatch(/not verified/);
    await expectNoSession(browser, callback);
    expect((await audit('auth.sign_in_refused'))[0]).toMatchObject({ actor: OWNER_EMAIL, after: { emailVerified: false } });
  });

  const now = () => Math.floor(Date.now() / 1000);
  const tampered: Array<[string, IdTokenTamper]> = [
    ['a wrong audience', ({ header, claims }) => ({ header, claims: { ...claims, aud: 'some-other-client' }, signer: 'provider' })],
    [
      'an audience list that does not name this client',
      ({ header, claims }) => ({
        header,
        claims: { ...claims, aud: ['some-other-client', 'another'], azp: 'some-other-client' },
        signer: 'provider',
      }),
    ],
    [
      'a wrong issuer',
      ({ header, claims }) => ({ header, claims: { ...claims, iss: 'https://accounts.evil.example' }, signer: 'provider' }),
    ],
    ['a bad signature (another key, same kid)', ({ header, claims }) => ({ header, claims, signer: 'foreign' })],
    ['no signature (alg none)', ({ header, claims }) => ({ header, claims, signer: 'unsigned' })],
    [
      'a missing nonce',
      ({ header, claims }) => {
        const { nonce: _nonce, ...rest } = claims;
        return { header, claims: rest, signer: 'provider' };
      },
    ],
    [
      'a mismatched nonce',
      ({ header, claims }) => ({ header, claims: { ...claims, nonce: 'nonce-of-another-sign-in' }, signer: 'provider' }),
    ],
    [
      'an expired token',
      ({ header, claims }) => ({ header, claims: { ...claims, iat: now() - 7200, exp: now() - 3600 }, signer: 'provider' }),
    ],
  ];

  it.each(tampered)('refuses an ID token with %s (401 page, no session, auth.sign_in_failed)', async (_label, tamper) => {
    const browser = new Browser();
    const failedBefore = await failedSignIns();
    const signInsBefore = (await audit('auth.sign_in')).length;
    const issued = provider.idTokens.length;
    const { callback } = await signIn(browser, provider, origin, OWNER, { tamper });
    // The tampered token really was what the app received.
    expect(provider.idTokens.length).toBe(issued + 1);
    expect(callback.status, callback.body).toBe(401);
    expect(callback.headers['content-type']).toMatch(/^text\/html/);
    expect(callback.body).toContain('Sign-in failed');
    await expectNoSession(browser, callback);
    expect(await failedSignIns()).toBe(failedBefore + 1);
    const failed = await audit('auth.sign_in_failed');
    expect(failed[0]).toMatchObject({ actor: 'anonymous', after: { reason: expect.any(String), client: '127.0.0.1' } });
    expect(failed[0]!.after!.reason).not.toBe('no pending sign-in');
    expect((await audit('auth.sign_in')).length).toBe(signInsBefore);
  });

  it('refuses a replayed callback (same code and state) after a successful sign-in', async () => {
    const browser = new Browser();
    provider.signInAs(OWNER);
    const login = await browser.request(`${origin}/auth/login`);
    const sealedPending = browser.cookie(origin, 'bs_signin');
    expect(sealedPending).toMatch(SEALED);
    const callbackUrl = await throughProvider(browser, login.location!, origin);
    const first = await browser.request(callbackUrl);
    expect(first.status).toBe(303);
    const sessionsBefore = await t.testDb.database.db.selectFrom('sessions').select('id_hash').execute();
    const failedBefore = await failedSignIns();

    // The same browser again: its pending sign-in was spent by the first callback.
    const again = await browser.request(callbackUrl);
    expect(again.status).toBe(400);
    expect(cookieLine(again, 'bs_session')).toBeUndefined();

    // An attacker who kept the pending cookie too: the provider's code is single use.
    const attacker = new Browser();
    attacker.setCookie(origin, 'bs_signin', sealedPending!);
    const replay = await attacker.request(callbackUrl);
    expect(replay.status).toBe(401);
    expect(cookieLine(replay, 'bs_session')).toBeUndefined();

    expect(await t.testDb.database.db.selectFrom('sessions').select('id_hash').execute()).toHaveLength(sessionsBefore.length);
    expect(await failedSignIns()).toBe(failedBefore + 2);
  });

  it('refuses a callback that belongs to another browser’s sign-in (state bound to the browser)', async () => {
    const victim = new Browser();
    const attacker = new Browser();
    provider.signInAs(STRANGER);
    // The attacker gets a valid code for their own account…
    const attackerLogin = await attacker.request(`${origin}/auth/login`);
    const attackerCallback = await throughProvider(attacker, attackerLogin.location!, origin);
    // …and plants it on a victim who has a sign-in of their own pending.
    provider.signInAs(OWNER);
    await victim.request(`${origin}/auth/login`);
    expect(victim.cookie(origin, 'bs_signin')).toMatch(SEALED);
    const res = await victim.request(attackerCallback);
    expect(res.status).toBe(401);
    await expectNoSession(victim, res);
  });

  it('gives a new session id at sign-in: a planted bs_session is not kept, and a second sign-in replaces the first', async () => {
    const browser = new Browser();
    const planted = randomBytes(32).toString('base64url');
    browser.setCookie(origin, 'bs_session', planted);
    const first = await signIn(browser, provider, origin, OWNER);
    expect(first.callback.status).toBe(303);
    const firstId = browser.cookie(origin, 'bs_session');
    expect(firstId).toMatch(SESSION_ID);
    expect(firstId).not.toBe(planted);
    expect((await me(browser)).status).toBe(200);

    const planter = new Browser();
    planter.setCookie(origin, 'bs_session', planted);
    expect((await me(planter)).status).toBe(401);

    const second = await signIn(browser, provider, origin, OWNER);
    expect(second.callback.status).toBe(303);
    const secondId = browser.cookie(origin, 'bs_session');
    expect(secondId).toMatch(SESSION_ID);
    expect(secondId).not.toBe(firstId);
    // The earlier session ended with the new sign-in: its id no longer works anywhere.
    const stale = new Browser();
    stale.setCookie(origin, 'bs_session', firstId!);
    expect((await me(stale)).status).toBe(401);
  });

  it.each(['https://evil.example/', '//evil.example', '/\\evil.example', '/\\/evil.example', 'javascript:alert(1)'])(
    'ignores an external next (%s) in favour of /admin/beta/',
    async (next) => {
      const browser = new Browser();
      const { callback } = await signIn(browser, provider, origin, OWNER, { next });
      expect(callback.status).toBe(303);
      expect(callback.headers.location).toBe('/admin/beta/');
    },
  );

  it('audits a callback with no pending sign-in as auth.sign_in_failed', async () => {
    const before = await failedSignIns();
    const res = await new Browser().request(`${origin}/auth/callback?code=abc&state=def`);
    expect(res.status).toBe(400);
    expect(cookieLine(res, 'bs_session')).toBeUndefined();
    expect(await failedSignIns()).toBe(before + 1);
    const rows = await audit('auth.sign_in_failed');
    expect(rows[0]).toMatchObject({ actor: 'anonymous', after: { reason: 'no pending sign-in' } });
  });

  it('left the audit trail of this file: successes, refusals and failures', async () => {
    const signIns = await audit('auth.sign_in');
    const refused = await audit('auth.sign_in_refused');
    const failed = await audit('auth.sign_in_failed');
    expect(new Set(signIns.map((r) => r.actor))).toEqual(new Set([OWNER_EMAIL, GRANTED.email]));
    expect(new Set(refused.map((r) => r.actor))).toEqual(new Set([STRANGER.email, MARKUP.email, REVOKED.email, OWNER_EMAIL]));
    // tampered tokens + replay (2) + foreign state + no pending sign-in, from one client: folded into
    // one row (two if a ten-minute window turned while this file ran).
    expect(await failedSignIns()).toBe(tampered.length + 4);
    expect(failed.length).toBeGreaterThanOrEqual(1);
    expect(failed.length).toBeLessThanOrEqual(2);
    for (const row of failed) expect(row).toMatchObject({ actor: 'anonymous', after: { client: '127.0.0.1' } });
    // No client here sends X-Request-ID: every id is one the server drew (a random UUID).
    for (const row of [...signIns, ...refused, ...failed])
      expect(row.request_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('OpenID Connect sign-in against the built server, provider over https (self-signed, NODE_EXTRA_CA_CERTS)', () => {
  let provider: TestOidcProvider;
  let child: ChildProcess | undefined;
  let output = '';
  let location: TestDatabaseLocation;
  let certDir: string;
  let origin: string;
  let tlsCert: string;

  beforeAll(async () => {
    const tls = await selfSignedCertificate();
    tlsCert = tls.cert;
    certDir = await mkdtemp(join(tmpdir(), 'beta-suite-oidc-ca-'));
    const caFile = join(certDir, 'provider-ca.pem');
    await writeFile(caFile, tls.cert);
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    provider = await startOidcProvider({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUris: [`${origin}/auth/callback`],
      tls,
    });
    expect(provider.issuer).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    location = await cloneTemplate();
    const env = serverEnv(location, {
      GOOGLE_CLIENT_ID: CLIENT_ID,
      GOOGLE_CLIENT_SECRET: CLIENT_SECRET,
      OIDC_ISSUER: provider.issuer,
      PUBLIC_URL: origin,
      ADMIN_EMAILS: OWNER_EMAIL,
      NODE_EXTRA_CA_CERTS: caFile,
    });
    delete env.NODE_TLS_REJECT_UNAUTHORIZED;
    child = spawn(process.execPath, [MAIN, 'serve', '--port', String(port), '--host', '127.0.0.1'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited during start-up:\n${output}`);
      if (Date.now() > deadline) throw new Error(`server never became healthy:\n${output}`);
      const ok = await fetch(`${origin}/healthz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child!.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    await provider?.close();
    await location?.drop();
    if (certDir) await rm(certDir, { recursive: true, force: true });
  });

  it('signs the owner in end to end', async () => {
    const browser = new Browser(tlsCert);
    const attempt = await signIn(browser, provider, origin, OWNER, { next: '/admin/beta/' });
    expect(attempt.authorizeUrl.origin).toBe(provider.issuer);
    expect(attempt.authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(attempt.callback.status, `${attempt.callback.body}\n${output}`).toBe(303);
    expect(attempt.callback.headers.location).toBe('/admin/beta/');
    expect(cookieLine(attempt.callback, 'bs_session')).toMatch(/HttpOnly/i);
    const me = await browser.request(`${origin}/auth/me`, { headers: { accept: 'application/json' } });
    expect(me.status).toBe(200);
    expect(JSON.parse(me.body)).toMatchObject({ email: OWNER_EMAIL, role: 'OWNER' });
    const audit = await browser.request(`${origin}/api/admin/audit?action=auth.sign_in`, { headers: { accept: 'application/json' } });
    expect(audit.status).toBe(200);
    expect((JSON.parse(audit.body) as { items: Array<{ actor: string }> }).items.map((r) => r.actor)).toEqual([OWNER_EMAIL]);
  });
});
