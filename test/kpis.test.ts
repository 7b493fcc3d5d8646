// Success metrics and alerting through HTTP: KPI figures equal values computed by hand from
// seeded health samples, feedback, testers, flag evaluations, audit rows and real admin requests
// (refused ones counted, a route answering before the admin guard caught as a bypass incident);
// alerts opened and resolved from synthetic samples with a movable clock, one open alert per rule
// and instance enforced by the database, and the webhook received by a real HTTP server (a retry
// after a 500, the cooldown respected).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertSample } from '../src/features/kpis/alert-rules.js';
import { createAlerting } from '../src/features/kpis/alerting.js';
import { startServer, serverEnv } from './helpers/server-process.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';
import { cloneTemplate } from './helpers/test-database.js';

const OWNER = 'owner@example.com';
const INSTANCE = 'test-instance';
const HOUR = 3_600_000;
const MINUTE = 60_000;

interface KpiJson {
  key: string;
  label: string;
  value: number | null;
  unit: string;
  target: string;
  status: string;
  series: Array<{ t: string; v: number | null }>;
}
interface ReportJson {
  window: string;
  from: string;
  to: string;
  kpis: KpiJson[];
  instances: Array<{ instance_id: string; uptime_pct: number | null; samples: number }>;
  flags: Array<{ name: string; evaluations: number; true_share: number | null; testers_reached: number }>;
  console_usage: Array<{ email: string; day: string; page_views: number; actions: number }>;
}
interface AlertJson {
  id: string;
  rule: string;
  instance_id: string;
  state: 'open' | 'resolved';
  value: number;
  threshold: number;
  message: string;
  first_seen: string;
  last_seen: string;
  resolved_at: string | null;
}

/** PostgreSQL's percentile_cont: linear interpolation between the closest ranks. */
function percentileCont(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = p * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (rank - low) * (sorted[high]! - sorted[low]!);
}
const round3 = (n: number) => Math.round(n * 1000) / 1000;

/** A webhook receiver: answers 500 to the first `failFirst` requests, 200 afterwards. */
async function startReceiver(failFirst: number) {
  const received: Array<{ status: number; body: Record<string, unknown>; contentType: string | undefined }> = [];
  const server: Server = createServer((req, res) => {
    let data = '';
    req.on('data', (chunk: Buffer) => (data += chunk.toString()));
    req.on('end', () => {
      const status = received.length < failFirst ? 500 : 200;
      received.push({ status, body: JSON.parse(data) as Record<string, unknown>, contentType: req.headers['content-type'] });
      res.writeHead(status).end(status === 200 ? 'ok' : 'boom');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { received, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, close: () => server.close() };
}

describe('success metrics and alerting', () => {
  let t: TestApp;
  // The application's clock: frozen unless a test moves it.
  let clock = Date.now();
  const now = () => new Date(clock);
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let owner: { cookie: string };
  let adminToken: string;
  let evaluateToken: string;

  beforeAll(async () => {
    receiver = await startReceiver(1);
    t = await createTestApp({ ADMIN_EMAILS: OWNER, ALERT_WEBHOOK_URL: receiver.url, ALERT_COOLDOWN_S: '600' }, { now });
    // A console page, and a route that answers before the admin guard can run: the kind of
    // mistake the bypass KPI exists to catch.
    t.app.get('/admin/beta/kpi-test-page', async (_request, reply) =>
      reply.type('text/html; charset=utf-8').send('<!doctype html><p>ok</p>'),
    );
    t.app.get('/api/admin/leaky', { onRequest: async (_request, reply) => reply.send({ leaked: true }) }, async () => ({ leaked: false }));
    await t.app.ready();
    const session = await t.auth.startSession({ email: OWNER, issuer: 'test', subject: OWNER, userAgent: null, ip: null }, 'OWNER', null);
    owner = { cookie: `bs_session=${session.sessionId}` };
    adminToken = await t.token('admin');
    evaluateToken = await t.token('evaluate');
  });
  afterAll(async () => {
    await t.close();
    receiver.close();
  });

  const kpis = async (window: string) => {
    const res = await t.app.inject({ url: `/api/admin/kpis?window=${window}`, headers: owner });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<ReportJson>();
  };
  const alerts = async (state: string) => {
    const res = await t.app.inject({ url: `/api/admin/alerts?state=${state}`, headers: { authorization: `Bearer ${adminToken}` } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ alerts: AlertJson[] }>().alerts;
  };
  const byKey = (report: ReportJson) => Object.fromEntries(report.kpis.map((k) => [k.key, k]));

  describe('KPIs', () => {
    const base = clock;
    // Seeded times sit well inside the hourly sparkline buckets (which start at the window's start).
    // Instance A: 12 samples expected every 30 s, two missing (a gap) and one with the database unreachable.
    const aTimes = [0, 1, 2, 3, 4, 7, 8, 9, 10, 11].map((k) => base - 3 * HOUR + 20 * MINUTE + k * 30_000);
    const aDbP95 = [1, 2, 3, 4, 5, 6, 7, 8, 9, 40];
    const aHttpP95 = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    const aMean = [5, 10, 15, 20, 25, 30, 35, 40, 45, null];
    const aRequests = [10, 10, 10, 10, 10, 20, 20, 0, 30, 30];
    // Instance B: 8 consecutive samples, all healthy.
    const bTimes = Array.from({ length: 8 }, (_, k) => base - 5 * HOUR + 20 * MINUTE + k * 30_000);
    const bDbP95 = [2, 2, 2, 2, 3, 3, 3, 60];
    const bHttpP95 = [15, 15, 15, 15, 25, 25, 25, 25];
    const bMean = [8, 8, 8, 8, 12, 12, 12, 12];
    const bRequests = [5, 5, 5, 5, 0, 5, 5, 5];
    const users: Record<string, string> = {};

    beforeAll(async () => {
      const db = t.testDb.database.db;
      const sample = (
        instance: string,
        at: number,
        i: number,
        values: { db: number[]; http: number[]; mean: Array<number | null>; req: number[] },
      ) => ({
        recorded_at: new Date(at),
        instance_id: instance,
        cpu_percent: 10,
        memory_percent: 20,
        rss_bytes: 1,
        heap_used_bytes: 1,
        disk_percent: 30,
        event_loop_lag_ms: 1,
        request_count: values.req[i]!,
        error_count: 0,
        request_rate: 1,
        http_p95_ms: values.http[i]!,
        db_p95_ms: values.db[i]!,
        db_reachable: !(instance === 'instance-a' && i === 3),
        pool_total: 1,
        pool_idle: 1,
        pool_waiting: 0,
        http_mean_ms: values.mean[i]!,
      });
      await db
        .insertInto('system_metrics')
        .values([
          ...aTimes.map((at, i) => sample('instance-a', at, i, { db: aDbP95, http: aHttpP95, mean: aMean, req: aRequests })),
          ...bTimes.map((at, i) => sample('instance-b', at, i, { db: bDbP95, http: bHttpP95, mean: bMean, req: bRequests })),
          // Outside every window asked for below.
          sample('instance-old', base - 40 * 86_400_000, 0, { db: [999], http: [999], mean: [999], req: [1] }),
        ])
        .execute();

      const tester = async (name: string, values: { active: boolean; source: 'admin' | 'import' | 'feedback'; redeemed: boolean }) => {
        const row = await db
          .insertInto('beta_users')
          .values({
            email: `${name}@example.com`,
            invite_code: `invite-${name}-0123456789abcdef0123`,
            is_active: values.active,
            source: values.source,
            redeemed_at: values.redeemed ? new Date(base - 10 * 86_400_000) : null,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        users[name] = row.id;
      };
      await tester('u1', { active: true, source: 'admin', redeemed: true }); // feedback today
      await tester('u2', { active: true, source: 'import', redeemed: false }); // evaluated by id today
      await tester('u3', { active: true, source: 'admin', redeemed: true }); // feedback 3 days ago
      await tester('u4', { active: false, source: 'admin', redeemed: true }); // inactive, feedback today
      await tester('u5', { active: true, source: 'feedback', redeemed: false }); // evaluated by email today

      const feedback = (user: string | null, at: number) => ({
        user_id: user === null ? null : users[user]!,
        rating: 4,
        created_at: new Date(at),
      });
      await db
        .insertInto('beta_feedback')
        .values([
          feedback('u1', base - 2 * HOUR),
          feedback('u1', base - 6 * HOUR),
          feedback('u4', base - 7 * HOUR),
          feedback(null, base - 8 * HOUR),
          feedback('u3', base - 3 * 86_400_000),
          feedback('u1', base - 10 * 86_400_000),
        ])
        .execute();

      const headers = { authorization: `Bearer ${adminToken}` };
      for (const flag of [
        { name: 'alpha', is_enabled: true, rollout_percentage: 100 },
        { name: 'beta', is_enabled: false },
      ]) {
        const res = await t.app.inject({ method: 'POST', url: '/api/admin/flags', headers, payload: flag });
        expect(res.statusCode, res.body).toBe(201);
      }
      await t.flags.store.reload();
      const evaluate = async (flag: string, context: Record<string, string>) => {
        const res = await t.app.inject({
          method: 'POST',
          url: `/ofrep/v1/evaluate/flags/${flag}`,
          headers: { authorization: `Bearer ${evaluateToken}` },
          payload: { context },
        });
        expect(res.statusCode, res.body).toBe(200);
      };
      await evaluate('alpha', { targetingKey: users.u2! });
      await evaluate('beta', { targetingKey: users.u2! });
      await evaluate('alpha', { targetingKey: 'someone-else', email: 'U5@Example.com' });
      await evaluate('alpha', { targetingKey: 'stranger' });
      await t.flags.flushCounts();
      const hourOf = (at: number) => new Date(Math.floor(at / HOUR) * HOUR);
      await db
        .insertInto('flag_evaluations_hourly')
        .values([
          { flag_name: 'alpha', hour: hourOf(base - 5 * HOUR), value: true, count: 10 },
          { flag_name: 'beta', hour: hourOf(base - 30 * HOUR), value: false, count: 4 },
        ])
        .execute();

      await db
        .insertInto('audit_log')
        .values([
          ...[1, 2, 3].map(() => ({ actor: OWNER, action: 'flag.update', entity_type: 'flag', at: new Date(base - 2 * HOUR) })),
          { actor: OWNER, action: 'auth.sign_in', entity_type: 'session', at: new Date(base - 2 * HOUR) },
          { actor: 'token:ci', action: 'flag.update', entity_type: 'flag', at: new Date(base - 2 * HOUR) },
          { actor: OWNER, action: 'flag.update', entity_type: 'flag', at: new Date(base - 3 * 86_400_000) },
          { actor: 'stranger@example.com', action: 'auth.sign_in_refused', entity_type: 'session', at: new Date(base - 4 * HOUR) },
          { actor: 'anonymous', action: 'auth.sign_in_failed', entity_type: 'session', at: new Date(base - 4 * HOUR) },
          { actor: 'anonymous', action: 'auth.sign_in_failed', entity_type: 'session', at: new Date(base - 2 * 86_400_000) },
        ])
        .execute();

      // Admin requests: three refused, two pages and an API call served to the owner, one leak.
      expect((await t.app.inject({ url: '/api/admin/kpis' })).statusCode).toBe(401);
      expect((await t.app.inject({ url: '/api/admin/alerts', headers: { authorization: `Bearer ${evaluateToken}` } })).statusCode).toBe(
        403,
      );
      const page = await t.app.inject({ url: '/admin/beta/kpi-test-page' });
      expect(page.statusCode).toBe(302);
      expect(page.headers.location).toMatch(/^\/sign-in\?next=/);
      for (let i = 0; i < 2; i++) expect((await t.app.inject({ url: '/admin/beta/kpi-test-page', headers: owner })).statusCode).toBe(200);
      expect((await t.app.inject({ url: '/api/admin/audit', headers: owner })).statusCode).toBe(200);
      expect((await t.app.inject({ url: '/api/admin/leaky' })).json()).toEqual({ leaked: true });
      // Unknown admin URLs and malformed requests are neither refused nor served.
      expect((await t.app.inject({ url: '/api/admin/no-such-route' })).statusCode).toBe(404);
      // Responses are counted just after they are sent.
      await new Promise((resolve) => setTimeout(resolve, 50));
    });

    it('answers each figure with its target, verdict and sparkline over 24 hours', async () => {
      const report = await kpis('24h');
      expect(report.window).toBe('24h');
      expect(Date.parse(report.to) - Date.parse(report.from)).toBe(24 * HOUR);
      const k = byKey(report);

      // Uptime: A served 9 of 12 expected samples (one unreachable, two missing), B 8 of 8.
      expect(report.instances).toEqual([
        { instance_id: 'instance-a', uptime_pct: 75, samples: 10 },
        { instance_id: 'instance-b', uptime_pct: 100, samples: 8 },
      ]);
      // Overall, in 30 s slots over the whole window (instance-old sampled before it): a slot is up
      // when some instance served in it. 17 serving samples (B 8, A 9) of 2880 slots: the window's
      // start to B, B to A, A's gaps and A's last sample to now (nothing has reported since) are down.
      expect(k.uptime).toMatchObject({ value: round3((100 * 17) / 2880), unit: '%', target: '> 99.9 %', status: 'fail' });
      const from = Date.parse(report.from);
      const bucketOf = (at: number) => Math.floor((at - from) / HOUR);
      expect(k.uptime!.series).toHaveLength(24);
      expect(k.uptime!.series[bucketOf(aTimes[0]!)]!.v).toBe(7.5); // 9 of 120
      expect(k.uptime!.series[bucketOf(bTimes[0]!)]!.v).toBe(round3((100 * 8) / 120));
      expect(k.uptime!.series.filter((p) => p.v === 0)).toHaveLength(22);

      const dbP95 = round3(percentileCont([...aDbP95, ...bDbP95], 0.95));
      expect(k.db_p95_ms).toMatchObject({
        value: dbP95,
        unit: 'ms',
        target: '< 50 ms',
        status: dbP95 < 50 ? 'pass' : dbP95 < 100 ? 'warn' : 'fail',
      });
      expect(dbP95).toBe(round3(40 + 0.15 * 20)); // 18 values: rank 16.15 between 40 and 60
      expect(k.db_p95_ms!.series[bucketOf(aTimes[0]!)]!.v).toBe(round3(percentileCont(aDbP95, 0.95)));

      const withRequests = [...aHttpP95.filter((_, i) => aRequests[i]! > 0), ...bHttpP95.filter((_, i) => bRequests[i]! > 0)];
      expect(k.api_p95_ms).toMatchObject({ value: round3(percentileCont(withRequests, 0.95)), target: '< 500 ms', status: 'pass' });
      const weighted = [...aMean.map((m, i) => [m, aRequests[i]!] as const), ...bMean.map((m, i) => [m, bRequests[i]!] as const)].filter(
        (pair): pair is readonly [number, number] => pair[0] !== null,
      );
      const average = weighted.reduce((sum, [m, n]) => sum + m * n, 0) / weighted.reduce((sum, [, n]) => sum + n, 0);
      expect(k.api_avg_ms).toMatchObject({ value: round3(average), target: '< 200 ms', status: 'pass' });

      expect(k.refused_admin_requests).toMatchObject({ value: 3, status: 'tracked' });
      expect(k.refused_sign_ins).toMatchObject({ value: 2, unit: 'count', status: 'tracked' });
      expect(k.refused_sign_ins!.series[bucketOf(base - 4 * HOUR)]!.v).toBe(2);
      expect(k.auth_bypass_incidents).toMatchObject({ value: 1, target: '= 0', status: 'fail' });
      // Two flag creations with the admin token, two pages and one API call as the owner, one leak.
      expect(k.admin_requests_identified).toMatchObject({ value: round3((100 * 5) / 6), target: '= 100 %', status: 'fail' });
      expect(k.auth_bypass_incidents!.series.reduce((sum, p) => sum + (p.v ?? 0), 0)).toBe(1);

      // Active testers u1, u2, u3, u5; engaged: u1 (feedback), u2 (evaluated by id), u5 (by email).
      expect(k.engagement_rate).toMatchObject({ value: 75, unit: '%', status: 'pass' });
      // Invited (added or imported): u1–u4, of whom u1, u3 and u4 redeemed.
      expect(k.invite_redemption_rate).toMatchObject({ value: 75, status: 'pass' });
      expect(k.feedback_per_day).toMatchObject({ value: 4, unit: 'per day', status: 'pass' });
      expect(k.feedback_per_tester).toMatchObject({ value: 1, unit: 'per tester' });

      expect(report.flags).toEqual([
        { name: 'alpha', evaluations: 13, true_share: 1, testers_reached: 2 },
        { name: 'beta', evaluations: 1, true_share: 0, testers_reached: 1 },
      ]);

      const today = now().toISOString().slice(0, 10);
      const auditDay = new Date(base - 2 * HOUR).toISOString().slice(0, 10);
      const expected = new Map<string, { email: string; day: string; page_views: number; actions: number }>();
      expected.set(today, { email: OWNER, day: today, page_views: 2, actions: 0 });
      const audited = expected.get(auditDay) ?? { email: OWNER, day: auditDay, page_views: 0, actions: 0 };
      expected.set(auditDay, { ...audited, actions: 3 });
      expect(report.console_usage).toEqual([...expected.values()].sort((a, b) => (a.day < b.day ? 1 : -1)));
    });

    it('widens every figure with the window', async () => {
      const k = byKey(await kpis('7d'));
      expect(k.feedback_per_day).toMatchObject({ value: round3(5 / 7), status: 'warn' });
      expect(k.engagement_rate).toMatchObject({ value: 100 });
      expect(k.refused_sign_ins).toMatchObject({ value: 3 });
      expect(k.uptime!.series).toHaveLength(28);
      const flags = (await kpis('7d')).flags;
      expect(flags.find((f) => f.name === 'beta')).toEqual({ name: 'beta', evaluations: 5, true_share: 0, testers_reached: 1 });
      const month = await kpis('30d');
      expect(byKey(month).feedback_per_day!.value).toBe(round3(6 / 30));
      expect(month.instances.map((i) => i.instance_id)).toEqual(['instance-a', 'instance-b']);
    });

    it('refuses callers without admin rights and unknown windows', async () => {
      expect((await t.app.inject({ url: '/api/admin/kpis?window=24h' })).statusCode).toBe(401);
      const asEvaluator = await t.app.inject({ url: '/api/admin/kpis', headers: { authorization: `Bearer ${evaluateToken}` } });
      expect(asEvaluator.statusCode).toBe(403);
      const bad = await t.app.inject({ url: '/api/admin/kpis?window=1h', headers: owner });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toEqual({ error: { code: 'VALIDATION_ERROR', message: expect.any(String) } });
      expect((await t.app.inject({ url: '/api/admin/alerts?state=maybe', headers: owner })).statusCode).toBe(400);
    });
  });

  describe('alerts', () => {
    const healthy = { cpuPercent: 20, memoryPercent: 40, diskPercent: 50, dbP95Ms: 2, requestCount: 10, errorCount: 0, dbReachable: true };
    const feed = async (patch: Partial<AlertSample> = {}) => {
      t.kpis.onSample({ ...healthy, at: now(), ...patch });
      clock += 30_000;
      await t.kpis.idle();
    };

    it('opens after two samples, records the alert once, posts it to the webhook (retrying after a 500) and resolves it', async () => {
      await feed({ cpuPercent: 99 });
      expect(await alerts('open')).toEqual([]);
      await feed({ cpuPercent: 97.5 });
      await feed({ cpuPercent: 98 });
      const open = await alerts('open');
      expect(open).toEqual([
        expect.objectContaining({ rule: 'cpu_high', instance_id: INSTANCE, state: 'open', value: 98, threshold: 95, resolved_at: null }),
      ]);
      expect(Date.parse(open[0]!.last_seen) - Date.parse(open[0]!.first_seen)).toBe(30_000);

      // The first delivery got a 500; the same notice came again and was accepted.
      expect(receiver.received.map((r) => r.status)).toEqual([500, 200]);
      expect(receiver.received[1]!.body).toEqual(receiver.received[0]!.body);
      expect(receiver.received[0]!.contentType).toBe('application/json');
      const notice = receiver.received[1]!.body as { text: string; status: string; alert: Record<string, unknown> };
      expect(notice.text).toContain(`cpu_high on ${INSTANCE}`);
      expect(notice.text).toContain('CPU at 97.5 %');
      expect(notice.status).toBe('firing');
      expect(notice.alert).toMatchObject({
        id: open[0]!.id,
        rule: 'cpu_high',
        instance_id: INSTANCE,
        state: 'open',
        threshold: 95,
        resolved_at: null,
      });

      await feed();
      expect(await alerts('open')).toHaveLength(1);
      const resolvingSampleAt = now().toISOString();
      await feed();
      expect(await alerts('open')).toEqual([]);
      const resolved = await alerts('resolved');
      expect(resolved).toEqual([expect.objectContaining({ id: open[0]!.id, state: 'resolved', value: 20, message: 'CPU back to 20 %' })]);
      // Resolved by the second healthy sample, at its time.
      expect(resolved[0]!.resolved_at).toBe(resolvingSampleAt);
      expect(receiver.received).toHaveLength(3);
      expect(receiver.received[2]!.body).toMatchObject({ status: 'resolved', alert: { id: open[0]!.id, state: 'resolved' } });
    });

    it('does not send an alert that opens again within the cooldown, and sends it once the cooldown is over', async () => {
      await feed({ cpuPercent: 99 });
      await feed({ cpuPercent: 99 });
      await feed();
      await feed();
      // Recorded (a second alert row) but not sent: the first opening was under 10 minutes ago.
      expect((await alerts('all')).filter((a) => a.rule === 'cpu_high')).toHaveLength(2);
      expect(receiver.received).toHaveLength(3);

      clock += 10 * MINUTE;
      await feed({ cpuPercent: 99 });
      await feed({ cpuPercent: 99 });
      expect(receiver.received).toHaveLength(4);
      expect(receiver.received[3]!.body).toMatchObject({ status: 'firing', alert: { rule: 'cpu_high' } });
      await feed();
      await feed();
      expect(receiver.received).toHaveLength(5);
      expect(await alerts('open')).toEqual([]);
    });

    it('keeps one open alert per rule and instance in the database, and resolves those of instances gone silent', async () => {
      const db = t.testDb.database.db;
      const row = {
        rule: 'memory_high',
        instance_id: 'gone-instance',
        state: 'open' as const,
        value: 97,
        threshold: 95,
        message: 'memory at 97 %',
        first_seen: new Date(now().getTime() - HOUR),
        last_seen: new Date(now().getTime() - HOUR),
      };
      await db.insertInto('alerts').values(row).execute();
      await expect(db.insertInto('alerts').values(row).execute()).rejects.toThrow();
      expect((await alerts('open')).map((a) => a.instance_id)).toEqual(['gone-instance']);

      await feed();
      expect(await alerts('open')).toEqual([]);
      const gone = (await alerts('resolved')).find((a) => a.instance_id === 'gone-instance');
      expect(gone?.message).toBe('memory at 97 % (instance stopped reporting)');
    });

    it('raises /healthz failing while the database is unreachable, and lists alerts newest first', async () => {
      await feed({ dbReachable: false });
      await feed({ dbReachable: false });
      const open = await alerts('open');
      expect(open).toEqual([
        expect.objectContaining({ rule: 'healthz_failing', message: '/healthz failing: database unreachable for 2 samples' }),
      ]);
      const all = await alerts('all');
      expect(all[0]!.rule).toBe('healthz_failing');
      const firstSeen = all.map((a) => Date.parse(a.first_seen));
      expect(firstSeen).toEqual([...firstSeen].sort((a, b) => b - a));
      await feed();
      await feed();
    });

    it('announces an alert it cannot record, and records it once the database takes writes again', async () => {
      clock += 11 * MINUTE; // past the webhook cooldown of the /healthz alert above
      const db = t.testDb.database.db;
      type Notice = { status: string; alert: { id: string | null; rule: string; state: string } };
      // These failed samples also take this instance's 24 h uptime below target: only /healthz is followed here.
      const healthz = () => receiver.received.map((r) => r.body as Notice).filter((n) => n.alert.rule === 'healthz_failing');
      const before = healthz().length;
      await sql`ALTER TABLE alerts RENAME TO alerts_unavailable`.execute(db);
      try {
        await feed({ dbReachable: false });
        await feed({ dbReachable: false });
      } finally {
        await sql`ALTER TABLE alerts_unavailable RENAME TO alerts`.execute(db);
      }
      expect(healthz().slice(before)).toEqual([
        { status: 'firing', text: expect.any(String), alert: expect.objectContaining({ id: null, state: 'open' }) },
      ]);
      expect(await alerts('open')).toEqual([]);

      await feed({ dbReachable: false });
      const open = (await alerts('open')).filter((a) => a.rule === 'healthz_failing');
      expect(open).toEqual([expect.objectContaining({ state: 'open' })]);
      expect(Date.parse(open[0]!.last_seen) - Date.parse(open[0]!.first_seen)).toBe(30_000);
      await feed();
      await feed();
      expect((await alerts('open')).map((a) => a.rule)).not.toContain('healthz_failing');
      expect(healthz().slice(before + 1)).toEqual([
        { status: 'resolved', text: expect.any(String), alert: expect.objectContaining({ id: open[0]!.id, state: 'resolved' }) },
      ]);
    });
  });

  describe('fleet uptime', () => {
    // Its own database: one instance replaced by another (a rolling restart), a crash an hour long,
    // and an outage going on since the restarted instance's last sample.
    let f: TestApp;
    const end = Date.parse('2026-06-01T12:00:00.000Z');
    let fleetClock = end;
    const x = Array.from({ length: 240 }, (_, k) => end - 6 * HOUR + k * 30_000); // until 4 h ago (less 30 s)
    const y = Array.from({ length: 120 }, (_, k) => end - 4 * HOUR + 10_000 + k * 30_000); // 40 s after x's last
    const z = Array.from({ length: 60 }, (_, k) => end - 2 * HOUR + 10_000 + k * 30_000); // 1 h after y's last; last 90 min ago

    beforeAll(async () => {
      f = await createTestApp({ ADMIN_EMAILS: OWNER, METRICS_INTERVAL_S: '30' }, { now: () => new Date(fleetClock) });
      await f.app.ready();
      const row = (instance: string, at: number) => ({
        recorded_at: new Date(at),
        instance_id: instance,
        cpu_percent: 10,
        memory_percent: 20,
        rss_bytes: 1,
        heap_used_bytes: 1,
        disk_percent: 30,
        event_loop_lag_ms: 1,
        request_count: 0,
        error_count: 0,
        request_rate: 0,
        http_p95_ms: 0,
        db_p95_ms: 1,
        db_reachable: true,
        pool_total: 1,
        pool_idle: 1,
        pool_waiting: 0,
        http_mean_ms: null,
      });
      await f.testDb.database.db
        .insertInto('system_metrics')
        .values([...x.map((at) => row('host-1-x', at)), ...y.map((at) => row('host-1-y', at)), ...z.map((at) => row('host-1-z', at))])
        .execute();
    });
    afterAll(async () => {
      await f.close();
    });

    const report = async () => {
      const res = await f.app.inject({ url: '/api/admin/kpis?window=24h', headers: { authorization: `Bearer ${await f.token('admin')}` } });
      expect(res.statusCode, res.body).toBe(200);
      return res.json<ReportJson>();
    };

    it('counts the crash-to-restart gap and the outage going on as down, not the rolling restart', async () => {
      fleetClock = end;
      const r = await report();
      // From the first sample (6 h ago): 720 slots. Down: the 120 samples due between y's last and
      // z's first, and the 180 due since z's last. (240 + 120 + 60) / 720.
      expect(byKey(r).uptime).toMatchObject({ value: round3((100 * 420) / 720), status: 'fail' });
      expect(
        byKey(r)
          .uptime!.series.slice(17)
          .map((p) => p.v),
      ).toEqual([null, 100, 100, 100, 0, 50, 0]);
      // Each instance's own figure covers its first to its last sample only.
      expect(r.instances).toEqual([
        { instance_id: 'host-1-x', uptime_pct: 100, samples: 240 },
        { instance_id: 'host-1-y', uptime_pct: 100, samples: 120 },
        { instance_id: 'host-1-z', uptime_pct: 100, samples: 60 },
      ]);

      // Three hours ago, just after the rolling restart (y's last sample 20 s before): all up.
      fleetClock = end - 3 * HOUR;
      expect(byKey(await report()).uptime).toMatchObject({ value: 100, status: 'pass' });
    });

    it('starts the uptime alert of a new instance from the recorded downtime', async () => {
      fleetClock = end;
      const alerting = createAlerting({
        db: f.testDb.database.db,
        instanceId: 'host-1-restarted',
        thresholds: { ...f.config.alerts, intervalS: 30 },
        logger: { warn: () => undefined, info: () => undefined },
        now: () => new Date(fleetClock),
      });
      const healthy = {
        cpuPercent: 20,
        memoryPercent: 40,
        diskPercent: 50,
        dbP95Ms: 2,
        requestCount: 10,
        errorCount: 0,
        dbReachable: true,
      };
      for (let i = 0; i < 2; i++) alerting.onSample({ ...healthy, at: new Date(end + i * 30_000) });
      await alerting.idle();
      const open = await f.testDb.database.db.selectFrom('alerts').selectAll().where('state', '=', 'open').execute();
      // 300 slots of 30 s down in the last 24 h: 100 × (1 − 9000 / 86400).
      expect(open).toEqual([
        expect.objectContaining({
          rule: 'uptime_low',
          instance_id: 'host-1-restarted',
          message: 'uptime over the last 24 h at 89.583 % (target 99.9 %)',
        }),
      ]);
    });
  });

  describe('in a running server', () => {
    it('evaluates the rules on every collected sample, logs the opening at warn and posts it to the webhook', async () => {
      const hooks = await startReceiver(0);
      const db = await cloneTemplate();
      const server = await startServer(
        serverEnv(db, { METRICS_INTERVAL_S: '1', ALERT_MEMORY_PCT: '0', ALERT_FOR_SAMPLES: '2', ALERT_WEBHOOK_URL: hooks.url }),
      );
      try {
        type Notice = { text: string; alert: { rule: string; instance_id: string; threshold: number; message: string } };
        // Other rules may fire too on a busy machine; memory in use is always above 0 %.
        const memory = () => hooks.received.map((r) => r.body as Notice).filter((n) => n.alert.rule === 'memory_high');
        await expect.poll(() => memory().length, { timeout: 15_000, interval: 200 }).toBe(1);
        const first = memory()[0]!;
        expect(first.alert).toMatchObject({ rule: 'memory_high', threshold: 0 });
        expect(first.text).toContain(`memory_high on ${first.alert.instance_id}`);
        const opened = server.logs().filter((l) => l.msg === `alert: ${first.alert.message}`);
        expect(opened).toEqual([expect.objectContaining({ level: 40, rule: 'memory_high' })]);
        // Still one notice however many samples follow while the alert stays open.
        await new Promise((resolve) => setTimeout(resolve, 2500));
        expect(memory()).toHaveLength(1);
        expect(server.output()).not.toContain(hooks.url);
        expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      } finally {
        await server.stop('SIGKILL');
        hooks.close();
        await db.drop();
      }
    });
  });
});
