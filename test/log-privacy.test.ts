// Logs never carry a live credential or a person's search: request logs name paths without query
// strings, even at debug level, and the start-up log offers no owner link.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverEnv, startServer, type ServerProcess } from './helpers/server-process.js';
import { cloneTemplate, type TestDatabaseLocation } from './helpers/test-database.js';

describe('what the logs leave out', () => {
  let db: TestDatabaseLocation;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    db = await cloneTemplate();
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await db?.drop();
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
