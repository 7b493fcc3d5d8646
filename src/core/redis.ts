// The one Redis connection of a process (rate-limit counters shared between instances), created
// by the entry point and handed to whoever needs it.
import type { Redis } from 'ioredis';

export interface RedisLogger {
  warn(obj: object, msg: string): void;
}

/** Connects, waiting at most 1 s for the connection so the first requests are counted; start-up never waits longer. */
export async function connectRedis(url: string, logger: RedisLogger): Promise<Redis> {
  // Loaded only when REDIS_URL is set: the client is a sizeable share of an idle process's memory.
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { connectTimeout: 1000, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  redis.on('error', (err: Error) => logger.warn({ err: { message: err.message } }, 'rate-limit store unavailable'));
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 1000);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return redis;
}
