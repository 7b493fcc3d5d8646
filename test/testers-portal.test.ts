// The tester portal's API through HTTP: a tester session is refused on every admin route like an
// anonymous caller; 50 concurrent enrol/leave toggles end in the last state written (read back
// from the audit chain); leaving the program erases the address from every text and JSON column
// of every table (a flag's target users included), keeps the ratings anonymously, and is audited.
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpInbox, type SmtpInbox } from './helpers/smtp-inbox.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

const OWNER = 'owner@example.com';
const FLAG = 'early-thing';

const cookieOf = (res: LightMyRequestResponse) => {
  const header = res.headers['set-cookie'];
  return (Array.isArray(header) ? header : header ? [header] : []).find((c) => c.startsWith('beta_tester='))?.split(';')[0];
};

describe('the tester portal API', () => {
  let t: TestApp;
  let inbox: SmtpInbox;
  let admin: { authorization: string };
  let evaluate: string;

  beforeAll(async () => {
    inbox = await startSmtpInbox();
    t = await createTestApp({ ADMIN_EMAILS: OWNER, SMTP_URL: inbox.url, PUBLIC_RATE_LIMIT_PER_MIN: '1000' });
    await t.app.ready();
    admin = { authorization: `Bearer ${await t.token('admin')}` };
    evaluate = await t.token('evaluate');
    const flag = await t.app.inject({
      method: 'POST',
      url: '/api/admin/flags',
      headers: admin,
      payload: { name: FLAG, is_enabled: true, early_access: true, stage: 'alpha' },
    });
    expect(flag.statusCode, flag.body).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
    await inbox?.close();
  });

  /** A tester who joined: their id, session cookie and CSRF token. */
  async function joinedTester(email: string, notes?: string) {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/admin/users',
      headers: admin,
      payload: { email, ...(notes ? { notes } : {}) },
    });
    const { id, invite_code: code } = created.json<{ id: string; invite_code: string }>();
    const joined = await t.app.inject({ method: 'POST', url: '/api/beta/join', payload: { code, email } });
    expect(joined.statusCode, joined.body).toBe(200);
    const cookie = cookieOf(joined)!;
    const me = await t.app.inject({ url: '/api/beta/me', headers: { cookie } });
    return { id, headers: { cookie, 'x-csrf-token': me.json<{ csrf_token: string }>().csrf_token } };
  }
  const ofrep = async (targetingKey: string) =>
    (
      await t.app.inject({
        method: 'POST',
        url: `/ofrep/v1/evaluate/flags/${FLAG}`,
        headers: { authorization: `Bearer ${evaluate}` },
        payload: { context: { targetingKey } },
      })
    ).json<{ value: boolean }>().value;

  it('refuses a tester session on every admin route exactly as it refuses an anonymous caller', async () => {
    const tester = await joinedTester('inventory@example.com');
    const adminRoutes = t.routes.filter((r) => (r.url.startsWith('/api/admin') || r.url.startsWith('/admin')) && r.method !== 'HEAD');
    expect(adminRoutes.map((r) => `${r.method} ${r.url}`)).toEqual(
      expect.arrayContaining([
        'POST /api/admin/users/:id/send-invite',
        'POST /api/admin/users/send-invites',
        'GET /api/admin/users/funnel',
        'GET /api/admin/waitlist',
        'POST /api/admin/waitlist/approve',
        'GET /api/admin/mail',
      ]),
    );
    for (const route of adminRoutes) {
      const url = route.url.replace(/:(\w+)/g, '00000000-0000-4000-8000-000000000000').replace(/\*$/, 'x');
      const payload = route.method === 'GET' ? undefined : {};
      const method = route.method as 'GET';
      const anonymous = await t.app.inject({ method, url, payload });
      const asTester = await t.app.inject({ method, url, payload, headers: tester.headers });
      const label = `${route.method} ${route.url}`;
      expect([401, 302], label).toContain(asTester.statusCode);
      expect(asTester.statusCode, label).toBe(anonymous.statusCode);
      expect(asTester.headers.location, label).toBe(anonymous.headers.location);
      if (asTester.statusCode === 401) expect(asTester.json(), label).toEqual(anonymous.json());
    }
  });

  it('ends 50 concurrent enrol and leave toggles in the last state written', async () => {
    const tester = await joinedTester('toggler@example.com');
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        t.app.inject({ method: 'PUT', url: `/api/beta/features/${FLAG}`, headers: tester.headers, payload: { enrolled: i % 3 !== 0 } }),
      ),
    );
    answers.forEach((res, i) => {
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ name: FLAG, enrolled: i % 3 !== 0, reason: i % 3 !== 0 ? 'enrolled' : 'left' });
    });
    // Each change saw the one committed before it: the audit rows form one chain from "not set",
    // and the chain's end (the node entered once more than left) is the last state written.
    const audit = await t.testDb.database.db
      .selectFrom('audit_log')
      .select(['before', 'after'])
      .where('action', '=', 'beta_user.enrol')
      .where('entity_id', '=', tester.id)
      .execute();
    expect(audit).toHaveLength(50);
    const balance = new Map<string, number>();
    for (const row of audit) {
      const from = String((row.before as { enrolled: boolean | null }).enrolled);
      const to = String((row.after as { enrolled: boolean }).enrolled);
      balance.set(from, (balance.get(from) ?? 0) + 1);
      balance.set(to, (balance.get(to) ?? 0) - 1);
    }
    expect(balance.get('null')).toBe(1);
    const ends = [...balance].filter(([, b]) => b !== 0 && b !== 1);
    expect(ends).toHaveLength(1);
    expect(ends[0]![1]).toBe(-1);
    const last = ends[0]![0] === 'true';
    const stored = await t.testDb.database.db
      .selectFrom('beta_users')
      .select('flag_set')
      .where('id', '=', tester.id)
      .executeTakeFirstOrThrow();
    expect(stored.flag_set).toEqual({ [FLAG]: last });
    const features = await t.app.inject({ url: '/api/beta/features', headers: tester.headers });
    expect(features.json().features[0]).toMatchObject({ enrolled: last, on: last });
    expect(await ofrep(tester.id)).toBe(last);
  });

  it('refuses unknown features, non-early-access flags, bad ratings and missing CSRF tokens, changing nothing', async () => {
    const tester = await joinedTester('careful@example.com');
    await t.app.inject({ method: 'POST', url: '/api/admin/flags', headers: admin, payload: { name: 'internal-only', is_enabled: true } });
    const cases: Array<[string, string, unknown, Record<string, string>, number, string]> = [
      ['PUT', '/api/beta/features/internal-only', { enrolled: true }, tester.headers, 404, 'NOT_FOUND'],
      ['PUT', '/api/beta/features/Not_A_Name', { enrolled: true }, tester.headers, 400, 'VALIDATION_ERROR'],
      ['PUT', `/api/beta/features/${FLAG}`, { enrolled: 'yes' }, tester.headers, 400, 'VALIDATION_ERROR'],
      ['PUT', `/api/beta/features/${FLAG}`, { enrolled: true }, { cookie: tester.headers.cookie }, 403, 'FORBIDDEN'],
      ['POST', '/api/beta/feedback', { feature: FLAG, rating: 6 }, tester.headers, 400, 'VALIDATION_ERROR'],
      ['POST', '/api/beta/feedback', { feature: 'internal-only', rating: 3 }, tester.headers, 404, 'NOT_FOUND'],
      ['POST', '/api/beta/feedback', { rating: 3 }, tester.headers, 400, 'VALIDATION_ERROR'],
      ['DELETE', '/api/beta/me', undefined, { cookie: tester.headers.cookie }, 403, 'FORBIDDEN'],
    ];
    for (const [method, url, payload, headers, status, code] of cases) {
      const res = await t.app.inject({ method: method as 'PUT', url, payload: payload as object, headers });
      expect(res.statusCode, `${method} ${url} ${res.body}`).toBe(status);
      expect(res.json().error.code).toBe(code);
    }
    const row = await t.testDb.database.db.selectFrom('beta_users').selectAll().where('id', '=', tester.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ flag_set: {}, erased_at: null, is_active: true });
    expect((await t.app.inject({ url: '/api/beta/feedback', headers: tester.headers })).json()).toEqual({ items: [] });
  });

  /** Rows of every table whose text or JSON columns mention `needle` (case-insensitive). */
  async function mentions(needle: string): Promise<string[]> {
    const db = t.testDb.database.db;
    const { rows: columns } = await sql<{ table_name: string; column_name: string }>`
      SELECT c.table_name, c.column_name FROM information_schema.columns c
      JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
      WHERE c.table_schema = 'public' AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')`.execute(db);
    expect(columns.length).toBeGreaterThan(20);
    const found: string[] = [];
    for (const { table_name: table, column_name: column } of columns) {
      const { rows } = await sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM ${sql.table(table)} WHERE ${sql.ref(column)}::text ILIKE ${`%${needle}%`}`.execute(db);
      if (rows[0]!.n > 0) found.push(`${table}.${column}`);
    }
    return found;
  }

  it('leaving erases the address everywhere in one go, keeps the ratings anonymously, and is audited', async () => {
    const email = 'Leaving.Tester@example.com';
    const tester = await joinedTester(email, `met ${email} at the fair`);
    const TARGETED = 'targeted-thing';
    const targeted = await t.app.inject({
      method: 'POST',
      url: '/api/admin/flags',
      headers: admin,
      payload: { name: TARGETED, is_enabled: true, target_users: ['first@example.com', 'LEAVING.tester@EXAMPLE.com', 'last@example.com'] },
    });
    expect(targeted.statusCode, targeted.body).toBe(201);
    const byEmail = async (who: string) =>
      (
        await t.app.inject({
          method: 'POST',
          url: `/ofrep/v1/evaluate/flags/${TARGETED}`,
          headers: { authorization: `Bearer ${evaluate}` },
          payload: { context: { targetingKey: 'someone', email: who } },
        })
      ).json<{ value: boolean }>().value;
    expect(await byEmail(email)).toBe(true);
    await t.app.inject({ method: 'PATCH', url: `/api/admin/users/${tester.id}`, headers: admin, payload: { notes: `still ${email}` } });
    await t.app.inject({ method: 'PUT', url: `/api/beta/features/${FLAG}`, headers: tester.headers, payload: { enrolled: true } });
    const rated = await t.app.inject({
      method: 'POST',
      url: '/api/beta/feedback',
      headers: tester.headers,
      payload: { feature: FLAG, rating: 5, comment: `mail me at ${email.toLowerCase()} please` },
    });
    expect(rated.statusCode, rated.body).toBe(201);
    const publicFeedback = await t.app.inject({
      method: 'POST',
      url: '/api/feedback',
      payload: { rating: 2, email, metadata: { contact: email } },
    });
    expect(publicFeedback.statusCode, publicFeedback.body).toBe(201);
    await t.app.inject({ method: 'POST', url: '/api/beta/sign-in', payload: { email } });
    await t.app.inject({ method: 'POST', url: `/api/admin/users/${tester.id}/send-invite`, headers: admin });
    await t.services.testers.idle();
    expect(await ofrep(tester.id)).toBe(true);
    const before = await mentions('leaving.tester@example.com');
    expect(before).toEqual(
      expect.arrayContaining([
        'beta_users.email',
        'beta_feedback.email',
        'beta_feedback.comment',
        'audit_log.actor',
        'audit_log.after',
        'feature_flags.target_users',
      ]),
    );
    const feedbackCount = async () =>
      Number(
        (
          await t.testDb.database.db
            .selectFrom('beta_feedback')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const ratingsBefore = await feedbackCount();

    const left = await t.app.inject({ method: 'DELETE', url: '/api/beta/me', headers: tester.headers });
    expect(left.statusCode, left.body).toBe(204);
    expect(left.headers['set-cookie']).toEqual(expect.stringMatching(/^beta_tester=;/));

    expect(await mentions('leaving.tester@example.com')).toEqual([]);
    expect(await mentions('leaving.tester')).toEqual([]);
    expect(await feedbackCount()).toBe(ratingsBefore);
    const kept = await t.testDb.database.db
      .selectFrom('beta_feedback')
      .selectAll()
      .where('id', '=', rated.json().id)
      .executeTakeFirstOrThrow();
    expect(kept).toMatchObject({ user_id: null, email: null, rating: 5, feature: FLAG, comment: 'mail me at [erased] please' });
    const row = await t.testDb.database.db.selectFrom('beta_users').selectAll().where('id', '=', tester.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      email: `erased+${tester.id}@erased.invalid`,
      notes: null,
      flag_set: {},
      is_active: false,
      erased_at: expect.any(Date),
    });
    expect(await ofrep(tester.id)).toBe(false);
    // The flag that targeted the address keeps its other targets, one version on, in the snapshot too.
    const flagRow = await t.testDb.database.db
      .selectFrom('feature_flags')
      .selectAll()
      .where('name', '=', TARGETED)
      .executeTakeFirstOrThrow();
    expect(flagRow).toMatchObject({ target_users: ['first@example.com', 'last@example.com'], version: 2 });
    const served = await t.app.inject({ url: `/api/admin/flags/${TARGETED}`, headers: admin });
    expect(served.json()).toMatchObject({ target_users: ['first@example.com', 'last@example.com'], version: 2 });
    expect(await byEmail(email)).toBe(false);
    expect(await byEmail('last@example.com')).toBe(true);
    const flagAudit = await t.app.inject({ url: `/api/admin/audit?entity_type=flag&entity_id=${TARGETED}&limit=10`, headers: admin });
    expect(flagAudit.json().items[0]).toMatchObject({
      actor: `tester:${tester.id}`,
      action: 'flag.target_erased',
      before: { version: 1, target_users: 3 },
      after: { version: 2, target_users: 2 },
    });
    expect((await t.app.inject({ url: '/api/beta/me', headers: tester.headers })).statusCode).toBe(401);
    const audit = await t.app.inject({ url: `/api/admin/audit?entity_type=beta_user&entity_id=${tester.id}&limit=100`, headers: admin });
    expect(audit.json().items[0]).toMatchObject({ actor: `tester:${tester.id}`, action: 'beta_user.leave' });
    const listed = await t.app.inject({ url: `/api/admin/users/${tester.id}`, headers: admin });
    expect(listed.json()).toMatchObject({ status: 'inactive', feedback: [] });
  });
});
