// With REDIS_URL set and Redis unreachable, rate limits still hold: each instance counts in memory
// until Redis answers again, and /health/detailed says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/test-app.js';

// Nothing listens on port 1 of loopback: every connection is refused at once.
const UNREACHABLE_REDIS = 'redis://127.0.0.1:1';

describe('rate limits while Redis is unreachable', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ REDIS_URL: UNREACHABLE_REDIS, PUBLIC_RATE_LIMIT_PER_MIN: '30' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses the 31st feedback post of a minute, as without Redis', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/feedback',
        remoteAddress: '10.9.8.7',
        payload: { rating: 4, comment: `post ${i}` },
      });
      statuses.push(res.statusCode);
    }
    expect(statuses.slice(0, 30).every((s) => s === 201)).toBe(true);
    expect(statuses.slice(30)).toEqual(Array(10).fill(429));
  });

  it('shows the fallback in the detailed health report', async () => {
    const token = await t.token('monitor');
    const res = await t.app.inject({ url: '/health/detailed', headers: { authorization: `Bearer ${token}` } });
    const body = res.json<{ status: string; checks: Record<string, Array<{ observedValue: unknown; status: string; output?: string }>> }>();
    expect(body.checks['ratelimit:store']).toEqual([
      expect.objectContaining({ observedValue: 'memory', status: 'warn', output: 'Redis unreachable: counting per instance in memory' }),
    ]);
    // A warning rolls up into the document: never a plain pass while limits are per instance.
    expect(body.status).not.toBe('pass');
  });
});
