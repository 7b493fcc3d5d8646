// A web page on another origin using a client key with the real @openfeature/web-sdk and
// @openfeature/ofrep-web-provider in headless Chromium: the first bulk evaluation, 304 polling with
// the ETag, a change made through the admin API reaching the page within the poll interval, and a
// flag not visible to client keys answered as missing.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenFeature, ProviderEvents } from '@openfeature/web-sdk';
import type { OFREPWebProvider } from '@openfeature/ofrep-web-provider';
import { createTestApp, type TestApp } from './helpers/test-app.js';
import { CHROMIUM, haveChromium } from './tester-portal-setup.js';

const POLL_MS = 400;

/** The SDK and provider as one browser module, built from the installed packages' ESM builds. */
async function sdkBundle(): Promise<string> {
  const result = await build({
    stdin: {
      contents: `export { OpenFeature, ProviderEvents } from '@openfeature/web-sdk';
export { OFREPWebProvider } from '@openfeature/ofrep-web-provider';`,
      resolveDir: fileURLToPath(new URL('..', import.meta.url)),
      loader: 'js',
    },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** A page server on loopback: the page, and the SDK module it imports. */
async function startPageServer(sdk: string): Promise<{ server: Server; origin: string }> {
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>NOUS</title></head><body><main>NOUS chat</main>
<script type="module">import * as sdk from '/sdk.js'; window.sdk = sdk; document.body.dataset.ready = 'yes';</script></body></html>`;
  const server = createServer((req, res) => {
    if (req.url === '/sdk.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(sdk);
    } else if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** What the page's module puts on `window.sdk`. */
interface PageSdk {
  OpenFeature: typeof OpenFeature;
  ProviderEvents: typeof ProviderEvents;
  OFREPWebProvider: typeof OFREPWebProvider;
}

interface Exchange {
  url: string;
  status: number;
  ifNoneMatch: string | undefined;
  etag: string | undefined;
  allowOrigin: string | undefined;
}

describe.skipIf(!haveChromium && !process.env.CI)('a web page on another origin with a client key (Chromium)', () => {
  let t: TestApp;
  let pages: { server: Server; origin: string };
  let api: string;
  let browser: Browser;
  let page: Page;
  let admin: Record<string, string>;
  const exchanges: Exchange[] = [];

  beforeAll(async () => {
    pages = await startPageServer(await sdkBundle());
    t = await createTestApp({ CORS_ORIGINS: pages.origin });
    // Another origin: the API listens on localhost, the page is served from 127.0.0.1 on another port.
    const port = new URL(await t.app.listen({ port: 0, host: '127.0.0.1' })).port;
    api = `http://localhost:${port}`;
    admin = { authorization: `Bearer ${await t.token('admin')}` };
    const flag = (payload: object) => t.app.inject({ method: 'POST', url: '/api/admin/flags', headers: admin, payload });
    expect((await flag({ name: 'web-banner', is_enabled: true, rollout_percentage: 100, client_visible: true })).statusCode).toBe(201);
    expect((await flag({ name: 'web-dark-mode', is_enabled: false, rollout_percentage: 100, client_visible: true })).statusCode).toBe(201);
    expect((await flag({ name: 'server-secret', is_enabled: true, rollout_percentage: 100 })).statusCode).toBe(201);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage();
    page.on('response', (res) => {
      if (!res.url().startsWith(`${api}/ofrep/`) || res.request().method() !== 'POST') return;
      const headers = res.headers();
      exchanges.push({
        url: res.url(),
        status: res.status(),
        ifNoneMatch: res.request().headers()['if-none-match'],
        etag: headers.etag,
        allowOrigin: headers['access-control-allow-origin'],
      });
    });
    await page.goto(`${pages.origin}/`);
    await page.waitForSelector('body[data-ready="yes"]');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await new Promise((resolve) => pages?.server.close(resolve));
  });

  const details = (flag: string, fallback: boolean) =>
    page.evaluate(
      ([name, value]) => {
        const d = (globalThis as unknown as { sdk: PageSdk }).sdk.OpenFeature.getClient().getBooleanDetails(name, value);
        return { value: d.value, reason: d.reason, errorCode: d.errorCode };
      },
      [flag, fallback] as const,
    );

  it('evaluates the visible flags in one bulk request from the other origin', async () => {
    const key = (await t.tokens.create({ name: 'nous-web', scope: 'client', createdBy: 'test' })).token;
    await page.evaluate(
      async ({ baseUrl, key, pollInterval }) => {
        const { OpenFeature, OFREPWebProvider } = (globalThis as unknown as { sdk: PageSdk }).sdk;
        const provider = new OFREPWebProvider({ baseUrl, headers: [['Authorization', `Bearer ${key}`]], pollInterval });
        await OpenFeature.setProviderAndWait(provider, { targetingKey: 'visitor-1' });
      },
      { baseUrl: api, key, pollInterval: POLL_MS },
    );
    expect(exchanges[0]).toMatchObject({ url: `${api}/ofrep/v1/evaluate/flags`, status: 200, ifNoneMatch: undefined });
    expect(exchanges[0]!.allowOrigin).toBe(pages.origin);
    expect(exchanges[0]!.etag).toMatch(/^"[^"]+"$/);
    expect(await details('web-banner', false)).toMatchObject({ value: true, reason: 'STATIC' });
    expect(await details('web-dark-mode', true)).toMatchObject({ value: false, reason: 'DISABLED' });
  });

  it('answers a flag not visible to client keys as missing', async () => {
    expect(await details('server-secret', false)).toEqual({ value: false, reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
    expect(await details('server-secret', true)).toMatchObject({ value: true, errorCode: 'FLAG_NOT_FOUND' });
  });

  it('polls with the ETag and gets 304 while nothing visible changed', async () => {
    await expect.poll(() => exchanges.filter((e) => e.status === 304).length, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    const notModified = exchanges.find((e) => e.status === 304)!;
    expect(notModified.ifNoneMatch).toBe(exchanges[0]!.etag);
    // A change to a flag the page cannot see keeps answering 304.
    await t.app.inject({ method: 'POST', url: '/api/admin/flags/server-secret/toggle', headers: admin });
    const seen = exchanges.length;
    await expect.poll(() => exchanges.length, { timeout: 5000 }).toBeGreaterThanOrEqual(seen + 2);
    expect(exchanges.slice(seen).every((e) => e.status === 304)).toBe(true);
  });

  it('receives a change made through the admin API within the poll interval', async () => {
    const before = exchanges.length;
    const toggled = await t.app.inject({ method: 'POST', url: '/api/admin/flags/web-dark-mode/toggle', headers: admin });
    expect(toggled.json().is_enabled).toBe(true);
    const changedAt = Date.now();
    await expect.poll(async () => (await details('web-dark-mode', false)).value, { timeout: 5000, interval: 50 }).toBe(true);
    expect(Date.now() - changedAt).toBeLessThan(POLL_MS * 5);
    const fresh = exchanges.slice(before).find((e) => e.status === 200);
    expect(fresh?.ifNoneMatch).toBe(exchanges[0]!.etag);
    expect(fresh?.etag).not.toBe(exchanges[0]!.etag);
    expect(await details('server-secret', true)).toMatchObject({ value: true, errorCode: 'FLAG_NOT_FOUND' });
  });
});
