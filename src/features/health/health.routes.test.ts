import { freemem, totalmem } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/test-app.js';
import { TEST_DATABASE_KIND, TEST_POOL } from '../../../test/helpers/test-database.js';

describe('health routes', () => {
  let t: TestApp;
  let monitor: string;
  let admin: string;
  let evaluate: string;

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.ready();
    await t.testDb.database.probe();
    [monitor, admin, evaluate] = await Promise.all([t.token('monitor'), t.token('admin'), t.token('evaluate')]);
  });
  afterAll(() => t.close());

  it('GET /healthz passes while serving, without caching', async () => {
    const res = await t.app.inject('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'pass' });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('GET /healthz answers from the probe state, not a query per request', async () => {
    const before = t.metrics.snapshot().database.total;
    for (let i = 0; i < 20; i++) await t.app.inject('/healthz');
    expect(t.metrics.snapshot().database.total).toBe(before);
  });

  it('GET /healthz fails with 503 once shutdown has begun, while /livez still passes', async () => {
    const t2 = await createTestApp();
    try {
      t2.lifecycle.beginShutdown();
      const res = await t2.app.inject('/healthz');
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ status: 'fail' });
      expect(res.headers['retry-after']).toBe('5');
      expect((await t2.app.inject('/livez')).statusCode).toBe(200);
      const detailed = await t2.app.inject('/health/detailed');
      expect(detailed.statusCode).toBe(503);
      expect(detailed.json().checks['service:lifecycle'][0].status).toBe('fail');
    } finally {
      await t2.close();
    }
  });

  it('GET /livez reports liveness only', async () => {
    const res = await t.app.inject('/livez');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'pass' });
  });

  it('GET /health/detailed shows verdicts but no readings to anonymous callers', async () => {
    const res = await t.app.inject('/health/detailed');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/health\+json/);
    const body = res.json();
    expect(body.status).toMatch(/^(pass|warn)$/);
    expect(body.releaseId).toBeUndefined();
    const keys = Object.keys(body.checks);
    expect(keys).toEqual(
      expect.arrayContaining([
        'database:connectivity',
        'database:responseTime',
        'database:connections',
        'memory:utilization',
        'cpu:utilization',
        'disk:utilization',
        'eventloop:lag',
        'uptime',
      ]),
    );
    for (const key of keys) {
      const [check] = body.checks[key];
      expect(check.observedValue).toBeUndefined();
      expect(check.status).toMatch(/^(pass|warn|fail)$/);
      expect(Date.parse(check.time)).not.toBeNaN();
    }
  });

  it('GET /health/detailed shows readings to monitor and admin tokens, not to evaluate tokens', async () => {
    for (const token of [monitor, admin]) {
      const res = await t.app.inject({ url: '/health/detailed', headers: { authorization: `Bearer ${token}` } });
      const body = res.json();
      expect(body.releaseId).toBe('0.0.0-test');
      expect(body.serviceId).toBe('test-instance');
      expect(body.checks['database:connectivity'][0].observedValue).toBe(true);
      expect(body.checks['database:responseTime'][0].observedUnit).toBe('ms');
      expect(typeof body.checks['memory:utilization'][0].observedValue).toBe('number');
      expect(body.checks['uptime'][0].observedUnit).toBe('s');
    }
    const res = await t.app.inject({ url: '/health/detailed', headers: { 'x-api-key': evaluate } });
    expect(res.json().checks['memory:utilization'][0].observedValue).toBeUndefined();
  });

  it.each(['/health/metrics', '/metrics'])('%s refuses anonymous, unknown and evaluate tokens', async (url) => {
    const anonymous = await t.app.inject(url);
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
    expect(anonymous.headers['www-authenticate']).toBe('Bearer');
    const forged = await t.app.inject({ url, headers: { authorization: `Bearer bst_${'x'.repeat(43)}` } });
    expect(forged.statusCode).toBe(401);
    const wrongScope = await t.app.inject({ url, headers: { authorization: `Bearer ${evaluate}` } });
    expect(wrongScope.statusCode).toBe(403);
    expect(wrongScope.json().error.code).toBe('FORBIDDEN');
  });

  it('GET /health/metrics reports requests, per-route counts, percentiles, DB stats per type and resources', async () => {
    const before = t.metrics.snapshot();
    await t.app.inject('/livez');
    await t.app.inject('/livez');
    await t.app.inject('/no-such-route');
    const res = await t.app.inject({ url: '/health/metrics', headers: { authorization: `Bearer ${monitor}` } });
    const after = t.metrics.snapshot();
    expect(res.statusCode).toBe(200);
    const body = res.json();
    // A request is counted once answered: the figures hold this test's three requests, not the one asking.
    expect(body.requests.perRoute['GET /livez']).toBe((before.requests.perRoute['GET /livez'] ?? 0) + 2);
    expect(body.requests.perRoute['GET unmatched']).toBe((before.requests.perRoute['GET unmatched'] ?? 0) + 1);
    expect(body.requests.total).toBe(before.requests.total + 3);
    expect(after.requests.total).toBe(before.requests.total + 4);
    expect(body.requests.successRate).toBe(1);
    expect(body.database.reachable).toBe(true);
    // Query counters as they stood while the request was answered: between those read before and after
    // (the request's own token lookup may fall in between). The three tokens of this file were inserts.
    const types = ['DELETE', 'INSERT', 'OTHER', 'SELECT', 'UPDATE'] as const;
    expect(Object.keys(body.database.perType).sort()).toEqual(types);
    for (const type of types) {
      expect(body.database.perType[type].total, type).toBeGreaterThanOrEqual(before.database.perType[type].total);
      expect(body.database.perType[type].total, type).toBeLessThanOrEqual(after.database.perType[type].total);
    }
    expect(before.database.perType.INSERT.total).toBeGreaterThanOrEqual(3);
    expect(body.database.total).toBe(types.reduce((n, type) => n + (body.database.perType[type].total as number), 0));
    expect(body.database.pool.max).toBe(TEST_DATABASE_KIND === 'pglite' ? 1 : TEST_POOL.max);
    // The app runs in this process: its figures are this process's and this machine's.
    const rss = process.memoryUsage().rss;
    expect(body.system.rssBytes).toBeGreaterThan(rss * 0.5);
    expect(body.system.rssBytes).toBeLessThan(rss * 1.5);
    const usedPercent = (1 - freemem() / totalmem()) * 100;
    expect(Math.abs(body.system.memoryPercent - usedPercent)).toBeLessThan(15);
  });

  it('GET /metrics serves Prometheus exposition with route templates and DB histograms', async () => {
    const res = await t.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${admin}` } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/^http_request_duration_seconds_bucket\{.*route="\/livez".*\} \d+$/m);
    expect(res.body).toMatch(/^db_query_duration_seconds_count\{type="SELECT"\} [1-9]\d*$/m);
    expect(res.body).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(res.body).toMatch(/^db_pool_connections\{state="max"\} \d+$/m);
    expect(res.body).toMatch(/^db_reachable 1$/m);
    expect(res.body).not.toContain('/no-such-route');
  });
});
