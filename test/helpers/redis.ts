// Whether a Redis server answers. Tests that need one skip without it on a developer's machine, but
// under CI (the CI environment variable set) they run and fail, so a missing service is never a silent skip.
import { connect } from 'node:net';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** CI must exercise every service: tests that need one fail there instead of skipping. */
export const SERVICES_REQUIRED = Boolean(process.env.CI);

export function redisAnswers(url: string = TEST_REDIS_URL): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || 6379) });
    socket.setTimeout(500);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * Whether to run the tests that need Redis: when it answers, and always under CI. Call
 * {@link assertRedisAnswers} first in those tests so a missing server fails with a clear message.
 */
export async function runRedisTests(url: string = TEST_REDIS_URL): Promise<boolean> {
  return SERVICES_REQUIRED || (await redisAnswers(url));
}

export async function assertRedisAnswers(url: string = TEST_REDIS_URL): Promise<void> {
  if (!(await redisAnswers(url))) {
    throw new Error(`Redis does not answer at ${url}; start it (redis-server --daemonize yes) or set TEST_REDIS_URL`);
  }
}
