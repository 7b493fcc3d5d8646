// Targeting through HTTP: the server's currentTime in OFREP (single and bulk) and explanations, the
// caller's own currentTime winning, stickiness on an organisation id with its fallback, and the
// case-insensitive and inverted switches of conditions, stored and refused in words.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketOf } from '../src/features/flags/bucket.js';
import { testClock } from './helpers/rollout-apps.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

const LAUNCH = '2026-06-15T00:00:00Z';
const BEFORE = Date.parse('2026-06-01T12:00:00Z');
const AFTER = Date.parse('2026-06-20T12:00:00Z');

describe('flag targeting', () => {
  let t: TestApp;
  let admin: Record<string, string>;
  let evaluate: Record<string, string>;
  const clock = testClock(BEFORE);
  const moveTo = (at: number) => clock.advance(at - clock.now().getTime());

  beforeAll(async () => {
    t = await createTestApp({}, { now: clock.now });
    await t.app.ready();
    admin = { authorization: `Bearer ${await t.token('admin')}` };
    evaluate = { authorization: `Bearer ${await t.token('evaluate')}` };
    const launch = await create({
      name: 'launch-banner',
      is_enabled: true,
      rollout_percentage: 100,
      conditions: [{ attribute: 'currentTime', operator: 'after', values: [LAUNCH] }],
    });
    expect(launch.statusCode).toBe(201);
  });
  afterAll(() => t.close());

  const create = (payload: object) => t.app.inject({ method: 'POST', url: '/api/admin/flags', headers: admin, payload });
  const patch = (name: string, payload: object) =>
    t.app.inject({ method: 'PATCH', url: `/api/admin/flags/${name}`, headers: admin, payload });
  const ofrep = (key: string, context: object) =>
    t.app.inject({ method: 'POST', url: `/ofrep/v1/evaluate/flags/${key}`, headers: evaluate, payload: { context } });
  const bulk = (context: object, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/ofrep/v1/evaluate/flags', headers: { ...evaluate, ...headers }, payload: { context } });
  const explain = (name: string, context: object) =>
    t.app.inject({ method: 'POST', url: `/api/admin/flags/${name}/explain`, headers: admin, payload: { context } });
  const inBulk = (body: { flags: Array<{ key: string; value?: unknown }> }, key: string) => body.flags.find((f) => f.key === key);

  describe('currentTime', () => {
    it('is the server’s now in single evaluations unless the caller sends one', async () => {
      moveTo(BEFORE);
      expect((await ofrep('launch-banner', { targetingKey: 'u1' })).json()).toMatchObject({ value: false, reason: 'DEFAULT' });
      expect((await ofrep('launch-banner', {})).json()).toMatchObject({ value: false, reason: 'DEFAULT' });
      // The caller's own currentTime wins over the server's.
      expect((await ofrep('launch-banner', { targetingKey: 'u1', currentTime: '2026-07-01T00:00:00Z' })).json()).toMatchObject({
        value: true,
        reason: 'STATIC',
      });
      moveTo(AFTER);
      expect((await ofrep('launch-banner', { targetingKey: 'u1' })).json()).toMatchObject({ value: true, reason: 'STATIC' });
      expect((await ofrep('launch-banner', { targetingKey: 'u1', currentTime: '2026-06-01T00:00:00Z' })).json()).toMatchObject({
        value: false,
        reason: 'DEFAULT',
      });
    });

    it('is the server’s now in bulk evaluations, and the ETag changes only when an answer does', async () => {
      moveTo(BEFORE);
      const first = await bulk({ targetingKey: 'u1' });
      expect(inBulk(first.json(), 'launch-banner')).toMatchObject({ value: false });
      const etag = first.headers.etag as string;
      // Time passing without changing any answer keeps the ETag: a client revalidating gets 304.
      clock.advance(60_000);
      const later = await bulk({ targetingKey: 'u1' }, { 'if-none-match': etag });
      expect(later.statusCode).toBe(304);
      expect(later.headers.etag).toBe(etag);
      // Once the date condition flips, the answer and so the ETag change.
      moveTo(AFTER);
      const after = await bulk({ targetingKey: 'u1' }, { 'if-none-match': etag });
      expect(after.statusCode).toBe(200);
      expect(after.headers.etag).not.toBe(etag);
      expect(inBulk(after.json(), 'launch-banner')).toMatchObject({ value: true });
      // The caller's currentTime wins in bulk too.
      const sent = await bulk({ targetingKey: 'u1', currentTime: '2026-06-02T00:00:00Z' });
      expect(inBulk(sent.json(), 'launch-banner')).toMatchObject({ value: false });
      expect(sent.headers.etag).toBe(etag);
    });

    it('shows in explanations as the condition’s actual value, unless the caller sent one', async () => {
      moveTo(BEFORE);
      const server = await explain('launch-banner', { targetingKey: 'u1' });
      expect(server.statusCode).toBe(200);
      expect(server.json().steps.find((s: { step: string }) => s.step === 'condition')).toMatchObject({
        attribute: 'currentTime',
        actual: new Date(BEFORE).toISOString(),
        matched: false,
      });
      const sent = await explain('launch-banner', { targetingKey: 'u1', currentTime: '2026-07-01T00:00:00Z' });
      expect(sent.json()).toMatchObject({ value: true, reason: 'STATIC' });
      expect(sent.json().steps.find((s: { step: string }) => s.step === 'condition')).toMatchObject({
        actual: '2026-07-01T00:00:00Z',
        matched: true,
      });
    });
  });

  describe('stickiness', () => {
    beforeAll(async () => {
      const res = await create({ name: 'org-rollout', is_enabled: true, rollout_percentage: 50, stickiness: 'orgId' });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ stickiness: 'orgId' });
    });

    it('defaults to targetingKey, reads "default" as targetingKey, and can be changed', async () => {
      expect((await create({ name: 'plain-rollout' })).json()).toMatchObject({ stickiness: 'targetingKey' });
      expect((await create({ name: 'unleash-default', stickiness: 'default' })).json()).toMatchObject({ stickiness: 'targetingKey' });
      expect((await patch('plain-rollout', { stickiness: 'tenant.id' })).json()).toMatchObject({ stickiness: 'tenant.id' });
      expect((await patch('plain-rollout', { description: 'kept' })).json()).toMatchObject({ stickiness: 'tenant.id' });
    });

    it('refuses a stickiness that is not an attribute name, in words', async () => {
      for (const stickiness of ['org id', '1org', '']) {
        const res = await create({ name: 'bad-sticky', stickiness });
        expect(res.statusCode).toBe(400);
        expect(res.json().error.message).toMatch(/stickiness/);
      }
      expect((await t.app.inject({ method: 'GET', url: '/api/admin/flags/bad-sticky', headers: admin })).statusCode).toBe(404);
    });

    it('gives everyone of an organisation the bucket of its id, in OFREP and in explanations', async () => {
      for (const orgId of ['acme', 'globex', 'initech', 'umbrella']) {
        const bucket = bucketOf('org-rollout', orgId);
        for (const targetingKey of ['u1', 'u2', 'u3']) {
          const res = await ofrep('org-rollout', { targetingKey, orgId });
          expect(res.json()).toMatchObject({ value: bucket <= 50, reason: 'SPLIT' });
        }
        const why = (await explain('org-rollout', { targetingKey: 'u1', orgId })).json();
        expect(why).toMatchObject({ bucket });
        expect(why.steps.at(-1)).toMatchObject({ step: 'rollout', bucket, stickiness: 'orgId' });
      }
    });

    it('falls back to the targetingKey when the context lacks the attribute', async () => {
      for (const targetingKey of ['u1', 'u2', 'u3', 'u4']) {
        const bucket = bucketOf('org-rollout', targetingKey);
        expect((await ofrep('org-rollout', { targetingKey })).json()).toMatchObject({ value: bucket <= 50, reason: 'SPLIT' });
        const why = (await explain('org-rollout', { targetingKey })).json();
        expect(why.steps.at(-1)).toMatchObject({ step: 'rollout', bucket, stickiness: 'targetingKey' });
      }
      const none = await ofrep('org-rollout', {});
      expect(none.statusCode).toBe(400);
      expect(none.json()).toMatchObject({ errorCode: 'TARGETING_KEY_MISSING' });
      const bulkNone = await bulk({ orgId: 'acme' });
      expect(inBulk(bulkNone.json(), 'org-rollout')).toMatchObject({ value: bucketOf('org-rollout', 'acme') <= 50 });
    });

    it('gives every flag stored before stickiness existed targetingKey', async () => {
      await sql`insert into feature_flags (name, created_at, updated_at) values ('older-flag', now(), now())`.execute(t.testDb.database.db);
      const row = await sql<{ stickiness: string }>`select stickiness from feature_flags where name = 'older-flag'`.execute(
        t.testDb.database.db,
      );
      expect(row.rows[0]?.stickiness).toBe('targetingKey');
    });
  });

  describe('condition switches', () => {
    it('stores case_insensitive and inverted, only when on, and evaluates with them', async () => {
      const res = await create({
        name: 'staff-outside-free',
        is_enabled: true,
        rollout_percentage: 100,
        conditions: [
          { attribute: 'email', operator: 'ends_with', values: ['@nous.app'], case_insensitive: true },
          { attribute: 'plan', operator: 'in', values: ['free'], inverted: true, case_insensitive: false },
        ],
      });
      expect(res.statusCode).toBe(201);
      expect(res.json().conditions).toEqual([
        { attribute: 'email', operator: 'ends_with', values: ['@nous.app'], case_insensitive: true },
        { attribute: 'plan', operator: 'in', values: ['free'], inverted: true },
      ]);
      const answer = async (context: object): Promise<unknown> =>
        (await ofrep('staff-outside-free', { targetingKey: 'u1', ...context })).json<{ value: unknown }>().value;
      expect(await answer({ email: 'Alice@NOUS.app', plan: 'pro' })).toBe(true);
      expect(await answer({ email: 'Alice@NOUS.app', plan: 'free' })).toBe(false);
      expect(await answer({ email: 'alice@example.com', plan: 'pro' })).toBe(false);
      // Inverted follows Unleash: a missing attribute is "not in" the list.
      expect(await answer({ email: 'alice@nous.app' })).toBe(true);
    });

    it('refuses case_insensitive on a non-string operator and non-boolean switches, creating nothing', async () => {
      const cases: Array<[object, RegExp]> = [
        [
          { attribute: 'age', operator: 'gt', values: [18], case_insensitive: true },
          /conditions\[0\]\.case_insensitive applies only to the string operators contains, starts_with, ends_with, not to gt/,
        ],
        [
          { attribute: 'plan', operator: 'eq', values: ['pro'], case_insensitive: true },
          /conditions\[0\]\.case_insensitive applies only to the string operators/,
        ],
        [{ attribute: 'plan', operator: 'in', values: ['pro'], inverted: 'yes' }, /conditions\/0\/inverted/],
        [{ attribute: 'plan', operator: 'in', values: ['pro'], case_insensitive: 1 }, /conditions\/0\/case_insensitive/],
      ];
      for (const [condition, message] of cases) {
        const res = await create({ name: 'bad-switch', conditions: [condition] });
        expect(res.statusCode).toBe(400);
        expect(res.json().error.message).toMatch(message);
      }
      expect((await t.app.inject({ method: 'GET', url: '/api/admin/flags/bad-switch', headers: admin })).statusCode).toBe(404);
    });
  });
});
