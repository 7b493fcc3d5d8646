// Feature flags through HTTP: the admin API, OFREP evaluation, adoption counts, the change stream,
// and (on PostgreSQL) a toggle on one instance seen by another within a second.
import { openEventStream } from './helpers/event-stream.js';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/test-app.js';
import { TEST_DATABASE_KIND } from './helpers/test-database.js';

const OWNER = 'owner@example.com';

describe('feature flags', () => {
  let t: TestApp;
  let admin: Record<string, string>;
  let evaluate: Record<string, string>;
  let monitor: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp({ ADMIN_EMAILS: OWNER });
    await t.app.ready();
    admin = { authorization: `Bearer ${await t.token('admin')}` };
    evaluate = { authorization: `Bearer ${await t.token('evaluate')}` };
    monitor = { authorization: `Bearer ${await t.token('monitor')}` };
  });
  afterAll(() => t.close());

  const create = (payload: object) => t.app.inject({ method: 'POST', url: '/api/admin/flags', headers: admin, payload });
  const ofrep = (key: string, context: object, headers = evaluate) =>
    t.app.inject({ method: 'POST', url: `/ofrep/v1/evaluate/flags/${key}`, headers, payload: { context } });

  describe('admin API', () => {
    it('creates a flag (admin tokens need no CSRF token) and refuses a duplicate name', async () => {
      const res = await create({ name: 'new-chat-ui', description: 'The new chat', rollout_percentage: 50 });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({
        name: 'new-chat-ui',
        description: 'The new chat',
        is_enabled: false,
        rollout_percentage: 50,
        target_users: [],
        conditions: [],
        version: 1,
        created_by: 'token:test-admin',
      });
      expect(res.headers.etag).toBe('"1"');
      const again = await create({ name: 'new-chat-ui' });
      expect(again.statusCode).toBe(409);
      expect(again.json().error.code).toBe('CONFLICT');
    });

    it.each([
      [{ name: 'Bad Name' }, /body\/name/],
      [{ name: 'x', rollout_percentage: 101 }, /rollout_percentage/],
      [{ name: 'x', rollout_percentage: -1 }, /rollout_percentage/],
      [{ name: 'x', rollout_percentage: '50' }, /rollout_percentage/],
      [{ name: 'x', is_enabled: 'yes' }, /is_enabled/],
      [{ name: 'x', colour: 'red' }, /additional|colour/],
      [{ name: 'x', conditions: [{ attribute: 'plan', operator: 'matches', values: ['.*'] }] }, /conditions\[0\]\.operator/],
      [{ name: 'x', conditions: [{ attribute: 'age', operator: 'gt', values: ['old'] }] }, /conditions\[0\]\.values/],
      [{ name: 'x', conditions: [{ attribute: 'plan', operator: 'eq' }] }, /conditions\[0\]\.values/],
      [{ name: 'x', target_users: ['  '] }, /target_users/],
      [{ name: 'x', target_users: 'alice' }, /target_users/],
    ])('refuses %o with 400 naming the field, storing nothing', async (payload, field) => {
      const res = await create(payload);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.message).toMatch(field);
      expect((await t.app.inject({ url: '/api/admin/flags/x', headers: admin })).statusCode).toBe(404);
    });

    it('edits any subset, honours If-Match, toggles, audits before and after, and deletes', async () => {
      await create({ name: 'voice-mode' });
      const patched = await t.app.inject({
        method: 'PATCH',
        url: '/api/admin/flags/voice-mode',
        headers: { ...admin, 'if-match': '"1"' },
        payload: { rollout_percentage: 30, target_users: ['alice', 'Bob@Example.com', 'alice'] },
      });
      expect(patched.statusCode).toBe(200);
      expect(patched.json()).toMatchObject({
        version: 2,
        rollout_percentage: 30,
        target_users: ['alice', 'Bob@Example.com'],
        is_enabled: false,
      });

      const stale = await t.app.inject({
        method: 'PATCH',
        url: '/api/admin/flags/voice-mode',
        headers: { ...admin, 'if-match': '1' },
        payload: { description: 'late' },
      });
      expect(stale.statusCode).toBe(409);
      expect((await t.app.inject({ url: '/api/admin/flags/voice-mode', headers: admin })).json().description).toBe('');

      const toggled = await t.app.inject({ method: 'POST', url: '/api/admin/flags/voice-mode/toggle', headers: admin });
      expect(toggled.json()).toMatchObject({ is_enabled: true, version: 3 });

      const audit = await t.app.inject({ url: '/api/admin/audit?entity_type=flag&entity_id=voice-mode', headers: admin });
      const items = audit.json().items as Array<{ action: string; before: { version: number } | null; after: { version: number } | null }>;
      expect(items.map((i) => i.action)).toEqual(['flag.toggle', 'flag.update', 'flag.create']);
      expect(items[0]!.before!.version).toBe(2);
      expect(items[0]!.after!.version).toBe(3);

      const removed = await t.app.inject({ method: 'DELETE', url: '/api/admin/flags/voice-mode', headers: admin });
      expect(removed.statusCode).toBe(204);
      expect((await t.app.inject({ url: '/api/admin/flags/voice-mode', headers: admin })).statusCode).toBe(404);
      expect((await t.app.inject({ method: 'POST', url: '/api/admin/flags/voice-mode/toggle', headers: admin })).statusCode).toBe(404);
      expect((await ofrep('voice-mode', { targetingKey: 'u' })).statusCode).toBe(404);
    });

    it('records since when a flag has been on for everyone', async () => {
      const sent = Date.now();
      const full = (await create({ name: 'full-rollout', is_enabled: true, rollout_percentage: 100 })).json();
      // On for everyone from its creation: stamped between sending the request and now.
      expect(Date.parse(full.full_rollout_since)).toBeGreaterThanOrEqual(sent);
      expect(Date.parse(full.full_rollout_since)).toBeLessThanOrEqual(Date.now());
      const partial = await t.app.inject({
        method: 'PATCH',
        url: '/api/admin/flags/full-rollout',
        headers: admin,
        payload: { rollout_percentage: 90 },
      });
      expect(partial.json().full_rollout_since).toBeNull();
      const back = await t.app.inject({
        method: 'PATCH',
        url: '/api/admin/flags/full-rollout',
        headers: admin,
        payload: { rollout_percentage: 100 },
      });
      const since = back.json().full_rollout_since as string;
      const edited = await t.app.inject({
        method: 'PATCH',
        url: '/api/admin/flags/full-rollout',
        headers: admin,
        payload: { description: 'still on' },
      });
      expect(edited.json().full_rollout_since).toBe(since);
    });

    it('explains why a user gets a value', async () => {
      await create({
        name: 'explained',
        is_enabled: true,
        rollout_percentage: 100,
        conditions: [{ attribute: 'plan', operator: 'in', values: ['pro', 'team'] }],
      });
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/admin/flags/explained/explain',
        headers: admin,
        payload: { context: { targetingKey: 'u1', plan: 'free' } },
      });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ value: false, reason: 'DEFAULT' });
      expect(body.steps.map((s: { step: string }) => s.step)).toEqual(expect.arrayContaining(['kill_switch', 'target_users', 'condition']));
    });
  });

  describe('OFREP evaluation', () => {
    beforeAll(async () => {
      await create({ name: 'off-flag' });
      await create({ name: 'everyone', is_enabled: true, rollout_percentage: 100 });
      await create({ name: 'half', is_enabled: true, rollout_percentage: 50 });
      await create({ name: 'targeted', is_enabled: true, rollout_percentage: 0, target_users: ['vip-1', 'Boss@Example.com'] });
      await create({
        name: 'pro-only',
        is_enabled: true,
        rollout_percentage: 100,
        conditions: [{ attribute: 'plan', operator: 'eq', values: ['pro'] }],
      });
    });

    it('answers with the protocol shape and a JSON content type', async () => {
      const res = await ofrep('everyone', { targetingKey: 'user-1' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json()).toEqual({ key: 'everyone', value: true, reason: 'STATIC', variant: 'on', metadata: {} });
      expect((await ofrep('off-flag', { targetingKey: 'user-1' })).json()).toEqual({
        key: 'off-flag',
        value: false,
        reason: 'DISABLED',
        variant: 'off',
        metadata: {},
      });
    });

    it('targets users and conditions, and splits by bucket', async () => {
      expect((await ofrep('targeted', { targetingKey: 'vip-1' })).json()).toMatchObject({ value: true, reason: 'TARGETING_MATCH' });
      expect((await ofrep('targeted', { targetingKey: 'x', email: 'boss@example.com' })).json()).toMatchObject({
        value: true,
        reason: 'TARGETING_MATCH',
      });
      expect((await ofrep('targeted', { targetingKey: 'x' })).json()).toMatchObject({ value: false, reason: 'DEFAULT' });
      expect((await ofrep('pro-only', { targetingKey: 'x', plan: 'pro' })).json()).toMatchObject({ value: true });
      expect((await ofrep('pro-only', { targetingKey: 'x', plan: 'free' })).json()).toMatchObject({ value: false, reason: 'DEFAULT' });
      const values = new Set<boolean>();
      for (let i = 0; i < 40; i++) {
        const body = (await ofrep('half', { targetingKey: `user-${i}` })).json();
        expect(body.reason).toBe('SPLIT');
        values.add(body.value);
      }
      expect(values).toEqual(new Set([true, false]));
    });

    it('applies per-user overrides from beta users', async () => {
      const row = await t.testDb.database.db
        .insertInto('beta_users')
        .values({
          email: 'override@example.com',
          invite_code: 'invite-override-0123456789',
          flag_set: JSON.stringify({ 'off-flag': false, targeted: true }),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await sql`select pg_notify('beta_suite_flags', ${JSON.stringify({ op: 'overrides' })})`.execute(t.testDb.database.db);
      await expect.poll(async () => (await ofrep('targeted', { targetingKey: row.id })).json<{ value: boolean }>().value).toBe(true);
      expect((await ofrep('targeted', { targetingKey: 'someone', email: 'OVERRIDE@example.com' })).json()).toMatchObject({
        value: true,
        reason: 'TARGETING_MATCH',
      });
      // The kill switch still wins.
      expect((await ofrep('off-flag', { targetingKey: row.id })).json().reason).toBe('DISABLED');
    });

    it('answers errors in the protocol shape', async () => {
      const missing = await ofrep('no-such-flag', { targetingKey: 'u' });
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toEqual({ key: 'no-such-flag', errorCode: 'FLAG_NOT_FOUND', errorDetails: expect.any(String) });
      const noKey = await ofrep('half', {});
      expect(noKey.statusCode).toBe(400);
      expect(noKey.json()).toMatchObject({ key: 'half', errorCode: 'TARGETING_KEY_MISSING' });
      const malformed = await t.app.inject({
        method: 'POST',
        url: '/ofrep/v1/evaluate/flags/half',
        headers: { ...evaluate, 'content-type': 'application/json' },
        payload: '{"context":',
      });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json()).toMatchObject({ key: 'half', errorCode: 'PARSE_ERROR' });
      const badContext = await ofrep('half', { targetingKey: 42 });
      expect(badContext.statusCode).toBe(400);
      expect(badContext.json()).toMatchObject({ key: 'half', errorCode: 'INVALID_CONTEXT' });
    });

    it('requires an evaluate (or admin) token', async () => {
      expect((await ofrep('everyone', { targetingKey: 'u' }, {})).statusCode).toBe(401);
      expect((await ofrep('everyone', { targetingKey: 'u' }, monitor)).statusCode).toBe(403);
      expect((await ofrep('everyone', { targetingKey: 'u' }, admin)).statusCode).toBe(200);
      const viaApiKey = await t.app.inject({
        method: 'POST',
        url: '/ofrep/v1/evaluate/flags/everyone',
        headers: { 'x-api-key': evaluate.authorization!.slice(7) },
        payload: { context: { targetingKey: 'u' } },
      });
      expect(viaApiKey.statusCode).toBe(200);
    });

    it('evaluates every flag in bulk, with an ETag over the evaluated answer', async () => {
      const bulk = (context: object, headers: Record<string, string> = {}) =>
        t.app.inject({ method: 'POST', url: '/ofrep/v1/evaluate/flags', headers: { ...evaluate, ...headers }, payload: { context } });
      const first = await bulk({ targetingKey: 'vip-1', plan: 'free' });
      expect(first.statusCode).toBe(200);
      const flags = first.json().flags as Array<{ key: string; value?: boolean }>;
      expect(flags.find((f) => f.key === 'targeted')?.value).toBe(true);
      expect(flags.find((f) => f.key === 'off-flag')?.value).toBe(false);
      const etag = first.headers.etag as string;
      expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
      expect((await bulk({ targetingKey: 'vip-1', plan: 'free' }, { 'if-none-match': etag })).statusCode).toBe(304);
      // Same flags, another context with another outcome: another ETag.
      const other = await bulk({ targetingKey: 'vip-1', plan: 'pro' }, { 'if-none-match': etag });
      expect(other.statusCode).toBe(200);
      expect(other.headers.etag).not.toBe(etag);
      // A change to a flag changes the ETag too.
      await t.app.inject({ method: 'POST', url: '/api/admin/flags/off-flag/toggle', headers: admin });
      expect((await bulk({ targetingKey: 'vip-1', plan: 'free' }, { 'if-none-match': etag })).statusCode).toBe(200);
      await t.app.inject({ method: 'POST', url: '/api/admin/flags/off-flag/toggle', headers: admin });
    });

    it('counts evaluations into adoption figures', async () => {
      await create({
        name: 'adopted',
        is_enabled: true,
        rollout_percentage: 100,
        conditions: [{ attribute: 'plan', operator: 'eq', values: ['pro'] }],
      });
      for (let i = 0; i < 6; i++) await ofrep('adopted', { targetingKey: `a${i}`, plan: i < 4 ? 'pro' : 'free' });
      await t.flags.flushCounts();
      const res = await t.app.inject({ url: '/api/admin/flags/adopted', headers: admin });
      expect(res.json().adoption).toMatchObject({ evaluations_24h: 6, true_share_24h: 0.6667, evaluations_7d: 6, stale: false });
      const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000).toISOString();
      expect(res.json().evaluations.hourly_24h).toEqual([{ at: hour, evaluations: 6, true_count: 4 }]);
      expect(res.json().evaluations.daily_30d).toEqual([{ at: `${hour.slice(0, 10)}T00:00:00.000Z`, evaluations: 6, true_count: 4 }]);
      const metrics = await t.app.inject({ url: '/metrics', headers: monitor });
      expect(metrics.body).toMatch(/^flag_evaluations_total\{flag="adopted",value="true"\} 4$/m);
      const list = await t.app.inject({ url: '/api/admin/flags', headers: admin });
      expect(list.json().items.find((f: { name: string }) => f.name === 'adopted').adoption.evaluations_24h).toBe(6);
    });
  });

  describe('change stream', () => {
    let baseUrl: string;
    beforeAll(async () => {
      baseUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
    });

    const openStream = (headers: Record<string, string>) => openEventStream(`${baseUrl}/api/flags/stream`, headers);

    it('sends evaluate tokens a snapshot of names and versions, then a notice per change, and no definitions', async () => {
      const anonymous = await fetch(`${baseUrl}/api/flags/stream`);
      expect(anonymous.status).toBe(401);
      await t.app.inject({
        method: 'PATCH',
        url: '/api/admin/flags/everyone',
        headers: admin,
        payload: { target_users: ['secret@example.com'] },
      });

      const stream = await openStream(evaluate);
      expect(stream.res.statusCode).toBe(200);
      expect(stream.res.headers['content-type']).toMatch(/^text\/event-stream/);
      const snapshot = await stream.next(/event: snapshot/);
      const listed = JSON.parse(/^data: (.*)$/m.exec(snapshot)![1]!) as { flags: Array<Record<string, unknown>> };
      expect(listed.flags).toContainEqual({ name: 'everyone', version: expect.any(Number) });
      for (const entry of listed.flags) expect(Object.keys(entry).sort()).toEqual(['name', 'version']);
      expect(snapshot).not.toContain('secret@example.com');

      const change = stream.next(/event: flag/);
      const toggled = await t.app.inject({ method: 'POST', url: '/api/admin/flags/everyone/toggle', headers: admin });
      const data = JSON.parse(/^data: (.*)$/m.exec(await change)![1]!);
      expect(data).toEqual({ op: 'upsert', name: 'everyone', version: toggled.json().version, deleted: false });
      stream.res.destroy();
    });

    it('sends sync tokens full definitions, resumable with Last-Event-ID', async () => {
      const sync = { authorization: `Bearer ${await t.token('sync')}` };
      const stream = await openStream(sync);
      const snapshot = await stream.next(/event: snapshot/);
      expect(snapshot).toContain('"target_users":["secret@example.com"]');

      const change = stream.next(/event: flag/);
      const toggled = await t.app.inject({ method: 'POST', url: '/api/admin/flags/everyone/toggle', headers: admin });
      const enabled = toggled.json().is_enabled as boolean;
      const frame = await change;
      const id = /^id: (\S+)$/m.exec(frame)![1]!;
      const data = JSON.parse(/^data: (.*)$/m.exec(frame)![1]!);
      expect(data).toMatchObject({ op: 'upsert', name: 'everyone', deleted: false, flag: { is_enabled: enabled } });
      stream.res.destroy();

      // Missed while disconnected: replayed from the id on.
      await t.app.inject({ method: 'POST', url: '/api/admin/flags/everyone/toggle', headers: admin });
      const resumed = await openStream({ ...sync, 'last-event-id': id });
      const replay = await resumed.next(/event: (flag|snapshot)/);
      expect(replay).toMatch(/event: flag/);
      expect(replay).toContain(`"is_enabled":${!enabled}`);
      resumed.res.destroy();
    });

    it('closes open streams when shutdown begins', async () => {
      const stream = await openStream(evaluate);
      await stream.next(/event: snapshot/);
      const ended = new Promise<void>((resolve) => stream.res.on('end', () => resolve()));
      t.lifecycle.beginShutdown();
      await ended;
    });
  });
});

describe.skipIf(TEST_DATABASE_KIND !== 'postgres')('flags on two instances (PostgreSQL)', () => {
  it('a toggle on one instance is answered by the other within a second', async () => {
    const a = await createTestApp();
    const { buildApp } = await import('../src/app.js');
    const { createLifecycle } = await import('../src/core/lifecycle.js');
    const { createMetrics } = await import('../src/core/metrics.js');
    const { openDatabase } = await import('../src/db/database.js');
    const { pino } = await import('pino');
    const second = await openDatabase({
      databaseUrl: a.testDb.databaseUrl,
      dataDir: a.testDb.dataDir,
      pool: { min: 1, max: 4, idleMs: 10_000, recycleS: 3600, acquireTimeoutMs: 5000 },
      logger: { warn: () => undefined, info: () => undefined },
    });
    const b = await buildApp({
      config: a.config,
      database: second,
      metrics: createMetrics({ defaultMetrics: false }),
      lifecycle: createLifecycle(),
      version: 'test',
      instanceId: 'b',
      logger: pino({ level: 'silent' }),
      sessionSecret: 'y'.repeat(40),
    });
    try {
      const adminA = { authorization: `Bearer ${await a.token('admin')}` };
      const evalB = { authorization: `Bearer ${(await b.tokens.create({ name: 'b', scope: 'evaluate', createdBy: 'test' })).token}` };
      await a.app.inject({ method: 'POST', url: '/api/admin/flags', headers: adminA, payload: { name: 'fleet', rollout_percentage: 100 } });
      const valueOnB = async () =>
        (
          await b.app.inject({
            method: 'POST',
            url: '/ofrep/v1/evaluate/flags/fleet',
            headers: evalB,
            payload: { context: { targetingKey: 'u' } },
          })
        ).json().value as boolean | undefined;
      await expect.poll(valueOnB, { timeout: 1000, interval: 20 }).toBe(false);
      const toggledAt = Date.now();
      await a.app.inject({ method: 'POST', url: '/api/admin/flags/fleet/toggle', headers: adminA });
      await expect.poll(valueOnB, { timeout: 1000, interval: 20 }).toBe(true);
      expect(Date.now() - toggledAt).toBeLessThan(1000);

      // The listening connections drop; a change made meanwhile reaches B once it has reconnected and reloaded.
      await sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'beta-suite-listen' and datname = current_database()`.execute(
        a.testDb.database.db,
      );
      await a.app.inject({ method: 'POST', url: '/api/admin/flags/fleet/toggle', headers: adminA });
      await expect.poll(valueOnB, { timeout: 5000, interval: 50 }).toBe(false);
      await a.app.inject({ method: 'POST', url: '/api/admin/flags/fleet/toggle', headers: adminA });
      await expect.poll(valueOnB, { timeout: 1000, interval: 20 }).toBe(true);
    } finally {
      await b.app.close();
      await second.close();
      await a.close();
    }
  });
});
