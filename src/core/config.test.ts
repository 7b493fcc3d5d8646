import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from './config.js';

function errorFor(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 5000,
      host: '0.0.0.0',
      databaseUrl: undefined,
      dataDir: './data',
      adminEmails: ['toledonick98@gmail.com'],
      oidcIssuer: 'https://accounts.google.com',
      publicUrl: 'http://localhost:5000',
      trustProxy: false,
      dbPool: { min: 2, max: 10, idleMs: 30_000, recycleS: 3600, acquireTimeoutMs: 30_000 },
      slowQueryMs: 100,
      metricsIntervalS: 30,
      metricsRetentionDays: 14,
      shutdownDelayMs: 0,
      shutdownTimeoutMs: 10_000,
      logLevel: 'info',
    });
  });

  it('documents a default for every variable that has one', () => {
    const defaults = Object.fromEntries(CONFIG_VARIABLES.map((v) => [v.name, v.default]));
    const config = loadConfig({});
    expect(String(config.port)).toBe(defaults.PORT);
    expect(String(config.dbPool.max)).toBe(defaults.DB_POOL_MAX);
    expect(String(config.healthProbeIntervalMs)).toBe(defaults.HEALTH_PROBE_INTERVAL_MS);
    expect(String(config.shutdownTimeoutMs)).toBe(defaults.SHUTDOWN_TIMEOUT_MS);
    expect(config.adminEmails.join(',')).toBe(defaults.ADMIN_EMAILS);
  });

  it('is frozen, including nested objects', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.dbPool)).toBe(true);
    expect(Object.isFrozen(config.adminEmails)).toBe(true);
  });

  it('derives PUBLIC_URL from PORT and strips a trailing slash from an explicit one', () => {
    expect(loadConfig({ PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
    expect(loadConfig({ PUBLIC_URL: 'https://beta.example.com/' }).publicUrl).toBe('https://beta.example.com');
  });

  it('normalises owner emails to lower case', () => {
    expect(loadConfig({ ADMIN_EMAILS: ' Owner@Example.com , second@example.org' }).adminEmails).toEqual([
      'owner@example.com',
      'second@example.org',
    ]);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT', /whole number/],
    [{ PORT: '70000' }, 'PORT', /between 0 and 65535/],
    [{ PORT: '-1' }, 'PORT', /whole number/],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL', /postgres/],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL', /valid URL/],
    [{ SESSION_SECRET: 'short' }, 'SESSION_SECRET', /at least 32/],
    [{ NODE_ENV: 'production' }, 'SESSION_SECRET', /required/],
    [{ ADMIN_EMAILS: 'nobody' }, 'ADMIN_EMAILS', /not an email/],
    [{ ADMIN_EMAILS: ' , ' }, 'ADMIN_EMAILS', /at least one/],
    [{ GOOGLE_CLIENT_ID: 'id' }, 'GOOGLE_CLIENT_SECRET', /together/],
    [{ GOOGLE_CLIENT_SECRET: 's' }, 'GOOGLE_CLIENT_ID', /together/],
    [{ OIDC_ISSUER: 'ftp://x' }, 'OIDC_ISSUER', /https/],
    [{ PUBLIC_URL: 'localhost:5000' }, 'PUBLIC_URL', /.+/],
    [{ TRUST_PROXY: 'maybe' }, 'TRUST_PROXY', /true or false/],
    [{ DB_POOL_MIN: '5', DB_POOL_MAX: '2' }, 'DB_POOL_MIN', /must not exceed DB_POOL_MAX/],
    [{ DB_POOL_MAX: '0' }, 'DB_POOL_MAX', /between 1/],
    [{ DB_POOL_ACQUIRE_TIMEOUT_MS: '1.5' }, 'DB_POOL_ACQUIRE_TIMEOUT_MS', /whole number/],
    [{ SLOW_QUERY_MS: '0' }, 'SLOW_QUERY_MS', /between/],
    [{ METRICS_INTERVAL_S: 'often' }, 'METRICS_INTERVAL_S', /whole number/],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /must be one of/],
  ])('refuses %o, naming %s', (env, variable, problem) => {
    const err = errorFor(env);
    expect(err.variable).toBe(variable);
    expect(err.message.startsWith(`${variable}: `)).toBe(true);
    expect(err.message).toMatch(problem);
    expect(err.message).not.toContain('\n');
  });

  it('accepts a production configuration with a long secret', () => {
    const config = loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(32), TRUST_PROXY: 'yes' });
    expect(config.sessionSecret).toHaveLength(32);
    expect(config.trustProxy).toBe(true);
  });
});
