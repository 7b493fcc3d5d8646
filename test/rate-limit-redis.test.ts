// With REDIS_URL, instances share rate-limit counters: requests spread over two instances are
// limited as one. Runs where a Redis server answers on 127.0.0.1:6379, and always under CI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertRedisAnswers, runRedisTests, TEST_REDIS_URL } from './helpers/redis.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

const run = await runRedisTests();

describe.skipIf(!run)('rate limits shared through Redis', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    await assertRedisAnswers();
    a = await createTestApp({ REDIS_URL: TEST_REDIS_URL });
    b = await createTestApp({ REDIS_URL: TEST_REDIS_URL });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('counts requests to either instance against one limit per client', async () => {
    const client = `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.7`;
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const app = i % 2 === 0 ? a : b;
      statuses.push((await app.app.inject({ url: '/auth/login', remoteAddress: client })).statusCode);
    }
    // 30 per minute in total, not 30 per instance.
    expect(statuses.filter((s) => s === 503)).toHaveLength(30);
    expect(statuses.slice(30).every((s) => s === 429)).toBe(true);
  });
});
