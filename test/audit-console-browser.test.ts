// The console's audit page in Chromium: entries read as sentences with names, the search finds a
// tester's entries by email as one types (with a count, and clears), the action filter offers
// actions by name, and a change shows old → new with the raw JSON behind "details"; at 1440 and
// 375 px, with no serious accessibility violations.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { seriousViolations } from './helpers/axe.js';
import { freePort, startOidcProvider, type TestAccount, type TestOidcProvider } from './helpers/oidc-provider.js';
import { serverEnv, startServer, type ServerProcess } from './helpers/server-process.js';
import { cloneTemplate, type TestDatabaseLocation } from './helpers/test-database.js';

const CLIENT_ID = 'beta-console';
const CLIENT_SECRET = randomBytes(24).toString('base64url');
const OWNER: TestAccount = { sub: 'sub-owner', email: 'owner@example.com', email_verified: true };
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WIDTHS = [1440, 375] as const;
const WAIT = { timeout: 20_000 };

describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('audit log page in Chromium', () => {
  let db: TestDatabaseLocation;
  let provider: TestOidcProvider;
  let server: ServerProcess;
  let browser: Browser;
  let context: BrowserContext;
  let base: string;
  const errors: string[] = [];

  beforeAll(async () => {
    db = await cloneTemplate();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    provider = await startOidcProvider({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [`${base}/auth/callback`] });
    server = await startServer(
      serverEnv(db, {
        ADMIN_EMAILS: OWNER.email,
        GOOGLE_CLIENT_ID: CLIENT_ID,
        GOOGLE_CLIENT_SECRET: CLIENT_SECRET,
        OIDC_ISSUER: provider.issuer,
        PUBLIC_URL: base,
      }),
      60_000,
      port,
    );
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    context = await browser.newContext();
    context.on('weberror', (error) => errors.push(`uncaught: ${error.error().message}`));
    provider.signInAs(OWNER);
    const p = await context.newPage();
    await p.goto(`${base}/admin/beta/`);
    if (new URL(p.url()).pathname === '/sign-in') await p.locator('#sign-in-google').click();
    await p.waitForURL(`${base}/admin/beta/`);
    const csrf = (await p.locator('meta[name="csrf-token"]').getAttribute('content')) ?? '';
    await p.close();

    const call = async (method: 'POST' | 'PATCH', path: string, data: object, comment?: string) => {
      const headers: Record<string, string> = { 'x-csrf-token': csrf };
      if (comment) headers['x-change-comment'] = encodeURIComponent(comment);
      const res = await context.request.fetch(`${base}${path}`, { method, data, headers });
      expect(res.status(), await res.text()).toBeLessThan(300);
      return (await res.json()) as { id: string };
    };
    await call('POST', '/api/admin/flags', { name: 'new-chat-ui', description: '' });
    await call('PATCH', '/api/admin/flags/new-chat-ui', { rollout_percentage: 10 });
    await call('PATCH', '/api/admin/flags/new-chat-ui', { rollout_percentage: 50 });
    const bob = await call('POST', '/api/admin/users', { email: 'bob@example.com' });
    await call('PATCH', `/api/admin/users/${bob.id}`, { is_active: false }, 'Left the company');
    await call('POST', '/api/admin/users', { email: 'alice@example.com' });
    await call('POST', '/api/admin/tokens', { name: 'nous-web', scope: 'client' });
  }, 120_000);

  afterAll(async () => {
    if (server && server.child.exitCode !== null) console.error(`the server exited early:\n${server.output().slice(-4000)}`);
    await browser?.close();
    await server?.stop();
    await provider?.close();
    await db?.drop();
    expect(errors).toEqual([]);
  });

  const open = async (width: number, path = '/admin/beta/audit'): Promise<Page> => {
    const p = await context.newPage();
    await p.setViewportSize({ width, height: 900 });
    await p.goto(`${base}${path}`);
    return p;
  };

  for (const width of WIDTHS) {
    it(`at ${width} px: sentences with names, search by a tester's email, the action filter and the diff`, async () => {
      const p = await open(width);
      const rows = p.locator('#audit-table tbody tr[data-action]');
      const count = p.locator('#audit-matches');
      const sentences = () => rows.locator('.audit-sentence > div:first-child').allTextContents();

      await expect.poll(sentences, WAIT).toContain('owner@example.com raised new-chat-ui from 10 % to 50 %');
      const all = await sentences();
      expect(all).toContain('owner@example.com deactivated tester bob@example.com');
      // The comment given when the change was reviewed reads under its sentence.
      expect(await rows.locator('.audit-comment').allTextContents()).toEqual(['“Left the company”']);
      expect(all).toContain('owner@example.com created token nous-web (client)');
      expect(all).toContain('owner@example.com created flag new-chat-ui');
      // The tester's id stays at hand, in the name's tooltip.
      const bobName = rows.locator('.audit-name', { hasText: 'bob@example.com' }).first();
      expect(await bobName.getAttribute('title')).toMatch(/^[0-9a-f-]{36}$/);
      expect(await count.textContent()).toBe('');

      // Typing searches (no button to press), the address keeps it, a count says how many match.
      expect(await p.getByRole('button', { name: 'Filter' }).count()).toBe(0);
      await p.getByLabel('Search people, testers, tokens, flags').pressSequentially('BOB@exa', { delay: 20 });
      await expect.poll(() => count.textContent(), WAIT).toBe('2 entries match');
      await expect
        .poll(sentences, WAIT)
        .toEqual(['owner@example.com deactivated tester bob@example.com', 'owner@example.com added tester bob@example.com']);
      expect(new URL(p.url()).searchParams.get('q')).toBe('BOB@exa');

      // The change: the field that changed, old → new, marked; the raw JSON behind "details".
      const deactivated = rows.filter({ hasText: 'deactivated tester' });
      const diff = deactivated.locator('.audit-diff li[data-field="is_active"]');
      expect(await diff.textContent()).toBe('is_active: true → false');
      expect(await diff.locator('del').textContent()).toBe('true');
      expect(await diff.locator('ins').textContent()).toBe('false');
      const raw = deactivated.locator('details pre').first();
      expect(await raw.isVisible()).toBe(false);
      await deactivated.locator('summary', { hasText: 'details' }).click();
      await expect.poll(() => raw.isVisible(), WAIT).toBe(true);
      expect(JSON.parse((await raw.textContent()) ?? '')).toMatchObject({ email: 'bob@example.com', is_active: true });
      // An entry that only added fields shows them as additions.
      const added = rows.filter({ hasText: 'added tester' }).locator('.audit-diff li.diff-added[data-field="email"]');
      expect(await added.textContent()).toBe('email: added "bob@example.com"');

      expect(await seriousViolations(p)).toEqual([]);

      // Clearing brings everything back and drops the count.
      await p.getByRole('button', { name: 'Clear' }).click();
      await expect.poll(() => count.textContent(), WAIT).toBe('');
      await expect.poll(async () => (await sentences()).length, WAIT).toBeGreaterThan(5);
      expect(new URL(p.url()).search).toBe('');

      // The action filter offers actions by name and applies when chosen.
      const action = p.getByLabel('Action');
      expect(await action.locator('option', { hasText: 'Token created' }).getAttribute('value')).toBe('token.create');
      await action.selectOption({ label: 'Flag changed' });
      await expect
        .poll(sentences, WAIT)
        .toEqual(['owner@example.com raised new-chat-ui from 10 % to 50 %', 'owner@example.com raised new-chat-ui from 0 % to 10 %']);
      expect(new URL(p.url()).searchParams.get('action')).toBe('flag.update');
      const rollout = rows.first().locator('.audit-diff li[data-field="rollout_percentage"]');
      expect(await rollout.textContent()).toBe('rollout_percentage: 10 → 50');

      // Nothing needs scrolling sideways, at either width.
      expect(await p.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
      expect(await seriousViolations(p)).toEqual([]);
      await p.close();
    });
  }
});
