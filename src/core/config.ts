// The one configuration object: every environment variable the service reads, validated once
// and frozen. The command (cli.ts) is its only caller, with the `process.env` main.ts hands it.
import { emailKey, hasAsciiLocalPart } from './email.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  readonly nodeEnv: string;
  readonly port: number;
  readonly host: string;
  /** Unset → embedded PGlite in `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  /** Unset outside production: generated once and kept in `dataDir` (see `resolveSessionSecret`). */
  readonly sessionSecret: string | undefined;
  readonly adminEmails: readonly string[];
  readonly googleClientId: string | undefined;
  readonly googleClientSecret: string | undefined;
  readonly oidcIssuer: string;
  readonly publicUrl: string;
  readonly trustProxy: boolean;
  /** Shared rate-limit counters across instances; unset → in memory per instance. */
  readonly redisUrl: string | undefined;
  readonly sessionIdleTimeoutMin: number;
  readonly sessionAbsoluteTimeoutH: number;
  readonly dbPool: {
    readonly min: number;
    readonly max: number;
    readonly idleMs: number;
    readonly recycleS: number;
    readonly acquireTimeoutMs: number;
  };
  readonly slowQueryMs: number;
  readonly slowQueryCooldownS: number;
  readonly explainTimeoutMs: number;
  readonly metricsIntervalS: number;
  readonly metricsRetentionDays: number;
  readonly healthProbeIntervalMs: number;
  readonly publicRateLimitPerMin: number;
  readonly clientRateLimitPerMin: number;
  readonly corsOrigins: readonly string[];
  /** `smtp://` or `smtps://`; unset → no mail is sent (invite links are copied by hand). */
  readonly smtpUrl: string | undefined;
  /** The sender of the program's mail: `address` or `Name <address>`. */
  readonly mailFrom: string;
  /** The beta program's name, shown to testers and in their mail. */
  readonly programName: string;
  readonly flagStaleDays: number;
  readonly flagCountsFlushS: number;
  readonly shutdownDelayMs: number;
  readonly shutdownTimeoutMs: number;
  readonly logLevel: LogLevel;
  /** Alert rules evaluated on every collected sample, and where alerts are sent. */
  readonly alerts: {
    /** Unset → alerts are recorded and logged only. */
    readonly webhookUrl: string | undefined;
    readonly cpuPct: number;
    readonly memoryPct: number;
    readonly diskPct: number;
    readonly dbP95Ms: number;
    readonly errorRatePct: number;
    readonly uptimePct: number;
    /** Consecutive samples a condition must hold (or clear) before an alert opens (or resolves). */
    readonly forSamples: number;
    readonly cooldownS: number;
  };
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Every variable the service reads, with its default and meaning (README and `.env.example` follow this list). */
export const CONFIG_VARIABLES = [
  { name: 'NODE_ENV', default: 'development', meaning: '`production` requires SESSION_SECRET and ADMIN_EMAILS and logs JSON' },
  { name: 'PORT', default: '5000', meaning: 'listen port' },
  { name: 'HOST', default: '0.0.0.0', meaning: 'listen address' },
  { name: 'DATABASE_URL', default: '', meaning: 'postgres://… for PostgreSQL; unset → embedded PGlite in DATA_DIR' },
  { name: 'DATA_DIR', default: './data', meaning: 'embedded database, generated dev secrets, CLI control socket' },
  {
    name: 'SESSION_SECRET',
    default: '',
    meaning: 'session signing key (≥ 32 chars); required in production, else generated once into DATA_DIR',
  },
  {
    name: 'ADMIN_EMAILS',
    default: 'toledonick98@gmail.com',
    meaning: 'comma-separated owner emails (case-insensitive, exact match); required in production, the default applies only outside it',
  },
  { name: 'GOOGLE_CLIENT_ID', default: '', meaning: 'OAuth client id; unset → Google sign-in off, owner links only' },
  { name: 'GOOGLE_CLIENT_SECRET', default: '', meaning: 'OAuth client secret' },
  { name: 'OIDC_ISSUER', default: 'https://accounts.google.com', meaning: 'OpenID Connect issuer' },
  { name: 'PUBLIC_URL', default: 'http://localhost:$PORT', meaning: 'external base URL (redirect URI, links, cookie Secure)' },
  { name: 'TRUST_PROXY', default: 'false', meaning: 'trust X-Forwarded-* headers from a reverse proxy' },
  { name: 'REDIS_URL', default: '', meaning: 'redis://… to share rate-limit counters between instances; unset → in memory per instance' },
  { name: 'SESSION_IDLE_TIMEOUT_MIN', default: '30', meaning: 'console sessions end after this many minutes without a request' },
  { name: 'SESSION_ABSOLUTE_TIMEOUT_H', default: '12', meaning: 'console sessions end this many hours after sign-in, active or not' },
  { name: 'DB_POOL_MIN', default: '2', meaning: 'PostgreSQL connections opened at start-up' },
  { name: 'DB_POOL_MAX', default: '10', meaning: 'PostgreSQL pool size' },
  { name: 'DB_POOL_IDLE_MS', default: '30000', meaning: 'close a connection idle this long (never below DB_POOL_MIN)' },
  { name: 'DB_POOL_RECYCLE_S', default: '3600', meaning: 'retire a connection after this many seconds' },
  { name: 'DB_POOL_ACQUIRE_TIMEOUT_MS', default: '30000', meaning: 'wait at most this long for a connection, then 503' },
  { name: 'SLOW_QUERY_MS', default: '100', meaning: 'slow-query threshold' },
  { name: 'SLOW_QUERY_COOLDOWN_S', default: '3600', meaning: 'a slow query shape is logged and explained at most once per this period' },
  {
    name: 'EXPLAIN_TIMEOUT_MS',
    default: '5000',
    meaning: 'statement timeout for EXPLAIN ANALYZE of slow reads and for index trials',
  },
  { name: 'METRICS_INTERVAL_S', default: '30', meaning: 'background collection interval into system_metrics' },
  { name: 'METRICS_RETENTION_DAYS', default: '14', meaning: 'system_metrics rows older than this are pruned' },
  {
    name: 'PUBLIC_RATE_LIMIT_PER_MIN',
    default: '30',
    meaning: 'requests per minute per client on public POST routes (feedback, invite redemption)',
  },
  { name: 'CLIENT_RATE_LIMIT_PER_MIN', default: '120', meaning: 'OFREP evaluations per minute per client key and address' },
  {
    name: 'CORS_ORIGINS',
    default: '',
    meaning: 'comma-separated origins allowed to call OFREP evaluation and the public feedback and waitlist APIs from a browser',
  },
  {
    name: 'SMTP_URL',
    default: '',
    meaning:
      'smtp://user:pass@host:587 or smtps://…:465 for tester mail (invites, sign-in links); unset → no mail, invite links copied by hand',
  },
  { name: 'MAIL_FROM', default: 'beta@localhost', meaning: 'sender of tester mail: an address, or Name <address>' },
  { name: 'BETA_PROGRAM_NAME', default: 'NOUS beta', meaning: "the beta program's name, shown on the tester pages and in their mail" },
  { name: 'FLAG_STALE_DAYS', default: '30', meaning: 'a flag not evaluated, or fully rolled out, for this many days is reported stale' },
  { name: 'FLAG_COUNTS_FLUSH_S', default: '60', meaning: 'how often evaluation counts are written to the hourly adoption table' },
  { name: 'HEALTH_PROBE_INTERVAL_MS', default: '2000', meaning: 'background database probe interval (/healthz never queries)' },
  {
    name: 'SHUTDOWN_DELAY_MS',
    default: '0',
    meaning: 'after SIGTERM, keep serving (with /healthz 503) this long so load balancers notice',
  },
  { name: 'SHUTDOWN_TIMEOUT_MS', default: '10000', meaning: 'upper bound for in-flight requests to finish at shutdown' },
  { name: 'LOG_LEVEL', default: 'info', meaning: 'pino level; JSON logs in production or when piped, pretty in a terminal' },
  {
    name: 'ALERT_WEBHOOK_URL',
    default: '',
    meaning: 'http(s) URL receiving alerts as Slack-compatible JSON; unset → alerts are recorded and logged only',
  },
  { name: 'ALERT_CPU_PCT', default: '95', meaning: 'alert when system CPU is above this percentage' },
  { name: 'ALERT_MEMORY_PCT', default: '95', meaning: 'alert when system memory use is above this percentage' },
  { name: 'ALERT_DISK_PCT', default: '90', meaning: 'alert when the disk holding DATA_DIR is fuller than this percentage' },
  { name: 'ALERT_DB_P95_MS', default: '50', meaning: 'alert when the database query p95 is above this many milliseconds' },
  { name: 'ALERT_ERROR_RATE_PCT', default: '5', meaning: 'alert when more than this percentage of requests end in a 5xx' },
  {
    name: 'ALERT_UPTIME_PCT',
    default: '99.9',
    meaning: "alert when this instance's uptime over the last 24 h falls below this percentage",
  },
  {
    name: 'ALERT_FOR_SAMPLES',
    default: '2',
    meaning: 'consecutive samples a condition must hold before an alert opens (and clear before it resolves)',
  },
  {
    name: 'ALERT_COOLDOWN_S',
    default: '300',
    meaning: 'after a webhook for a rule and instance, further openings of it are not sent for this long',
  },
] as const;

export type ConfigVariable = (typeof CONFIG_VARIABLES)[number]['name'];

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const EMAIL = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;

function read(env: Env, name: ConfigVariable): string | undefined {
  const value = env[name];
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function integer(env: Env, name: ConfigVariable, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `expected a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function decimal(env: Env, name: ConfigVariable, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d{1,9}(\.\d{1,6})?$/.test(raw)) throw new ConfigError(name, `expected a number like 95 or 99.9, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function boolean(env: Env, name: ConfigVariable, fallback: boolean): boolean {
  const raw = read(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `expected true or false, got "${raw}"`);
}

function url(env: Env, name: ConfigVariable, protocols: readonly string[]): string | undefined {
  const raw = read(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  }
  return raw;
}

function origins(env: Env): string[] {
  const raw = read(env, 'CORS_ORIGINS');
  if (raw === undefined) return [];
  return raw
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '')
    .map((o) => {
      let parsed: URL;
      try {
        parsed = new URL(o);
      } catch {
        throw new ConfigError('CORS_ORIGINS', `"${o}" is not an origin like https://app.example.com`);
      }
      if (!['https:', 'http:'].includes(parsed.protocol) || parsed.origin !== o.replace(/\/$/, '')) {
        throw new ConfigError('CORS_ORIGINS', `"${o}" is not an origin like https://app.example.com`);
      }
      return parsed.origin;
    });
}

const MAIL_FROM = /^(?:[^<>\r\n]{1,100} <[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/;

function mailOf(env: Env): Pick<Config, 'smtpUrl' | 'mailFrom' | 'programName'> {
  const smtpUrl = url(env, 'SMTP_URL', ['smtp:', 'smtps:']);
  const mailFrom = read(env, 'MAIL_FROM') ?? 'beta@localhost';
  if (!MAIL_FROM.test(mailFrom)) throw new ConfigError('MAIL_FROM', `expected an address or "Name <address>", got "${mailFrom}"`);
  const programName = read(env, 'BETA_PROGRAM_NAME') ?? 'NOUS beta';
  // eslint-disable-next-line no-control-regex
  if (programName.length > 100 || /[\u0000-\u001f]/.test(programName)) {
    throw new ConfigError('BETA_PROGRAM_NAME', 'must be one line of at most 100 characters');
  }
  return { smtpUrl, mailFrom, programName };
}

function sessionSecretOf(env: Env, nodeEnv: string): string | undefined {
  const sessionSecret = read(env, 'SESSION_SECRET');
  if (sessionSecret !== undefined && sessionSecret.length < 32) {
    throw new ConfigError('SESSION_SECRET', `must be at least 32 characters, got ${sessionSecret.length}`);
  }
  if (nodeEnv === 'production' && sessionSecret === undefined) {
    throw new ConfigError('SESSION_SECRET', 'is required when NODE_ENV=production (at least 32 characters)');
  }
  return sessionSecret;
}

// The default owner suits a developer's machine; a production instance must say who owns it, or
// whoever controls the default address would own every deployment that forgot to.
function adminEmailsOf(env: Env, nodeEnv: string): string[] {
  const raw = read(env, 'ADMIN_EMAILS');
  if (raw === undefined && nodeEnv === 'production') {
    throw new ConfigError('ADMIN_EMAILS', 'is required when NODE_ENV=production (comma-separated owner emails)');
  }
  const written = (raw ?? 'toledonick98@gmail.com')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (written.length === 0) throw new ConfigError('ADMIN_EMAILS', 'must name at least one email');
  const adminEmails = written.map((email) => {
    if (!EMAIL.test(email)) throw new ConfigError('ADMIN_EMAILS', `"${email}" is not an email address`);
    // As written: NFKC would turn a look-alike (the Kelvin sign) into plain ASCII.
    if (!hasAsciiLocalPart(email))
      throw new ConfigError('ADMIN_EMAILS', `"${email}" has a non-ASCII part before the @, which owners may not`);
    return emailKey(email);
  });
  return adminEmails;
}

function signInOf(env: Env): Pick<Config, 'googleClientId' | 'googleClientSecret' | 'oidcIssuer'> {
  const googleClientId = read(env, 'GOOGLE_CLIENT_ID');
  const googleClientSecret = read(env, 'GOOGLE_CLIENT_SECRET');
  if ((googleClientId === undefined) !== (googleClientSecret === undefined)) {
    throw new ConfigError(
      googleClientId === undefined ? 'GOOGLE_CLIENT_ID' : 'GOOGLE_CLIENT_SECRET',
      'GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET must be set together',
    );
  }
  const oidcIssuer = url(env, 'OIDC_ISSUER', ['https:', 'http:']) ?? 'https://accounts.google.com';
  return { googleClientId, googleClientSecret, oidcIssuer };
}

function poolSizeOf(env: Env): { min: number; max: number } {
  const min = integer(env, 'DB_POOL_MIN', 2, 0, 1000);
  const max = integer(env, 'DB_POOL_MAX', 10, 1, 1000);
  if (min > max) throw new ConfigError('DB_POOL_MIN', `must not exceed DB_POOL_MAX (${max}), got ${min}`);
  return { min, max };
}

function logLevelOf(env: Env): LogLevel {
  const logLevel = (read(env, 'LOG_LEVEL') ?? 'info').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel as LogLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  return logLevel as LogLevel;
}

function alertsOf(env: Env): Config['alerts'] {
  return {
    webhookUrl: url(env, 'ALERT_WEBHOOK_URL', ['https:', 'http:']),
    cpuPct: decimal(env, 'ALERT_CPU_PCT', 95, 0, 100),
    memoryPct: decimal(env, 'ALERT_MEMORY_PCT', 95, 0, 100),
    diskPct: decimal(env, 'ALERT_DISK_PCT', 90, 0, 100),
    dbP95Ms: decimal(env, 'ALERT_DB_P95_MS', 50, 0, 600_000),
    errorRatePct: decimal(env, 'ALERT_ERROR_RATE_PCT', 5, 0, 100),
    uptimePct: decimal(env, 'ALERT_UPTIME_PCT', 99.9, 0, 100),
    forSamples: integer(env, 'ALERT_FOR_SAMPLES', 2, 1, 1000),
    cooldownS: integer(env, 'ALERT_COOLDOWN_S', 300, 0, 604_800),
  };
}

/** Validates the environment into a frozen `Config`; throws `ConfigError` naming the first bad variable. */
export function loadConfig(env: Env): Config {
  const nodeEnv = read(env, 'NODE_ENV') ?? 'development';
  const port = integer(env, 'PORT', 5000, 0, 65535);
  const host = read(env, 'HOST') ?? '0.0.0.0';
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const sessionSecret = sessionSecretOf(env, nodeEnv);
  const adminEmails = adminEmailsOf(env, nodeEnv);
  const signIn = signInOf(env);
  const publicUrl = (url(env, 'PUBLIC_URL', ['https:', 'http:']) ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const poolSize = poolSizeOf(env);
  const logLevel = logLevelOf(env);

  const config: Config = {
    nodeEnv,
    port,
    host,
    databaseUrl,
    dataDir: read(env, 'DATA_DIR') ?? './data',
    sessionSecret,
    adminEmails,
    ...signIn,
    publicUrl,
    trustProxy: boolean(env, 'TRUST_PROXY', false),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    sessionIdleTimeoutMin: integer(env, 'SESSION_IDLE_TIMEOUT_MIN', 30, 1, 10_080),
    sessionAbsoluteTimeoutH: integer(env, 'SESSION_ABSOLUTE_TIMEOUT_H', 12, 1, 720),
    dbPool: {
      ...poolSize,
      idleMs: integer(env, 'DB_POOL_IDLE_MS', 30_000, 1000, 86_400_000),
      recycleS: integer(env, 'DB_POOL_RECYCLE_S', 3600, 0, 604_800),
      acquireTimeoutMs: integer(env, 'DB_POOL_ACQUIRE_TIMEOUT_MS', 30_000, 100, 600_000),
    },
    slowQueryMs: integer(env, 'SLOW_QUERY_MS', 100, 1, 600_000),
    slowQueryCooldownS: integer(env, 'SLOW_QUERY_COOLDOWN_S', 3600, 0, 604_800),
    explainTimeoutMs: integer(env, 'EXPLAIN_TIMEOUT_MS', 5000, 100, 600_000),
    metricsIntervalS: integer(env, 'METRICS_INTERVAL_S', 30, 1, 86_400),
    metricsRetentionDays: integer(env, 'METRICS_RETENTION_DAYS', 14, 1, 3650),
    publicRateLimitPerMin: integer(env, 'PUBLIC_RATE_LIMIT_PER_MIN', 30, 1, 100_000_000),
    clientRateLimitPerMin: integer(env, 'CLIENT_RATE_LIMIT_PER_MIN', 120, 1, 100_000_000),
    corsOrigins: origins(env),
    ...mailOf(env),
    flagStaleDays: integer(env, 'FLAG_STALE_DAYS', 30, 1, 3650),
    flagCountsFlushS: integer(env, 'FLAG_COUNTS_FLUSH_S', 60, 1, 3600),
    healthProbeIntervalMs: integer(env, 'HEALTH_PROBE_INTERVAL_MS', 2000, 100, 600_000),
    shutdownDelayMs: integer(env, 'SHUTDOWN_DELAY_MS', 0, 0, 600_000),
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 100, 600_000),
    logLevel,
    alerts: alertsOf(env),
  };
  return deepFreeze(config);
}

function deepFreeze<T extends object>(value: T): T {
  for (const inner of Object.values(value)) {
    if (inner !== null && typeof inner === 'object') deepFreeze(inner as object);
  }
  return Object.freeze(value);
}
