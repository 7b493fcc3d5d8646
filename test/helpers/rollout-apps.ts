// Builds app instances on a database the test keeps (several on one PostgreSQL database, or one
// after another on the same database), each with the clock the test moves.
import { pino } from 'pino';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/core/config.js';
import { createLifecycle } from '../../src/core/lifecycle.js';
import { createMetrics } from '../../src/core/metrics.js';
import type { Database } from '../../src/db/database.js';
import { TEST_SESSION_SECRET } from './test-app.js';

export interface Instance extends App {
  token(scope: 'evaluate' | 'admin'): Promise<string>;
}

export async function buildInstance(
  database: Database,
  options: { dataDir: string; instanceId: string; now: () => Date; background?: boolean; env?: Record<string, string> },
): Promise<Instance> {
  const metrics = createMetrics({ defaultMetrics: false });
  const built = await buildApp({
    config: loadConfig({ DATA_DIR: options.dataDir, LOG_LEVEL: 'silent', PUBLIC_RATE_LIMIT_PER_MIN: '10000', ...options.env }),
    database,
    metrics,
    lifecycle: createLifecycle(),
    version: '0.0.0-test',
    instanceId: options.instanceId,
    logger: pino({ level: 'silent' }),
    sessionSecret: TEST_SESSION_SECRET,
    now: options.now,
    background: options.background,
  });
  return {
    ...built,
    async token(scope) {
      return (await built.tokens.create({ name: `test-${scope}-${options.instanceId}`, scope, createdBy: 'test' })).token;
    },
  };
}

/** A clock standing still until the test moves it. */
export function testClock(start = Date.now()) {
  let at = start;
  return {
    now: () => new Date(at),
    advance(ms: number) {
      at += ms;
    },
  };
}

export const HOUR = 3_600_000;
