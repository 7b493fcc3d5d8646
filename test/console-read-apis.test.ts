// The small read APIs the admin console's dashboard draws from: tester head counts and the
// stored `system_metrics` series bucketed over the last hour and day.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/test-app.js';

const NOW = new Date('2026-03-02T12:00:30.000Z');

describe('console read APIs', () => {
  let t: TestApp;
  let admin: string;
  let monitor: string;

  beforeAll(async () => {
    t = await createTestApp({}, { now: () => NOW });
    await t.app.ready();
    [admin, monitor] = await Promise.all([t.token('admin'), t.token('monitor')]);
  });
  afterAll(() => t.close());

  const get = (url: string, token = admin) => t.app.inject({ url, headers: { authorization: `Bearer ${token}` } });

  it('GET /api/admin/users/summary counts testers: all, active, admins, redeemed, joined (invite redeemed) in the last 7 days, not merely added', async () => {
    expect((await get('/api/admin/users/summary')).json()).toEqual({ total: 0, active: 0, admins: 0, redeemed: 0, joined_7d: 0 });
    const db = t.testDb.database.db;
    await db
      .insertInto('beta_users')
      .values([
        { email: 'a@example.com', invite_code: 'code-a-0123456789abcdef0123', role: 'ADMIN' },
        { email: 'b@example.com', invite_code: 'code-b-0123456789abcdef0123', is_active: false, redeemed_at: new Date() },
        { email: 'c@example.com', invite_code: 'code-c-0123456789abcdef0123', joined_at: new Date(Date.now() - 30 * 86_400_000) },
        { email: 'd@example.com', invite_code: 'code-d-0123456789abcdef0123', redeemed_at: new Date(Date.now() - 30 * 86_400_000) },
      ])
      .execute();
    const res = await get('/api/admin/users/summary');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ total: 4, active: 3, admins: 1, redeemed: 2, joined_7d: 1 });
    expect((await get('/api/admin/users/summary', monitor)).statusCode).toBe(403);
  });

  it('GET /api/admin/metrics/series buckets system_metrics per minute over the hour, all instances summed', async () => {
    const row = (at: string, instance: string, requests: number, p95: number) => ({
      recorded_at: new Date(at),
      instance_id: instance,
      cpu_percent: 10,
      memory_percent: 40,
      rss_bytes: 1,
      heap_used_bytes: 1,
      event_loop_lag_ms: 1,
      request_count: requests,
      error_count: 1,
      request_rate: requests / 30,
      http_p95_ms: p95,
      db_p95_ms: p95 / 10,
      db_reachable: true,
      pool_total: 1,
      pool_idle: 1,
      pool_waiting: 0,
    });
    await t.testDb.database.db
      .insertInto('system_metrics')
      .values([
        row('2026-03-02T11:58:05Z', 'one', 60, 20),
        row('2026-03-02T11:58:35Z', 'one', 30, 40),
        row('2026-03-02T11:58:40Z', 'two', 30, 90),
        row('2026-03-02T11:59:10Z', 'one', 120, 10),
        row('2026-03-02T12:00:10Z', 'one', 60, 10), // the newest bucket, 30 s old

        row('2026-03-02T10:00:00Z', 'one', 999, 999), // before the last hour
        row('2026-03-02T12:00:40Z', 'one', 999, 999), // after "now"
      ])
      .execute();
    const res = await get('/api/admin/metrics/series?range=1h');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ range: '1h', bucket_seconds: 60, from: '2026-03-02T11:00:30.000Z', to: NOW.toISOString() });
    expect(body.points).toEqual([
      {
        t: '2026-03-02T11:58:00.000Z',
        requests: 120,
        requests_per_s: 2,
        errors: 3,
        http_p95_ms: 90,
        db_p95_ms: 9,
        cpu_percent: 10,
        memory_percent: 40,
      },
      {
        t: '2026-03-02T11:59:00.000Z',
        requests: 120,
        requests_per_s: 2,
        errors: 1,
        http_p95_ms: 10,
        db_p95_ms: 1,
        cpu_percent: 10,
        memory_percent: 40,
      }, // Still filling: 60 requests over the 30 s elapsed.
      {
        t: '2026-03-02T12:00:00.000Z',
        requests: 60,
        requests_per_s: 2,
        errors: 1,
        http_p95_ms: 10,
        db_p95_ms: 1,
        cpu_percent: 10,
        memory_percent: 40,
      },
    ]);

    const day = (await get('/api/admin/metrics/series?range=24h')).json();
    expect(day.bucket_seconds).toBe(900);
    expect(day.points.map((p: { t: string; requests: number }) => [p.t, p.requests])).toEqual([
      ['2026-03-02T10:00:00.000Z', 999],
      ['2026-03-02T11:45:00.000Z', 240],
      ['2026-03-02T12:00:00.000Z', 60],
    ]);
    expect((await get('/api/admin/metrics/series?range=2h')).statusCode).toBe(400);
    expect((await t.app.inject('/api/admin/metrics/series')).statusCode).toBe(401);
  });
});
