// SIGTERM to a real server process under load: /healthz fails during the drain, every request
// the server accepted is answered, nothing is reset, and the process exits 0.
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, serverEnv, type ServerProcess } from './helpers/server-process.js';
import { cloneTemplate, type TestDatabaseLocation } from './helpers/test-database.js';

interface Outcome {
  status?: number;
  error?: string;
  connection?: string;
  sentAfterSignal: boolean;
}

function get(url: string, agent: Agent | false): Promise<{ status: number; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('client timeout')));
    req.end();
  });
}

describe('graceful shutdown', () => {
  let db: TestDatabaseLocation;
  let server: ServerProcess;

  beforeAll(async () => {
    db = await cloneTemplate();
    server = await startServer(serverEnv(db, { SHUTDOWN_DELAY_MS: '800', SHUTDOWN_TIMEOUT_MS: '5000' }));
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await db?.drop();
  });

  it('drains in-flight and keep-alive requests, fails /healthz meanwhile and exits 0', async () => {
    let signalled = false;
    const outcomes: Outcome[] = [];
    const healthz: number[] = [];

    // 24 keep-alive clients looping until the listener is gone.
    const workers = Array.from({ length: 24 }, async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        for (let i = 0; i < 100_000; i++) {
          const sentAfterSignal = signalled;
          try {
            const res = await get(`${server.baseUrl}/livez`, agent);
            outcomes.push({ status: res.status, connection: res.connection, sentAfterSignal });
          } catch (err) {
            const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
            outcomes.push({ error: code, sentAfterSignal });
            if (code === 'ECONNREFUSED') return;
          }
        }
      } finally {
        agent.destroy();
      }
    });
    // A load balancer's view: a fresh connection each time.
    const prober = (async () => {
      for (let i = 0; i < 2000; i++) {
        try {
          healthz.push((await get(`${server.baseUrl}/healthz`, false)).status);
        } catch {
          return;
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    })();

    await new Promise((r) => setTimeout(r, 500));
    signalled = true;
    server.child.kill('SIGTERM');
    const exit = await server.exited;
    await Promise.all([...workers, prober]);

    expect(exit).toEqual({ code: 0, signal: null });
    const answered = outcomes.filter((o) => o.status !== undefined);
    const failures = outcomes.filter((o) => o.error !== undefined && o.error !== 'ECONNREFUSED');
    // Nothing reset or hung up: every request either got an answer or was refused before it was accepted.
    expect(failures).toEqual([]);
    expect(answered.every((o) => o.status === 200)).toBe(true);
    // Requests kept being answered after the signal (the drain delay), then connections were closed politely.
    expect(answered.filter((o) => o.sentAfterSignal).length).toBeGreaterThan(24);
    expect(answered.some((o) => o.connection === 'close')).toBe(true);
    // /healthz passed before the signal and failed during the drain.
    expect(healthz[0]).toBe(200);
    expect(healthz).toContain(503);
    expect(healthz.slice(healthz.indexOf(503))).not.toContain(200);

    const phases = server
      .logs()
      .filter((l) => typeof l.phase === 'string')
      .map((l) => l.phase);
    expect(phases).toEqual(
      expect.arrayContaining([
        'drain delay over',
        'listener closed',
        'in-flight requests finished',
        'connections closed',
        'metrics flushed',
        'pool closed',
      ]),
    );
    for (const line of server.logs().filter((l) => typeof l.phase === 'string')) expect(typeof line.durationMs).toBe('number');
  });

  it('exits 1 at once on a second signal during the drain', async () => {
    const other = await cloneTemplate();
    const slow = await startServer(serverEnv(other, { SHUTDOWN_DELAY_MS: '20000' }));
    try {
      slow.child.kill('SIGTERM');
      await expect.poll(async () => (await get(`${slow.baseUrl}/healthz`, false)).status, { timeout: 5000 }).toBe(503);
      const second = Date.now();
      slow.child.kill('SIGTERM');
      expect(await slow.exited).toEqual({ code: 1, signal: null });
      // Well before the 20 s drain delay would have run out.
      expect(Date.now() - second).toBeLessThan(15_000);
    } finally {
      await slow.stop('SIGKILL');
      await other.drop();
    }
  });
});
