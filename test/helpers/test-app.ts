// Builds the real application on a fresh database, for tests that speak HTTP through `inject`
// or a listening socket.
import { pino } from 'pino';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/core/config.js';
import { createLifecycle, type Lifecycle } from '../../src/core/lifecycle.js';
import { createMetrics, type Metrics } from '../../src/core/metrics.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export interface TestApp extends App {
  config: Config;
  metrics: Metrics;
  lifecycle: Lifecycle;
  testDb: TestDatabase;
  /** Creates an API token and returns its value. */
  token(scope: 'evaluate' | 'monitor' | 'admin' | 'client' | 'sync'): Promise<string>;
  close(): Promise<void>;
}

export const TEST_SESSION_SECRET = 'test-session-secret-that-is-long-enough-0123456789';

export async function createTestApp(env: Record<string, string> = {}, options: { now?: () => Date } = {}): Promise<TestApp> {
  const metrics = createMetrics({ defaultMetrics: true });
  const testDb = await createTestDatabase((type, ms, failed) => metrics.recordQuery(type, ms, failed));
  const config = loadConfig({ DATA_DIR: testDb.dataDir, LOG_LEVEL: 'silent', ...env });
  const lifecycle = createLifecycle();
  const built = await buildApp({
    config,
    database: testDb.database,
    metrics,
    lifecycle,
    version: '0.0.0-test',
    instanceId: 'test-instance',
    logger: pino({ level: 'silent' }),
    sessionSecret: TEST_SESSION_SECRET,
    now: options.now,
  });
  return {
    ...built,
    config,
    metrics,
    lifecycle,
    testDb,
    async token(scope) {
      const { token } = await built.tokens.create({ name: `test-${scope}`, scope, createdBy: 'test' });
      return token;
    },
    async close() {
      await built.app.close();
      await testDb.destroy();
    },
  };
}
