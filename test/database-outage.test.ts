// PostgreSQL going away behind a cuttable proxy: /healthz fails within seconds, /livez keeps
// passing, routes that need the database answer 503 with Retry-After instead of hanging, and
// everything recovers on its own when the database returns.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/core/config.js';
import { createLifecycle } from '../src/core/lifecycle.js';
import { createMetrics } from '../src/core/metrics.js';
import { openDatabase, type Database } from '../src/db/database.js';
import { quietLogger } from './helpers/database-urls.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';
import { cloneTemplate, TEST_DATABASE_KIND, type TestDatabaseLocation } from './helpers/test-database.js';

describe.skipIf(TEST_DATABASE_KIND !== 'postgres')('database outage (PostgreSQL)', () => {
  let location: TestDatabaseLocation;
  let proxy: TcpProxy;
  let database: Database;
  let built: App;
  let baseUrl: string;

  beforeAll(async () => {
    location = await cloneTemplate();
    const direct = new URL(location.databaseUrl!);
    proxy = await startTcpProxy(direct.hostname, Number(direct.port || 5432));
    const viaProxy = new URL(direct);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const config = loadConfig({
      DATABASE_URL: viaProxy.toString(),
      DATA_DIR: location.dataDir,
      HEALTH_PROBE_INTERVAL_MS: '200',
      DB_POOL_ACQUIRE_TIMEOUT_MS: '2000',
      LOG_LEVEL: 'silent',
    });
    const metrics = createMetrics({ defaultMetrics: false });
    database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, pool: config.dbPool, logger: quietLogger });
    built = await buildApp({
      config,
      database,
      metrics,
      lifecycle: createLifecycle(),
      version: '0.0.0-test',
      instanceId: 'outage',
      logger: pino({ level: 'silent' }),
      background: true,
      sessionSecret: 'x'.repeat(40),
    });
    baseUrl = await built.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await built?.app.close();
    await database?.close();
    await proxy?.close();
    await location?.drop();
  });

  const status = async (path: string, token?: string) => {
    const res = await fetch(`${baseUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.text() };
  };

  it('fails /healthz, answers 503 fast, and recovers by itself', async () => {
    const used = (await built.tokens.create({ name: 'used', scope: 'monitor', createdBy: 'test' })).token;
    const unseen = (await built.tokens.create({ name: 'unseen', scope: 'monitor', createdBy: 'test' })).token;
    await expect.poll(async () => (await status('/healthz')).status).toBe(200);
    expect((await status('/health/metrics', used)).status).toBe(200);

    proxy.cut();
    const cutAt = Date.now();
    await expect.poll(async () => (await status('/healthz')).status, { timeout: 5000, interval: 100 }).toBe(503);
    expect(Date.now() - cutAt).toBeLessThan(5000);
    expect((await status('/livez')).status).toBe(200);

    // Verifying a never-seen token needs the database: 503 with Retry-After, well within the acquire timeout.
    const started = Date.now();
    const refused = await status('/health/metrics', unseen);
    expect(Date.now() - started).toBeLessThan(2500);
    expect(refused.status).toBe(503);
    expect(refused.retryAfter).toBe('5');
    expect(JSON.parse(refused.body)).toEqual({ error: { code: 'DATABASE_UNAVAILABLE', message: expect.any(String) } });
    expect(refused.body).not.toMatch(/127\.0\.0\.1|ECONN|5432/);
    const detailed = await status('/health/detailed');
    expect(detailed.status).toBe(503);
    expect(JSON.parse(detailed.body).checks['database:connectivity'][0].status).toBe('fail');

    proxy.restore();
    await expect.poll(async () => (await status('/healthz')).status, { timeout: 5000, interval: 100 }).toBe(200);
    expect((await status('/health/metrics', unseen)).status).toBe(200);
  });
});

describe.skipIf(TEST_DATABASE_KIND !== 'postgres')('migrations (PostgreSQL)', () => {
  it('two instances migrating an empty database at once do not race', async () => {
    const location = await cloneTemplate();
    const url = new URL(location.databaseUrl!);
    const { default: pg } = await import('pg');
    const admin = new pg.Client({ connectionString: location.databaseUrl });
    await admin.connect();
    // Start from nothing: drop everything the template brought.
    await admin.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
    await admin.end();
    const { migrateToLatest } = await import('../src/db/migrate.js');
    const { migrationProvider } = await import('../src/db/migrations/index.js');
    const pool = { min: 0, max: 2, idleMs: 10_000, recycleS: 3600, acquireTimeoutMs: 10_000 };
    const [a, b] = await Promise.all(
      [1, 2].map(() => openDatabase({ databaseUrl: url.toString(), dataDir: location.dataDir, pool, logger: quietLogger })),
    );
    try {
      const all = Object.keys(await migrationProvider.getMigrations());
      const results = await Promise.all([migrateToLatest(a!.db), migrateToLatest(b!.db)]);
      // One instance applies every migration, the other finds the schema up to date.
      expect(results.map((r) => r.applied.length).sort()).toEqual([0, all.length]);
      const rows = await a!.db
        .selectFrom('kysely_migration' as never)
        .selectAll()
        .execute();
      expect(rows).toHaveLength(all.length);
    } finally {
      await a!.close();
      await b!.close();
      await location.drop();
    }
  });
});
