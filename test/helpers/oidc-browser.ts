// Sign-in tests against the local OpenID provider: the app listening on loopback beside a provider
// that knows it, and a browser minus the rendering (a cookie jar per origin, redirects followed only
// when asked, the whole provider round trip in one call).
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { expect } from 'vitest';
import { freePort, startOidcProvider, type IdTokenTamper, type TestAccount, type TestOidcProvider } from './oidc-provider.js';
import { createTestApp, type TestApp } from './test-app.js';

export interface OidcTestApp {
  t: TestApp;
  provider: TestOidcProvider;
  /** The app's origin, `http://127.0.0.1:PORT`. */
  origin: string;
  close(): Promise<void>;
}

/** The app in-process, listening on loopback, signing in through a fresh provider that has it registered as a client. */
export async function startOidcTestApp(options: { clientId: string; clientSecret: string; adminEmails: string }): Promise<OidcTestApp> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const { clientId, clientSecret } = options;
  const provider = await startOidcProvider({ clientId, clientSecret, redirectUris: [`${origin}/auth/callback`] });
  const t = await createTestApp({
    GOOGLE_CLIENT_ID: clientId,
    GOOGLE_CLIENT_SECRET: clientSecret,
    OIDC_ISSUER: provider.issuer,
    PUBLIC_URL: origin,
    ADMIN_EMAILS: options.adminEmails,
  });
  await t.app.listen({ port, host: '127.0.0.1' });
  return {
    t,
    provider,
    origin,
    async close() {
      await t.close();
      await provider.close();
    },
  };
}

export interface BrowserResponse {
  url: URL;
  status: number;
  headers: IncomingHttpHeaders;
  location: URL | undefined;
  setCookies: string[];
  body: string;
}

/** A browser, minus the rendering: a cookie jar per origin and redirects followed only when asked. */
export class Browser {
  private readonly jar = new Map<string, Map<string, string>>();

  /** `ca`: an extra certificate to trust for https origins (the provider's self-signed one). */
  constructor(private readonly ca?: string) {}

  cookie(origin: string, name: string): string | undefined {
    return this.jar.get(new URL(origin).host)?.get(name);
  }

  setCookie(origin: string, name: string, value: string): void {
    const host = new URL(origin).host;
    if (!this.jar.has(host)) this.jar.set(host, new Map());
    this.jar.get(host)!.set(name, value);
  }

  request(url: URL | string, init: { method?: string; headers?: Record<string, string> } = {}): Promise<BrowserResponse> {
    const target = new URL(url);
    const cookies = [...(this.jar.get(target.host) ?? new Map<string, string>())].map(([k, v]) => `${k}=${v}`).join('; ');
    const headers = { accept: 'text/html,application/json', ...init.headers, ...(cookies ? { cookie: cookies } : {}) };
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(target, { method: init.method ?? 'GET', headers, agent: false, ...(this.ca ? { ca: this.ca } : {}) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const setCookies = res.headers['set-cookie'] ?? [];
          this.store(target, setCookies);
          resolve({
            url: target,
            status: res.statusCode ?? 0,
            headers: res.headers,
            location: res.headers.location === undefined ? undefined : new URL(res.headers.location, target),
            setCookies,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
      });
      req.on('error', reject);
      req.end();
    });
  }

  private store(target: URL, setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const expired = attributes.some((a) => {
        const [k = '', v = ''] = a.split('=');
        return (k.toLowerCase() === 'max-age' && Number(v) <= 0) || (k.toLowerCase() === 'expires' && Date.parse(v) <= Date.now());
      });
      if (expired || value === '') this.jar.get(target.host)?.delete(name);
      else this.setCookie(target.origin, name, value);
    }
  }
}

export const cookieLine = (res: BrowserResponse, name: string) => res.setCookies.find((c) => c.startsWith(`${name}=`));

/** Follows the provider's redirects (authorize → interaction → resume → …) until one points back at the app. */
export async function throughProvider(browser: Browser, authorizeUrl: URL, appOrigin: string): Promise<URL> {
  let url = authorizeUrl;
  for (let hop = 0; hop < 10; hop++) {
    if (url.origin === appOrigin) return url;
    const res = await browser.request(url);
    if (res.status < 300 || res.status >= 400 || !res.location) {
      throw new Error(`provider answered ${res.status} at ${url.pathname}: ${res.body.slice(0, 500)}`);
    }
    url = res.location;
  }
  throw new Error('too many redirects at the provider');
}

export interface SignInAttempt {
  login: BrowserResponse;
  authorizeUrl: URL;
  callbackUrl: URL;
  callback: BrowserResponse;
}

export async function signIn(
  browser: Browser,
  provider: TestOidcProvider,
  appOrigin: string,
  account: TestAccount,
  options: { next?: string; tamper?: IdTokenTamper } = {},
): Promise<SignInAttempt> {
  provider.signInAs(account);
  if (options.tamper) provider.tamperNextIdToken(options.tamper);
  const query = options.next === undefined ? '' : `?next=${encodeURIComponent(options.next)}`;
  const login = await browser.request(`${appOrigin}/auth/login${query}`);
  expect(login.status, login.body).toBe(302);
  const authorizeUrl = login.location!;
  const callbackUrl = await throughProvider(browser, authorizeUrl, appOrigin);
  const callback = await browser.request(callbackUrl);
  return { login, authorizeUrl, callbackUrl, callback };
}
