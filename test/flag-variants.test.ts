// Typed flags through the real server: the admin API (create, validation, edit, explain, history,
// adoption), OFREP single and bulk answers with their ETag, Prometheus counts per variant, and the
// real OpenFeature clients — the server SDK with @openfeature/ofrep-provider in Node, the web SDK with
// @openfeature/ofrep-web-provider in headless Chromium — getting typed values and TYPE_MISMATCH.
import { OFREPProvider } from '@openfeature/ofrep-provider';
import type { OFREPWebProvider as WebProvider } from '@openfeature/ofrep-web-provider';
import { ErrorCode, OpenFeature, type Client } from '@openfeature/server-sdk';
import type { OpenFeature as WebOpenFeature } from '@openfeature/web-sdk';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './helpers/oidc-provider.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const BULK = '/ofrep/v1/evaluate/flags';
const OWNER = 'owner@example.com';

// Weights and expected assignments come from Unleash's own client (see src/features/flags/variants.test.ts):
// for checkout-copy at 50/50, user-1 hashes to 59 (short) and user-2 to 20 (control).
const COPY = {
  name: 'checkout-copy',
  is_enabled: true,
  rollout_percentage: 100,
  value_type: 'string',
  variants: [
    { name: 'control', value: 'Buy now', weight: 50 },
    { name: 'short', value: 'Buy', weight: 50, overrides: ['pinned-user', 'Pinned@Example.com'] },
  ],
  default_variant: 'control',
};
const LIMIT = {
  name: 'upload-limit',
  is_enabled: true,
  rollout_percentage: 100,
  value_type: 'number',
  variants: [
    { name: 'small', value: 10, weight: 0 },
    { name: 'large', value: 250.5, weight: 1 },
  ],
  default_variant: 'small',
};
const THEME = {
  name: 'theme',
  is_enabled: false,
  value_type: 'object',
  variants: [{ name: 'classic', value: { color: 'blue', sizes: [1, 2], nested: { dark: false } }, weight: 1 }],
  default_variant: 'classic',
};

describe('typed flags and variants', () => {
  let t: TestApp;
  let baseUrl: string;
  let admin: string;
  let evaluate: string;

  const api = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object, headers: Record<string, string> = {}) =>
    t.app.inject({ method, url, payload, headers: { authorization: `Bearer ${admin}`, ...headers } });
  const ofrep = (key: string | undefined, context: object, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: key === undefined ? BULK : `${BULK}/${key}`,
      payload: { context },
      headers: { authorization: `Bearer ${evaluate}`, ...headers },
    });

  beforeAll(async () => {
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    t = await createTestApp({ PUBLIC_URL: baseUrl, ADMIN_EMAILS: OWNER });
    await t.app.listen({ port, host: '127.0.0.1' });
    admin = await t.token('admin');
    evaluate = await t.token('evaluate');
    for (const flag of [COPY, LIMIT, THEME, { name: 'plain', is_enabled: true, rollout_percentage: 100 }]) {
      const res = await api('POST', '/api/admin/flags', flag);
      expect(res.statusCode, res.body).toBe(201);
    }
  });

  afterAll(async () => {
    await t?.close();
  });

  describe('admin API', () => {
    it('stores the value type, variants (with empty pins filled in) and default; boolean flags stay boolean', async () => {
      const res = await api('GET', '/api/admin/flags/upload-limit');
      expect(res.json()).toMatchObject({
        value_type: 'number',
        default_variant: 'small',
        variants: [
          { name: 'small', value: 10, weight: 0, overrides: [] },
          { name: 'large', value: 250.5, weight: 1, overrides: [] },
        ],
      });
      expect((await api('GET', '/api/admin/flags/plain')).json()).toMatchObject({
        value_type: 'boolean',
        variants: [],
        default_variant: null,
      });
    });

    it('refuses wrong values, names, weights and defaults in words, creating nothing', async () => {
      const cases: Array<[object, RegExp]> = [
        [
          { ...COPY, name: 'bad-1', variants: [{ name: 'a', value: 3, weight: 1 }], default_variant: 'a' },
          /variants\/0\/value must be a string/,
        ],
        [{ ...COPY, name: 'bad-2', default_variant: 'nope' }, /default_variant must name one of the variants \(control, short\)/],
        [{ ...COPY, name: 'bad-3', variants: [{ name: 'a', value: 'x', weight: 0 }], default_variant: 'a' }, /weight above 0/],
        [{ ...COPY, name: 'bad-4', variants: [COPY.variants[0], COPY.variants[0]] }, /variants\/1\/name repeats the name "control"/],
        [
          { ...THEME, name: 'bad-5', variants: [{ name: 'big', value: { text: 'x'.repeat(9000) }, weight: 1 }], default_variant: 'big' },
          /at most 8192 bytes/,
        ],
        [{ name: 'bad-6', value_type: 'boolean', variants: COPY.variants }, /must be empty for a boolean flag/],
        [{ name: 'bad-7', value_type: 'string' }, /variants must be given with value_type string/],
        [{ ...COPY, name: 'bad-8', variants: [{ name: 'a', value: 'nul\u0000', weight: 1 }], default_variant: 'a' }, /NUL/],
      ];
      for (const [body, message] of cases) {
        const res = await api('POST', '/api/admin/flags', body);
        expect(res.statusCode, res.body).toBe(400);
        expect(res.json().error.message).toMatch(message);
      }
      const names = (await api('GET', '/api/admin/flags')).json().items.map((f: { name: string }) => f.name);
      expect(names.filter((n: string) => n.startsWith('bad-'))).toEqual([]);
    });

    it('refuses a bad edit whole: the flag keeps its version and variants', async () => {
      const before = (await api('GET', '/api/admin/flags/checkout-copy')).json();
      const res = await api('PATCH', '/api/admin/flags/checkout-copy', {
        description: 'changed',
        variants: [{ name: 'control', value: 1, weight: 1 }],
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.message).toMatch(/variants\/0\/value must be a string/);
      const after = (await api('GET', '/api/admin/flags/checkout-copy')).json();
      expect([after.version, after.description, after.variants]).toEqual([before.version, before.description, before.variants]);
      const retype = await api('PATCH', '/api/admin/flags/checkout-copy', { value_type: 'number' });
      expect(retype.json().error.message).toMatch(/variants must be given with value_type number/);
    });

    it('explains the variant step with its hash, and a pin', async () => {
      const split = await api('POST', '/api/admin/flags/checkout-copy/explain', { context: { targetingKey: 'user-1' } });
      expect(split.json()).toMatchObject({ value: 'Buy', variant: 'short', reason: 'SPLIT', target: 59 });
      expect(split.json().steps.at(-1)).toEqual({
        step: 'variant',
        variant: 'short',
        totalWeight: 100,
        target: 59,
        stickiness: 'targetingKey',
        detail: 'hash 59 of 100 falls in the weights of short',
      });
      const pinned = await api('POST', '/api/admin/flags/checkout-copy/explain', {
        context: { targetingKey: 'x', email: 'pinned@example.com' },
      });
      expect(pinned.json()).toMatchObject({ variant: 'short', reason: 'TARGETING_MATCH' });
      expect(pinned.json().steps).toContainEqual({
        step: 'variant_pin',
        matched: true,
        matchedBy: 'email',
        variant: 'short',
        detail: 'the email is pinned to the variant short',
      });
    });

    it('records variant changes in the history with before and after', async () => {
      const res = await api('PATCH', '/api/admin/flags/upload-limit', {
        variants: [
          { name: 'small', value: 10, weight: 0 },
          { name: 'large', value: 500, weight: 1 },
        ],
      });
      expect(res.statusCode, res.body).toBe(200);
      const audit = await api('GET', '/api/admin/audit?entity_type=flag&entity_id=upload-limit');
      const entry = audit.json().items.find((e: { action: string }) => e.action === 'flag.update');
      expect(entry).toBeDefined();
      expect(JSON.stringify(entry)).toContain('250.5');
      expect(JSON.stringify(entry)).toContain('500');
    });
  });

  describe('OFREP', () => {
    it('answers the typed value and the variant name, the default when off', async () => {
      expect((await ofrep('checkout-copy', { targetingKey: 'user-1' })).json()).toEqual({
        key: 'checkout-copy',
        value: 'Buy',
        reason: 'SPLIT',
        variant: 'short',
        metadata: {},
      });
      expect((await ofrep('checkout-copy', { targetingKey: 'user-2' })).json()).toMatchObject({ value: 'Buy now', variant: 'control' });
      expect((await ofrep('checkout-copy', { targetingKey: 'pinned-user' })).json()).toMatchObject({
        value: 'Buy',
        variant: 'short',
        reason: 'TARGETING_MATCH',
      });
      expect((await ofrep('upload-limit', {})).json()).toMatchObject({ value: 500, variant: 'large', reason: 'STATIC' });
      expect((await ofrep('theme', { targetingKey: 'user-1' })).json()).toEqual({
        key: 'theme',
        value: { color: 'blue', sizes: [1, 2], nested: { dark: false } },
        reason: 'DISABLED',
        variant: 'classic',
        metadata: {},
      });
      const missing = await ofrep('checkout-copy', {});
      expect([missing.statusCode, missing.json().errorCode]).toEqual([400, 'TARGETING_KEY_MISSING']);
    });

    it('keeps boolean answers as they were', async () => {
      expect((await ofrep('plain', { targetingKey: 'user-1' })).body).toBe(
        '{"key":"plain","value":true,"reason":"STATIC","variant":"on","metadata":{}}',
      );
    });

    it('pins a variant for a beta user through flag_set', async () => {
      const created = await api('POST', '/api/admin/users', { email: 'beta.pin@example.com', flag_set: { 'checkout-copy': 'control' } });
      expect(created.statusCode, created.body).toBe(201);
      const id = created.json().id as string;
      // user-1 hashes to short; pinned by email to control (the override reaches the snapshot through NOTIFY).
      await expect
        .poll(async () => (await ofrep('checkout-copy', { targetingKey: 'user-1', email: 'beta.pin@example.com' })).json<object>())
        .toMatchObject({ variant: 'control', reason: 'TARGETING_MATCH' });
      expect((await ofrep('checkout-copy', { targetingKey: id })).json()).toMatchObject({ variant: 'control', reason: 'TARGETING_MATCH' });
      const bad = await api('PATCH', `/api/admin/users/${id}`, { flag_set: { 'checkout-copy': 'Not A Name' } });
      expect(bad.statusCode).toBe(400);
    });

    it('serves typed flags in the bulk answer with an ETag that follows the variant and its value', async () => {
      const first = await ofrep(undefined, { targetingKey: 'user-1' });
      expect(first.statusCode).toBe(200);
      const flags = first.json().flags as Array<{ key: string; value: unknown; variant: string }>;
      expect(flags.find((f) => f.key === 'checkout-copy')).toMatchObject({ value: 'Buy', variant: 'short' });
      expect(flags.find((f) => f.key === 'plain')).toMatchObject({ value: true, variant: 'on' });
      const etag = first.headers.etag as string;
      expect((await ofrep(undefined, { targetingKey: 'user-1' }, { 'if-none-match': etag })).statusCode).toBe(304);
      // Another user, another variant: another ETag.
      expect((await ofrep(undefined, { targetingKey: 'user-2' }, { 'if-none-match': etag })).statusCode).toBe(200);
      // Same variant names, new value: the ETag changes too.
      const edit = await api('PATCH', '/api/admin/flags/checkout-copy', {
        variants: [COPY.variants[0], { ...COPY.variants[1], value: 'Buy!' }],
      });
      expect(edit.statusCode, edit.body).toBe(200);
      const after = await ofrep(undefined, { targetingKey: 'user-1' }, { 'if-none-match': etag });
      expect(after.statusCode).toBe(200);
      expect(after.json().flags.find((f: { key: string }) => f.key === 'checkout-copy')).toMatchObject({ value: 'Buy!', variant: 'short' });
    });

    it('counts evaluations per variant: adoption figures and Prometheus, boolean labels unchanged', async () => {
      for (const key of ['user-1', 'user-2', 'user-3', 'user-4']) await ofrep('checkout-copy', { targetingKey: key });
      await ofrep('plain', { targetingKey: 'user-1' });
      await t.flags.flushCounts();
      const detail = (await api('GET', '/api/admin/flags/checkout-copy')).json();
      expect(detail.adoption.true_share_24h).toBeNull();
      const counts = detail.adoption.variants_24h as Record<string, number>;
      expect(counts.short).toBeGreaterThanOrEqual(3);
      expect(counts.control).toBeGreaterThanOrEqual(2);
      expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(detail.adoption.evaluations_24h);
      expect((await api('GET', '/api/admin/flags/plain')).json().adoption).toMatchObject({ true_share_24h: 1, variants_24h: {} });
      const metrics = await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${admin}` } });
      expect(metrics.body).toMatch(/flag_evaluations_total\{flag="checkout-copy",variant="short"\} \d+/);
      expect(metrics.body).toMatch(/flag_evaluations_total\{flag="plain",value="true"\} \d+/);
    });
  });

  describe('server SDK with @openfeature/ofrep-provider', () => {
    let client: Client;
    beforeAll(async () => {
      await OpenFeature.setProviderAndWait('variants', new OFREPProvider({ baseUrl, headers: [['Authorization', `Bearer ${evaluate}`]] }));
      client = OpenFeature.getClient('variants');
    });

    it('gets string, number and object values with their variants', async () => {
      expect(await client.getStringDetails('checkout-copy', 'fallback', { targetingKey: 'user-2' })).toMatchObject({
        value: 'Buy now',
        variant: 'control',
        reason: 'SPLIT',
      });
      expect(await client.getNumberDetails('upload-limit', 1, { targetingKey: 'user-2' })).toMatchObject({ value: 500, variant: 'large' });
      expect(await client.getObjectDetails('theme', {}, { targetingKey: 'user-2' })).toMatchObject({
        value: { color: 'blue', sizes: [1, 2], nested: { dark: false } },
        variant: 'classic',
        reason: 'DISABLED',
      });
    });

    it('gives TYPE_MISMATCH and the caller default when asked for another type', async () => {
      expect(await client.getBooleanDetails('checkout-copy', false, { targetingKey: 'user-2' })).toMatchObject({
        value: false,
        reason: 'ERROR',
        errorCode: ErrorCode.TYPE_MISMATCH,
      });
      expect(await client.getNumberDetails('checkout-copy', 7, { targetingKey: 'user-2' })).toMatchObject({
        value: 7,
        errorCode: ErrorCode.TYPE_MISMATCH,
      });
      expect(await client.getStringDetails('upload-limit', 'x', { targetingKey: 'user-2' })).toMatchObject({
        value: 'x',
        errorCode: ErrorCode.TYPE_MISMATCH,
      });
      expect(await client.getStringDetails('plain', 'x', { targetingKey: 'user-2' })).toMatchObject({ errorCode: ErrorCode.TYPE_MISMATCH });
    });
  });

  describe('web SDK with @openfeature/ofrep-web-provider in Chromium', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('gets typed values from the bulk answer and TYPE_MISMATCH for the wrong type', async () => {
      const bundle = await build({
        stdin: {
          contents: `import { OpenFeature } from '@openfeature/web-sdk';
            import { OFREPWebProvider } from '@openfeature/ofrep-web-provider';
            window.openFeature = { OpenFeature, OFREPWebProvider };`,
          resolveDir: process.cwd(),
        },
        bundle: true,
        format: 'iife',
        platform: 'browser',
        write: false,
      });
      const script = bundle.outputFiles[0]!.text;
      const page = await browser.newPage();
      // The page is served on the server's own origin (so OFREP calls are same-origin); the OFREP requests
      // themselves go to the real server.
      await page.route(`${baseUrl}/variants-test/**`, (route) => {
        const url = new URL(route.request().url());
        if (url.pathname.endsWith('.js')) return route.fulfill({ contentType: 'text/javascript', body: script });
        return route.fulfill({
          contentType: 'text/html',
          body: '<!doctype html><title>t</title><script src="/variants-test/of.js"></script>',
        });
      });
      await page.goto(`${baseUrl}/variants-test/page.html`);
      const results = await page.evaluate(
        async ({ baseUrl: base, token }) => {
          const { OpenFeature, OFREPWebProvider } = (
            globalThis as unknown as { openFeature: { OpenFeature: typeof WebOpenFeature; OFREPWebProvider: typeof WebProvider } }
          ).openFeature;
          await OpenFeature.setProviderAndWait(
            new OFREPWebProvider({ baseUrl: base, headers: [['Authorization', `Bearer ${token}`]], pollInterval: 0 }),
            {
              targetingKey: 'user-2',
            },
          );
          const client = OpenFeature.getClient();
          const pick = (d: { value: unknown; variant?: string; reason?: string; errorCode?: string }) => ({
            value: d.value,
            variant: d.variant,
            reason: d.reason,
            errorCode: d.errorCode,
          });
          return {
            copy: pick(client.getStringDetails('checkout-copy', 'fallback')),
            limit: pick(client.getNumberDetails('upload-limit', 1)),
            theme: pick(client.getObjectDetails('theme', {})),
            plain: pick(client.getBooleanDetails('plain', false)),
            copyAsBoolean: pick(client.getBooleanDetails('checkout-copy', false)),
            limitAsString: pick(client.getStringDetails('upload-limit', 'x')),
            themeAsNumber: pick(client.getNumberDetails('theme', 3)),
          };
        },
        { baseUrl, token: evaluate },
      );
      expect(results.copy).toMatchObject({ value: 'Buy now', variant: 'control', reason: 'SPLIT' });
      expect(results.limit).toMatchObject({ value: 500, variant: 'large', reason: 'STATIC' });
      expect(results.theme).toMatchObject({ value: { color: 'blue', sizes: [1, 2], nested: { dark: false } }, variant: 'classic' });
      expect(results.plain).toMatchObject({ value: true, variant: 'on' });
      expect(results.copyAsBoolean).toMatchObject({ value: false, reason: 'ERROR', errorCode: 'TYPE_MISMATCH' });
      expect(results.limitAsString).toMatchObject({ value: 'x', errorCode: 'TYPE_MISMATCH' });
      expect(results.themeAsNumber).toMatchObject({ value: 3, errorCode: 'TYPE_MISMATCH' });
      await page.close();
    }, 60_000);

    it('creates a typed flag in the console, edits its variants and weights, and shows them on the card', async () => {
      const session = await t.auth.startSession({ email: OWNER, issuer: 'test', subject: OWNER, userAgent: null, ip: null }, 'OWNER', null);
      const context = await browser.newContext();
      await context.addCookies([{ name: 'bs_session', value: session.sessionId, url: baseUrl }]);
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      const failures: string[] = [];
      page.on('pageerror', (e) => failures.push(e.message));
      page.on('response', (r) => {
        if (r.status() >= 500 || r.status() === 404) failures.push(`${r.status()} ${r.url()}`);
      });
      await page.goto(`${baseUrl}/admin/beta/flags`);
      await page.locator('#create-card summary').click();
      await page.getByLabel('Name', { exact: true }).fill('console-copy');
      await page.getByLabel('Serves').selectOption('string');
      await page.getByRole('button', { name: 'Create', exact: true }).click();
      const card = page.locator('article[data-flag="console-copy"]');
      await expect.poll(() => card.locator('.flag-variants').textContent()).toBe('Variants: control 100 % (default)');

      await card.locator('details > summary').click();
      await card.getByLabel('Value (string)').first().fill('Buy now');
      await card.getByRole('button', { name: 'Add variant' }).click();
      const added = card.locator('.variant-row').nth(1);
      await added.getByLabel('Variant name').fill('short');
      await added.getByLabel('Value (string)').fill('Buy');
      await added.getByLabel('Weight').fill('3');
      await added.getByLabel('Pinned users (one per line)').fill('vip@example.com');
      await card.getByRole('button', { name: 'Save variants' }).click();
      await expect.poll(() => card.locator('.flag-variants').textContent()).toBe('Variants: control 25 % (default) · short 75 %');

      const stored = (await api('GET', '/api/admin/flags/console-copy')).json();
      expect(stored).toMatchObject({
        value_type: 'string',
        default_variant: 'control',
        variants: [
          { name: 'control', value: 'Buy now', weight: 1, overrides: [] },
          { name: 'short', value: 'Buy', weight: 3, overrides: ['vip@example.com'] },
        ],
      });

      // A wrong value is refused in words and nothing changes (the saved card kept its panel open).
      await card.locator('.variant-row').nth(1).getByLabel('Variant name').fill('Short Name');
      await card.getByRole('button', { name: 'Save variants' }).click();
      await expect.poll(() => page.locator('body').textContent()).toContain('lowercase slug');
      expect((await api('GET', '/api/admin/flags/console-copy')).json().version).toBe(stored.version);
      expect(failures).toEqual([]);
      await context.close();
    }, 60_000);
  });
});
