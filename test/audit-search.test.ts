// The audit log read as a product: each entry names what it is about (a tester's email, a token's
// name, a flag) and `q` searches actors, entity ids and those names, case-insensitively.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/test-app.js';

const OWNER = 'owner@example.com';

interface Entry {
  actor: string;
  action: string;
  entity_type: string;
  entity_id: string | null;
  entity_name: string | null;
}
interface AuditPage {
  items: Entry[];
  next_cursor: string | null;
  matches: { count: number; capped: boolean } | null;
}

describe('audit log names and search', () => {
  let t: TestApp;
  let write: Record<string, string>;
  let bobId: string;
  let carolId: string;
  let tokenId: string;

  const search = async (query: string): Promise<AuditPage> => {
    const res = await t.app.inject({ url: `/api/admin/audit?${query}`, headers: { cookie: write.cookie! } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<AuditPage>();
  };
  const call = async (method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) => {
    const res = await t.app.inject({ method, url, headers: write, ...(payload ? { payload } : {}) });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.body ? res.json<{ id: string }>() : { id: '' };
  };

  beforeAll(async () => {
    t = await createTestApp({ ADMIN_EMAILS: OWNER });
    await t.app.ready();
    const s = await t.auth.startSession({ email: OWNER, issuer: 'test', subject: OWNER, userAgent: null, ip: null }, 'OWNER', null);
    write = { cookie: `bs_session=${s.sessionId}`, 'x-csrf-token': s.csrfToken };
    await call('POST', '/api/admin/flags', { name: 'new-chat-ui' });
    await call('PATCH', '/api/admin/flags/new-chat-ui', { rollout_percentage: 50 });
    bobId = (await call('POST', '/api/admin/users', { email: 'Bob.Builder@example.com' })).id;
    await call('PATCH', `/api/admin/users/${bobId}`, { is_active: false });
    carolId = (await call('POST', '/api/admin/users', { email: 'carol@example.com' })).id;
    await call('DELETE', `/api/admin/users/${carolId}`);
    tokenId = (await call('POST', '/api/admin/tokens', { name: 'nous-web', scope: 'client' })).id;
  });
  afterAll(() => t.close());

  it('names each entry’s tester, token and flag, keeping the ids', async () => {
    const page = await search('limit=50');
    const byAction = (action: string) => page.items.filter((i) => i.action === action);
    expect(byAction('beta_user.update')).toEqual([
      expect.objectContaining({ entity_id: bobId, entity_name: 'Bob.Builder@example.com', actor: OWNER }),
    ]);
    expect(byAction('token.create')).toEqual([expect.objectContaining({ entity_id: tokenId, entity_name: 'nous-web' })]);
    expect(byAction('flag.update')).toEqual([expect.objectContaining({ entity_id: 'new-chat-ui', entity_name: 'new-chat-ui' })]);
    // A tester removed since keeps the name the entry recorded.
    expect(byAction('beta_user.delete')).toEqual([expect.objectContaining({ entity_id: carolId, entity_name: 'carol@example.com' })]);
    // Without a search nothing is counted.
    expect(page.matches).toBeNull();
  });

  it('finds a tester’s entries by part of their email, in any case, and counts them', async () => {
    const page = await search('q=bob.BUILDER');
    expect(page.items.map((i) => i.action).sort()).toEqual(['beta_user.create', 'beta_user.update']);
    expect(page.items.every((i) => i.entity_id === bobId)).toBe(true);
    expect(page.matches).toEqual({ count: 2, capped: false });
  });

  it('finds entries by token name, flag name, entity id and actor', async () => {
    expect((await search('q=NOUS-web')).items.map((i) => i.action)).toEqual(['token.create']);
    expect((await search('q=chat-ui')).items.map((i) => i.action)).toEqual(['flag.update', 'flag.create']);
    expect((await search(`q=${carolId.slice(0, 13)}`)).items.map((i) => i.action).sort()).toEqual(['beta_user.create', 'beta_user.delete']);
    const byActor = await search('q=owner%40example');
    expect(byActor.items.length).toBe(byActor.matches!.count);
    expect(byActor.items.every((i) => i.actor === OWNER)).toBe(true);
    expect(byActor.items.map((i) => i.action)).toContain('token.create');
  });

  it('combines the search with the other filters and pages through it, counting on the first page', async () => {
    const filtered = await search('q=example.com&action=beta_user.create');
    expect(filtered.items.map((i) => i.entity_name).sort()).toEqual(['Bob.Builder@example.com', 'carol@example.com']);
    expect(filtered.matches).toEqual({ count: 2, capped: false });
    const first = await search('q=example.com&action=beta_user.create&limit=1');
    expect(first.matches).toEqual({ count: 2, capped: false });
    const second = await search(`q=example.com&action=beta_user.create&limit=1&cursor=${first.next_cursor}`);
    expect(second.items).toHaveLength(1);
    expect(second.items[0]!.entity_id).not.toBe(first.items[0]!.entity_id);
    expect(second.matches).toBeNull();
  });

  it('takes the search text literally and refuses what it cannot search', async () => {
    expect((await search('q=%25')).matches).toEqual({ count: 0, capped: false });
    expect((await search('q=bob_builder')).items).toEqual([]);
    const headers = { cookie: write.cookie! };
    expect((await t.app.inject({ url: `/api/admin/audit?q=${'x'.repeat(201)}`, headers })).statusCode).toBe(400);
    expect((await t.app.inject({ url: '/api/admin/audit?q=a%00b', headers })).statusCode).toBe(400);
    expect((await t.app.inject({ url: '/api/admin/audit?q=bob' })).statusCode).toBe(401);
  });
});
