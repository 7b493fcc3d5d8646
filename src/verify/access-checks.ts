// Access checks: every admin route refuses anonymous and forged callers on each instance, and a real
// cookie session refuses state changes without a valid CSRF token, from a foreign Origin or cross-site.
import { randomBytes } from 'node:crypto';
import { ADMIN_PROBES, probePath } from './admin-probes.js';
import { failed, jsonBody, passed, skipped, type CheckContext } from './check-context.js';
import type { CheckResult } from './verify-types.js';

export async function checkAdminClosed(ctx: CheckContext): Promise<void> {
  for (const base of ctx.urls) {
    await ctx.guarded('admin-closed', base, 'the instance did not answer the probes', () => adminClosed(ctx, base));
  }
}

async function adminClosed(ctx: CheckContext, base: string): Promise<CheckResult> {
  const open: string[] = [];
  const forged: Array<Record<string, string>> = [
    {},
    { cookie: 'bs_session=forged-session-id; __Host-bs_session=forged-session-id' },
    { authorization: `Bearer bs_${randomBytes(24).toString('base64url')}` },
  ];
  for (const probe of ADMIN_PROBES) {
    for (const headers of forged) {
      const body = probe.method === 'GET' || probe.method === 'DELETE' ? undefined : '{}';
      const r = await ctx.call(base, probe.method, probePath(probe.route), {
        headers: body ? { ...headers, 'content-type': 'application/json' } : headers,
        body,
      });
      const refused =
        r.status === 401 || r.status === 403 || (r.status === 302 && /^\/(sign-in|auth\/login)\?/.test(r.headers.get('location') ?? ''));
      if (!refused) open.push(`${probe.method} ${probe.route} → ${r.status}`);
    }
  }
  return open.length === 0
    ? passed('admin-closed', base, `${ADMIN_PROBES.length} admin routes refuse anonymous, forged-cookie and forged-token callers`)
    : failed(
        'admin-closed',
        base,
        `not refused: ${open.slice(0, 5).join('; ')}${open.length > 5 ? ` and ${open.length - 5} more` : ''}`,
        'an admin route answers without credentials: check the admin guard and any proxy in front of it',
      );
}

/** Needs a sign-in link for a real session; runs on the first instance. */
export async function checkCsrf(ctx: CheckContext): Promise<void> {
  const { first, options } = ctx;
  if (!options.loginLink) {
    ctx.add(skipped('csrf', first, 'needs --login-link (from `beta-suite admin-link`) for a real session'));
    return;
  }
  const loginLink = options.loginLink;
  await ctx.guarded('csrf', first, 'sign-in through the link failed: create a fresh one, it works once for 15 minutes', () =>
    csrf(ctx, loginLink),
  );
}

async function csrf(ctx: CheckContext, loginLink: string): Promise<CheckResult> {
  const { first } = ctx;
  const link = new URL(loginLink);
  const signIn = await ctx.call(first, 'GET', link.pathname + link.search);
  const cookies = signIn.headers.getSetCookie().map((c) => c.split(';')[0]!);
  const session = cookies.find((c) => /^(__Host-)?bs_session=/.test(c));
  if ((signIn.status !== 302 && signIn.status !== 303) || !session) {
    return failed(
      'csrf',
      first,
      `sign-in link answered ${signIn.status} without a session`,
      'use a fresh link from `beta-suite admin-link` for this deployment',
    );
  }
  const me = await ctx.call(first, 'GET', '/auth/me', { headers: { cookie: session } });
  const csrfToken = (me.json as { csrfToken?: string } | undefined)?.csrfToken ?? '';
  const name = `verify-csrf-${randomBytes(4).toString('hex')}`;
  const attempts: Array<{ name: string; headers: Record<string, string> }> = [
    { name: 'no token', headers: { cookie: session } },
    { name: 'wrong token', headers: { cookie: session, 'x-csrf-token': 'forged' } },
    { name: 'foreign Origin', headers: { cookie: session, 'x-csrf-token': csrfToken, origin: 'https://attacker.example' } },
    { name: 'cross-site fetch', headers: { cookie: session, 'x-csrf-token': csrfToken, 'sec-fetch-site': 'cross-site' } },
  ];
  const accepted: string[] = [];
  for (const a of attempts) {
    const r = await ctx.call(first, 'POST', '/api/admin/flags', jsonBody({ name, is_enabled: false }, a.headers));
    if (r.status !== 403) accepted.push(`${a.name} → ${r.status}`);
  }
  const created = await ctx.call(first, 'GET', `/api/admin/flags/${name}`, { headers: { cookie: session } });
  if (created.status === 200) {
    accepted.push('a flag was created');
    await ctx.call(first, 'DELETE', `/api/admin/flags/${name}`, { headers: { cookie: session, 'x-csrf-token': csrfToken } });
  }
  await ctx.call(first, 'POST', '/auth/logout', { headers: { cookie: session, 'x-csrf-token': csrfToken } });
  return accepted.length === 0
    ? passed('csrf', first, `${attempts.length} forged state changes on a real session refused with 403; signed out`)
    : failed('csrf', first, `not refused: ${accepted.join('; ')}`, 'CSRF checks on cookie sessions (token, Origin, Sec-Fetch-Site)');
}
