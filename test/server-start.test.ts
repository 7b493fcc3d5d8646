// A server process as an operator runs it: start-up work (migrations, snapshot loads, the uptime
// seed) stays out of the query statistics that /health/metrics, the collector, KPIs and alerts
// read; and logs never carry a live credential or a person's search (request logs name paths
// without query strings, even at debug level).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, serverEnv, startServer, type ServerProcess } from './helpers/server-process.js';
import { cloneTemplate, type TestDatabaseLocation } from './helpers/test-database.js';

describe('a started server', () => {
  let db: TestDatabaseLocation;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    db = await cloneTemplate();
  });
  // One server at a time holds an embedded database.
  afterEach(async () => {
    await server?.stop('SIGKILL');
    server = undefined;
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('counts only the queries of requests, none of the start-up', async () => {
    const env = serverEnv(db);
    const created = await runCli(['token', 'create', '--name', 'monitor', '--scope', 'monitor'], env);
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    server = await startServer(env);
    const read = async () => {
      const res = await fetch(`${server!.baseUrl}/health/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      return ((await res.json()) as { database: { total: number } }).database.total;
    };
    // The first request verifies the token: one lookup, then its last-used write in the background.
    expect(await read()).toBeLessThanOrEqual(2);
    await read();
    // The verified token is cached and touched at most once a minute: nothing more is counted.
    expect(await read()).toBe(2);
  });

  it('logs request paths without their query strings at debug level', async () => {
    server = await startServer(serverEnv(db, { LOG_LEVEL: 'debug' }));
    const secret = 'QUERYSECRET0123456789abcdefghijklmnopqrstuv';
    await fetch(`${server.baseUrl}/auth/link?token=${secret}`, { redirect: 'manual' });
    await fetch(`${server.baseUrl}/api/admin/users?search=private.person%40example.com`);
    await expect
      .poll(
        () =>
          server!
            .logs()
            .filter((l) => l.msg === 'request completed')
            .map((l) => l.url),
        { timeout: 10_000 },
      )
      .toEqual(expect.arrayContaining(['/auth/link', '/api/admin/users']));
    const everything = server.output();
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain('private.person');
    expect(everything).not.toMatch(/token=/);
  });
});
