// A rate-limit store that shares counters through Redis and falls back to counting in memory while
// Redis cannot be reached, so limits always hold (per instance during an outage) instead of being
// skipped. The library's own Redis and in-memory stores do the counting.
import { createRequire } from 'node:module';
import type { FastifyRateLimitOptions, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Redis } from 'ioredis';

type Result = { current: number; ttl: number };
type Callback = (error: Error | null, result?: Result) => void;
interface LibraryStore {
  incr(key: string, callback: Callback, timeWindow: number, max: number): void;
  child(routeOptions: unknown): LibraryStore;
}
type StoreParams = { continueExceeding?: boolean; exponentialBackoff?: boolean; cache?: number };
type StoreCtor = new (...args: unknown[]) => LibraryStore;

const require = createRequire(import.meta.url);
const RedisStore = require('@fastify/rate-limit/store/RedisStore.js') as StoreCtor;
const LocalStore = require('@fastify/rate-limit/store/LocalStore.js') as StoreCtor;

export interface RateLimitState {
  /** Where counters live right now. */
  store: 'redis' | 'memory';
  /** True while Redis is configured but unreachable. */
  fallback: boolean;
}

export interface FallbackStoreHandle {
  /** The store class to hand to @fastify/rate-limit (`store`). */
  Store: FastifyRateLimitStoreCtor;
  state(): RateLimitState;
}

class PairStore {
  constructor(
    private readonly redis: Redis,
    private readonly shared: LibraryStore,
    private readonly local: LibraryStore,
    private readonly onResult: (ok: boolean) => void,
  ) {}

  incr(key: string, callback: Callback, timeWindow: number, max: number): void {
    if (this.redis.status !== 'ready') {
      this.onResult(false);
      this.local.incr(key, callback, timeWindow, max);
      return;
    }
    this.shared.incr(
      key,
      (err, result) => {
        this.onResult(err === null);
        if (err === null) callback(null, result);
        else this.local.incr(key, callback, timeWindow, max);
      },
      timeWindow,
      max,
    );
  }

  child(routeOptions: unknown): PairStore {
    return new PairStore(this.redis, this.shared.child(routeOptions), this.local.child(routeOptions), this.onResult);
  }
}

export function createFallbackStore(redis: Redis, nameSpace: string): FallbackStoreHandle {
  let fallback = redis.status !== 'ready';
  const onResult = (ok: boolean) => {
    fallback = !ok;
  };
  class Store extends PairStore {
    constructor(options: FastifyRateLimitOptions) {
      // The library hands its resolved global parameters, which carry these too.
      const { continueExceeding, exponentialBackoff, cache } = options as StoreParams;
      super(
        redis,
        new RedisStore(continueExceeding, exponentialBackoff, redis, nameSpace),
        new LocalStore(continueExceeding, exponentialBackoff, cache),
        onResult,
      );
    }
  }
  // The library calls incr with the window and limit too, which its published type leaves out.
  return { Store: Store as unknown as FastifyRateLimitStoreCtor, state: () => ({ store: fallback ? 'memory' : 'redis', fallback }) };
}
