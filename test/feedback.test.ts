// Feedback through HTTP: the public submission (a validation matrix where nothing is stored,
// testers created from unknown emails, Idempotency-Key replays, also concurrent), public
// statistics equal to a direct SQL computation after many random submissions and free of
// personal data, the admin list (filters, cursor pages), the CSV export of hostile cells parsed
// back by a real CSV parser, analytics with the NPS split, a tester's page, CORS and the rate limit.
import { parse } from 'csv-parse/sync';
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/test-app.js';
import { TEST_DATABASE_KIND } from './helpers/test-database.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const ALLOWED_ORIGIN = 'https://app.example.com';
/** The highest PUBLIC_RATE_LIMIT_PER_MIN the configuration accepts: bulk tests never hit it. */
const NO_LIMIT = '100000';
const CSV_COLUMNS = ['id', 'created_at', 'rating', 'feature', 'email', 'user_id', 'comment', 'metadata', 'variants'];

type Headers = Record<string, string>;

interface FeedbackJson {
  id: string;
  user_id: string | null;
  email: string | null;
  rating: number;
  feature: string | null;
  comment: string | null;
  metadata: Record<string, unknown> | null;
  created_at: string;
}

interface FeedbackPage {
  items: FeedbackJson[];
  next_cursor: string | null;
}

interface StatsJson {
  total: number;
  average_rating: number | null;
  distribution: Record<'1' | '2' | '3' | '4' | '5', number>;
  by_feature: Array<{ feature: string; count: number; average_rating: number }>;
  daily: Array<{ date: string; count: number; average_rating: number | null }>;
}

interface Submission {
  rating: number;
  email?: string;
  feature?: string;
  comment?: string;
  metadata?: Record<string, unknown>;
}

/** What a spreadsheet-safe export must turn a cell into (OWASP CSV injection rule). */
const guarded = (text: string) => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);

/** A small seeded PRNG (mulberry32): the "random" submissions are the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function expectError(res: LightMyRequestResponse, status: number, code: string): string {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.json();
  expect(body).toEqual({ error: { code, message: expect.any(String) } });
  expect(body.error.message).not.toBe('');
  return body.error.message as string;
}

function post(t: TestApp, payload: unknown, headers: Headers = {}, remoteAddress?: string) {
  return t.app.inject({ method: 'POST', url: '/api/feedback', payload: payload as object, headers, remoteAddress });
}

/** Posts every submission, `batch` requests in flight at a time; returns the responses in order. */
async function postAll(t: TestApp, submissions: Submission[], batch = 50): Promise<LightMyRequestResponse[]> {
  const out: LightMyRequestResponse[] = [];
  for (let i = 0; i < submissions.length; i += batch) {
    out.push(...(await Promise.all(submissions.slice(i, i + batch).map((s) => post(t, s)))));
  }
  return out;
}

async function rowCounts(t: TestApp) {
  const { rows } = await sql<{ feedback: number; users: number; aggregates: number; keys: number }>`
    SELECT (SELECT count(*) FROM beta_feedback)::int AS feedback,
           (SELECT count(*) FROM beta_users)::int AS users,
           (SELECT coalesce(sum(count), 0) FROM feedback_stats_daily)::int AS aggregates,
           (SELECT count(*) FROM idempotency_keys)::int AS keys`.execute(t.testDb.database.db);
  return rows[0]!;
}

/** The exact aggregates kept beside the table equal a GROUP BY over it (UTC days, '' for no feature). */
async function expectAggregatesMatchTable(t: TestApp) {
  const db = t.testDb.database.db;
  const kept = await sql<{ day: string; feature: string; rating: number; count: number }>`
    SELECT to_char(day, 'YYYY-MM-DD') AS day, feature, rating::int AS rating, count::int AS count
    FROM feedback_stats_daily WHERE count > 0 ORDER BY 1, 2, 3`.execute(db);
  const computed = await sql<{ day: string; feature: string; rating: number; count: number }>`
    SELECT to_char((created_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day, coalesce(feature, '') AS feature,
           rating::int AS rating, count(*)::int AS count
    FROM beta_feedback GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`.execute(db);
  expect(kept.rows).toEqual(computed.rows);
}

/** Public statistics computed straight from beta_feedback, for the days the response lists. */
async function statsFromSql(t: TestApp, days: string[]): Promise<StatsJson> {
  const db = t.testDb.database.db;
  const overall = await sql<{ total: number; average: number | null }>`
    SELECT count(*)::int AS total, round(avg(rating)::numeric, 2)::float8 AS average FROM beta_feedback`.execute(db);
  const distribution = await sql<{ rating: number; count: number }>`
    SELECT rating::int AS rating, count(*)::int AS count FROM beta_feedback GROUP BY rating`.execute(db);
  const features = await sql<{ feature: string; count: number; average_rating: number }>`
    SELECT feature, count(*)::int AS count, round(avg(rating)::numeric, 2)::float8 AS average_rating
    FROM beta_feedback WHERE feature IS NOT NULL GROUP BY feature`.execute(db);
  const daily = await sql<{ date: string; count: number; average_rating: number }>`
    SELECT to_char((created_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS date, count(*)::int AS count,
           round(avg(rating)::numeric, 2)::float8 AS average_rating
    FROM beta_feedback GROUP BY 1`.execute(db);
  const dist = { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 };
  for (const r of distribution.rows) dist[String(r.rating) as keyof typeof dist] = r.count;
  const perDay = new Map(daily.rows.map((r) => [r.date, r]));
  return {
    total: overall.rows[0]!.total,
    average_rating: overall.rows[0]!.average,
    distribution: dist,
    by_feature: features.rows.sort((a, b) => (a.feature < b.feature ? -1 : 1)),
    daily: days.map((date) => {
      const d = perDay.get(date);
      return { date, count: d?.count ?? 0, average_rating: d ? d.average_rating : null };
    }),
  };
}

interface Split {
  promoters: number;
  passives: number;
  detractors: number;
  score: number | null;
}
type AnalyticsJson = StatsJson & { split: Split };

/** The NPS-style split straight from SQL: promoters 4–5, detractors 1–2, score = % promoters − % detractors to one decimal. */
async function splitFromSql(t: TestApp): Promise<Split> {
  const { rows } = await sql<Split>`
    SELECT count(*) FILTER (WHERE rating >= 4)::int AS promoters,
           count(*) FILTER (WHERE rating = 3)::int AS passives,
           count(*) FILTER (WHERE rating <= 2)::int AS detractors,
           round((count(*) FILTER (WHERE rating >= 4) - count(*) FILTER (WHERE rating <= 2))::numeric * 100 / nullif(count(*), 0), 1)::float8
             AS score
    FROM beta_feedback`.execute(t.testDb.database.db);
  return rows[0]!;
}

/** The last `n` UTC days, oldest first, ending today. */
function lastUtcDays(n: number): string[] {
  const now = new Date();
  return Array.from({ length: n }, (_, i) =>
    new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - (n - 1 - i))).toISOString().slice(0, 10),
  );
}

const byFeatureSorted = (s: StatsJson): StatsJson => ({
  ...s,
  by_feature: [...s.by_feature].sort((a, b) => (a.feature < b.feature ? -1 : 1)),
});

describe('feedback', () => {
  let t: TestApp;
  let admin: Headers;

  beforeAll(async () => {
    t = await createTestApp({ PUBLIC_RATE_LIMIT_PER_MIN: NO_LIMIT, CORS_ORIGINS: ALLOWED_ORIGIN });
    await t.app.ready();
    admin = { authorization: `Bearer ${await t.token('admin')}` };
  });
  afterAll(() => t?.close());

  const listAdmin = (query: string) => t.app.inject({ url: `/api/admin/feedback?${query}`, headers: admin });

  describe('validation matrix: refused with the error shape, nothing stored', () => {
    // A body that would be accepted and would create a tester: each case breaks one thing.
    const base = { rating: 4, email: 'matrix.tester@example.com', feature: 'matrix', comment: 'matrix comment' };
    const json = (value: unknown) => JSON.stringify(value);
    const deep = (levels: number): unknown => (levels === 0 ? 'leaf' : { d: deep(levels - 1) });
    const cases: Array<[name: string, body: string, status: 400 | 413 | 415, headers?: Headers]> = [
      ['rating 0', json({ ...base, rating: 0 }), 400],
      ['rating 6', json({ ...base, rating: 6 }), 400],
      ['rating -1', json({ ...base, rating: -1 }), 400],
      ['rating 2.5', json({ ...base, rating: 2.5 }), 400],
      ['rating "5" (a string)', json({ ...base, rating: '5' }), 400],
      ['rating null', json({ ...base, rating: null }), 400],
      ['rating true', json({ ...base, rating: true }), 400],
      ['rating missing', json({ email: base.email, comment: base.comment }), 400],
      ['rating 1e308', '{"rating":1e308,"email":"matrix.tester@example.com"}', 400],
      ['rating with 400 digits (Infinity)', `{"rating":${'9'.repeat(400)},"email":"matrix.tester@example.com"}`, 400],
      ['rating as an array', json({ ...base, rating: [5] }), 400],
      ['a duplicate rating key, the last one out of range', '{"rating":5,"rating":0,"email":"matrix.tester@example.com"}', 400],
      ['email malformed', json({ ...base, email: 'not-an-email' }), 400],
      ['email with two @', json({ ...base, email: 'a@b@example.com' }), 400],
      ['email with spaces around', json({ ...base, email: ' matrix.tester@example.com ' }), 400],
      ['email 255 characters', json({ ...base, email: `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}` }), 400],
      ['email as a number', json({ ...base, email: 42 }), 400],
      ['email empty', json({ ...base, email: '' }), 400],
      ['feature with uppercase', json({ ...base, feature: 'Chat' }), 400],
      ['feature with spaces', json({ ...base, feature: 'chat ui' }), 400],
      ['feature of 65 characters', json({ ...base, feature: 'f'.repeat(65) }), 400],
      ['feature empty', json({ ...base, feature: '' }), 400],
      ['feature starting with a dot', json({ ...base, feature: '.hidden' }), 400],
      ['comment of 5001 characters', json({ ...base, comment: 'c'.repeat(5001) }), 400],
      ['comment as an object', json({ ...base, comment: { text: 'x' } }), 400],
      ['metadata as an array', json({ ...base, metadata: ['a', 'b'] }), 400],
      ['metadata as a string', json({ ...base, metadata: 'ios' }), 400],
      ['metadata null', json({ ...base, metadata: null }), 400],
      ['metadata over 4 KB', json({ ...base, metadata: { blob: 'm'.repeat(4100) } }), 400],
      ['metadata of multi-byte text over 4 KB (under 4096 characters)', json({ ...base, metadata: { blob: 'é'.repeat(2100) } }), 400],
      ['metadata nested 40 levels deep', json({ ...base, metadata: deep(40) }), 400],
      ['metadata with 101 keys', json({ ...base, metadata: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, i])) }), 400],
      ['metadata with a 101-character key', json({ ...base, metadata: { ['k'.repeat(101)]: 1 } }), 400],
      ['an unknown field', json({ ...base, admin: true }), 400],
      ['an unknown user_id field', json({ ...base, user_id: '00000000-0000-0000-0000-000000000000' }), 400],
      ['a JSON array body', json([base]), 400],
      ['a JSON string body', json('rating=5'), 400],
      ['a JSON number body', '5', 400],
      ['a JSON null body', 'null', 400],
      ['malformed JSON', '{"rating":4,"email":', 400],
      ['an empty body', '', 400],
      ['a whitespace body', '   \n', 400],
      ['a NUL character in the comment', json({ ...base, comment: 'a\u0000b' }), 400],
      ['a NUL character in a metadata key', json({ ...base, metadata: { 'a\u0000': 1 } }), 400],
      ['a lone surrogate in the comment', '{"rating":4,"email":"matrix.tester@example.com","comment":"x\\ud800y"}', 400],
      ['a lone surrogate in metadata', '{"rating":4,"email":"matrix.tester@example.com","metadata":{"k":"\\udfff"}}', 400],
      ['__proto__ pollution', '{"rating":4,"email":"matrix.tester@example.com","__proto__":{"admin":true}}', 400],
      ['__proto__ pollution inside metadata', '{"rating":4,"email":"matrix.tester@example.com","metadata":{"__proto__":{"x":1}}}', 400],
      ['constructor.prototype pollution', '{"rating":4,"email":"matrix.tester@example.com","constructor":{"prototype":{"x":1}}}', 400],
      ['text/plain', json(base), 415, { 'content-type': 'text/plain' }],
      ['a form', 'rating=4&email=matrix.tester%40example.com', 415, { 'content-type': 'application/x-www-form-urlencoded' }],
      [
        'multipart',
        '--x\r\nContent-Disposition: form-data; name="rating"\r\n\r\n4\r\n--x--',
        415,
        { 'content-type': 'multipart/form-data; boundary=x' },
      ],
      ['application/xml', '<rating>4</rating>', 415, { 'content-type': 'application/xml' }],
      ['a body over 64 KB', json({ ...base, comment: 'x'.repeat(70_000) }), 413],
      ['an Idempotency-Key of 201 characters', json(base), 400, { 'idempotency-key': 'k'.repeat(201) }],
      ['an Idempotency-Key with spaces', json(base), 400, { 'idempotency-key': 'my key 1' }],
      ['an Idempotency-Key with a control character', json(base), 400, { 'idempotency-key': 'key\u0001one' }],
      ['an Idempotency-Key with a tab', json(base), 400, { 'idempotency-key': 'key\tone' }],
      ['an Idempotency-Key with non-ASCII', json(base), 400, { 'idempotency-key': 'clé' }],
    ];

    it.each(cases)('refuses %s', async (_name, body, status, headers = {}) => {
      const before = await rowCounts(t);
      const res = await post(t, body, { 'content-type': 'application/json', ...headers });
      expectError(res, status, { 400: 'VALIDATION_ERROR', 413: 'PAYLOAD_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE' }[status]);
      // No feedback, no tester, no aggregate, no idempotency key.
      expect(await rowCounts(t)).toEqual(before);
    });

    it('refuses a body without a content type (415), storing nothing', async () => {
      const before = await rowCounts(t);
      const res = await t.app.inject({ method: 'POST', url: '/api/feedback', payload: Buffer.from(json(base)) });
      expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
      expect(await rowCounts(t)).toEqual(before);
    });

    it('accepts the base body itself (the matrix breaks one thing at a time)', async () => {
      const res = await post(t, { ...base, email: 'matrix.control@example.com' });
      expect(res.statusCode, res.body).toBe(201);
      // Metadata of exactly 4096 bytes is accepted.
      const blob = 'm'.repeat(4096 - JSON.stringify({ blob: '' }).length);
      const edge = await post(t, { rating: 1, feature: 'f'.repeat(64), comment: '🎉'.repeat(5000), metadata: { blob } });
      expect(edge.statusCode, edge.body).toBe(201);
    });
  });

  describe('submission', () => {
    it('answers 201 {id, rating, feature, created_at} after storing the row and creating the tester', async () => {
      const before = await rowCounts(t);
      const res = await post(t, {
        rating: 4,
        email: 'New.Tester@Example.com',
        feature: 'chat',
        comment: 'Works well',
        metadata: { app: 'ios', build: 12, nested: { ok: true } },
      });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['idempotent-replayed']).toBeUndefined();
      const body = res.json();
      expect(Object.keys(body).sort()).toEqual(['created_at', 'feature', 'id', 'rating']);
      expect(body).toEqual({ id: expect.stringMatching(UUID), rating: 4, feature: 'chat', created_at: expect.stringMatching(ISO) });

      const db = t.testDb.database.db;
      const row = await db.selectFrom('beta_feedback').selectAll().where('id', '=', body.id).executeTakeFirstOrThrow();
      expect(row).toMatchObject({
        rating: 4,
        feature: 'chat',
        comment: 'Works well',
        email: 'New.Tester@Example.com',
        metadata: { app: 'ios', build: 12, nested: { ok: true } },
      });
      expect(row.created_at.toISOString()).toBe(body.created_at);
      const testers = await db
        .selectFrom('beta_users')
        .selectAll()
        .where(sql<string>`lower(email)`, '=', 'new.tester@example.com')
        .execute();
      expect(testers).toHaveLength(1);
      // Unverified: an address typed into public feedback counts as active only once confirmed.
      expect(testers[0]).toMatchObject({ source: 'feedback', is_active: false, verified_at: null, role: 'TESTER', redeemed_at: null });
      expect(row.user_id).toBe(testers[0]!.id);
      expect(await rowCounts(t)).toEqual({
        ...before,
        feedback: before.feedback + 1,
        users: before.users + 1,
        aggregates: before.aggregates + 1,
      });
    });

    it('links a known email (in another case) to the existing tester without creating another', async () => {
      const db = t.testDb.database.db;
      const tester = await db
        .selectFrom('beta_users')
        .select('id')
        .where(sql<string>`lower(email)`, '=', 'new.tester@example.com')
        .executeTakeFirstOrThrow();
      const users = (await rowCounts(t)).users;
      const res = await post(t, { rating: 2, email: 'NEW.TESTER@example.COM' });
      expect(res.statusCode, res.body).toBe(201);
      const row = await db.selectFrom('beta_feedback').selectAll().where('id', '=', res.json().id).executeTakeFirstOrThrow();
      expect(row.user_id).toBe(tester.id);
      expect((await rowCounts(t)).users).toBe(users);

      // A tester created by an admin keeps its source and is linked the same way.
      const created = await t.app.inject({
        method: 'POST',
        url: '/api/admin/users',
        headers: admin,
        payload: { email: 'Invited.Person@example.com' },
      });
      expect(created.statusCode, created.body).toBe(201);
      const linked = await post(t, { rating: 5, email: 'invited.person@EXAMPLE.com' });
      expect(linked.statusCode, linked.body).toBe(201);
      const linkedRow = await db.selectFrom('beta_feedback').selectAll().where('id', '=', linked.json().id).executeTakeFirstOrThrow();
      expect(linkedRow.user_id).toBe(created.json().id);
      const invited = await db.selectFrom('beta_users').selectAll().where('id', '=', created.json().id).executeTakeFirstOrThrow();
      expect(invited.source).toBe('admin');
      expect((await rowCounts(t)).users).toBe(users + 1);
    });

    it('stores anonymous feedback without a tester', async () => {
      const users = (await rowCounts(t)).users;
      const res = await post(t, { rating: 3 });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ rating: 3, feature: null });
      const row = await t.testDb.database.db
        .selectFrom('beta_feedback')
        .selectAll()
        .where('id', '=', res.json().id)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({ user_id: null, email: null, feature: null, comment: null, metadata: null });
      expect((await rowCounts(t)).users).toBe(users);
    });

    it('creates exactly one tester when the same new email (in several cases) arrives concurrently', async () => {
      const variants = ['race@example.com', 'RACE@example.com', 'Race@Example.com', 'race@EXAMPLE.COM'];
      const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => post(t, { rating: 5, email: variants[i % 4] })));
      expect(responses.map((r) => r.statusCode)).toEqual(Array(20).fill(201));
      const db = t.testDb.database.db;
      const testers = await db
        .selectFrom('beta_users')
        .select('id')
        .where(sql<string>`lower(email)`, '=', 'race@example.com')
        .execute();
      expect(testers).toHaveLength(1);
      const rows = await db
        .selectFrom('beta_feedback')
        .select('user_id')
        .where(
          'id',
          'in',
          responses.map((r) => r.json().id as string),
        )
        .execute();
      expect(rows).toHaveLength(20);
      expect(new Set(rows.map((r) => r.user_id))).toEqual(new Set([testers[0]!.id]));
    });
  });

  describe('Idempotency-Key', () => {
    const countComment = async (comment: string) =>
      (await sql<{ n: number }>`SELECT count(*)::int AS n FROM beta_feedback WHERE comment = ${comment}`.execute(t.testDb.database.db))
        .rows[0]!.n;

    it('replays the first response for the same key and body (keys in another order), storing one row', async () => {
      const key = 'retry-key-0001';
      const first = await post(
        t,
        { rating: 5, feature: 'idem', comment: 'idempotent once', metadata: { a: 1, b: { c: 2, d: 3 } } },
        { 'idempotency-key': key },
      );
      expect(first.statusCode, first.body).toBe(201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      const before = await rowCounts(t);
      const again = await post(t, '{"metadata":{"b":{"d":3,"c":2},"a":1},"comment":"idempotent once","feature":"idem","rating":5}', {
        'content-type': 'application/json',
        'idempotency-key': key,
      });
      expect(again.statusCode, again.body).toBe(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.json()).toEqual(first.json());
      const third = await post(
        t,
        { rating: 5, feature: 'idem', comment: 'idempotent once', metadata: { a: 1, b: { c: 2, d: 3 } } },
        { 'idempotency-key': key },
      );
      expect(third.json()).toEqual(first.json());
      expect(third.headers['idempotent-replayed']).toBe('true');
      expect(await rowCounts(t)).toEqual(before);
      expect(await countComment('idempotent once')).toBe(1);
    });

    it('answers 422 for the same key with another body, storing nothing', async () => {
      const key = 'retry-key-0002';
      const first = await post(t, { rating: 4, email: 'idem.user@example.com', comment: 'first body' }, { 'idempotency-key': key });
      expect(first.statusCode, first.body).toBe(201);
      const before = await rowCounts(t);
      for (const other of [
        { rating: 3, email: 'idem.user@example.com', comment: 'first body' },
        { rating: 4, email: 'idem.user@example.com', comment: 'first body', feature: 'x' },
        { rating: 4, email: 'other.idem@example.com', comment: 'first body' },
        { rating: 4, comment: 'first body' },
      ]) {
        expectError(await post(t, other, { 'idempotency-key': key }), 422, 'UNPROCESSABLE');
      }
      expect(await rowCounts(t)).toEqual(before);
      expect(await countComment('first body')).toBe(1);
      // A different key with the same body is a different submission.
      const fresh = await post(
        t,
        { rating: 4, email: 'idem.user@example.com', comment: 'first body' },
        { 'idempotency-key': 'retry-key-0003' },
      );
      expect(fresh.statusCode).toBe(201);
      expect(fresh.json().id).not.toBe(first.json().id);
      expect(await countComment('first body')).toBe(2);
    });

    it('gives 10 concurrent requests with one key the same id and stores one row', async () => {
      const body = { rating: 2, email: 'concurrent.idem@example.com', feature: 'idem', comment: 'concurrent once' };
      const before = await rowCounts(t);
      const responses = await Promise.all(Array.from({ length: 10 }, () => post(t, body, { 'idempotency-key': 'concurrent-key-1' })));
      expect(
        responses.map((r) => r.statusCode),
        responses.map((r) => r.body).join('\n'),
      ).toEqual(Array(10).fill(201));
      const ids = new Set(responses.map((r) => r.json().id as string));
      expect(ids.size).toBe(1);
      expect(responses.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(9);
      expect(await countComment('concurrent once')).toBe(1);
      expect(await rowCounts(t)).toEqual({
        feedback: before.feedback + 1,
        users: before.users + 1,
        aggregates: before.aggregates + 1,
        keys: before.keys + 1,
      });
    });

    it('lets exactly one of 8 concurrent requests with one key and different bodies through', async () => {
      const responses = await Promise.all(
        Array.from({ length: 8 }, (_, i) => post(t, { rating: 3, comment: `contender ${i}` }, { 'idempotency-key': 'concurrent-key-2' })),
      );
      const statuses = responses.map((r) => r.statusCode).sort();
      expect(statuses).toEqual([201, 422, 422, 422, 422, 422, 422, 422]);
      const { rows } = await sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM beta_feedback WHERE comment LIKE 'contender %'`.execute(t.testDb.database.db);
      expect(rows[0]!.n).toBe(1);
    });
  });

  describe('public statistics', () => {
    it('are exact right after a submission, cacheable, and hold no personal data', async () => {
      const stats = async () => {
        const res = await t.app.inject({ url: '/api/feedback/stats' });
        expect(res.statusCode).toBe(200);
        expect(res.headers['cache-control']).toBe('public, max-age=5');
        return res.json<StatsJson>();
      };
      const before = await stats();
      const res = await post(t, {
        rating: 1,
        feature: 'fresh-feature',
        email: 'stats.private@example.com',
        comment: 'stats private comment',
      });
      expect(res.statusCode).toBe(201);
      const after = await stats();
      expect(after.total).toBe(before.total + 1);
      expect(after.distribution['1']).toBe(before.distribution['1'] + 1);
      expect(after.by_feature).toContainEqual({ feature: 'fresh-feature', count: 1, average_rating: 1 });
      expect(byFeatureSorted(after)).toEqual(
        await statsFromSql(
          t,
          after.daily.map((d) => d.date),
        ),
      );
      expect(after.daily.map((d) => d.date)).toEqual(lastUtcDays(30));
      const text = JSON.stringify(after);
      expect(text).not.toContain('@');
      expect(text).not.toContain('private');
      expect(Object.keys(after).sort()).toEqual(['average_rating', 'by_feature', 'daily', 'distribution', 'total']);
    });

    it('round averages half up like SQL (41 / 40 = 1.025 → 1.03)', async () => {
      const submissions: Submission[] = Array.from({ length: 40 }, (_, i) => ({ rating: i === 0 ? 2 : 1, feature: 'rounding-tie' }));
      expect((await postAll(t, submissions)).every((r) => r.statusCode === 201)).toBe(true);
      const stats = (await t.app.inject({ url: '/api/feedback/stats' })).json<StatsJson>();
      const expected = await statsFromSql(
        t,
        stats.daily.map((d) => d.date),
      );
      expect(expected.by_feature.find((f) => f.feature === 'rounding-tie')).toEqual({
        feature: 'rounding-tie',
        count: 40,
        average_rating: 1.03,
      });
      expect(stats.by_feature.find((f) => f.feature === 'rounding-tie')).toEqual({
        feature: 'rounding-tie',
        count: 40,
        average_rating: 1.03,
      });
    });
  });

  describe('admin list', () => {
    interface Seeded {
      id: string;
      rating: number;
      email: string | null;
      comment: string;
    }
    const seeded: Seeded[] = [];
    let filterUserId: string;

    beforeAll(async () => {
      // Three waves a few milliseconds apart, so there are several distinct timestamps (and ties within a wave).
      const comments = ['needle 100% sure', 'needle 100x sure', 'under_score here', 'underXscore here', 'NEEDLE upper', 'plain text'];
      for (let wave = 0; wave < 3; wave++) {
        const submissions: Submission[] = Array.from({ length: 12 }, (_, i) => ({
          rating: ((i + wave) % 5) + 1,
          feature: 'filters',
          email: i % 3 === 0 ? 'filter.one@example.com' : i % 3 === 1 ? 'Filter.Two@example.com' : undefined,
          comment: `${comments[i % comments.length]} w${wave}`,
        }));
        const responses = await postAll(t, submissions);
        responses.forEach((r, i) => {
          expect(r.statusCode, r.body).toBe(201);
          seeded.push({
            id: r.json().id,
            rating: submissions[i]!.rating,
            email: submissions[i]!.email ?? null,
            comment: submissions[i]!.comment!,
          });
        });
        await new Promise((resolve) => setTimeout(resolve, 15));
      }
      const user = await t.testDb.database.db
        .selectFrom('beta_users')
        .select('id')
        .where(sql<string>`lower(email)`, '=', 'filter.one@example.com')
        .executeTakeFirstOrThrow();
      filterUserId = user.id;
    });

    /** Every id a query returns, following cursors. */
    async function allIds(query: string, limit = 500): Promise<string[]> {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await listAdmin(`${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(res.statusCode, res.body).toBe(200);
        const body = res.json<FeedbackPage>();
        ids.push(...body.items.map((f) => f.id));
        cursor = body.next_cursor;
        // A cursor that does not advance would loop forever: fail instead.
        expect(ids.length, 'more rows than exist: the cursor repeats rows').toBeLessThanOrEqual(seeded.length + 10);
      } while (cursor !== null);
      return ids;
    }

    async function sqlIds(where: ReturnType<typeof sql<boolean>>): Promise<string[]> {
      const { rows } = await sql<{ id: string }>`
        SELECT id FROM beta_feedback WHERE feature = 'filters' AND ${where} ORDER BY created_at DESC, id DESC`.execute(
        t.testDb.database.db,
      );
      return rows.map((r) => r.id);
    }

    it('refuses anonymous callers with 401 and non-admin tokens with 403', async () => {
      for (const url of ['/api/admin/feedback', '/api/admin/feedback.csv', '/api/admin/feedback/analytics']) {
        const anonymous = await t.app.inject({ url });
        expectError(anonymous, 401, 'UNAUTHORIZED');
        expect(anonymous.body).not.toContain('filter.one');
        const monitor = await t.app.inject({ url, headers: { authorization: `Bearer ${await t.token('monitor')}` } });
        expectError(monitor, 403, 'FORBIDDEN');
      }
    });

    it('returns full rows, newest first', async () => {
      const res = await listAdmin('feature=filters&limit=500');
      expect(res.statusCode).toBe(200);
      const body = res.json<FeedbackPage>();
      expect(body.next_cursor).toBeNull();
      expect(body.items).toHaveLength(seeded.length);
      expect(body.items.map((f) => f.id)).toEqual(await sqlIds(sql<boolean>`true`));
      const one = body.items.find((f) => f.id === seeded[0]!.id)!;
      expect(one).toMatchObject({
        rating: seeded[0]!.rating,
        email: 'filter.one@example.com',
        comment: seeded[0]!.comment,
        feature: 'filters',
      });
      expect(one.created_at).toMatch(ISO);
      expect(one.user_id).toBe(filterUserId);
    });

    it('filters by rating, feature, user, q (literal % and _, case-insensitive, email too) and from/to', async () => {
      expect(await allIds('feature=filters&rating=3')).toEqual(await sqlIds(sql<boolean>`rating = 3`));
      // (i + wave) % 5 === 2: i = 2, 7 in wave 0; 1, 6, 11 in wave 1; 0, 5, 10 in wave 2.
      expect(await allIds('feature=filters&rating=3')).toHaveLength(8);
      expect(await allIds(`feature=filters&user=${filterUserId}`)).toEqual(await sqlIds(sql<boolean>`user_id = ${filterUserId}`));
      expect(new Set(await allIds(`user=${filterUserId}`))).toEqual(
        new Set(seeded.filter((s) => s.email === 'filter.one@example.com').map((s) => s.id)),
      );

      const q = async (text: string) => new Set(await allIds(`feature=filters&q=${encodeURIComponent(text)}`));
      const expectQ = (pred: (s: Seeded) => boolean) => new Set(seeded.filter(pred).map((s) => s.id));
      expect(await q('100%')).toEqual(expectQ((s) => s.comment.includes('100%')));
      expect((await q('100%')).size).toBe(6); // i = 0 and 6 of each wave
      expect(await q('under_score')).toEqual(expectQ((s) => s.comment.includes('under_score')));
      expect(await q('needle')).toEqual(expectQ((s) => s.comment.toLowerCase().includes('needle')));
      expect(await q('FILTER.TWO')).toEqual(expectQ((s) => s.email === 'Filter.Two@example.com'));
      expect(await q('nothing-like-this')).toEqual(new Set());

      // Time bounds: each wave was sent after the previous one was answered, so the first instant of
      // wave 1 parts wave 0 from waves 1 and 2. from is inclusive, to exclusive.
      const wave = (n: number) => seeded.slice(n * 12, (n + 1) * 12);
      const idsOf = (list: Seeded[]) => new Set(list.map((s) => s.id));
      const { rows } = await sql<{ first: Date; mid: Date }>`
        SELECT min(created_at) AS first, min(created_at) FILTER (WHERE id IN (${sql.join(wave(1).map((s) => s.id))})) AS mid
        FROM beta_feedback WHERE feature = 'filters'`.execute(t.testDb.database.db);
      const { first, mid } = rows[0]!;
      const iso = encodeURIComponent(mid.toISOString());
      const from = await allIds(`feature=filters&from=${iso}`);
      const to = await allIds(`feature=filters&to=${iso}`);
      expect(new Set(from)).toEqual(idsOf([...wave(1), ...wave(2)]));
      expect(new Set(to)).toEqual(idsOf(wave(0)));
      expect(from).toEqual(await sqlIds(sql<boolean>`created_at >= ${mid}`));
      expect(to).toEqual(await sqlIds(sql<boolean>`created_at < ${mid}`));
      const both = await allIds(`feature=filters&from=${encodeURIComponent(first.toISOString())}&to=${iso}&rating=1`);
      expect(new Set(both)).toEqual(idsOf(wave(0).filter((s) => s.rating === 1))); // i = 0, 5, 10
      expect(both).toEqual(await sqlIds(sql<boolean>`created_at >= ${first} AND created_at < ${mid} AND rating = 1`));
    });

    it('pages with a cursor without duplicates or gaps, even when rows arrive between pages', async () => {
      const expected = await sqlIds(sql<boolean>`true`);
      for (const limit of [1, 7, 36, 37]) {
        const ids = await allIds('feature=filters', limit);
        expect(ids).toEqual(expected);
      }
      // Rows arriving while a reader pages are newer than its cursor: they never shift later pages.
      const seen: string[] = [];
      let cursor: string | null = null;
      let page = 0;
      do {
        const res = await listAdmin(`feature=filters&limit=5${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        const body = res.json<FeedbackPage>();
        seen.push(...body.items.map((f) => f.id));
        cursor = body.next_cursor;
        expect(seen.length, 'more rows than exist: the cursor repeats rows').toBeLessThanOrEqual(expected.length);
        if (page++ < 3) expect((await post(t, { rating: 5, feature: 'filters', comment: `late ${page}` })).statusCode).toBe(201);
      } while (cursor !== null);
      expect(seen).toEqual(expected);
    });

    it.each([
      ['rating=0', 400],
      ['rating=abc', 400],
      ['feature=Bad%20Feature', 400],
      ['from=yesterday', 400],
      ['user=not-a-uuid', 400],
      // Shaped like a UUID for a loose pattern, but not one: must be a 400, not a database error.
      [`user=${'-'.repeat(36)}`, 400],
      ['user=0123456789abcdef0123456789abcdef0123', 400],
      ['cursor=garbage', 400],
      [`cursor=${Buffer.from('{"t":"x","id":"y"}').toString('base64url')}`, 400],
      ['limit=0', 400],
      ['limit=501', 400],
      ['colour=red', 400],
    ])('refuses ?%s', async (query, status) => {
      expectError(await listAdmin(query), status, 'VALIDATION_ERROR');
    });
  });

  describe('CSV export', () => {
    const hostile = [
      '=1+1',
      '=HYPERLINK("http://evil.example","click")',
      '+SUM(A1:A9)',
      '-2+3',
      '@SUM(A1)',
      '\tstarts with a tab',
      '\rstarts with a CR',
      '=',
      '-',
      "'already quoted",
      'plain "double quotes" inside',
      '"',
      'a,b,c',
      ',',
      'first line\nsecond line',
      'crlf\r\nline',
      '\n=newline then formula',
      ' =space then formula',
      'trailing backslash \\',
      'ünïcödé 中文 العربية',
      '🎉👩‍👩‍👧 emoji',
      '',
    ];
    const hostileEmails = ['=eq@example.com', '+plus@example.com', '-minus@example.com'];
    const sent = new Map<string, { comment: string; email: string | null; metadata: Record<string, unknown> }>();

    beforeAll(async () => {
      const responses = await Promise.all(
        hostile.map((comment, i) => {
          const email = hostileEmails[i % 4] ?? null;
          const metadata = { formula: '=cmd|" /C calc"!A0', index: i, text: comment };
          return post(t, { rating: (i % 5) + 1, feature: 'csv-hostile', comment, metadata, ...(email ? { email } : {}) }).then((res) => {
            expect(res.statusCode, res.body).toBe(201);
            sent.set(res.json().id, { comment, email, metadata });
          });
        }),
      );
      expect(responses).toHaveLength(hostile.length);
    });

    it('streams UTF-8 CSV with a BOM, a header, RFC 4180 quoting and the formula guard', async () => {
      const res = await t.app.inject({ url: '/api/admin/feedback.csv?feature=csv-hostile', headers: admin });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/i);
      expect(res.headers['content-disposition']).toMatch(/^attachment; filename="[^"]+\.csv"$/);
      expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
      const text = res.rawPayload.toString('utf8');
      expect(text.slice(1).split(/\r?\n/)[0]).toBe(CSV_COLUMNS.join(','));

      const records: string[][] = parse(text, { bom: true, relax_column_count: false });
      expect(records[0]).toEqual(CSV_COLUMNS);
      const rows = records.slice(1);
      expect(rows).toHaveLength(hostile.length);
      const ids = new Set<string>();
      for (const cells of rows) {
        expect(cells).toHaveLength(CSV_COLUMNS.length);
        const row = Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, cells[i]!])) as Record<string, string>;
        const input = sent.get(row.id!);
        expect(input, `unexpected id ${row.id}`).toBeDefined();
        ids.add(row.id!);
        expect(row.comment).toBe(guarded(input!.comment));
        expect(row.email).toBe(input!.email === null ? '' : guarded(input!.email));
        expect(row.feature).toBe('csv-hostile');
        expect(row.created_at).toMatch(ISO);
        expect(row.rating).toMatch(/^[1-5]$/);
        expect(JSON.parse(row.metadata!)).toEqual(input!.metadata);
        if (input!.email !== null) expect(row.user_id).toMatch(UUID);
        else expect(row.user_id).toBe('');
        // No cell of the export starts a formula.
        for (const cell of cells) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
      }
      expect(ids.size).toBe(hostile.length);
    });
  });

  describe("a tester's page", () => {
    it('includes their feedback, newest first, and nobody else’s', async () => {
      const db = t.testDb.database.db;
      const tester = await db
        .selectFrom('beta_users')
        .select('id')
        .where(sql<string>`lower(email)`, '=', 'new.tester@example.com')
        .executeTakeFirstOrThrow();
      const extra = await post(t, { rating: 5, email: 'new.tester@example.com', comment: 'third one', feature: 'chat' });
      expect(extra.statusCode).toBe(201);
      const res = await t.app.inject({ url: `/api/admin/users/${tester.id}`, headers: admin });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json<{ id: string; email: string; feedback: FeedbackJson[] }>();
      expect(body.id).toBe(tester.id);
      const { rows } = await sql<{ id: string }>`
        SELECT id FROM beta_feedback WHERE user_id = ${tester.id} ORDER BY created_at DESC, id DESC`.execute(db);
      expect(rows.length).toBe(3);
      expect(body.feedback.map((f) => f.id)).toEqual(rows.map((r) => r.id));
      expect(body.feedback[0]).toMatchObject({ id: extra.json().id, rating: 5, comment: 'third one', feature: 'chat', user_id: tester.id });
      expect(body.feedback.every((f) => f.user_id === tester.id)).toBe(true);
    });
  });

  describe('CORS', () => {
    const preflight = (origin: string, url = '/api/feedback') =>
      t.app.inject({
        method: 'OPTIONS',
        url,
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,idempotency-key' },
      });

    it('allows a preflight from a configured origin, with Idempotency-Key', async () => {
      const res = await preflight(ALLOWED_ORIGIN);
      expect(res.statusCode).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
      expect(String(res.headers['access-control-allow-methods'])).toMatch(/\bPOST\b/);
      expect(
        String(res.headers['access-control-allow-headers'])
          .toLowerCase()
          .split(/\s*,\s*/),
      ).toEqual(expect.arrayContaining(['content-type', 'idempotency-key']));
      expect(String(res.headers.vary)).toMatch(/origin/i);
    });

    it('gives another origin no allow header', async () => {
      for (const origin of ['https://evil.example.com', 'https://app.example.com.evil.com', 'http://app.example.com', 'null']) {
        const res = await preflight(origin);
        expect(res.headers['access-control-allow-origin'], origin).toBeUndefined();
        const real = await post(t, { rating: 3 }, { origin });
        expect(real.headers['access-control-allow-origin'], origin).toBeUndefined();
      }
    });

    it('answers the actual requests of the allowed origin with the allow header', async () => {
      const created = await post(t, { rating: 4 }, { origin: ALLOWED_ORIGIN });
      expect(created.statusCode).toBe(201);
      expect(created.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
      const stats = await t.app.inject({ url: '/api/feedback/stats', headers: { origin: ALLOWED_ORIGIN } });
      expect(stats.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
      // Admin routes are not opened to browsers of other origins.
      const adminList = await t.app.inject({ url: '/api/admin/feedback', headers: { ...admin, origin: ALLOWED_ORIGIN } });
      expect(adminList.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('opens only the public feedback routes: a preflight for an admin route is not allowed', async () => {
      for (const url of ['/api/admin/feedback', '/api/admin/users/00000000-0000-0000-0000-000000000000', '/api/admin/feedback.csv']) {
        const res = await preflight(ALLOWED_ORIGIN, url);
        expect(res.headers['access-control-allow-origin'], url).toBeUndefined();
      }
    });
  });

  describe('removal', () => {
    it('deletes one row and its share of the statistics, audited; a second delete is a 404', async () => {
      const kept = await post(t, { rating: 5, feature: 'removal-kept' });
      const doomed = await post(t, { rating: 1, feature: 'removal-doomed', comment: 'spam spam' });
      const sibling = await post(t, { rating: 1, feature: 'removal-kept' });
      for (const r of [kept, doomed, sibling]) expect(r.statusCode, r.body).toBe(201);
      const id = doomed.json<{ id: string }>().id;
      const before = await rowCounts(t);

      const res = await t.app.inject({ method: 'DELETE', url: `/api/admin/feedback/${id}`, headers: admin });
      expect(res.statusCode, res.body).toBe(204);

      const after = await rowCounts(t);
      expect(after.feedback).toBe(before.feedback - 1);
      expect(after.aggregates).toBe(before.aggregates - 1);
      await expectAggregatesMatchTable(t);
      const stats = (await t.app.inject({ url: '/api/feedback/stats' })).json<StatsJson>();
      expect(stats.by_feature.map((f) => f.feature)).not.toContain('removal-doomed');
      expect(stats.by_feature.find((f) => f.feature === 'removal-kept')).toEqual({ feature: 'removal-kept', count: 2, average_rating: 3 });
      const { rows: emptied } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM feedback_stats_daily WHERE feature = 'removal-doomed'`.execute(t.testDb.database.db);
      expect(emptied[0]!.n).toBe(0);

      const audit = await t.app.inject({ url: '/api/admin/audit?action=feedback.delete', headers: admin });
      expect(audit.statusCode, audit.body).toBe(200);
      expect(JSON.stringify(audit.json())).toContain(id);

      expectError(await t.app.inject({ method: 'DELETE', url: `/api/admin/feedback/${id}`, headers: admin }), 404, 'NOT_FOUND');
      expectError(await t.app.inject({ method: 'DELETE', url: '/api/admin/feedback/not-a-uuid', headers: admin }), 404, 'NOT_FOUND');
      expect((await rowCounts(t)).feedback).toBe(after.feedback);
    });

    it('is refused to anonymous callers and non-admin tokens, deleting nothing', async () => {
      const created = await post(t, { rating: 3, feature: 'removal-guarded' });
      const id = created.json<{ id: string }>().id;
      expectError(await t.app.inject({ method: 'DELETE', url: `/api/admin/feedback/${id}` }), 401, 'UNAUTHORIZED');
      const monitor = { authorization: `Bearer ${await t.token('monitor')}` };
      expectError(await t.app.inject({ method: 'DELETE', url: `/api/admin/feedback/${id}`, headers: monitor }), 403, 'FORBIDDEN');
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM beta_feedback WHERE id = ${id}::uuid`.execute(
        t.testDb.database.db,
      );
      expect(rows[0]!.n).toBe(1);
    });
  });

  it('keeps the aggregates exactly equal to the table after everything above', async () => {
    await expectAggregatesMatchTable(t);
  });
});

describe('feedback statistics at volume', () => {
  // 10 000 submissions through HTTP, 50 in flight at a time, on PGlite as on PostgreSQL (about
  // 25 s on PGlite, 20 s on PostgreSQL). Seeded, so a failure reproduces with the same data.
  const N = 10_000;
  const FEATURES = ['chat', 'voice', 'search', 'calendar', 'memory'];
  const EMAILS = Array.from({ length: 12 }, (_, i) => `volume.user${i}@example.com`);
  let s: TestApp;
  const submissions: Submission[] = [];
  const ids: string[] = [];

  beforeAll(async () => {
    s = await createTestApp({ PUBLIC_RATE_LIMIT_PER_MIN: NO_LIMIT });
    await s.app.ready();
    const random = prng(20_240_611);
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
    for (let i = 0; i < N; i++) {
      const sub: Submission = { rating: 1 + Math.floor(random() * 5) };
      if (random() < 0.8) sub.feature = pick(FEATURES);
      if (random() < 0.4) {
        const email = pick(EMAILS);
        sub.email = random() < 0.5 ? email.toUpperCase() : email;
      }
      if (random() < 0.5) sub.comment = `secret comment ${i} ${random().toString(36).slice(2)}`;
      if (random() < 0.3) sub.metadata = { device: `secret-device-${i}` };
      submissions.push(sub);
    }
    const started = performance.now();
    const responses = await postAll(s, submissions, 50);
    const ms = performance.now() - started;
    console.log(
      `[feedback] ${N} submissions through HTTP on ${TEST_DATABASE_KIND} in ${Math.round(ms)} ms (${Math.round(N / (ms / 1000))}/s)`,
    );
    for (const res of responses) {
      expect(res.statusCode, res.body).toBe(201);
      ids.push(res.json().id);
    }
  }, 300_000);
  afterAll(() => s?.close());

  it('stored every submission once and kept the aggregates exact', async () => {
    expect(new Set(ids).size).toBe(N);
    expect((await rowCounts(s)).feedback).toBe(N);
    expect((await rowCounts(s)).aggregates).toBe(N);
    await expectAggregatesMatchTable(s);
    // Twelve emails in two cases: twelve testers.
    expect((await rowCounts(s)).users).toBe(EMAILS.length);
  });

  it('serves statistics equal to a direct SQL computation', async () => {
    const res = await s.app.inject({ url: '/api/feedback/stats' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=5');
    const stats = res.json<StatsJson>();
    expect(stats.daily.map((d) => d.date)).toEqual(lastUtcDays(30));
    expect(byFeatureSorted(stats)).toEqual(await statsFromSql(s, lastUtcDays(30)));
    expect(stats.total).toBe(N);
    // Most popular feature first.
    const counts = stats.by_feature.map((f) => f.count);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
  });

  it('puts no email, comment or metadata in the public statistics', async () => {
    const text = (await s.app.inject({ url: '/api/feedback/stats' })).body;
    const lower = text.toLowerCase();
    expect(text).not.toContain('@');
    for (const email of EMAILS) expect(lower).not.toContain(email.split('@')[0]!);
    expect(lower).not.toContain('secret');
    for (const sub of submissions) {
      if (sub.comment) expect(text.includes(sub.comment)).toBe(false);
    }
  });

  it('gives the console analytics with the NPS split (4–5 promoters, 1–2 detractors)', async () => {
    expectError(await s.app.inject({ url: '/api/admin/feedback/analytics' }), 401, 'UNAUTHORIZED');
    const res = await s.app.inject({
      url: '/api/admin/feedback/analytics',
      headers: { authorization: `Bearer ${await s.token('admin')}` },
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<AnalyticsJson>();
    expect(body.split).toEqual(await splitFromSql(s));
    expect(body.split.promoters + body.split.passives + body.split.detractors).toBe(N);
    const { split: _split, ...stats } = body;
    expect(byFeatureSorted(stats)).toEqual(await statsFromSql(s, lastUtcDays(30)));
  });

  it('exports the whole table as CSV, every row once (across the export’s internal pages)', async () => {
    const res = await s.app.inject({ url: '/api/admin/feedback.csv', headers: { authorization: `Bearer ${await s.token('admin')}` } });
    expect(res.statusCode).toBe(200);
    const records: string[][] = parse(res.rawPayload.toString('utf8'), { bom: true });
    expect(records[0]).toEqual(CSV_COLUMNS);
    const exported = records.slice(1).map((r) => r[0]!);
    expect(exported).toHaveLength(N);
    expect(new Set(exported)).toEqual(new Set(ids));
  }, 60_000);

  it('pages the admin list over every row without duplicates or gaps', async () => {
    const headers = { authorization: `Bearer ${await s.token('admin')}` };
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: LightMyRequestResponse = await s.app.inject({
        url: `/api/admin/feedback?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        headers,
      });
      expect(res.statusCode).toBe(200);
      const body = res.json<FeedbackPage>();
      seen.push(...body.items.map((f) => f.id));
      cursor = body.next_cursor;
      expect(seen.length, 'more rows than exist: the cursor repeats rows').toBeLessThanOrEqual(N);
    } while (cursor !== null);
    const { rows } = await sql<{ id: string }>`SELECT id FROM beta_feedback ORDER BY created_at DESC, id DESC`.execute(
      s.testDb.database.db,
    );
    expect(seen).toEqual(rows.map((r) => r.id));
  }, 60_000);
});

describe('feedback analytics split on exact ties', () => {
  let a: TestApp;
  let headers: Headers;
  beforeAll(async () => {
    a = await createTestApp({ PUBLIC_RATE_LIMIT_PER_MIN: NO_LIMIT });
    await a.app.ready();
    headers = { authorization: `Bearer ${await a.token('admin')}` };
  });
  afterAll(() => a?.close());

  const split = async () => {
    const res = await a.app.inject({ url: '/api/admin/feedback/analytics', headers });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<AnalyticsJson>().split;
  };
  const ratings = (spec: Array<[rating: number, times: number]>): Submission[] =>
    spec.flatMap(([rating, times]) => Array.from({ length: times }, () => ({ rating })));

  it('has no score without feedback', async () => {
    expect(await split()).toEqual({ promoters: 0, passives: 0, detractors: 0, score: null });
  });

  it('rounds a negative half away from zero like SQL (−15 / 16 = −93.75 → −93.8)', async () => {
    expect(
      (
        await postAll(
          a,
          ratings([
            [1, 10],
            [2, 5],
            [3, 1],
          ]),
        )
      ).every((r) => r.statusCode === 201),
    ).toBe(true);
    expect(await splitFromSql(a)).toEqual({ promoters: 0, passives: 1, detractors: 15, score: -93.8 });
    expect(await split()).toEqual({ promoters: 0, passives: 1, detractors: 15, score: -93.8 });
  });

  it('rounds a decimal half up without binary-fraction error (201 / 400 = 50.25 → 50.3)', async () => {
    expect(
      (
        await postAll(
          a,
          ratings([
            [5, 200],
            [4, 16],
            [3, 168],
          ]),
        )
      ).every((r) => r.statusCode === 201),
    ).toBe(true);
    expect(await splitFromSql(a)).toEqual({ promoters: 216, passives: 169, detractors: 15, score: 50.3 });
    expect(await split()).toEqual({ promoters: 216, passives: 169, detractors: 15, score: 50.3 });
  });
});

describe('feedback rate limit', () => {
  let r: TestApp;
  beforeAll(async () => {
    r = await createTestApp({ PUBLIC_RATE_LIMIT_PER_MIN: '3' });
    await r.app.ready();
  });
  afterAll(() => r?.close());

  it('answers the 4th POST from one client with 429, Retry-After and the error shape; another client is unaffected', async () => {
    const windowOpened = Date.now();
    for (let i = 0; i < 3; i++) expect((await post(r, { rating: 5 }, {}, '203.0.113.1')).statusCode).toBe(201);
    const before = await rowCounts(r);
    const limited = await post(r, { rating: 5, email: 'limited@example.com' }, {}, '203.0.113.1');
    const elapsed = Date.now() - windowOpened;
    expectError(limited, 429, 'RATE_LIMITED');
    // The one-minute window opened with the first POST: Retry-After is what is left of it, in whole
    // seconds rounded up (60 unless this machine took over a second).
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(Math.ceil((60_000 - elapsed) / 1000));
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(await rowCounts(r)).toEqual(before);
    // A forged X-Forwarded-For does not reset the count (no trusted proxy).
    expectError(await post(r, { rating: 5 }, { 'x-forwarded-for': '198.51.100.7' }, '203.0.113.1'), 429, 'RATE_LIMITED');
    expect((await post(r, { rating: 5 }, {}, '203.0.113.2')).statusCode).toBe(201);
    // Statistics are not limited by submissions.
    expect((await r.app.inject({ url: '/api/feedback/stats', remoteAddress: '203.0.113.1' })).statusCode).toBe(200);
  });
});
