// The feedback widget in real headless Chromium, embedded by a page on another origin (a loopback
// server on its own port) whose CSP allows scripts only from itself and the suite, styles only from
// itself, and connections only to the suite: keyboard-only rating, the names a screen reader reads
// (roles and labels through the open shadow root) and axe, a submission made offline kept and sent
// once back online (also after the page was closed), a lost answer retried with the same
// Idempotency-Key and stored once, and the variants the real OpenFeature web SDK served. A control
// page with an inline style proves the CSP violation watch can fail. The widget carries a real
// client key, which POST /api/feedback checks.
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { seriousViolations } from './helpers/axe.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const QUESTION = 'How is voice mode?';

// The SDK's own browser build (an IIFE defining `OpenFeature`), next to the entry point the package exports.
const sdkEntry = createRequire(import.meta.url).resolve('@openfeature/web-sdk');
const sdkSource = await readFile(join(dirname(sdkEntry), '..', 'global', 'index.min.js'), 'utf8');

/** The host app's own script: the web SDK with an in-memory provider, evaluating two flags once the page is ready. */
const APP_SCRIPT = `
document.addEventListener('DOMContentLoaded', async () => {
  const { OpenFeature, InMemoryProvider } = globalThis.OpenFeature;
  await OpenFeature.setProviderAndWait(new InMemoryProvider({
    'chat-model': { variants: { a: 'small', b: 'large' }, defaultVariant: 'b', disabled: false },
    'voice-mode': { variants: { on: true, off: false }, defaultVariant: 'on', disabled: false },
  }));
  const client = OpenFeature.getClient();
  document.getElementById('model').textContent = client.getStringValue('chat-model', 'small');
  client.getBooleanValue('voice-mode', false);
});`;

interface FeedbackJson {
  id: string;
  rating: number;
  feature: string | null;
  comment: string | null;
  variants: Record<string, string> | null;
}

describe.skipIf(!haveChromium && !process.env.CI)('the feedback widget on another origin under a strict CSP', () => {
  let t: TestApp;
  let admin: string;
  let clientKey: string;
  let api = '';
  let host: Server;
  let hostOrigin = '';
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Console errors, uncaught errors and CSP violations of the current context. */
  let problems: string[];

  const widgetTag = (attributes: string) => `<script src="${api}/widget.js" data-key="${clientKey}" ${attributes} defer></script>`;
  const pages: Record<string, () => string> = {
    '/inline': () =>
      `<main><h1>NOUS</h1><div id="feedback"></div></main>${widgetTag(`data-feature="voice-mode" data-target="#feedback" data-label="${QUESTION}" data-variants='{"chat-model":"b"}'`)}`,
    '/floating': () => `<main><h1>NOUS</h1><p>Chat here.</p></main>${widgetTag('data-feature="voice-mode"')}`,
    '/sdk': () =>
      `<main><h1>NOUS</h1><p>Model: <span id="model"></span></p><div id="feedback"></div></main>` +
      `<script src="/openfeature.js"></script><script src="/app.js"></script>${widgetTag('data-target="#feedback" data-feature="chat"')}`,
    // A control: the inline style must be refused, which proves violations are seen.
    '/control': () => `<main><h1 style="color: red">NOUS</h1></main>${widgetTag('data-target="main"')}`,
  };

  function startHost(): Promise<void> {
    host = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://host').pathname;
      const csp = `default-src 'none'; script-src 'self' ${api}; style-src 'self'; connect-src ${api}; base-uri 'none'; form-action 'none'`;
      if (path === '/openfeature.js' || path === '/app.js') {
        res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
        res.end(path === '/app.js' ? APP_SCRIPT : sdkSource);
        return;
      }
      const render = pages[path];
      if (!render) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp });
      res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>NOUS</title></head><body>${render()}</body></html>`);
    });
    return new Promise((resolve) => host.listen(0, '127.0.0.1', resolve));
  }

  async function feedbackWith(comment: string): Promise<FeedbackJson[]> {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/admin/feedback?q=${encodeURIComponent(comment)}`,
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(res.statusCode).toBe(200);
    return res.json<{ items: FeedbackJson[] }>().items.filter((f) => f.comment === comment);
  }

  async function open(path: string): Promise<Page> {
    const p = await context.newPage();
    p.on('console', (m) => {
      // Requests that fail while offline are logged as errors by Chromium; those are expected.
      if (m.type() === 'error' && !m.text().includes('net::ERR_')) problems.push(`console: ${m.text()}`);
    });
    p.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
    await p.goto(`${hostOrigin}${path}`);
    return p;
  }

  const cspViolations = (p: Page) => p.evaluate(() => (globalThis as unknown as { cspViolations: string[] }).cspViolations);
  const isFocused = (p: Page, role: 'radio' | 'button' | 'textbox', name: string) =>
    p
      .getByRole(role, { name, exact: true })
      .evaluate((el) => (el.getRootNode() as unknown as { activeElement: unknown }).activeElement === el);
  const outboxKeys = (p: Page) => p.evaluate<string[]>("Object.keys(localStorage).filter((k) => k.startsWith('nous-feedback-outbox:'))");

  beforeAll(async () => {
    await startHost();
    hostOrigin = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
    t = await createTestApp({ CORS_ORIGINS: hostOrigin, PUBLIC_RATE_LIMIT_PER_MIN: '100000' });
    admin = await t.token('admin');
    clientKey = await t.token('client');
    api = (await t.app.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await new Promise((resolve) => host?.close(resolve));
  });

  beforeEach(async () => {
    await context?.close();
    context = await browser.newContext();
    await context.addInitScript(`
      globalThis.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => globalThis.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
    `);
    problems = [];
  });

  it('the CSP watch sees a violation on the control page, and the widget still renders there', async () => {
    page = await open('/control');
    await page.getByRole('button', { name: 'Send feedback' }).waitFor();
    await expect.poll(() => cspViolations(page)).toEqual([expect.stringMatching(/^style-src/)]);
  });

  it('is used with the keyboard alone, with names a screen reader reads, and axe finds nothing serious', async () => {
    page = await open('/floating');
    const toggle = page.getByRole('button', { name: 'Feedback', exact: true });
    await toggle.waitFor();
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    expect(await page.getByRole('radio').count()).toBe(0);

    await page.keyboard.press('Tab');
    expect(await isFocused(page, 'button', 'Feedback')).toBe(true);
    await page.keyboard.press('Enter');
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');

    const group = page.getByRole('group', { name: 'How would you rate your experience?' });
    const names = await group.locator('label').allTextContents();
    expect(names).toEqual(['1 – Very poor', '2 – Poor', '3 – OK', '4 – Good', '5 – Very good']);
    for (const name of names) expect(await page.getByRole('radio', { name, exact: true }).count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);

    await page.keyboard.press('Tab');
    expect(await isFocused(page, 'radio', '1 – Very poor')).toBe(true);
    await page.keyboard.press('Space');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('radio', { name: '4 – Good' }).isChecked()).toBe(true);
    await page.keyboard.press('Tab');
    expect(await isFocused(page, 'textbox', 'Comment (optional)')).toBe(true);
    await page.keyboard.type('Rated with the keyboard alone');
    await page.keyboard.press('Tab');
    expect(await isFocused(page, 'button', 'Send feedback')).toBe(true);
    await page.keyboard.press('Enter');

    await page.getByRole('status').filter({ hasText: 'Thank you! Your feedback was sent.' }).waitFor();
    const [stored, ...more] = await feedbackWith('Rated with the keyboard alone');
    expect(more).toEqual([]);
    expect(stored).toMatchObject({ rating: 4, feature: 'voice-mode', variants: null });
    expect(await page.getByRole('radio', { checked: true }).count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);

    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Escape');
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    expect(await isFocused(page, 'button', 'Feedback')).toBe(true);
    expect(await cspViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('says in words why a submission was refused, and asks for a rating first', async () => {
    page = await open('/inline');
    await page.getByRole('button', { name: 'Send feedback' }).click();
    await page.getByRole('alert').filter({ hasText: 'Choose a rating from 1 to 5 first.' }).waitFor();
    expect(await isFocused(page, 'radio', '1 – Very poor')).toBe(true);

    await page.getByRole('radio', { name: '2 – Poor' }).check();
    await page.getByRole('textbox', { name: 'Comment (optional)' }).fill('x'.repeat(5001));
    // The textarea's maxlength stops typing, not scripts: the server's limit is what the user reads about.
    await page.getByRole('textbox', { name: 'Comment (optional)' }).evaluate((el, text) => {
      (el as unknown as { value: string }).value = text;
    }, 'y'.repeat(5001));
    await page.getByRole('button', { name: 'Send feedback' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'Your feedback could not be sent:' });
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/comment/);
    expect((await page.getByRole('textbox', { name: 'Comment (optional)' }).inputValue()).length).toBe(5001);
    expect(await cspViolations(page)).toEqual([]);
    // Chromium logs the refused request itself; nothing else went wrong.
    expect(problems).toEqual([expect.stringContaining('status of 400 (Bad Request)')]);
  });

  it('keeps a submission made offline, shows it pending, and sends it once back online', async () => {
    page = await open('/inline');
    await page.getByRole('group', { name: QUESTION }).waitFor();
    await page.getByRole('radio', { name: '5 – Very good' }).check();
    await page.getByRole('textbox', { name: 'Comment (optional)' }).fill('Sent after reconnecting');
    await context.setOffline(true);
    await page.getByRole('button', { name: 'Send feedback' }).click();
    await page.getByRole('status').filter({ hasText: 'Not sent yet: no connection.' }).waitFor();
    expect(await feedbackWith('Sent after reconnecting')).toEqual([]);
    expect(await outboxKeys(page)).toEqual([`nous-feedback-outbox:${api}`]);

    await context.setOffline(false);
    await page.getByRole('status').filter({ hasText: 'Thank you! Your feedback was sent.' }).waitFor({ timeout: 15_000 });
    const stored = await feedbackWith('Sent after reconnecting');
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ rating: 5, feature: 'voice-mode', variants: { 'chat-model': 'b' } });
    expect(await outboxKeys(page)).toEqual([]);
    // Later retries (timer, another `online`) find nothing left to send.
    await context.setOffline(true);
    await context.setOffline(false);
    await page.waitForTimeout(500);
    expect(await feedbackWith('Sent after reconnecting')).toHaveLength(1);
    expect(await cspViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('sends a submission left pending when the page was closed on the next visit', async () => {
    page = await open('/inline');
    await page.getByRole('radio', { name: '3 – OK' }).check();
    await page.getByRole('textbox', { name: 'Comment (optional)' }).fill('Sent on the next visit');
    // The network fails for submissions only (deterministically: no attempt can reach the server
    // until the page is gone, as it could in the moment offline emulation takes to apply).
    const feedbackUrl = `${api}/api/feedback`;
    await context.route(feedbackUrl, (route) => route.abort('internetdisconnected'));
    await page.getByRole('button', { name: 'Send feedback' }).click();
    await page.getByRole('status').filter({ hasText: 'Not sent yet' }).waitFor();
    expect(await outboxKeys(page)).toHaveLength(1);
    await page.close();
    await context.unroute(feedbackUrl);
    expect(await feedbackWith('Sent on the next visit')).toEqual([]);

    page = await open('/floating');
    await expect.poll(async () => (await feedbackWith('Sent on the next visit')).length, { timeout: 10_000 }).toBe(1);
    await page.waitForTimeout(500);
    expect(await feedbackWith('Sent on the next visit')).toHaveLength(1);
    expect(problems).toEqual([]);
  });

  it('retries a submission whose answer was lost with the same Idempotency-Key: stored once', async () => {
    page = await open('/inline');
    const keys: string[] = [];
    let cut = true;
    await page.route(`${api}/api/feedback`, async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      keys.push((await route.request().headerValue('idempotency-key')) ?? '');
      if (!cut) return route.continue();
      cut = false;
      // The server stores it; the answer never reaches the page.
      const answer = await route.fetch();
      expect(answer.status()).toBe(201);
      return route.abort('connectionreset');
    });
    await page.getByRole('radio', { name: '1 – Very poor' }).check();
    await page.getByRole('textbox', { name: 'Comment (optional)' }).fill('Answer lost once');
    await page.getByRole('button', { name: 'Send feedback' }).click();
    await page.getByRole('status').filter({ hasText: 'Not sent yet' }).waitFor();
    expect(await feedbackWith('Answer lost once')).toHaveLength(1);
    await page.getByRole('status').filter({ hasText: 'Thank you! Your feedback was sent.' }).waitFor({ timeout: 15_000 });
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(await feedbackWith('Answer lost once')).toHaveLength(1);
    expect(problems).toEqual([]);
  });

  it('attaches the variants the OpenFeature web SDK served on the page', async () => {
    page = await open('/sdk');
    await page.locator('#model').filter({ hasText: 'large' }).waitFor();
    await page.getByRole('radio', { name: '4 – Good' }).check();
    await page.getByRole('textbox', { name: 'Comment (optional)' }).fill('Rated with the SDK on the page');
    await page.getByRole('button', { name: 'Send feedback' }).click();
    await page.getByRole('status').filter({ hasText: 'Thank you! Your feedback was sent.' }).waitFor();
    const [stored] = await feedbackWith('Rated with the SDK on the page');
    expect(stored).toMatchObject({ rating: 4, feature: 'chat', variants: { 'chat-model': 'b', 'voice-mode': 'on' } });
    expect(await cspViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });
});
