// The admin console under test in real headless Chromium: the built server on a private database
// with a local OpenID provider, and browser contexts signed in as the owner at a given width.
import { randomBytes } from 'node:crypto';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { freePort, startOidcProvider, type TestAccount, type TestOidcProvider } from './oidc-provider.js';
import { serverEnv, startServer, type ServerProcess } from './server-process.js';
import { cloneTemplate, type TestDatabaseLocation } from './test-database.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CLIENT_ID = 'beta-console';

export interface ConsoleUnderTest {
  /** `http://127.0.0.1:PORT`. */
  base: string;
  provider: TestOidcProvider;
  server: ServerProcess;
  browser: Browser;
  /** Uncaught page errors seen in any signed-in context; a test file expects none at the end. */
  errors: string[];
  /** A new browser context at `width` px, signed in as `owner` through the provider. */
  signedIn(width: number): Promise<BrowserContext>;
  close(): Promise<void>;
}

/** Starts the server (with `env` added) and Chromium; `owner` is the one admin email. */
export async function startConsole(owner: TestAccount, env: Record<string, string> = {}): Promise<ConsoleUnderTest> {
  const secret = randomBytes(24).toString('base64url');
  const db: TestDatabaseLocation = await cloneTemplate();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const provider = await startOidcProvider({ clientId: CLIENT_ID, clientSecret: secret, redirectUris: [`${base}/auth/callback`] });
  const server = await startServer(
    serverEnv(db, {
      ADMIN_EMAILS: owner.email,
      GOOGLE_CLIENT_ID: CLIENT_ID,
      GOOGLE_CLIENT_SECRET: secret,
      OIDC_ISSUER: provider.issuer,
      PUBLIC_URL: base,
      ...env,
    }),
    60_000,
    port,
  );
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const errors: string[] = [];
  return {
    base,
    provider,
    server,
    browser,
    errors,
    async signedIn(width) {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      context.on('weberror', (error) => errors.push(`uncaught: ${error.error().message}`));
      provider.signInAs(owner);
      const p = await context.newPage();
      await p.goto(`${base}/admin/beta/`);
      if (new URL(p.url()).pathname === '/sign-in') await p.locator('#sign-in-google').click();
      await p.waitForURL(`${base}/admin/beta/`);
      await p.close();
      return context;
    },
    async close() {
      if (server.child.exitCode !== null) console.error(`the server exited early:\n${server.output().slice(-4000)}`);
      await browser.close();
      await server.stop();
      await provider.close();
      await db.drop();
    },
  };
}
