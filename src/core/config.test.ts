import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, loadConfig, type Config, type ConfigVariable } from './config.js';

function errorFor(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

/** Whole-number variables: their bounds and where the value lands. */
const INTEGERS: Array<[ConfigVariable, number, number, (c: Config) => number]> = [
  ['PORT', 0, 65535, (c) => c.port],
  ['SESSION_IDLE_TIMEOUT_MIN', 1, 10_080, (c) => c.sessionIdleTimeoutMin],
  ['SESSION_ABSOLUTE_TIMEOUT_H', 1, 720, (c) => c.sessionAbsoluteTimeoutH],
  ['DB_POOL_MAX', 1, 1000, (c) => c.dbPool.max],
  ['DB_POOL_IDLE_MS', 1000, 86_400_000, (c) => c.dbPool.idleMs],
  ['DB_POOL_RECYCLE_S', 0, 604_800, (c) => c.dbPool.recycleS],
  ['DB_POOL_ACQUIRE_TIMEOUT_MS', 100, 600_000, (c) => c.dbPool.acquireTimeoutMs],
  ['SLOW_QUERY_MS', 1, 600_000, (c) => c.slowQueryMs],
  ['SLOW_QUERY_COOLDOWN_S', 0, 604_800, (c) => c.slowQueryCooldownS],
  ['EXPLAIN_TIMEOUT_MS', 100, 600_000, (c) => c.explainTimeoutMs],
  ['METRICS_INTERVAL_S', 1, 86_400, (c) => c.metricsIntervalS],
  ['METRICS_RETENTION_DAYS', 1, 3650, (c) => c.metricsRetentionDays],
  ['PUBLIC_RATE_LIMIT_PER_MIN', 1, 100_000_000, (c) => c.publicRateLimitPerMin],
  ['CLIENT_RATE_LIMIT_PER_MIN', 1, 100_000_000, (c) => c.clientRateLimitPerMin],
  ['FLAG_STALE_DAYS', 1, 3650, (c) => c.flagStaleDays],
  ['FLAG_COUNTS_FLUSH_S', 1, 3600, (c) => c.flagCountsFlushS],
  ['HEALTH_PROBE_INTERVAL_MS', 100, 600_000, (c) => c.healthProbeIntervalMs],
  ['SHUTDOWN_DELAY_MS', 0, 600_000, (c) => c.shutdownDelayMs],
  ['SHUTDOWN_TIMEOUT_MS', 100, 600_000, (c) => c.shutdownTimeoutMs],
  ['ALERT_FOR_SAMPLES', 1, 1000, (c) => c.alerts.forSamples],
  ['ALERT_COOLDOWN_S', 0, 604_800, (c) => c.alerts.cooldownS],
];

/** Decimal variables (alert thresholds): their bounds and where the value lands. */
const DECIMALS: Array<[ConfigVariable, number, number, (c: Config) => number]> = [
  ['ALERT_CPU_PCT', 0, 100, (c) => c.alerts.cpuPct],
  ['ALERT_MEMORY_PCT', 0, 100, (c) => c.alerts.memoryPct],
  ['ALERT_DISK_PCT', 0, 100, (c) => c.alerts.diskPct],
  ['ALERT_DB_P95_MS', 0, 600_000, (c) => c.alerts.dbP95Ms],
  ['ALERT_ERROR_RATE_PCT', 0, 100, (c) => c.alerts.errorRatePct],
  ['ALERT_UPTIME_PCT', 0, 100, (c) => c.alerts.uptimePct],
];

const documented = Object.fromEntries(CONFIG_VARIABLES.map((v) => [v.name, v.default])) as Record<ConfigVariable, string>;

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      nodeEnv: 'development',
      port: 5000,
      host: '0.0.0.0',
      databaseUrl: undefined,
      dataDir: './data',
      sessionSecret: undefined,
      adminEmails: ['toledonick98@gmail.com'],
      googleClientId: undefined,
      googleClientSecret: undefined,
      oidcIssuer: 'https://accounts.google.com',
      publicUrl: 'http://localhost:5000',
      trustProxy: false,
      redisUrl: undefined,
      dbPool: { min: 2, max: 10, idleMs: 30_000, recycleS: 3600, acquireTimeoutMs: 30_000 },
      slowQueryMs: 100,
      metricsIntervalS: 30,
      metricsRetentionDays: 14,
      corsOrigins: [],
      shutdownDelayMs: 0,
      shutdownTimeoutMs: 10_000,
      logLevel: 'info',
      alerts: { webhookUrl: undefined },
    });
  });

  it('documents every variable it reads, and reads every variable it documents', () => {
    const read = new Set<string>();
    const env = new Proxy<Record<string, string | undefined>>(
      {},
      {
        get: (_target, name) => {
          read.add(String(name));
          return undefined;
        },
      },
    );
    loadConfig(env);
    expect([...read].sort()).toEqual(CONFIG_VARIABLES.map((v) => v.name).sort());
    for (const v of CONFIG_VARIABLES) expect(v.meaning.trim(), `${v.name} has a meaning`).not.toBe('');
  });

  it('behaves with every documented default set explicitly as with the variable unset', () => {
    const unset = loadConfig({});
    for (const v of CONFIG_VARIABLES) {
      if (v.default === '' || v.name === 'PUBLIC_URL') continue;
      expect(loadConfig({ [v.name]: v.default }), v.name).toEqual(unset);
    }
    // Only these are unset by default; PUBLIC_URL's default follows PORT.
    expect(CONFIG_VARIABLES.filter((v) => v.default === '').map((v) => v.name)).toEqual([
      'DATABASE_URL',
      'SESSION_SECRET',
      'GOOGLE_CLIENT_ID',
      'GOOGLE_CLIENT_SECRET',
      'REDIS_URL',
      'CORS_ORIGINS',
      'SMTP_URL',
      'ALERT_WEBHOOK_URL',
    ]);
    expect(documented.PUBLIC_URL).toBe('http://localhost:$PORT');
  });

  it('documents the default of every number it reads', () => {
    const config = loadConfig({});
    for (const [name, , , pick] of [...INTEGERS, ...DECIMALS]) expect(String(pick(config)), name).toBe(documented[name]);
    expect(String(config.dbPool.min)).toBe(documented.DB_POOL_MIN);
  });

  it('reads tester mail settings: smtp:// or smtps:// only, a sender address with an optional name', () => {
    expect(loadConfig({ SMTP_URL: 'smtps://u:p@mail.example.com:465', MAIL_FROM: 'Beta <beta@example.com>' })).toMatchObject({
      smtpUrl: 'smtps://u:p@mail.example.com:465',
      mailFrom: 'Beta <beta@example.com>',
      programName: 'NOUS beta',
    });
    expect(() => loadConfig({ SMTP_URL: 'http://mail.example.com' })).toThrow('SMTP_URL: must start with smtp:// or smtps://');
    expect(() => loadConfig({ MAIL_FROM: 'Beta <not an address>' })).toThrow(/^MAIL_FROM: expected an address/);
    expect(() => loadConfig({ BETA_PROGRAM_NAME: 'x'.repeat(101) })).toThrow(
      'BETA_PROGRAM_NAME: must be one line of at most 100 characters',
    );
  });

  it('is frozen, including nested objects', () => {
    const config = loadConfig({ CORS_ORIGINS: 'https://a.example.com' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.dbPool)).toBe(true);
    expect(Object.isFrozen(config.alerts)).toBe(true);
    expect(Object.isFrozen(config.adminEmails)).toBe(true);
    expect(Object.isFrozen(config.corsOrigins)).toBe(true);
  });

  it('derives PUBLIC_URL from PORT and strips trailing slashes from an explicit one', () => {
    expect(loadConfig({ PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
    expect(loadConfig({ PUBLIC_URL: 'https://beta.example.com/' }).publicUrl).toBe('https://beta.example.com');
    expect(loadConfig({ PUBLIC_URL: 'https://beta.example.com/app//' }).publicUrl).toBe('https://beta.example.com/app');
  });

  it('trims values and treats blank ones as unset', () => {
    expect(loadConfig({ HOST: '  127.0.0.1 ', PORT: ' 8080 ', DATA_DIR: '\t/srv/data\n' })).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      dataDir: '/srv/data',
    });
    expect(loadConfig({ HOST: '   ', PORT: '', LOG_LEVEL: ' ' })).toMatchObject({ host: '0.0.0.0', port: 5000, logLevel: 'info' });
  });

  it('normalises owner emails to lower case and drops empty entries', () => {
    expect(loadConfig({ ADMIN_EMAILS: ' Owner@Example.com , ,second@example.org,' }).adminEmails).toEqual([
      'owner@example.com',
      'second@example.org',
    ]);
  });

  it('reads the other settings where the service finds them', () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: 'postgresql://db.internal:5432/beta',
      SESSION_SECRET: 's'.repeat(32),
      GOOGLE_CLIENT_ID: 'client-id',
      GOOGLE_CLIENT_SECRET: 'client-secret',
      OIDC_ISSUER: 'http://127.0.0.1:9000',
      REDIS_URL: 'rediss://cache.internal:6380',
      ALERT_WEBHOOK_URL: 'https://hooks.example.com/T0/B0',
      DB_POOL_MIN: '4',
      LOG_LEVEL: 'DEBUG',
    });
    expect(config).toMatchObject({
      nodeEnv: 'test',
      databaseUrl: 'postgresql://db.internal:5432/beta',
      sessionSecret: 's'.repeat(32),
      googleClientId: 'client-id',
      googleClientSecret: 'client-secret',
      oidcIssuer: 'http://127.0.0.1:9000',
      redisUrl: 'rediss://cache.internal:6380',
      dbPool: { min: 4 },
      logLevel: 'debug',
      alerts: { webhookUrl: 'https://hooks.example.com/T0/B0' },
    });
    expect(loadConfig({ DATABASE_URL: 'postgres://db/x', REDIS_URL: 'redis://r', ALERT_WEBHOOK_URL: 'http://h/x' })).toMatchObject({
      databaseUrl: 'postgres://db/x',
      redisUrl: 'redis://r',
      alerts: { webhookUrl: 'http://h/x' },
    });
  });

  it.each(['1', 'true', 'TRUE', 'yes', 'On'])('reads %j as true', (raw) => {
    expect(loadConfig({ TRUST_PROXY: raw }).trustProxy).toBe(true);
  });

  it.each(['0', 'false', 'No', 'off'])('reads %j as false', (raw) => {
    expect(loadConfig({ TRUST_PROXY: raw }).trustProxy).toBe(false);
  });

  it('takes browser origins, without a trailing slash', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:3000/ ,,' }).corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:3000',
    ]);
    for (const bad of ['app.example.com', 'https://app.example.com/path', 'ftp://files.example.com', 'https://']) {
      const err = errorFor({ CORS_ORIGINS: `https://ok.example.com,${bad}` });
      expect(err.variable).toBe('CORS_ORIGINS');
      expect(err.message).toBe(`CORS_ORIGINS: "${bad}" is not an origin like https://app.example.com`);
    }
  });

  it.each(INTEGERS)('takes %s from %i to %i', (name, min, max, pick) => {
    expect(pick(loadConfig({ [name]: String(min), DB_POOL_MIN: '0' }))).toBe(min);
    expect(pick(loadConfig({ [name]: String(max) }))).toBe(max);
    if (min > 0)
      expect(errorFor({ [name]: String(min - 1), DB_POOL_MIN: '0' }).message).toBe(
        `${name}: must be between ${min} and ${max}, got ${min - 1}`,
      );
    expect(errorFor({ [name]: String(max + 1) }).message).toBe(`${name}: must be between ${min} and ${max}, got ${max + 1}`);
    for (const bad of ['1.5', '-1', '1e3', '12abc', 'abc12', ' 1 2 ']) {
      expect(errorFor({ [name]: bad }).message, bad).toBe(`${name}: expected a whole number, got "${bad.trim()}"`);
    }
  });

  it.each(DECIMALS)('takes %s from %d to %d, with up to six decimals', (name, min, max, pick) => {
    expect(pick(loadConfig({ [name]: String(min) }))).toBe(min);
    expect(pick(loadConfig({ [name]: String(max) }))).toBe(max);
    expect(pick(loadConfig({ [name]: '12.345678' }))).toBe(12.345678);
    expect(errorFor({ [name]: String(max + 1) }).message).toBe(`${name}: must be between ${min} and ${max}, got ${max + 1}`);
    for (const bad of ['-1', '1e2', '5.', '.5', '1.2345678', '1234567890', '12abc', 'abc12', '1,5']) {
      expect(errorFor({ [name]: bad }).message, bad).toBe(`${name}: expected a number like 95 or 99.9, got "${bad}"`);
    }
  });

  it('takes DB_POOL_MIN from 0 up to DB_POOL_MAX', () => {
    expect(loadConfig({ DB_POOL_MIN: '0' }).dbPool.min).toBe(0);
    expect(loadConfig({ DB_POOL_MIN: '10', DB_POOL_MAX: '10' }).dbPool).toMatchObject({ min: 10, max: 10 });
    expect(loadConfig({ DB_POOL_MIN: '1000', DB_POOL_MAX: '1000' }).dbPool.min).toBe(1000);
    expect(errorFor({ DB_POOL_MIN: '1001', DB_POOL_MAX: '1000' }).message).toBe('DB_POOL_MIN: must be between 0 and 1000, got 1001');
    expect(errorFor({ DB_POOL_MIN: '11' }).message).toBe('DB_POOL_MIN: must not exceed DB_POOL_MAX (10), got 11');
  });

  it('takes a session secret of 32 characters or more', () => {
    expect(loadConfig({ SESSION_SECRET: 'x'.repeat(32) }).sessionSecret).toBe('x'.repeat(32));
    expect(errorFor({ SESSION_SECRET: 'x'.repeat(31) }).message).toBe('SESSION_SECRET: must be at least 32 characters, got 31');
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT', /whole number/],
    [{ PORT: '70000' }, 'PORT', /between 0 and 65535/],
    [{ PORT: '-1' }, 'PORT', /whole number/],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL', /^DATABASE_URL: must start with postgres:\/\/ or postgresql:\/\/$/],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL', /^DATABASE_URL: is not a valid URL$/],
    [{ REDIS_URL: 'http://cache' }, 'REDIS_URL', /^REDIS_URL: must start with redis:\/\/ or rediss:\/\/$/],
    [{ ALERT_WEBHOOK_URL: 'ftp://x' }, 'ALERT_WEBHOOK_URL', /^ALERT_WEBHOOK_URL: must start with https:\/\/ or http:\/\/$/],
    [{ SESSION_SECRET: 'short' }, 'SESSION_SECRET', /at least 32/],
    [{ NODE_ENV: 'production' }, 'SESSION_SECRET', /^SESSION_SECRET: is required when NODE_ENV=production \(at least 32 characters\)$/],
    [{ ADMIN_EMAILS: 'nobody' }, 'ADMIN_EMAILS', /^ADMIN_EMAILS: "nobody" is not an email address$/],
    [{ ADMIN_EMAILS: 'a@b' }, 'ADMIN_EMAILS', /not an email/],
    [{ ADMIN_EMAILS: 'a b@c.d' }, 'ADMIN_EMAILS', /not an email/],
    [{ ADMIN_EMAILS: 'owner@example.com extra' }, 'ADMIN_EMAILS', /not an email/],
    [{ ADMIN_EMAILS: ' , ' }, 'ADMIN_EMAILS', /^ADMIN_EMAILS: must name at least one email$/],
    [
      { GOOGLE_CLIENT_ID: 'id' },
      'GOOGLE_CLIENT_SECRET',
      /^GOOGLE_CLIENT_SECRET: GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET must be set together$/,
    ],
    [{ GOOGLE_CLIENT_SECRET: 's' }, 'GOOGLE_CLIENT_ID', /together/],
    [{ OIDC_ISSUER: 'ftp://x' }, 'OIDC_ISSUER', /https/],
    [{ PUBLIC_URL: 'localhost:5000' }, 'PUBLIC_URL', /^PUBLIC_URL: must start with https:\/\/ or http:\/\/$/],
    [{ TRUST_PROXY: 'maybe' }, 'TRUST_PROXY', /^TRUST_PROXY: expected true or false, got "maybe"$/],
    [{ DB_POOL_MIN: '5', DB_POOL_MAX: '2' }, 'DB_POOL_MIN', /must not exceed DB_POOL_MAX/],
    [{ DB_POOL_MAX: '0' }, 'DB_POOL_MAX', /between 1/],
    [{ DB_POOL_ACQUIRE_TIMEOUT_MS: '1.5' }, 'DB_POOL_ACQUIRE_TIMEOUT_MS', /whole number/],
    [{ SLOW_QUERY_MS: '0' }, 'SLOW_QUERY_MS', /between/],
    [{ METRICS_INTERVAL_S: 'often' }, 'METRICS_INTERVAL_S', /whole number/],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /^LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent, got "loud"$/],
  ])('refuses %o, naming %s', (env, variable, problem) => {
    const err = errorFor(env);
    expect(err.name).toBe('ConfigError');
    expect(err.variable).toBe(variable);
    expect(err.message.startsWith(`${variable}: `)).toBe(true);
    expect(err.message).toMatch(problem);
    expect(err.message).not.toContain('\n');
  });

  it.each(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])('takes the log level %s', (level) => {
    expect(loadConfig({ LOG_LEVEL: level }).logLevel).toBe(level);
  });

  it('accepts a production configuration with a long secret and its owners', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      SESSION_SECRET: 'x'.repeat(32),
      ADMIN_EMAILS: 'owner@example.com',
      TRUST_PROXY: 'yes',
    });
    expect(config.sessionSecret).toHaveLength(32);
    expect(config.adminEmails).toEqual(['owner@example.com']);
    expect(config.trustProxy).toBe(true);
  });
});
