// Hostile or careless input through the real surfaces: the CLI process, the control socket and
// the admin list APIs. Each case once took the service down or answered 500.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callControl, controlSocketPath, startControlServer } from '../src/control.js';
import { runCli, serverEnv, startServer, type ServerProcess } from './helpers/server-process.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';
import { cloneTemplate, type TestDatabaseLocation } from './helpers/test-database.js';

/** One raw request to a control socket: any method, any body text. */
function rawControl(socketPath: string, command: string, body = '{}', method = 'POST'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: `/${command}`, method, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer to ${command}`)));
    req.end(body);
  });
}

describe('production start-up without ADMIN_EMAILS', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'beta-suite-hardening-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serve exits 1 with one configuration line naming ADMIN_EMAILS', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(48), DATA_DIR: dataDir };
    delete env.ADMIN_EMAILS;
    delete env.DATABASE_URL;
    const result = await runCli(['serve', '--port', '0', '--host', '127.0.0.1'], env, 20_000);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^beta-suite: configuration error: ADMIN_EMAILS: is required when NODE_ENV=production[^\n]*\n$/);
  });
});

describe('control socket', () => {
  const PROTOTYPE_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];

  it('answers prototype names and failing handlers with an error and keeps serving', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'beta-suite-control-'));
    const logged: unknown[] = [];
    const control = await startControlServer(
      join(dir, 'control.sock'),
      {
        ping: () => Promise.resolve('pong'),
        throws: () => {
          throw new TypeError('secret internals at /srv/app.js:12');
        },
        rejects: () => Promise.reject(new Error('connection to 10.0.0.5 refused')),
        unserialisable: () => Promise.resolve({ big: 1n }),
      },
      (err) => logged.push(err),
    );
    try {
      const socket = join(dir, 'control.sock');
      for (const name of PROTOTYPE_NAMES) {
        const answer = await rawControl(socket, name);
        expect(answer.status, name).toBe(404);
        expect(JSON.parse(answer.body), name).toEqual({ error: `unknown command "${name}"` });
      }
      for (const name of ['throws', 'rejects', 'unserialisable']) {
        const answer = await rawControl(socket, name);
        expect(answer.status, name).toBe(500);
        expect(JSON.parse(answer.body), name).toEqual({ error: 'command failed' });
      }
      expect(logged).toHaveLength(3);
      for (const body of ['null', '[]', '"text"', '{']) {
        expect((await rawControl(socket, 'ping', body)).status, body).toBe(400);
      }
      expect(await callControl(socket, 'ping', {})).toBe('pong');
    } finally {
      await control.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  describe('of a running server', () => {
    let db: TestDatabaseLocation;
    let server: ServerProcess | undefined;
    beforeAll(async () => {
      db = await cloneTemplate();
      server = await startServer(serverEnv(db));
    }, 90_000);
    afterAll(async () => {
      await server?.stop('SIGKILL');
      await db?.drop();
    });

    it('survives hostile command names and bodies', async () => {
      const socket = controlSocketPath(db.dataDir);
      for (const name of PROTOTYPE_NAMES) {
        const answer = await rawControl(socket, name);
        expect(answer.status, name).toBe(404);
        expect(answer.body, name).toContain('unknown command');
      }
      // Bodies a handler cannot read: refused before the handler runs.
      expect((await rawControl(socket, 'token.create', 'null')).status).toBe(400);
      // A handler that fails answers its own 4xx and message, without its internals.
      const bad = await rawControl(socket, 'token.revoke', JSON.stringify({ id: 'not-a-token-id' }));
      expect(bad.status).toBe(404);
      expect(JSON.parse(bad.body)).toEqual({ error: 'No such active token.' });

      expect(server!.child.exitCode).toBeNull();
      expect((await fetch(`${server!.baseUrl}/healthz`)).status).toBe(200);
      expect(Array.isArray(await callControl(socket, 'token.list', {}))).toBe(true);
    });
  });
});

describe('crafted list cursors', () => {
  const LISTS = ['/api/admin/users', '/api/admin/feedback', '/api/admin/audit'];
  const ID = '0b6f1c0e-8f0a-4c39-9a53-2f6a3f1d7e21';
  const craft = (t: string, id = ID) => Buffer.from(JSON.stringify({ t, id }), 'utf8').toString('base64url');
  let t: TestApp;
  let headers: Record<string, string>;
  beforeAll(async () => {
    t = await createTestApp();
    headers = { authorization: `Bearer ${await t.token('admin')}` };
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each(LISTS)('%s answers 400 to dates the database cannot compare, never a 5xx', async (list) => {
    const before = t.metrics.snapshot().requests;
    for (const at of ['-100000-01-01', '+275760-09-13T00:00:00.000Z', '0001-01-01T00:00:00.000Z', '2026-02-30T00:00:00.000Z']) {
      const res = await t.app.inject({ url: `${list}?cursor=${craft(at)}`, headers });
      expect(res.statusCode, `${list} ${at}: ${res.body}`).toBe(400);
      expect(res.json<{ error: { code: string } }>().error.code).toBe('VALIDATION_ERROR');
    }
    const after = t.metrics.snapshot().requests;
    expect(after.total - before.total).toBe(4);
    expect(after.errors5xx).toBe(before.errors5xx);
    // A cursor the server handed out still pages.
    expect((await t.app.inject({ url: `${list}?cursor=${craft('2026-03-01T12:00:00.000Z')}`, headers })).statusCode).toBe(200);
  });
});
