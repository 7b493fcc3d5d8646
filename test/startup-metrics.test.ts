// Start-up work (migrations, snapshot loads, the uptime seed) is not request traffic: it must not
// land in the query statistics that /health/metrics, the collector, KPIs and alerts read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, serverEnv, startServer, type ServerProcess } from './helpers/server-process.js';
import { cloneTemplate, type TestDatabaseLocation } from './helpers/test-database.js';

describe('query statistics after a start', () => {
  let db: TestDatabaseLocation;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    db = await cloneTemplate();
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await db?.drop();
  });

  it('count only the queries of requests, none of the start-up', async () => {
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
});
