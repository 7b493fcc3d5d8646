// What the tester-portal browser tests share: Debian's Chromium, reading the links out of the mail
// an SMTP inbox on loopback received, axe-core, and the built server with a local OpenID provider
// and the owner signed in to the console in their own browser context.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { expect } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { freePort, startOidcProvider, type TestAccount, type TestOidcProvider } from './helpers/oidc-provider.js';
import { serverEnv, startServer, type ServerProcess } from './helpers/server-process.js';
import { linkIn, type SmtpInbox } from './helpers/smtp-inbox.js';
import { cloneTemplate, type TestDatabaseLocation } from './helpers/test-database.js';

export { seriousViolations } from './helpers/axe.js';

/** Debian's Chromium (CHROMIUM_PATH for another). Without it the files are skipped, except in CI, where they fail. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);
export const OWNER: TestAccount = { sub: 'sub-owner', email: 'owner@example.com', email_verified: true };
export const WIDTHS = [1440, 375] as const;

/** Reads an inbox in order: each call answers the link (to `path`) in the next mail to `to`, within 15 s. */
export function linkReader(inbox: SmtpInbox): (to: string, path: string) => Promise<string> {
  const read = new Map<string, number>();
  return async (to, path) => {
    const skip = read.get(to) ?? 0;
    const mail = await inbox.waitFor(to, { skip, timeoutMs: 15_000 });
    read.set(to, skip + 1);
    return linkIn(mail, path);
  };
}

export interface BetaSite {
  db: TestDatabaseLocation;
  provider: TestOidcProvider;
  server: ServerProcess;
  /** A second instance on the same database (PostgreSQL only: PGlite belongs to one process). */
  second: ServerProcess | undefined;
  base: string;
  browser: Browser;
  owner: BrowserContext;
  ownerPage: Page;
  /** Console errors, uncaught exceptions and requests to another origin, in every context made by `context()`. */
  problems: string[];
  /** A new browser context, watched for problems. */
  context: (width?: number) => Promise<BrowserContext>;
  /** The admin API as the signed-in owner (CSRF token from the page); fails the test unless 2xx. */
  ownerApi: <T>(path: string, init?: { method?: string; data?: unknown }) => Promise<T>;
  close(): Promise<void>;
}

/**
 * The built server on a cloned database with `env` added (and a second instance on PostgreSQL when
 * `second`), a local OpenID provider, Chromium, and the owner signed in to the console.
 * `prepare` runs first, on the database alone (e.g. the CLI creating a token).
 */
export async function startBetaSite(
  env: Record<string, string>,
  options: { second?: boolean; prepare?: (db: TestDatabaseLocation) => Promise<void> } = {},
): Promise<BetaSite> {
  const clientId = 'beta-console';
  const clientSecret = randomBytes(24).toString('base64url');
  const db = await cloneTemplate();
  await options.prepare?.(db);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const provider = await startOidcProvider({ clientId, clientSecret, redirectUris: [`${base}/auth/callback`] });
  const fullEnv = serverEnv(db, {
    ADMIN_EMAILS: OWNER.email,
    GOOGLE_CLIENT_ID: clientId,
    GOOGLE_CLIENT_SECRET: clientSecret,
    OIDC_ISSUER: provider.issuer,
    PUBLIC_URL: base,
    ...env,
  });
  const server = await startServer(fullEnv, 60_000, port);
  const second = options.second && db.databaseUrl ? await startServer(fullEnv, 60_000) : undefined;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const problems: string[] = [];
  const context = async (width = 1440) => {
    const c = await browser.newContext({ viewport: { width, height: 900 } });
    c.on('console', (m) => {
      // A 401 from /api/beta/me is how the tester pages learn that nobody is signed in.
      if (m.type() === 'error' && !m.text().includes('401')) problems.push(`${m.text()} @ ${m.location().url}`);
    });
    c.on('weberror', (e) => problems.push(`uncaught: ${e.error().message}`));
    c.on('request', (r) => {
      const url = new URL(r.url());
      if (url.protocol !== 'data:' && url.origin !== base && url.origin !== provider.issuer) problems.push(`foreign request ${r.url()}`);
    });
    return c;
  };
  const owner = await context();
  provider.signInAs(OWNER);
  const ownerPage = await owner.newPage();
  await ownerPage.goto(`${base}/admin/beta/`);
  if (new URL(ownerPage.url()).pathname === '/sign-in') await ownerPage.locator('#sign-in-google').click();
  await ownerPage.waitForURL(`${base}/admin/beta/`);
  return {
    db,
    provider,
    server,
    second,
    base,
    browser,
    owner,
    ownerPage,
    problems,
    context,
    ownerApi: async <T>(path: string, init: { method?: string; data?: unknown } = {}): Promise<T> => {
      const csrf = (await ownerPage.locator('meta[name="csrf-token"]').getAttribute('content')) ?? '';
      const res = await owner.request.fetch(`${base}${path}`, {
        method: init.method ?? 'GET',
        data: init.data,
        headers: { 'x-csrf-token': csrf, origin: base },
      });
      expect(res.status(), `${path}: ${await res.text()}`).toBeLessThan(300);
      return (await res.json()) as T;
    },
    close: async () => {
      if (server.child.exitCode !== null) console.error(`the server exited early:\n${server.output().slice(-4000)}`);
      await browser.close();
      await second?.stop();
      await server.stop();
      await provider.close();
      await db.drop();
    },
  };
}
