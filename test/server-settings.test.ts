// Settings whose effect only shows over time or in the background, each set to a non-default value
// and observed through the real server: a `beta-suite serve` process for the background jobs
// (metrics retention, evaluation-count flushes, connection recycling, webhook retries), the app on
// a clock the test moves for sessions and stale flags, and the app on real time for the slow-query
// cooldown. Each expectation fails if the server kept the default instead.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.js';
import { quietLogger } from './helpers/database-urls.js';
import { send } from './helpers/http-client.js';
import { systemMetricsRow } from './helpers/system-metrics.js';
import { runCli, serverEnv, startServer, type ServerProcess } from './helpers/server-process.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';
import { cloneTemplate, TEST_DATABASE_KIND, TEST_POOL, type TestDatabaseLocation } from './helpers/test-database.js';

const DAY_MS = 86_400_000;

interface Delivery {
  rule: string;
  at: number;
}

/**
 * A webhook receiver: the first delivery of memory_high gets no answer at all (the server's 5 s
 * timeout), the first of disk_high a 429; everything else 200.
 */
async function webhookReceiver() {
  const deliveries: Delivery[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const { alert } = JSON.parse(body) as { alert: { rule: string; state: string } };
      if (alert.state !== 'open') return void res.writeHead(200).end();
      const first = !deliveries.some((d) => d.rule === alert.rule);
      deliveries.push({ rule: alert.rule, at: Date.now() });
      if (first && alert.rule === 'memory_high') return; // never answered
      res.writeHead(first && alert.rule === 'disk_high' ? 429 : 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    deliveries,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe(`settings seen in a running server (${TEST_DATABASE_KIND})`, () => {
  let db: TestDatabaseLocation;
  let server: ServerProcess;
  let receiver: Awaited<ReturnType<typeof webhookReceiver>>;
  let admin: string;
  let evaluate: string;
  const seededAt = Date.now();

  beforeAll(async () => {
    db = await cloneTemplate();
    // Samples from before this instance: one inside the 2-day retention, one past it (kept by the default 14 days).
    const seeding = await openDatabase({ databaseUrl: db.databaseUrl, dataDir: db.dataDir, pool: TEST_POOL, logger: quietLogger });
    await seeding.db
      .insertInto('system_metrics')
      .values([
        systemMetricsRow('seeded', new Date(seededAt - 1.5 * DAY_MS), 11.1),
        systemMetricsRow('seeded', new Date(seededAt - 2.5 * DAY_MS), 33.3),
      ])
      .execute();
    await seeding.close();
    const token = async (scope: string) => {
      const result = await runCli(['token', 'create', '--name', `settings-${scope}`, '--scope', scope], serverEnv(db));
      if (result.code !== 0) throw new Error(result.stderr);
      return result.stdout.trim();
    };
    admin = await token('admin');
    evaluate = await token('evaluate');
    receiver = await webhookReceiver();
    server = await startServer(
      serverEnv(db, {
        METRICS_INTERVAL_S: '1',
        METRICS_RETENTION_DAYS: '2',
        FLAG_COUNTS_FLUSH_S: '1',
        DB_POOL_RECYCLE_S: '1',
        ALERT_WEBHOOK_URL: receiver.url,
        ALERT_FOR_SAMPLES: '1',
        ALERT_MEMORY_PCT: '0',
        ALERT_DISK_PCT: '0',
      }),
    );
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
    await db?.drop();
  });

  const api = async (path: string, init: { method?: string; body?: unknown; token?: string } = {}) => {
    const res = await send(`${server.baseUrl}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${init.token ?? admin}`,
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    return { status: res.status, json: () => JSON.parse(res.body!) as Record<string, unknown> };
  };

  it('METRICS_RETENTION_DAYS=2 prunes samples older than two days and keeps younger ones', async () => {
    const seeded = async () => {
      const series = (await api('/api/admin/metrics/series?range=7d')).json() as { points: Array<{ t: string; cpu_percent: number }> };
      return series.points.filter((p) => Date.parse(p.t) < seededAt - DAY_MS).map((p) => p.cpu_percent);
    };
    // The collector prunes after each sample (every second here).
    await expect.poll(seeded, { timeout: 15_000, interval: 250 }).toEqual([11.1]);
  });

  it('FLAG_COUNTS_FLUSH_S=1 writes evaluation counts within seconds, not the default minute', async () => {
    expect(
      (await api('/api/admin/flags', { method: 'POST', body: { name: 'flush-probe', is_enabled: true, rollout_percentage: 100 } })).status,
    ).toBe(201);
    const evaluated = await api('/ofrep/v1/evaluate/flags/flush-probe', {
      method: 'POST',
      token: evaluate,
      body: { context: { targetingKey: 'u1' } },
    });
    expect(evaluated.json()).toMatchObject({ value: true });
    const started = Date.now();
    await expect
      .poll(async () => ((await api('/api/admin/flags/flush-probe')).json().adoption as { evaluations_24h: number }).evaluations_24h, {
        timeout: 5_000,
        interval: 100,
      })
      .toBe(1);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('retries a webhook delivery that timed out, and one answered 429, after the backoff', { timeout: 30_000 }, async () => {
    const attempts = (rule: string) => receiver.deliveries.filter((d) => d.rule === rule);
    await expect.poll(() => attempts('disk_high').length, { timeout: 20_000, interval: 100 }).toBe(2);
    const failed = (rule: string) => server.logs().find((l) => l.msg === 'alert webhook failed' && l.rule === rule)!;
    expect(failed('memory_high')).toMatchObject({ attempt: 1, reason: 'TimeoutError', willRetry: true });
    expect(failed('disk_high')).toMatchObject({ attempt: 1, reason: 'status 429', willRetry: true });
    const [timedOut, retried] = attempts('memory_high');
    // Given up after the 5 s timeout (less however long the request took to arrive), retried 1 s later.
    expect((failed('memory_high').time as number) - timedOut!.at).toBeGreaterThanOrEqual(4_000);
    expect(retried!.at - (failed('memory_high').time as number)).toBeGreaterThanOrEqual(990);
    expect(attempts('disk_high')[1]!.at - (failed('disk_high').time as number)).toBeGreaterThanOrEqual(990);
    // The receiver answers before the server logs the delivery: wait for the log line.
    const delivered = () => server.logs().filter((l) => l.msg === 'alert webhook delivered' && l.attempt === 2);
    await expect
      .poll(
        () =>
          delivered()
            .map((l) => l.rule)
            .sort(),
        { timeout: 5_000 },
      )
      .toEqual(['disk_high', 'memory_high']);
  });

  it.skipIf(TEST_DATABASE_KIND !== 'postgres')('DB_POOL_RECYCLE_S=1 replaces every pooled connection within seconds', async () => {
    const direct = new pg.Client({ connectionString: db.databaseUrl });
    await direct.connect();
    try {
      const pids = async () =>
        (
          await direct.query<{ pid: number }>(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'beta-suite'",
          )
        ).rows.map((r) => r.pid);
      // With 1 s lifetimes the pool can be empty for a moment (a connection past its second closes when
      // released): answer a request and look again until one is open, so the comparison below has something to compare.
      const open = async () => {
        for (let i = 0; i < 20; i++) {
          expect((await api('/api/admin/flags')).status).toBe(200);
          const found = await pids();
          if (found.length > 0) return found;
        }
        return [];
      };
      const before = await open();
      // How many are open depends on when recycling struck: at least one, at most DB_POOL_MAX (10 by default).
      expect(before.length).toBeGreaterThanOrEqual(1);
      expect(before.length).toBeLessThanOrEqual(10);
      // Keep the pool busy for three seconds: with the default hour, the same connections would stay.
      for (const until = Date.now() + 3_000; Date.now() < until;) {
        expect((await api('/api/admin/flags')).status).toBe(200);
        await new Promise((r) => setTimeout(r, 100));
      }
      const after = await open();
      expect(after.length).toBeGreaterThanOrEqual(1);
      expect(after.length).toBeLessThanOrEqual(10);
      expect(after.filter((pid) => before.includes(pid))).toEqual([]);
    } finally {
      await direct.end();
    }
  });
});

describe('settings seen on the server clock', () => {
  let t: TestApp;
  let clock = Date.now();
  let admin: string;

  beforeAll(async () => {
    t = await createTestApp(
      { SESSION_IDLE_TIMEOUT_MIN: '5', SESSION_ABSOLUTE_TIMEOUT_H: '1', FLAG_STALE_DAYS: '2' },
      { now: () => new Date(clock) },
    );
    admin = await t.token('admin');
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  const signIn = async () => {
    const link = await t.auth.mintLoginLink('test');
    const res = await t.app.inject(`/auth/link?token=${link.token}`);
    expect(res.statusCode).toBe(303);
    return String(res.headers['set-cookie']).split(';')[0]!;
  };
  const me = async (cookie: string) => (await t.app.inject({ url: '/auth/me', headers: { cookie } })).statusCode;

  it('SESSION_IDLE_TIMEOUT_MIN=5 ends a session after five idle minutes', async () => {
    const cookie = await signIn();
    clock += 4 * 60_000;
    expect(await me(cookie)).toBe(200);
    clock += 5 * 60_000 + 1_000;
    expect(await me(cookie)).toBe(401);
  });

  it('SESSION_ABSOLUTE_TIMEOUT_H=1 ends a busy session an hour after sign-in', async () => {
    const cookie = await signIn();
    for (let minutes = 4; minutes <= 56; minutes += 4) {
      clock += 4 * 60_000;
      expect(await me(cookie), `after ${minutes} min`).toBe(200);
    }
    // Four minutes and a second later: within the idle timeout, past the hour.
    clock += 4 * 60_000 + 1_000;
    expect(await me(cookie)).toBe(401);
  });

  it('FLAG_STALE_DAYS=2 reports a flag nobody evaluated for two days as stale', async () => {
    const headers = { authorization: `Bearer ${admin}` };
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/admin/flags',
      headers,
      payload: { name: 'stale-probe', is_enabled: true, rollout_percentage: 50 },
    });
    expect(created.statusCode).toBe(201);
    const adoption = async () => {
      const list = (await t.app.inject({ url: '/api/admin/flags', headers })).json<{ items: Array<{ name: string; adoption: unknown }> }>();
      return list.items.find((f) => f.name === 'stale-probe')!.adoption;
    };
    clock += 1.5 * DAY_MS;
    expect(await adoption()).toMatchObject({ stale: false, stale_reason: null });
    clock += DAY_MS;
    expect(await adoption()).toMatchObject({ stale: true, stale_reason: 'not evaluated for over 2 days' });
  });
});

describe('the slow-query cooldown on real time', () => {
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    t = await createTestApp({ SLOW_QUERY_MS: '5', SLOW_QUERY_COOLDOWN_S: '5' });
    admin = await t.token('admin');
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  it('SLOW_QUERY_COOLDOWN_S=5 explains a slow shape once, and again once five seconds have passed', { timeout: 60_000 }, async () => {
    const slowQuery = () => sql`SELECT count(*) FROM generate_series(1, 200000) AS g WHERE g % 7 = 3`.execute(t.testDb.database.db);
    const explained = async () => {
      await t.dbInsights.idle();
      const res = await t.app.inject({ url: '/api/admin/db/report', headers: { authorization: `Bearer ${admin}` } });
      return res.json<{ slow_queries: Array<{ query: string }> }>().slow_queries.filter((q) => q.query.includes('generate_series')).length;
    };
    const first = Date.now();
    await slowQuery();
    await slowQuery();
    expect(Date.now() - first).toBeLessThan(5_000); // both within one cooldown
    expect(await explained()).toBe(1);
    await new Promise((r) => setTimeout(r, Math.max(0, first + 5_500 - Date.now())));
    await slowQuery();
    expect(await explained()).toBe(2); // the default hour would still hold it back
  });
});
