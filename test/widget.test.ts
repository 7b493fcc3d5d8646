// The feedback widget over HTTP: GET /widget.js as embedding pages and caches see it (type, cache
// policy, ETag revalidation, gzip under 15 KB, CORS and resource policy for other sites), and the
// `variants` a submission carries: validated (bad input → 400, nothing stored), stored, shown in
// the admin list and the CSV export, part of an idempotent retry. Authorization on POST /api/feedback
// is allowed by CORS; until client keys land the route does not check the key.
import { gzipSync, gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VARIANT_NAME_PATTERN, VARIANTS_MAX_ENTRIES } from '../src/features/feedback/feedback.schemas.js';
import { VARIANT_NAME, VARIANTS_MAX_ENTRIES as WIDGET_MAX_ENTRIES } from '../src/features/widget/browser/variants.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

const HOST_ORIGIN = 'https://nous.example';
const WIDGET_GZIP_BUDGET = 15 * 1024;

let t: TestApp;
let admin: string;

beforeAll(async () => {
  t = await createTestApp({ CORS_ORIGINS: HOST_ORIGIN, PUBLIC_RATE_LIMIT_PER_MIN: '100000' });
  admin = await t.token('admin');
});
afterAll(async () => t?.close());

const feedbackCount = async () =>
  (await sql<{ n: number }>`SELECT count(*)::int AS n FROM beta_feedback`.execute(t.testDb.database.db)).rows[0]!.n;

const post = (payload: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url: '/api/feedback', payload: payload as object, headers: { origin: HOST_ORIGIN, ...headers } });

describe('GET /widget.js', () => {
  it('is a script any site may embed, cached for an hour and revalidated by ETag', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/widget.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=3600, stale-while-revalidate=86400');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(String(res.headers.vary)).toMatch(/accept-encoding/i);
    expect(res.body).toContain('NOUS feedback widget');
    // A classic script: no module syntax, so `document.currentScript` finds its tag.
    expect(res.body).not.toMatch(/^\s*(import|export)\s/m);
    expect(res.body).not.toContain('sourceMappingURL');

    const etag = String(res.headers.etag);
    expect(etag).toMatch(/^W\/"[\w-]+"$/);
    const again = await t.app.inject({ method: 'GET', url: '/widget.js', headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers.etag).toBe(etag);
    const listed = await t.app.inject({ method: 'GET', url: '/widget.js', headers: { 'if-none-match': `"other", ${etag.slice(2)}` } });
    expect(listed.statusCode).toBe(304);
    const stale = await t.app.inject({ method: 'GET', url: '/widget.js', headers: { 'if-none-match': 'W/"something-older"' } });
    expect(stale.statusCode).toBe(200);
    expect(stale.body).toBe(res.body);
  });

  it('is under 15 KB gzipped, and served gzipped to clients that accept it', async () => {
    const plain = await t.app.inject({ method: 'GET', url: '/widget.js' });
    const measured = gzipSync(plain.rawPayload, { level: 9 }).length;
    expect(measured).toBeLessThan(WIDGET_GZIP_BUDGET);
    const gz = await t.app.inject({ method: 'GET', url: '/widget.js', headers: { 'accept-encoding': 'br, gzip;q=0.8' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.rawPayload.length).toBeLessThan(WIDGET_GZIP_BUDGET);
    expect(gunzipSync(gz.rawPayload).equals(plain.rawPayload)).toBe(true);
    const refused = await t.app.inject({ method: 'GET', url: '/widget.js', headers: { 'accept-encoding': 'gzip;q=0, identity' } });
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(refused.body).toBe(plain.body);
  });

  it('answers HEAD with the same headers and no body', async () => {
    const res = await t.app.inject({ method: 'HEAD', url: '/widget.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.body).toBe('');
  });
});

describe('POST /api/feedback from the widget', () => {
  it('allows the Authorization header in a preflight from a configured origin', async () => {
    const res = await t.app.inject({
      method: 'OPTIONS',
      url: '/api/feedback',
      headers: {
        origin: HOST_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,idempotency-key',
      },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(HOST_ORIGIN);
    expect(
      String(res.headers['access-control-allow-headers'])
        .toLowerCase()
        .split(/\s*,\s*/),
    ).toEqual(expect.arrayContaining(['authorization', 'content-type', 'idempotency-key']));
  });

  it('stores the variants the author saw; the admin list and the CSV export show them', async () => {
    const variants = { 'chat-model': 'b', 'voice.mode': 'control', reply_style: 'v2' };
    const res = await post(
      { rating: 4, feature: 'voice-mode', comment: 'variants kept', variants },
      { authorization: `Bearer ${await t.token('client')}` },
    );
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().id as string;

    const list = await t.app.inject({
      method: 'GET',
      url: '/api/admin/feedback?feature=voice-mode',
      headers: { authorization: `Bearer ${admin}` },
    });
    const row = list.json().items.find((f: { id: string }) => f.id === id);
    expect(row).toMatchObject({ rating: 4, comment: 'variants kept', variants });

    const plain = await post({ rating: 2, feature: 'voice-mode', comment: 'no variants' });
    const empty = await post({ rating: 3, feature: 'voice-mode', comment: 'empty variants', variants: {} });
    const after = await t.app.inject({
      method: 'GET',
      url: '/api/admin/feedback?feature=voice-mode',
      headers: { authorization: `Bearer ${admin}` },
    });
    const byId = new Map(after.json().items.map((f: { id: string; variants: unknown }) => [f.id, f.variants]));
    expect(byId.get(plain.json().id)).toBeNull();
    expect(byId.get(empty.json().id)).toBeNull();

    const csv = await t.app.inject({
      method: 'GET',
      url: '/api/admin/feedback.csv?feature=voice-mode',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(csv.statusCode).toBe(200);
    const records = parse<Record<string, string>>(csv.body.replace(/^\uFEFF/, ''), { columns: true });
    expect(Object.keys(records[0]!)).toContain('variants');
    const exported = records.find((r) => r.id === id)!;
    expect(JSON.parse(exported.variants!)).toEqual(variants);
    expect(records.find((r) => r.id === plain.json().id)!.variants).toBe('');
  });

  it('a retry with the same Idempotency-Key and variants is stored once; different variants under that key are refused', async () => {
    const before = await feedbackCount();
    const body = { rating: 5, variants: { 'chat-model': 'a' } };
    const first = await post(body, { 'idempotency-key': 'widget-retry-1' });
    const retry = await post({ variants: { 'chat-model': 'a' }, rating: 5 }, { 'idempotency-key': 'widget-retry-1' });
    expect(first.statusCode).toBe(201);
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.json().id).toBe(first.json().id);
    const changed = await post({ rating: 5, variants: { 'chat-model': 'b' } }, { 'idempotency-key': 'widget-retry-1' });
    expect(changed.statusCode).toBe(422);
    expect(await feedbackCount()).toBe(before + 1);
  });

  it('uses the same limits as the widget, which cleans variants before sending', () => {
    expect(VARIANT_NAME.source).toBe(VARIANT_NAME_PATTERN);
    expect(WIDGET_MAX_ENTRIES).toBe(VARIANTS_MAX_ENTRIES);
  });

  it('refuses malformed variants with a 400 naming the field, storing nothing', async () => {
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`flag-${i}`, 'on']));
    const cases: Array<[string, unknown]> = [
      ['an array', ['a', 'b']],
      ['a string', 'chat-model=b'],
      ['null', null],
      ['a number as variant', { 'chat-model': 2 }],
      ['an object as variant', { 'chat-model': { name: 'b' } }],
      ['an empty variant name', { 'chat-model': '' }],
      ['an upper-case flag name', { 'Chat-Model': 'b' }],
      ['a flag name with a space', { 'chat model': 'b' }],
      ['a flag name starting with a dash', { '-chat': 'b' }],
      ['a variant with a slash', { 'chat-model': 'a/b' }],
      ['a 101-character flag name', { ['f'.repeat(101)]: 'b' }],
      ['a 101-character variant', { 'chat-model': 'v'.repeat(101) }],
      ['51 entries', { ...fifty, 'flag-50': 'on' }],
      ['a NUL in a variant', { 'chat-model': 'b\u0000' }],
      ['__proto__ as flag name', JSON.parse('{"__proto__":"b"}')],
    ];
    const before = await feedbackCount();
    for (const [name, variants] of cases) {
      const res = await post({ rating: 3, variants });
      expect(res.statusCode, `${name}: ${res.body}`).toBe(400);
      expect(res.json().error.code, name).toBe('VALIDATION_ERROR');
      expect(res.json().error.message, name).toMatch(/variants|NUL|JSON/);
    }
    expect(await feedbackCount()).toBe(before);
    const ok = await post({ rating: 3, variants: fifty });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(await feedbackCount()).toBe(before + 1);
  });
});
