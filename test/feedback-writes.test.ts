// Feedback writes: Idempotency-Keys are kept per caller (address or credential), the counts behind
// the statistics are spread over counter slots yet stay exact through concurrent submissions,
// removals and the roll-up of past days, and migration 0005 carries existing counts over exactly.
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down as downTo0004, up as upTo0005 } from '../src/db/migrations/0005-feedback-counter-slots.js';
import type { DatabaseSchema } from '../src/db/schema.js';
import { insertCountedFeedback, insertCountedFeedbackRows } from '../src/features/feedback/feedback.repository.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';
import { TEST_DATABASE_KIND } from './helpers/test-database.js';

interface Created {
  id: string;
  rating: number;
  feature: string | null;
  created_at: string;
}
interface Group {
  day: string;
  feature: string;
  rating: number;
  count: number;
}

let t: TestApp;
let db: Kysely<DatabaseSchema>;
beforeAll(async () => {
  t = await createTestApp({ PUBLIC_RATE_LIMIT_PER_MIN: '100000' });
  db = t.testDb.database.db;
}, 60_000);
afterAll(async () => t?.close());

function post(payload: object, headers: Record<string, string> = {}, remoteAddress = '127.0.0.1') {
  return t.app.inject({ method: 'POST', url: '/api/feedback', payload, headers, remoteAddress });
}

async function countWithComment(comment: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM beta_feedback WHERE comment = ${comment}`.execute(db);
  return rows[0]!.n;
}

/** The slot rows of one feature, as stored. */
async function slotsOf(feature: string): Promise<Array<{ day: string; rating: number; slot: number; count: number }>> {
  const { rows } = await sql<{ day: string; rating: number; slot: number; count: number }>`
    SELECT to_char(day, 'YYYY-MM-DD') AS day, rating::int AS rating, slot::int AS slot, count::int AS count
    FROM feedback_stat_slots WHERE feature = ${feature} ORDER BY 1, 2, 3`.execute(db);
  return rows;
}

/** feedback_stats_daily (the view) beside the same figures counted over beta_feedback, for some features. */
async function viewAndTable(features: string[]): Promise<{ view: Group[]; table: Group[] }> {
  const view = await sql<Group>`
    SELECT to_char(day, 'YYYY-MM-DD') AS day, feature, rating::int AS rating, count::int AS count
    FROM feedback_stats_daily WHERE feature = ANY(${features}) ORDER BY 1, 2, 3`.execute(db);
  const table = await sql<Group>`
    SELECT to_char((created_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day, coalesce(feature, '') AS feature,
           rating::int AS rating, count(*)::int AS count
    FROM beta_feedback WHERE feature = ANY(${features}) GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`.execute(db);
  return { view: view.rows, table: table.rows };
}

async function featureStats(feature: string) {
  const res = await t.app.inject({ url: '/api/feedback/stats' });
  expect(res.statusCode, res.body).toBe(200);
  return res
    .json<{ by_feature: Array<{ feature: string; count: number; average_rating: number }> }>()
    .by_feature.find((f) => f.feature === feature);
}

async function remove(id: string): Promise<void> {
  const admin = { authorization: `Bearer ${await t.token('admin')}` };
  const res = await t.app.inject({ method: 'DELETE', url: `/api/admin/feedback/${id}`, headers: admin });
  expect(res.statusCode, res.body).toBe(204);
}

describe('Idempotency-Keys per caller', () => {
  it('gives two addresses using the same key each their own feedback, and replays only to the sender', async () => {
    const key = 'shared-key-0001';
    const body = { rating: 4, feature: 'scoped', comment: 'scoped by address' };
    const a = await post(body, { 'idempotency-key': key }, '10.0.0.1');
    const b = await post(body, { 'idempotency-key': key }, '10.0.0.2');
    expect(a.statusCode, a.body).toBe(201);
    expect(b.statusCode, b.body).toBe(201);
    expect(a.headers['idempotent-replayed']).toBeUndefined();
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect(b.json<Created>().id).not.toBe(a.json<Created>().id);
    expect(await countWithComment('scoped by address')).toBe(2);

    // A retry by the first address gets its first answer, stores nothing.
    const again = await post(body, { 'idempotency-key': key }, '10.0.0.1');
    expect(again.statusCode, again.body).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(a.json());
    const againB = await post(body, { 'idempotency-key': key }, '10.0.0.2');
    expect(againB.json()).toEqual(b.json());
    expect(await countWithComment('scoped by address')).toBe(2);

    // Another body under the key is refused to its owner, and blocks nobody else.
    const other = { rating: 1, feature: 'scoped', comment: 'another body' };
    expect((await post(other, { 'idempotency-key': key }, '10.0.0.1')).statusCode).toBe(422);
    const c = await post(other, { 'idempotency-key': key }, '10.0.0.3');
    expect(c.statusCode, c.body).toBe(201);
    expect(c.headers['idempotent-replayed']).toBeUndefined();
    expect(await countWithComment('another body')).toBe(1);
  });

  it('keys a token holder by the token, wherever the request comes from', async () => {
    const key = 'shared-key-0002';
    const headers = { 'idempotency-key': key, authorization: `Bearer ${await t.token('evaluate')}` };
    const body = { rating: 5, comment: 'scoped by token' };
    const first = await post(body, headers, '10.0.1.1');
    expect(first.statusCode, first.body).toBe(201);
    // The same token from another address is the same caller: a replay.
    const moved = await post(body, headers, '10.0.1.2');
    expect(moved.headers['idempotent-replayed']).toBe('true');
    expect(moved.json()).toEqual(first.json());
    // The first address without the token is another caller.
    const anonymous = await post(body, { 'idempotency-key': key }, '10.0.1.1');
    expect(anonymous.statusCode, anonymous.body).toBe(201);
    expect(anonymous.headers['idempotent-replayed']).toBeUndefined();
    expect(anonymous.json<Created>().id).not.toBe(first.json<Created>().id);
    expect(await countWithComment('scoped by token')).toBe(2);
  });

  it('stores no client address with a key', async () => {
    await post({ rating: 3, comment: 'address kept?' }, { 'idempotency-key': 'shared-key-0003' }, '192.0.2.77');
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM idempotency_keys WHERE key = 'shared-key-0003'
        AND caller NOT LIKE '%192.0.2.77%' AND response::text NOT LIKE '%192.0.2.77%' AND length(caller) = 43`.execute(db);
    expect(rows[0]!.n).toBe(1);
  });
});

describe('the submission statement', () => {
  it('is prepared once per connection and only executed after that, with every row counted', async () => {
    const executions = async (conn: Kysely<DatabaseSchema>) => {
      const { rows } = await sql<{ statement: string; runs: number }>`
        SELECT statement, (generic_plans + custom_plans)::int AS runs
        FROM pg_prepared_statements WHERE name = 'insert_counted_feedback'`.execute(conn);
      return rows[0];
    };
    const row = { user_id: null, email: null, rating: 3, feature: 'prepared', comment: null, metadataJson: null, variantsJson: null };
    // One connection throughout: prepared statements belong to a session.
    await db.connection().execute(async (conn) => {
      const before = (await executions(conn))?.runs ?? 0;
      await insertCountedFeedback(conn, row);
      const first = await executions(conn);
      expect(first?.statement).toContain('INSERT INTO feedback_stat_slots');
      expect(first?.runs).toBe(before + 1);
      await insertCountedFeedback(conn, { ...row, rating: 4 });
      expect((await executions(conn))?.runs).toBe(before + 2);
    });
    // A statement nobody marked is sent as it is.
    const { rows } = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement LIKE '%pg_prepared_statements%'`.execute(db);
    expect(rows[0]!.n).toBe(0);
    const { view, table } = await viewAndTable(['prepared']);
    expect(view).toEqual(table);
    expect(table.map((g) => [g.rating, g.count])).toEqual([
      [3, 1],
      [4, 1],
    ]);
  });
});

describe('submissions that arrive together', () => {
  it('are stored in one statement, each answer naming its own row and every row counted', async () => {
    const base = { user_id: null, email: null, feature: 'rows-direct', comment: null, metadataJson: null, variantsJson: null };
    const rows = [
      { ...base, rating: 5, comment: 'says "hi" \\ and ünïcode, NULL', metadataJson: JSON.stringify({ app: 'a"b\\c', n: 1 }) },
      { ...base, rating: 5, variantsJson: JSON.stringify({ 'chat-model': 'b' }) },
      { ...base, rating: 2, feature: null },
      { ...base, rating: 2 },
    ];
    const answers = await insertCountedFeedbackRows(db, rows);
    expect(answers.map((a) => [a.rating, a.feature])).toEqual(rows.map((r) => [r.rating, r.feature]));
    const { rows: stored } = await sql<{ id: string; comment: string | null; metadata: unknown; variants: unknown; created_at: string }>`
      SELECT id, comment, metadata, variants, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at
      FROM beta_feedback WHERE id = ANY(${answers.map((a) => a.id)}::uuid[])`.execute(db);
    const byId = new Map(stored.map((r) => [r.id, r]));
    expect(byId.get(answers[0]!.id)).toMatchObject({ comment: rows[0]!.comment, metadata: { app: 'a"b\\c', n: 1 }, variants: null });
    expect(byId.get(answers[1]!.id)).toMatchObject({ comment: null, metadata: null, variants: { 'chat-model': 'b' } });
    for (const a of answers) expect(byId.get(a.id)?.created_at).toBe(a.created_at);
    // One slot row per rating, holding both of its rows.
    expect((await slotsOf('rows-direct')).map((s) => [s.rating, s.count])).toEqual([
      [2, 1],
      [5, 2],
    ]);
    const { view, table } = await viewAndTable(['rows-direct']);
    expect(view).toEqual(table);
  });

  it('store nothing of a statement when one of its rows is refused', async () => {
    const base = { user_id: null, email: null, rating: 3, feature: 'rows-refused', comment: null, metadataJson: null, variantsJson: null };
    await expect(insertCountedFeedbackRows(db, [base, { ...base, rating: 9 }])).rejects.toMatchObject({ code: '23514' });
    expect(await slotsOf('rows-refused')).toEqual([]);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM beta_feedback WHERE feature = 'rows-refused'`.execute(db);
    expect(rows[0]!.n).toBe(0);
  });

  it('answer each request with its own row when many arrive at once', async () => {
    const comments = Array.from({ length: 120 }, (_, i) => `together-${i}`);
    const answers = await Promise.all(comments.map((comment, i) => post({ rating: 1 + (i % 5), feature: 'rows-http', comment })));
    for (const a of answers) expect(a.statusCode, a.body).toBe(201);
    const created = answers.map((a) => a.json<Created>());
    expect(new Set(created.map((c) => c.id)).size).toBe(comments.length);
    const { rows } = await sql<{ id: string; comment: string; rating: number }>`
      SELECT id, comment, rating::int AS rating FROM beta_feedback WHERE feature = 'rows-http'`.execute(db);
    const byId = new Map(rows.map((r) => [r.id, r]));
    created.forEach((c, i) => expect(byId.get(c.id)).toEqual({ id: c.id, comment: comments[i], rating: 1 + (i % 5) }));
    const { view, table } = await viewAndTable(['rows-http']);
    expect(view).toEqual(table);
    expect(table.reduce((n, g) => n + g.count, 0)).toBe(comments.length);
    // On PostgreSQL some of them went together: the statement for several rows ran, each run storing
    // more than one. The embedded database works in this process and has finished each statement
    // before the next request arrives, so there each goes alone.
    if (TEST_DATABASE_KIND !== 'postgres') return;
    const shapes = (await t.dbInsights.report()).top_shapes.filter((shape) => shape.query.includes('unnest('));
    expect(shapes.reduce((n, shape) => n + shape.calls, 0)).toBeGreaterThan(0);
    expect(shapes.reduce((n, shape) => n + shape.rows, 0)).toBeGreaterThan(shapes.reduce((n, shape) => n + shape.calls, 0));
  });
});

describe('counter slots', () => {
  it('adds concurrent submissions to the slots of the sessions that wrote them, every count exact', async () => {
    const ratings = Array.from({ length: 150 }, (_, i) => 1 + ((i * 7) % 5));
    const answers = await Promise.all(ratings.map((rating) => post({ rating, feature: 'slots-busy' })));
    for (const a of answers) expect(a.statusCode, a.body).toBe(201);

    // The sessions that can have written: this database's backends (PGlite has exactly one).
    const { rows: sessions } = await (TEST_DATABASE_KIND === 'postgres'
      ? sql<{ slot: number }>`SELECT pid % 64 AS slot FROM pg_stat_activity WHERE datname = current_database()`.execute(db)
      : sql<{ slot: number }>`SELECT pg_backend_pid() % 64 AS slot`.execute(db));
    const possible = new Set(sessions.map((r) => r.slot));
    const stored = await slotsOf('slots-busy');
    for (const s of stored) expect(possible, `slot ${s.slot}`).toContain(s.slot);
    // Per day and rating, the slots add up to the rows: 30 of each rating.
    const sums = new Map<string, number>();
    for (const s of stored) sums.set(`${s.day}|${s.rating}`, (sums.get(`${s.day}|${s.rating}`) ?? 0) + s.count);
    const day = answers[0]!.json<Created>().created_at.slice(0, 10);
    expect(sums).toEqual(new Map([1, 2, 3, 4, 5].map((r) => [`${day}|${r}`, 30])));

    const { view, table } = await viewAndTable(['slots-busy']);
    expect(view).toEqual(table);
    expect(await featureStats('slots-busy')).toEqual({ feature: 'slots-busy', count: 150, average_rating: 3 });
  });

  it('takes a removed row out of the lowest slot holding any, and drops a slot that reaches zero', async () => {
    const answers = await Promise.all([5, 5, 5, 5, 5, 5].map((rating) => post({ rating, feature: 'slots-remove' })));
    const created = answers.map((a) => a.json<Created>());
    // Spread them over three slots, as three sessions would have: 2 in slot 7, 3 in slot 20, 1 in slot 41.
    await sql`DELETE FROM feedback_stat_slots WHERE feature = 'slots-remove'`.execute(db);
    const day = created[0]!.created_at.slice(0, 10);
    await sql`INSERT INTO feedback_stat_slots (day, feature, rating, slot, count)
      VALUES (${day}, 'slots-remove', 5, 7, 2), (${day}, 'slots-remove', 5, 20, 3), (${day}, 'slots-remove', 5, 41, 1)`.execute(db);

    await remove(created[5]!.id);
    expect((await slotsOf('slots-remove')).map((s) => [s.slot, s.count])).toEqual([
      [7, 1],
      [20, 3],
      [41, 1],
    ]);
    await remove(created[4]!.id);
    expect((await slotsOf('slots-remove')).map((s) => [s.slot, s.count])).toEqual([
      [20, 3],
      [41, 1],
    ]);
    expect(await featureStats('slots-remove')).toEqual({ feature: 'slots-remove', count: 4, average_rating: 5 });

    for (const c of created.slice(0, 4)) await remove(c.id);
    expect(await slotsOf('slots-remove')).toEqual([]);
    expect((await viewAndTable(['slots-remove'])).view).toEqual([]);
    expect(await featureStats('slots-remove')).toBeUndefined();
  });

  it('rolls past days up into slot 0 exactly, leaves today spread, and removal still counts right', async () => {
    const past = await Promise.all([1, 2, 2, 4, 4, 4, 5, 5].map((rating) => post({ rating, feature: 'slots-past' })));
    const pastIds = past.map((a) => a.json<Created>().id);
    // Those become two days old, as if submitted then.
    await sql`UPDATE beta_feedback SET created_at = created_at - interval '2 days' WHERE feature = 'slots-past'`.execute(db);
    await sql`UPDATE feedback_stat_slots SET day = day - 2 WHERE feature = 'slots-past'`.execute(db);
    const todays = await Promise.all([3, 3, 3].map((rating) => post({ rating, feature: 'slots-today' })));
    const todaySlots = await slotsOf('slots-today');

    await t.services.feedback.pruneKeys();

    const rolled = await slotsOf('slots-past');
    expect(rolled.map((s) => [s.rating, s.slot, s.count])).toEqual([
      [1, 0, 1],
      [2, 0, 2],
      [4, 0, 3],
      [5, 0, 2],
    ]);
    expect(await slotsOf('slots-today')).toEqual(todaySlots);
    let both = await viewAndTable(['slots-past', 'slots-today']);
    expect(both.view).toEqual(both.table);

    // A rolled-up row is taken out of slot 0; rolling up again changes nothing.
    await remove(pastIds[3]!); // a 4
    await remove(todays[0]!.json<Created>().id);
    await t.services.feedback.pruneKeys();
    expect((await slotsOf('slots-past')).map((s) => [s.rating, s.slot, s.count])).toEqual([
      [1, 0, 1],
      [2, 0, 2],
      [4, 0, 2],
      [5, 0, 2],
    ]);
    both = await viewAndTable(['slots-past', 'slots-today']);
    expect(both.view).toEqual(both.table);
    // 1 + 2 + 2 + 4 + 4 + 5 + 5 = 23 over 7.
    expect(await featureStats('slots-past')).toEqual({ feature: 'slots-past', count: 7, average_rating: 3.29 });
    expect(await featureStats('slots-today')).toEqual({ feature: 'slots-today', count: 2, average_rating: 3 });
  });
  it('stays exact when removals race each other and the roll-up', async () => {
    const past = await Promise.all(Array.from({ length: 24 }, () => post({ rating: 2, feature: 'slots-race' })));
    const ids = past.map((a) => a.json<Created>().id);
    await sql`UPDATE beta_feedback SET created_at = created_at - interval '1 day' WHERE feature = 'slots-race'`.execute(db);
    await sql`UPDATE feedback_stat_slots SET day = day - 1 WHERE feature = 'slots-race'`.execute(db);
    await Promise.all([...ids.slice(0, 16).map((id) => remove(id)), t.services.feedback.pruneKeys(), t.services.feedback.pruneKeys()]);
    await t.services.feedback.pruneKeys();
    expect((await slotsOf('slots-race')).map((s) => [s.rating, s.slot, s.count])).toEqual([[2, 0, 8]]);
    const { view, table } = await viewAndTable(['slots-race']);
    expect(view).toEqual(table);
    expect(await featureStats('slots-race')).toEqual({ feature: 'slots-race', count: 8, average_rating: 2 });
  });
});

describe('migration 0005', () => {
  it('carries the daily counts into slot 0 and back, exactly, and keeps old keys from replaying', async () => {
    // A database still without slots holds these counts (one of them emptied by a removal).
    await sql`DELETE FROM feedback_stat_slots`.execute(db);
    await sql`DELETE FROM idempotency_keys`.execute(db);
    await downTo0004(db as unknown as Kysely<unknown>);
    await sql`INSERT INTO feedback_stats_daily (day, feature, rating, count) VALUES
      ('2026-01-01', '', 5, 12), ('2026-01-01', 'voice', 3, 7), ('2026-01-02', 'voice', 1, 0), ('2026-01-02', 'chat', 4, 9000000000)`.execute(
      db,
    );
    await sql`INSERT INTO idempotency_keys (scope, key, request_hash, status, response)
      VALUES ('feedback', 'old-key', 'x', 201, '{}')`.execute(db);

    await upTo0005(db as unknown as Kysely<unknown>);
    const { rows } = await sql<{ day: string; feature: string; rating: number; slot: number; count: string }>`
      SELECT to_char(day, 'YYYY-MM-DD') AS day, feature, rating::int AS rating, slot::int AS slot, count::text AS count
      FROM feedback_stat_slots ORDER BY 1, 2, 3`.execute(db);
    expect(rows).toEqual([
      { day: '2026-01-01', feature: '', rating: 5, slot: 0, count: '12' },
      { day: '2026-01-01', feature: 'voice', rating: 3, slot: 0, count: '7' },
      { day: '2026-01-02', feature: 'chat', rating: 4, slot: 0, count: '9000000000' },
    ]);
    const { rows: keys } = await sql<{ caller: string }>`SELECT caller FROM idempotency_keys`.execute(db);
    expect(keys).toEqual([{ caller: '' }]);
    // The old key belongs to no caller: a request using it is stored anew.
    const fresh = await post({ rating: 2, comment: 'after migration' }, { 'idempotency-key': 'old-key' });
    expect(fresh.statusCode, fresh.body).toBe(201);
    expect(fresh.headers['idempotent-replayed']).toBeUndefined();

    // And back: one row per day, feature and rating, the slots summed.
    await sql`INSERT INTO feedback_stat_slots (day, feature, rating, slot, count) VALUES ('2026-01-01', '', 5, 9, 3)`.execute(db);
    await downTo0004(db as unknown as Kysely<unknown>);
    const { rows: daily } = await sql<{ day: string; feature: string; rating: number; count: string }>`
      SELECT to_char(day, 'YYYY-MM-DD') AS day, feature, rating::int AS rating, count::text AS count
      FROM feedback_stats_daily WHERE day < '2026-02-01' ORDER BY 1, 2, 3`.execute(db);
    expect(daily).toEqual([
      { day: '2026-01-01', feature: '', rating: 5, count: '15' },
      { day: '2026-01-01', feature: 'voice', rating: 3, count: '7' },
      { day: '2026-01-02', feature: 'chat', rating: 4, count: '9000000000' },
    ]);
    await upTo0005(db as unknown as Kysely<unknown>);
  });
});
