// The `beta-suite` command as an operator uses it: tokens printed alone on stdout, commands that
// work with and without a running server, clear one-line errors, data kept across restarts.
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, serverEnv, startServer, type ServerProcess } from './helpers/server-process.js';
import { cloneTemplate, TEST_DATABASE_KIND, type TestDatabaseLocation } from './helpers/test-database.js';

const TOKEN_LINE = /^bst_[A-Za-z0-9_-]{43}\n$/;

async function monitorStatus(baseUrl: string, token: string): Promise<number> {
  return (await fetch(`${baseUrl}/health/metrics`, { headers: { authorization: `Bearer ${token}` } })).status;
}

describe('beta-suite CLI', () => {
  let db: TestDatabaseLocation;
  let env: NodeJS.ProcessEnv;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    db = await cloneTemplate();
    env = serverEnv(db);
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await db?.drop();
  });

  it('stops with one line naming a bad variable', async () => {
    const result = await runCli(['serve'], { ...env, PORT: 'abc' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('beta-suite: configuration error: PORT: expected a whole number, got "abc"\n');
    const prod = await runCli(['migrate'], { ...env, NODE_ENV: 'production', SESSION_SECRET: '' });
    expect(prod.code).toBe(1);
    expect(prod.stderr.trim().split('\n')).toHaveLength(1);
    expect(prod.stderr).toContain('SESSION_SECRET');
  });

  it('explains usage for unknown commands', async () => {
    const result = await runCli(['frobnicate'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown command "frobnicate"');
    expect(result.stderr).toContain('Usage: beta-suite');
    const missing = await runCli(['token', 'create', '--name', 'x'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--scope');
  });

  it('migrates and reports an up-to-date schema', async () => {
    const result = await runCli(['migrate'], env);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('up to date');
  });

  it('creates tokens without a running server, printing only the token on stdout', async () => {
    const result = await runCli(['token', 'create', '--name', 'offline', '--scope', 'monitor'], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(TOKEN_LINE);
    expect(result.stderr).toMatch(/created token [0-9a-f-]{36} "offline" with scope monitor/);
    const bad = await runCli(['token', 'create', '--name', 'x', '--scope', 'root'], env);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('scope must be one of evaluate, monitor, admin, client, sync');
  });

  it('works through the running server, keeps data across restarts, and refuses a second server', { timeout: 120_000 }, async () => {
    const offline = (await runCli(['token', 'create', '--name', 'before-start', '--scope', 'monitor'], env)).stdout.trim();
    server = await startServer(env);
    expect(await monitorStatus(server.baseUrl, offline)).toBe(200);

    if (db.kind === 'pglite') {
      const socket = statSync(join(db.dataDir, 'control.sock'));
      expect(socket.mode & 0o777).toBe(0o600);
      const second = await runCli(['serve', '--port', '0', '--host', '127.0.0.1'], env);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/another beta-suite process \(pid \d+\) is using DATA_DIR/);
    }

    const created = await runCli(['token', 'create', '--name', 'while-running', '--scope', 'admin'], env);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(TOKEN_LINE);
    if (db.kind === 'pglite') expect(created.stderr).toContain('control.sock');
    const online = created.stdout.trim();
    expect(await monitorStatus(server.baseUrl, online)).toBe(200);

    // Without Google sign-in the start-up log points to `admin-link`, and no log line carries a link (a live credential) …
    expect(server.logs().some((l) => String(l.msg).includes('beta-suite admin-link'))).toBe(true);
    expect(JSON.stringify(server.logs())).not.toMatch(/token=|\/auth\/link/);
    // … and `admin-link` prints one, alone on stdout, that signs the owner in once.
    const link = await runCli(['admin-link'], env);
    expect(link.code).toBe(0);
    expect(link.stdout).toMatch(/^http:\/\/localhost:\d+\/auth\/link\?token=[A-Za-z0-9_-]{43}\n$/);
    const linkPath = new URL(link.stdout.trim());
    const signIn = await fetch(`${server.baseUrl}${linkPath.pathname}${linkPath.search}`, { redirect: 'manual' });
    expect(signIn.status).toBe(303);
    expect(signIn.headers.get('set-cookie')).toMatch(/^bs_session=/);
    expect((await fetch(`${server.baseUrl}${linkPath.pathname}${linkPath.search}`, { redirect: 'manual' })).status).toBe(400);

    const listed = await runCli(['token', 'list'], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('while-running');
    expect(listed.stdout).toContain(online.slice(0, 10));
    expect(listed.stdout).not.toContain(online);
    const id = listed.stdout
      .split('\n')
      .find((l) => l.endsWith('\twhile-running'))!
      .split('\t')[0]!;

    const revoked = await runCli(['token', 'revoke', id], env);
    expect(revoked.code).toBe(0);
    // Same process on PGlite: at once. Another process on PostgreSQL: within the 5 s verification cache.
    await expect.poll(() => monitorStatus(server!.baseUrl, online), { timeout: 8000, interval: 250 }).toBe(401);
    const again = await runCli(['token', 'revoke', id], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('No such active token');

    const secretFile = join(db.dataDir, 'session-secret');
    const secret = readFileSync(secretFile, 'utf8');
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);

    expect(await server.stop()).toEqual({ code: 0, signal: null });
    server = await startServer(env);
    expect(await monitorStatus(server.baseUrl, offline)).toBe(200);
    expect(await monitorStatus(server.baseUrl, online)).toBe(401);
    expect(readFileSync(secretFile, 'utf8')).toBe(secret);
    expect(await server.stop()).toEqual({ code: 0, signal: null });
    server = undefined;
  });
});

describe.skipIf(TEST_DATABASE_KIND !== 'postgres')('beta-suite on PostgreSQL without a usable DATA_DIR', () => {
  it('serves, and db-report reads the catalog', async () => {
    const db = await cloneTemplate();
    // A DATA_DIR that cannot be created (its parent is a file): production sets SESSION_SECRET and need not have one.
    const blocker = join(tmpdir(), `beta-suite-not-a-dir-${process.pid}`);
    writeFileSync(blocker, '');
    const env = serverEnv({ ...db, dataDir: join(blocker, 'data') }, { SESSION_SECRET: 'x'.repeat(48) });
    const server = await startServer(env);
    try {
      expect((await fetch(`${server.baseUrl}/healthz`)).status).toBe(200);
      expect(server.output()).toContain('no control socket');
      const report = await runCli(['db-report', '--json'], env);
      expect(report.code, report.stderr).toBe(0);
      expect(JSON.parse(report.stdout)).toMatchObject({ source: 'catalog' });
    } finally {
      expect(await server.stop()).toEqual({ code: 0, signal: null });
      await db.drop();
      rmSync(blocker, { force: true });
    }
  });
});
