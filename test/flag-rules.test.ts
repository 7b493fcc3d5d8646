// Ordered rules and segments through HTTP: OFREP answers (single and bulk) and explanations, reordering,
// refused writes that store nothing, segment edits reaching answers, versions and the change stream at once,
// deletion refused while in use, If-Match on segments, audit sentences, export and import; and on
// PostgreSQL a segment edited on one instance changing the answers of another.
import { openEventStream } from './helpers/event-stream.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditSentence, sentenceText, type AuditFacts } from '../src/features/admin-ui/browser/audit-sentences.js';
import { openDatabase, type Database } from '../src/db/database.js';
import { quietLogger } from './helpers/database-urls.js';
import { buildInstance, testClock, type Instance } from './helpers/rollout-apps.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';
import { createTestDatabase, TEST_DATABASE_KIND, TEST_POOL, type TestDatabase } from './helpers/test-database.js';

type Headers = Record<string, string>;
interface Injectable {
  app: { inject: TestApp['app']['inject'] };
}

const US = { attribute: 'country', operator: 'in', values: ['US'] };
const CANADA = { attribute: 'country', operator: 'in', values: ['CA'] };
const PRO = { attribute: 'plan', operator: 'eq', values: ['pro'] };

const api = (t: Injectable, headers: Headers) => ({
  get: (url: string) => t.app.inject({ url, headers }),
  post: (url: string, payload: object) => t.app.inject({ method: 'POST', url, headers, payload }),
  patch: (url: string, payload: object, extra: Headers = {}) =>
    t.app.inject({ method: 'PATCH', url, headers: { ...headers, ...extra }, payload }),
  delete: (url: string, extra: Headers = {}) => t.app.inject({ method: 'DELETE', url, headers: { ...headers, ...extra } }),
});
const ofrep = (t: Injectable, headers: Headers, key: string, context: object) =>
  t.app.inject({ method: 'POST', url: `/ofrep/v1/evaluate/flags/${key}`, headers, payload: { context } });
const bulk = (t: Injectable, headers: Headers, context: object) =>
  t.app.inject({ method: 'POST', url: '/ofrep/v1/evaluate/flags', headers, payload: { context } });

const CONTEXTS = [
  { targetingKey: 'vip' },
  { targetingKey: 'u1', country: 'US', plan: 'pro' },
  { targetingKey: 'u2', country: 'US', plan: 'free' },
  { targetingKey: 'u3', country: 'FR', plan: 'pro' },
  { targetingKey: 'u4', country: 'CA', plan: 'pro' },
  ...Array.from({ length: 30 }, (_, i) => ({ targetingKey: `k-${i}`, country: i % 3 ? 'US' : 'DE', plan: i % 2 ? 'pro' : 'team' })),
];

describe('flag rules and segments', () => {
  let t: TestApp;
  let admin: ReturnType<typeof api>;
  let adminHeaders: Headers;
  let evaluate: Headers;
  let baseUrl: string;

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.ready();
    adminHeaders = { authorization: `Bearer ${await t.token('admin')}` };
    admin = api(t, adminHeaders);
    evaluate = { authorization: `Bearer ${await t.token('evaluate')}` };
    baseUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });

    const segment = await admin.post('/api/admin/segments', { name: 'us-users', description: 'In the US', conditions: [US] });
    expect(segment.statusCode).toBe(201);
    expect(segment.headers.etag).toBe('"1"');
    expect(segment.json()).toMatchObject({ name: 'us-users', conditions: [US], version: 1, used_by: [] });
    expect((await admin.post('/api/admin/segments', { name: 'pro-plan', conditions: [PRO] })).statusCode).toBe(201);

    const created = await admin.post('/api/admin/flags', {
      name: 'checkout',
      is_enabled: true,
      rollout_percentage: 0,
      target_users: ['vip'],
      rules: [
        { name: 'us pros', segments: ['us-users'], conditions: [PRO], rollout_percentage: 100 },
        { name: 'team trial', conditions: [{ attribute: 'plan', operator: 'eq', values: ['team'] }], rollout_percentage: 40 },
      ],
    });
    expect(created.statusCode).toBe(201);
    expect(created.json().rules).toEqual([
      { name: 'us pros', conditions: [PRO], segments: ['us-users'], rollout_percentage: 100, stickiness: 'targetingKey' },
      {
        name: 'team trial',
        conditions: [{ attribute: 'plan', operator: 'eq', values: ['team'] }],
        segments: [],
        rollout_percentage: 40,
        stickiness: 'targetingKey',
      },
    ]);

    const copy = await admin.post('/api/admin/flags', {
      name: 'copy',
      is_enabled: true,
      rollout_percentage: 100,
      value_type: 'string',
      variants: [
        { name: 'control', value: 'Hello', weight: 1 },
        { name: 'short', value: 'Hi', weight: 0 },
        { name: 'long', value: 'Hello there', weight: 0 },
      ],
      default_variant: 'control',
      segments: ['pro-plan'],
      rules: [
        { name: 'pros', segments: ['pro-plan'], variant: 'short' },
        { name: 'americans', segments: ['us-users'], variant: 'long' },
      ],
    });
    expect(copy.statusCode).toBe(201);
  });
  afterAll(() => t.close());

  it('answers through OFREP, single and bulk, from the first rule that matches', async () => {
    expect((await ofrep(t, evaluate, 'checkout', { targetingKey: 'u1', country: 'US', plan: 'pro' })).json()).toMatchObject({
      key: 'checkout',
      value: true,
      reason: 'TARGETING_MATCH',
    });
    expect((await ofrep(t, evaluate, 'checkout', { targetingKey: 'u3', country: 'FR', plan: 'pro' })).json()).toMatchObject({
      value: false,
      reason: 'DEFAULT',
    });
    expect((await ofrep(t, evaluate, 'checkout', { targetingKey: 'vip' })).json()).toMatchObject({
      value: true,
      reason: 'TARGETING_MATCH',
    });
    // The partial rule: about 40 % of team users, by bucket.
    const team = await Promise.all(
      Array.from({ length: 200 }, (_, i) => ofrep(t, evaluate, 'checkout', { targetingKey: `team-${i}`, plan: 'team' })),
    );
    const on = team.filter((r) => r.json().value === true);
    for (const r of on) expect(r.json()).toMatchObject({ reason: 'SPLIT' });
    expect(on.length).toBeGreaterThan(50);
    expect(on.length).toBeLessThan(110);

    const all = (await bulk(t, evaluate, { targetingKey: 'u1', country: 'US', plan: 'pro' })).json<{
      flags: Array<{ key: string; value: unknown; reason: string; variant: string }>;
    }>();
    expect(all.flags.find((f) => f.key === 'checkout')).toMatchObject({ value: true, reason: 'TARGETING_MATCH' });
    expect(all.flags.find((f) => f.key === 'copy')).toMatchObject({ value: 'Hi', variant: 'short', reason: 'TARGETING_MATCH' });
    const us = (await bulk(t, evaluate, { targetingKey: 'u2', country: 'US', plan: 'free' })).json<typeof all>();
    expect(us.flags.find((f) => f.key === 'checkout')).toMatchObject({ value: false });
    // Not pro: neither the pros rule nor the main rule's pro-plan segment; the second rule serves long.
    expect(us.flags.find((f) => f.key === 'copy')).toMatchObject({ value: 'Hello there', variant: 'long' });
    const nobody = (await bulk(t, evaluate, { targetingKey: 'u5', country: 'FR', plan: 'free' })).json<typeof all>();
    expect(nobody.flags.find((f) => f.key === 'copy')).toMatchObject({ value: 'Hello', variant: 'control', reason: 'DEFAULT' });
  });

  it('explains which rule decided, with its segment steps', async () => {
    const res = await admin.post('/api/admin/flags/checkout/explain', { context: { targetingKey: 'u1', country: 'US', plan: 'pro' } });
    expect(res.statusCode).toBe(200);
    const { steps } = res.json<{ steps: Array<Record<string, unknown>> }>();
    expect(steps.find((s) => s.step === 'segment')).toEqual({
      step: 'segment',
      rule: 0,
      name: 'us-users',
      matched: true,
      detail: 'segment us-users: matches (1 condition)',
    });
    expect(steps.filter((s) => s.step === 'rule')).toEqual([
      expect.objectContaining({
        index: 0,
        name: 'us pros',
        matched: true,
        detail: 'rule 1 (us pros) matches and is rolled out to everyone: it decides',
      }),
    ]);
    const fr = (
      await admin.post('/api/admin/flags/checkout/explain', { context: { targetingKey: 'u3', country: 'FR', plan: 'pro' } })
    ).json<{ steps: Array<Record<string, unknown>> }>();
    expect(fr.steps.find((s) => s.step === 'segment')).toMatchObject({ rule: 0, name: 'us-users', matched: false });
    expect(fr.steps.filter((s) => s.step === 'rule').map((s) => s.matched)).toEqual([false, false]);
  });

  it('lists segments with the flags using them', async () => {
    const items = (await admin.get('/api/admin/segments')).json().items as Array<{ name: string; used_by: string[] }>;
    expect(items.map((s) => [s.name, s.used_by])).toEqual([
      ['pro-plan', ['copy']],
      ['us-users', ['checkout', 'copy']],
    ]);
  });

  it('reorders rules with PATCH, and the answer follows the order', async () => {
    const user = { targetingKey: 'u1', country: 'US', plan: 'pro' };
    expect((await ofrep(t, evaluate, 'copy', user)).json()).toMatchObject({ variant: 'short' });
    const current = (await admin.get('/api/admin/flags/copy')).json<{ version: number; rules: unknown[] }>();
    const res = await admin.patch('/api/admin/flags/copy', { rules: [...current.rules].reverse() }, { 'if-match': `"${current.version}"` });
    expect(res.statusCode).toBe(200);
    expect(res.json().rules.map((r: { name: string }) => r.name)).toEqual(['americans', 'pros']);
    expect(res.headers.etag).toBe(`"${current.version + 1}"`);
    expect((await ofrep(t, evaluate, 'copy', user)).json()).toMatchObject({ value: 'Hello there', variant: 'long' });
  });

  it('refuses invalid rules with the field path and stores nothing', async () => {
    const before = (await admin.get('/api/admin/flags/checkout')).json<{ version: number; rules: unknown[] }>();
    const refusals: Array<[object, RegExp]> = [
      [{ rules: [{ rollout_percentage: 150 }] }, /^body\/rules\/0\/rollout_percentage must be a whole number from 0 to 100\.$/],
      [{ rules: [{ conditions: [] }, { weight: 3 }] }, /^body\/rules\/1\/weight is not a rule field\.$/],
      [{ rules: [{ variant: 'on' }] }, /^body\/rules\/0\/variant is for string, number and object flags/],
      [{ rules: [{ segments: ['us-users', 'us-users'] }] }, /^body\/rules\/0\/segments\/1 names the segment us-users twice\.$/],
      [{ rules: [{}, { segments: ['nope'] }] }, /^body\/rules\/1\/segments\/0 names the segment "nope", which does not exist\.$/],
      [{ segments: ['us-users', 'gone'] }, /^body\/segments\/1 names the segment "gone", which does not exist\.$/],
      // A valid rule together with a refused field: the rule is not stored either.
      [{ rules: [{ conditions: [PRO] }], rollout_percentage: 101 }, /rollout_percentage/],
    ];
    for (const [payload, message] of refusals) {
      const res = await admin.patch('/api/admin/flags/checkout', payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.message).toMatch(message);
    }
    const after = await admin.get('/api/admin/flags/checkout');
    expect(after.headers.etag).toBe(`"${before.version}"`);
    expect(after.json()).toMatchObject({ version: before.version, rules: before.rules });

    const typed = await admin.patch('/api/admin/flags/copy', { rules: [{ variant: 'medium' }] });
    expect(typed.statusCode).toBe(400);
    expect(typed.json().error.message).toBe("body/rules/0/variant must name one of the flag's variants (control, short, long).");

    const create = await admin.post('/api/admin/flags', { name: 'orphan', rules: [{ segments: ['missing'] }] });
    expect(create.statusCode).toBe(400);
    expect(create.json().error.message).toMatch(/^body\/rules\/0\/segments\/0 names the segment "missing"/);
    expect((await admin.get('/api/admin/flags/orphan')).statusCode).toBe(404);
  });

  it('applies a segment edit to answers at once, moves each flag using it to a new version, and announces them', async () => {
    const stream = await openEventStream(`${baseUrl}/api/flags/stream`, evaluate);
    expect(stream.res.statusCode).toBe(200);
    await stream.next(/event: snapshot/);
    // A server evaluating flags itself (sync) gets each definition with the conditions of the segments it names.
    const sync = await openEventStream(`${baseUrl}/api/flags/stream`, { authorization: `Bearer ${await t.token('sync')}` });
    const snapshot = await sync.next(/event: snapshot/);
    const listed = JSON.parse(/^data: (.*)$/m.exec(snapshot)![1]!) as { flags: Array<{ name: string; segment_conditions: unknown }> };
    expect(listed.flags.find((f) => f.name === 'checkout')!.segment_conditions).toEqual({ 'us-users': [US] });
    const checkoutBefore = await admin.get('/api/admin/flags/checkout');
    const copyBefore = (await admin.get('/api/admin/flags/copy')).json<{ version: number }>();
    const unrelated = await admin.post('/api/admin/flags', { name: 'unrelated', is_enabled: true, rollout_percentage: 100 });
    expect(unrelated.statusCode).toBe(201);
    const canadian = { targetingKey: 'u4', country: 'CA', plan: 'pro' };
    const american = { targetingKey: 'u1', country: 'US', plan: 'pro' };
    expect((await ofrep(t, evaluate, 'checkout', canadian)).json()).toMatchObject({ value: false });

    const announced = stream.next(/"name":"checkout"/);
    const defined = sync.next(/"name":"checkout"/);
    const edited = await admin.patch('/api/admin/segments/us-users', { conditions: [CANADA] }, { 'if-match': '"1"' });
    expect(edited.statusCode).toBe(200);
    expect(edited.headers.etag).toBe('"2"');
    expect(edited.json()).toMatchObject({ name: 'us-users', version: 2, conditions: [CANADA], used_by: ['checkout', 'copy'] });

    expect((await ofrep(t, evaluate, 'checkout', canadian)).json()).toMatchObject({ value: true, reason: 'TARGETING_MATCH' });
    expect((await ofrep(t, evaluate, 'checkout', american)).json()).toMatchObject({ value: false, reason: 'DEFAULT' });
    const checkoutVersion = Number(JSON.parse(checkoutBefore.headers.etag as string));
    const checkoutAfter = await admin.get('/api/admin/flags/checkout');
    expect(checkoutAfter.headers.etag).toBe(`"${checkoutVersion + 1}"`);
    expect(checkoutAfter.json().version).toBe(checkoutVersion + 1);
    expect((await admin.get('/api/admin/flags/copy')).json().version).toBe(copyBefore.version + 1);
    expect((await admin.get('/api/admin/flags/unrelated')).json().version).toBe(unrelated.json().version);

    const frame = await announced;
    expect(JSON.parse(/^data: (.*)$/m.exec(frame)![1]!)).toEqual({
      op: 'upsert',
      name: 'checkout',
      version: checkoutVersion + 1,
      deleted: false,
    });
    const definition = JSON.parse(/^data: (.*)$/m.exec(await defined)![1]!) as { flag: { version: number; segment_conditions: unknown } };
    expect(definition.flag).toMatchObject({ version: checkoutVersion + 1, segment_conditions: { 'us-users': [CANADA] } });
    stream.res.destroy();
    sync.res.destroy();
  });

  it('refuses a segment edit made against an old version', async () => {
    const stale = await admin.patch('/api/admin/segments/us-users', { conditions: [US] }, { 'if-match': '"1"' });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.message).toMatch(/version is 2, not 1/);
    const stored = (await admin.get('/api/admin/segments')).json().items.find((s: { name: string }) => s.name === 'us-users');
    expect(stored).toMatchObject({ version: 2, conditions: [CANADA] });
    expect((await admin.patch('/api/admin/segments/nowhere', { conditions: [US] })).statusCode).toBe(404);
    expect((await admin.patch('/api/admin/segments/us-users', { conditions: [] })).statusCode).toBe(400);
    expect((await admin.post('/api/admin/segments', { name: 'us-users', conditions: [US] })).statusCode).toBe(409);
  });

  it('keeps a segment while a flag uses it, and deletes it once none does', async () => {
    const refused = await admin.delete('/api/admin/segments/pro-plan');
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.message).toBe('The segment "pro-plan" is still used by "copy": remove it from them first.');
    const names = async () => ((await admin.get('/api/admin/segments')).json().items as Array<{ name: string }>).map((s) => s.name);
    expect(await names()).toContain('pro-plan');
    expect((await ofrep(t, evaluate, 'copy', { targetingKey: 'u3', country: 'FR', plan: 'pro' })).json()).toMatchObject({
      variant: 'short',
    });

    // Still named by the main rule after leaving the rules: still refused.
    const copy = (await admin.get('/api/admin/flags/copy')).json<{ rules: Array<{ name: string }> }>();
    expect((await admin.patch('/api/admin/flags/copy', { rules: copy.rules.filter((r) => r.name !== 'pros') })).statusCode).toBe(200);
    expect((await admin.delete('/api/admin/segments/pro-plan')).statusCode).toBe(409);
    expect((await admin.patch('/api/admin/flags/copy', { segments: [] })).statusCode).toBe(200);
    expect((await admin.delete('/api/admin/segments/pro-plan', { 'if-match': '"1"' })).statusCode).toBe(204);
    expect(await names()).not.toContain('pro-plan');
    expect((await admin.delete('/api/admin/segments/pro-plan')).statusCode).toBe(404);
  });

  it('records segment changes in the audit log, each with its sentence', async () => {
    const res = await admin.get('/api/admin/audit?entity_type=segment&limit=50');
    expect(res.statusCode).toBe(200);
    const entries = res.json().items as AuditFacts[];
    const sentences = entries.map((e) => sentenceText(auditSentence(e)).slice(e.actor.length + 1)).reverse();
    expect(sentences).toEqual([
      'created segment us-users',
      'created segment pro-plan',
      'changed segment us-users (conditions)',
      'deleted segment pro-plan',
    ]);
  });

  it('exports rules and segments, and an import elsewhere gives the same answers once its segments exist', async () => {
    const exported = await admin.get('/api/admin/flags/export');
    expect(exported.statusCode).toBe(200);
    const doc = exported.json<{ flags: Array<{ name: string; rules: unknown[]; segments: string[] }> }>();
    const checkout = doc.flags.find((f) => f.name === 'checkout')!;
    const current = (await admin.get('/api/admin/flags/checkout')).json<{ rules: unknown[]; segments: string[] }>();
    expect(checkout.rules).toEqual(current.rules);
    expect(checkout.rules).toHaveLength(2);
    expect(doc.flags.find((f) => f.name === 'copy')).toMatchObject({
      segments: [],
      rules: [expect.objectContaining({ segments: ['us-users'] })],
    });

    const fresh = await createTestApp();
    try {
      const freshAdmin = api(fresh, { authorization: `Bearer ${await fresh.token('admin')}` });
      const freshEvaluate = { authorization: `Bearer ${await fresh.token('evaluate')}` };
      // The document names segments but does not carry them: without them the import is refused whole, and a dry
      // run says so beforehand.
      const dry = await freshAdmin.post('/api/admin/flags/import?dry_run=true', doc);
      expect(dry.statusCode).toBe(200);
      const planned = dry.json<{ plan: { flags: Array<{ name: string; action: string; reasons: string[] }> } }>().plan.flags;
      expect(planned.find((f) => f.name === 'checkout')).toEqual(
        expect.objectContaining({
          action: 'invalid',
          reasons: ['body/rules/0/segments/0 names the segment "us-users", which does not exist.'],
        }),
      );
      expect(planned.find((f) => f.name === 'unrelated')).toMatchObject({ action: 'create' });
      const refused = await freshAdmin.post('/api/admin/flags/import?dry_run=false', doc);
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error.message).toMatch(/names the segment "us-users", which does not exist/);
      expect((await freshAdmin.get('/api/admin/flags')).json().items).toEqual([]);

      const segments = (await admin.get('/api/admin/segments')).json().items as Array<{ name: string; conditions: unknown[] }>;
      for (const s of segments) {
        expect((await freshAdmin.post('/api/admin/segments', { name: s.name, conditions: s.conditions })).statusCode).toBe(201);
      }
      const imported = await freshAdmin.post('/api/admin/flags/import?dry_run=false', doc);
      expect(imported.statusCode).toBe(200);
      expect(imported.json()).toMatchObject({ applied: true });
      for (const name of ['checkout', 'copy']) {
        for (const context of CONTEXTS) {
          const here = (await ofrep(t, evaluate, name, context)).json();
          const there = (await ofrep(fresh, freshEvaluate, name, context)).json();
          expect(there, `${name} ${JSON.stringify(context)}`).toEqual(here);
        }
      }
    } finally {
      await fresh.close();
    }
  });
});

describe.skipIf(TEST_DATABASE_KIND !== 'postgres')('segments on two instances (PostgreSQL)', () => {
  let testDb: TestDatabase;
  let second: Database;
  let a: Instance;
  let b: Instance;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    second = await openDatabase({ databaseUrl: testDb.databaseUrl, dataDir: testDb.dataDir, pool: TEST_POOL, logger: quietLogger });
    const clock = testClock();
    a = await buildInstance(testDb.database, { dataDir: testDb.dataDir, instanceId: 'node-a', now: clock.now });
    b = await buildInstance(second, { dataDir: testDb.dataDir, instanceId: 'node-b', now: clock.now });
  });
  afterAll(async () => {
    await a?.app.close().catch(() => undefined);
    await b?.app.close().catch(() => undefined);
    await second?.close().catch(() => undefined);
    await testDb?.destroy();
  });

  it('a segment edited on one instance changes the answers of the other within moments', async () => {
    const onA = api(a, { authorization: `Bearer ${await a.token('admin')}` });
    const evaluateB = { authorization: `Bearer ${await b.token('evaluate')}` };
    expect((await onA.post('/api/admin/segments', { name: 'us-users', conditions: [US] })).statusCode).toBe(201);
    const created = await onA.post('/api/admin/flags', {
      name: 'fleet-rules',
      is_enabled: true,
      rollout_percentage: 0,
      rules: [{ name: 'americans', segments: ['us-users'], rollout_percentage: 100 }],
    });
    expect(created.statusCode).toBe(201);
    const answerOnB = async (country: string) =>
      (await ofrep(b, evaluateB, 'fleet-rules', { targetingKey: 'u1', country })).json<{ value: unknown }>().value;
    await expect.poll(() => answerOnB('US'), { timeout: 5000, interval: 50 }).toBe(true);
    expect(await answerOnB('CA')).toBe(false);

    const edited = await onA.patch('/api/admin/segments/us-users', { conditions: [CANADA] });
    expect(edited.statusCode).toBe(200);
    await expect.poll(() => answerOnB('CA'), { timeout: 5000, interval: 50 }).toBe(true);
    expect(await answerOnB('US')).toBe(false);
    expect(b.services.flags.store.get('fleet-rules')?.version).toBe(created.json().version + 1);
  });
});
