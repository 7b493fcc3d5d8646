// A comment given with a reviewed change (header X-Change-Comment) is stored on every audit entry the
// request writes, through the real routes; a bad comment is refused and changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseChangeComment } from '../src/core/change-comment.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

describe('X-Change-Comment', () => {
  it('is decoded, trimmed, and refused when too long, repeated or holding control characters', () => {
    expect(parseChangeComment(undefined)).toBeUndefined();
    expect(parseChangeComment('   ')).toBeUndefined();
    expect(parseChangeComment(encodeURIComponent(' Ramp paused: ratings dropped — see #42 '))).toBe(
      'Ramp paused: ratings dropped — see #42',
    );
    expect(parseChangeComment('x'.repeat(500))).toHaveLength(500);
    expect(() => parseChangeComment('x'.repeat(501))).toThrow(/at most 500 characters/);
    expect(() => parseChangeComment(['a', 'b'])).toThrow(/once/);
    expect(() => parseChangeComment('%E0%A4%A')).toThrow(/percent-encoded/);
    expect(() => parseChangeComment(encodeURIComponent('a\u0000b'))).toThrow(/control characters/);
  });

  describe('through the server', () => {
    let t: TestApp;
    let admin: Record<string, string>;
    beforeAll(async () => {
      t = await createTestApp({});
      await t.app.ready();
      admin = { authorization: `Bearer ${await t.token('admin')}` };
    });
    afterAll(() => t.close());

    const auditOf = async (name: string) =>
      (await t.app.inject({ url: `/api/admin/audit?entity_type=flag&entity_id=${name}`, headers: admin })).json<{
        items: Array<{ action: string; comment: string | null; after: { is_enabled?: boolean } | null }>;
      }>().items;

    it('stores the comment on the change it came with, and only on that one', async () => {
      const created = await t.app.inject({
        method: 'POST',
        url: '/api/admin/flags',
        headers: admin,
        payload: { name: 'reviewed', is_enabled: true, rollout_percentage: 50 },
      });
      expect(created.statusCode).toBe(201);
      const off = await t.app.inject({
        method: 'PATCH',
        url: '/api/admin/flags/reviewed',
        headers: { ...admin, 'x-change-comment': encodeURIComponent('Crash reports from 1.4 — off until fixed') },
        payload: { is_enabled: false },
      });
      expect(off.statusCode).toBe(200);
      const [latest, first] = await auditOf('reviewed');
      expect(latest).toMatchObject({
        action: 'flag.update',
        comment: 'Crash reports from 1.4 — off until fixed',
        after: { is_enabled: false },
      });
      expect(first).toMatchObject({ action: 'flag.create', comment: null });
      const found = await t.app.inject({ url: '/api/admin/audit?q=CRASH%20reports', headers: admin });
      expect(found.json<{ items: Array<{ entity_id: string; comment: string }> }>().items.map((i) => [i.entity_id, i.comment])).toEqual([
        ['reviewed', 'Crash reports from 1.4 — off until fixed'],
      ]);
    });

    it('refuses a change whose comment is too long, and the change is not made', async () => {
      const res = await t.app.inject({
        method: 'PATCH',
        url: '/api/admin/flags/reviewed',
        headers: { ...admin, 'x-change-comment': 'y'.repeat(501) },
        payload: { is_enabled: true },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({
        code: 'VALIDATION_ERROR',
        message: 'headers/x-change-comment must be at most 500 characters.',
      });
      const flag = await t.app.inject({ url: '/api/admin/flags/reviewed', headers: admin });
      expect(flag.json().is_enabled).toBe(false);
      expect(await auditOf('reviewed')).toHaveLength(2);
    });

    it('keeps concurrent requests apart: each entry carries its own request’s comment', async () => {
      const names = ['one', 'two', 'three', 'four'];
      await Promise.all(
        names.map((n) =>
          t.app.inject({
            method: 'POST',
            url: '/api/admin/flags',
            headers: { ...admin, 'x-change-comment': `made ${n}` },
            payload: { name: `c-${n}` },
          }),
        ),
      );
      for (const n of names) expect((await auditOf(`c-${n}`))[0]?.comment).toBe(`made ${n}`);
    });
  });
});
