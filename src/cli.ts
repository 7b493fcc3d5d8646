// The `beta-suite` command: serve, migrate, token, flags, admin-link, db-report, verify. Loaded by
// main.ts once the process-wide V8 settings are made; the environment is the one main.ts hands over.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { hostname } from 'node:os';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import closeWithGrace from 'close-with-grace';
import { pino, type Logger } from 'pino';
import { ConfigError, loadConfig, type Config } from './core/config.js';
import { drainServer, createLifecycle, trackRequests } from './core/lifecycle.js';
import { loggerOptions } from './core/logger.js';
import { createMetrics, type Metrics } from './core/metrics.js';
import { resolveSessionSecret } from './core/session-secret.js';
import { USAGE, UsageError } from './cli-usage.js';
import { flagOperations, flagsCommand } from './flags-cli.js';
import { callControl, controlSocketPath, startControlServer, type ControlHandler } from './control.js';
import { DataDirBusyError } from './db/data-dir-lock.js';
import { openDatabase, type Database } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { connectRedis } from './core/redis.js';
import type { DbReport } from './features/db-insights/index.js';
import type { Services } from './services.js';

/** The process environment, as main.ts hands it over. */
let environment: Readonly<Record<string, string | undefined>> = {};

const loginLinkUrl = (config: Config, token: string) => `${config.publicUrl}/auth/link?token=${token}`;

const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

/** Whether a live process listens on this Unix socket (a stale file left by a crash does not count). */
function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function fail(message: string, code = 1): never {
  process.stderr.write(`beta-suite: ${message}\n`);
  process.exit(code);
}

function configFrom(overrides: Record<string, string | undefined> = {}): Config {
  try {
    return loadConfig({ ...environment, ...overrides });
  } catch (err) {
    if (err instanceof ConfigError) fail(`configuration error: ${err.message}`);
    throw err;
  }
}

function createLogger(config: Config): Logger {
  return pino(loggerOptions(config, process.stdout.isTTY === true));
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

const quiet = { warn: () => undefined, info: () => undefined, debug: () => undefined };

/** The services as the CLI uses them: no metrics registry, nothing logged but warnings to standard error. */
const cliServices = async (database: Database, config: Config): Promise<Services> => {
  const { createServices } = await import('./services.js');
  return createServices({ config, database, clock: () => new Date(), logger: quiet, instanceId: `cli-${process.pid}` });
};

/**
 * Everything the CLI can ask of the database, whether it runs here or in a server. A server answers
 * `db-report` with its live statistics; without one, the catalog alone (schema health, pool).
 */
function operations(config: Config, services: Services, database: Database, live: boolean): Record<string, ControlHandler> {
  return {
    migrate: () => migrateToLatest(database.db),
    'db-report': () => services.dbInsights.report(live ? undefined : { source: 'catalog' }),
    'admin-link': async () => {
      const link = await services.auth.mintLoginLink('cli');
      return { url: loginLinkUrl(config, link.token), email: link.email, expiresAt: link.expiresAt.toISOString() };
    },
    'token.create': (body) => services.tokens.create({ name: text(body.name), scope: text(body.scope), createdBy: 'cli' }),
    'token.list': () => services.tokens.list(),
    'token.revoke': (body) => services.tokens.revoke(text(body.id)),
    ...flagOperations(services),
  };
}

async function withOperations<T>(
  config: Config,
  run: (call: (command: string, body?: Record<string, unknown>) => Promise<unknown>) => Promise<T>,
): Promise<T> {
  const logger = pino({ level: 'warn' }, pino.destination(2));
  let database: Database;
  try {
    database = await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      pool: { ...config.dbPool, min: 0, max: 2 },
      logger,
    });
  } catch (err) {
    if (!(err instanceof DataDirBusyError)) throw err;
    const socket = controlSocketPath(config.dataDir);
    process.stderr.write(`beta-suite: the server (pid ${err.pid}) holds ${config.dataDir}; asking it through ${socket}\n`);
    return run(async (command, body = {}) => {
      try {
        return await callControl(socket, command, body);
      } catch (callErr) {
        const code = (callErr as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ECONNREFUSED') {
          throw new Error(
            `process ${err.pid} holds ${config.dataDir} but its control socket does not answer; stop it or wait until it has started`,
            {
              cause: callErr,
            },
          );
        }
        throw callErr;
      }
    });
  }
  try {
    const { applied } = await migrateToLatest(database.db);
    const ops: Record<string, ControlHandler> = {
      ...operations(config, await cliServices(database, config), database, false),
      migrate: async () => ({ applied }),
    };
    return await run((command, body = {}) => ops[command]!(body));
  } finally {
    await database.close();
  }
}

/** Opens the configured database and applies pending migrations, or exits with one line saying why not. */
async function openServerDatabase(config: Config, logger: Logger, metrics: Metrics, serving: { started: boolean }): Promise<Database> {
  let database: Database;
  try {
    database = await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      pool: config.dbPool,
      logger,
      // Start-up work (migrations, snapshot loads) is not request traffic: it would otherwise land in
      // the database p95 that health, KPIs and alerts read.
      onQuery: (type, ms, failed) => {
        if (serving.started) metrics.recordQuery(type, ms, failed);
      },
    });
  } catch (err) {
    if (err instanceof DataDirBusyError) fail(`another beta-suite process (pid ${err.pid}) is using DATA_DIR ${config.dataDir}`);
    fail(`cannot open the database: ${(err as Error).message}`);
  }
  const { applied } = await migrateToLatest(database.db);
  logger.info({ applied, database: database.kind }, applied.length ? 'migrations applied' : 'database schema up to date');
  return database;
}

/**
 * On PGlite the CLI can reach the database only through this socket; on PostgreSQL it serves what
 * lives in this process alone (the query statistics of `db-report`), and is optional: without a
 * usable DATA_DIR, or while another instance on this host serves it, `db-report` here reads the
 * catalog (or that instance) instead.
 */
async function startControl(config: Config, logger: Logger, handlers: Record<string, ControlHandler>, kind: Database['kind']) {
  const path = controlSocketPath(config.dataDir);
  const start = () =>
    startControlServer(path, handlers, (err) => logger.error({ err: { message: (err as Error).message } }, 'control command failed'));
  if (kind === 'pglite') return start();
  try {
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    if (!(await socketAnswers(path))) return await start();
    logger.info({ socket: path }, 'another instance on this host serves the control socket');
  } catch (err) {
    logger.warn({ err: { message: (err as Error).message } }, 'no control socket: db-report on this host will read the catalog only');
  }
  return undefined;
}

/**
 * Without Google sign-in the owner needs a one-time link. It is a live credential: it goes to an
 * interactive terminal in development only, never into logs; elsewhere `beta-suite admin-link` makes one.
 */
async function offerOwnerLink(config: Config, logger: Logger, services: Services): Promise<void> {
  if (config.googleClientId !== undefined) return;
  if (config.nodeEnv !== 'production' && process.stderr.isTTY) {
    const link = await services.auth.mintLoginLink('startup');
    process.stderr.write(`Owner sign-in link for ${link.email} (single use, 15 minutes):\n  ${loginLinkUrl(config, link.token)}\n`);
    return;
  }
  logger.info('Google sign-in is not configured; run `npx beta-suite admin-link` for a one-time owner sign-in link');
}

async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { port: { type: 'string' }, host: { type: 'string' } }, strict: true });
  const config = configFrom({ ...(values.port ? { PORT: values.port } : {}), ...(values.host ? { HOST: values.host } : {}) });
  const logger = createLogger(config);
  const sessionSecret = await resolveSessionSecret(config);
  const metrics: Metrics = createMetrics();
  const instanceId = `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
  const serving = { started: false };
  // The application's modules load (about 40 % of the start) while the database opens: PGlite
  // compiles its WebAssembly and reads its files off the main thread.
  const [database, { buildApp }] = await Promise.all([openServerDatabase(config, logger, metrics, serving), import('./app.js')]);
  const redis = config.redisUrl ? await connectRedis(config.redisUrl, logger) : undefined;
  const lifecycle = createLifecycle();
  const { app, services } = await buildApp({
    config,
    database,
    metrics,
    lifecycle,
    version: VERSION,
    instanceId,
    logger,
    sessionSecret,
    redis,
    background: true,
  });
  const tracker = trackRequests(app.server);
  const control = await startControl(config, logger, operations(config, services, database, true), database.kind);

  closeWithGrace(
    { delay: config.shutdownDelayMs + config.shutdownTimeoutMs + 5000, logger: { error: (m: string) => logger.error(m) } },
    async ({ signal, err }) => {
      const started = performance.now();
      if (err) logger.error({ err: { message: err.message } }, 'shutting down after an unexpected error');
      logger.info({ signal }, 'shutdown begun: /healthz now fails');
      lifecycle.beginShutdown();
      await drainServer(app.server, tracker, { delayMs: config.shutdownDelayMs, timeoutMs: config.shutdownTimeoutMs, logger });
      let phase = performance.now();
      await app.close();
      logger.info({ phase: 'metrics flushed', durationMs: Math.round(performance.now() - phase) }, 'shutdown: metrics flushed');
      phase = performance.now();
      await control?.close();
      await redis?.quit().catch(() => undefined);
      await database.close();
      logger.info({ phase: 'pool closed', durationMs: Math.round(performance.now() - phase) }, 'shutdown: database closed');
      logger.info({ durationMs: Math.round(performance.now() - started) }, 'shutdown complete');
      logger.flush();
    },
  );

  try {
    await app.listen({ port: config.port, host: config.host });
    serving.started = true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    await database.close();
    fail(code === 'EADDRINUSE' ? `port ${config.port} is already in use (set PORT or --port)` : `cannot listen: ${(err as Error).message}`);
  }
  await offerOwnerLink(config, logger, services);
}

async function token(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  const config = configFrom();
  if (sub === 'create') {
    const { values } = parseArgs({ args: rest, options: { name: { type: 'string' }, scope: { type: 'string' } }, strict: true });
    if (!values.name || !values.scope) throw new UsageError('token create needs --name and --scope');
    const created = (await withOperations(config, (call) => call('token.create', { name: values.name, scope: values.scope }))) as {
      token: string;
      record: { id: string; name: string; scope: string };
    };
    process.stderr.write(
      `created token ${created.record.id} "${created.record.name}" with scope ${created.record.scope}; it is shown only once\n`,
    );
    process.stdout.write(`${created.token}\n`);
    return;
  }
  if (sub === 'list') {
    const rows = (await withOperations(config, (call) => call('token.list'))) as Array<Record<string, unknown>>;
    for (const row of rows) {
      const status = row.revoked_at ? 'revoked' : 'active';
      process.stdout.write(`${String(row.id)}\t${String(row.token_prefix)}…\t${String(row.scope)}\t${status}\t${String(row.name)}\n`);
    }
    return;
  }
  if (sub === 'revoke') {
    const { positionals } = parseArgs({ args: rest, allowPositionals: true, strict: true });
    if (positionals.length !== 1) throw new UsageError('token revoke needs exactly one token id');
    await withOperations(config, (call) => call('token.revoke', { id: positionals[0] }));
    process.stderr.write(`revoked token ${positionals[0]}\n`);
    return;
  }
  throw new UsageError(`unknown token command "${sub ?? ''}"`);
}

const flags = (args: string[]) => flagsCommand(args, (run) => withOperations(configFrom(), run));

async function adminLink(): Promise<void> {
  const config = configFrom();
  const link = (await withOperations(config, (call) => call('admin-link'))) as { url: string; email: string; expiresAt: string };
  process.stderr.write(`sign-in link for ${link.email}, single use, valid until ${link.expiresAt}\n`);
  process.stdout.write(`${link.url}\n`);
}

async function verify(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      url: { type: 'string', multiple: true },
      token: { type: 'string' },
      'login-link': { type: 'string' },
      'db-p95-ms': { type: 'string' },
      'allow-skip': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const urls = values.url ?? [];
  if (urls.length === 0) throw new UsageError('verify needs at least one --url');
  for (const url of urls) {
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new UsageError(`verify: not an http(s) URL: ${url}`);
  }
  const dbP95Ms = values['db-p95-ms'] === undefined ? undefined : Number(values['db-p95-ms']);
  if (dbP95Ms !== undefined && !(dbP95Ms > 0)) throw new UsageError('verify: --db-p95-ms must be a positive number of milliseconds');
  const { formatVerifyReport, verifyDeployment } = await import('./verify/verify.js');
  const report = await verifyDeployment({
    urls,
    dbP95Ms,
    allowSkip: values['allow-skip'],
    token: values.token ?? environment.BETA_SUITE_TOKEN,
    loginLink: values['login-link'],
  });
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatVerifyReport(report)}\n`);
  process.exitCode = report.ok ? 0 : 1;
}

async function dbReport(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean', default: false } }, strict: true });
  const config = configFrom();
  let report: DbReport;
  try {
    // A running server holds the live statistics: ask it first, whatever the database.
    report = (await callControl(controlSocketPath(config.dataDir), 'db-report', {})) as DbReport;
  } catch (err) {
    // No server answers on this host (no socket, a stale one, or no usable DATA_DIR): read the catalog.
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (!['ENOENT', 'ECONNREFUSED', 'ENOTDIR', 'EACCES'].includes(code)) throw err;
    report = (await withOperations(config, (call) => call('db-report'))) as DbReport;
  }
  const { formatDbReport } = await import('./features/db-insights/index.js');
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatDbReport(report));
}

async function migrate(): Promise<void> {
  const config = configFrom();
  const { applied } = (await withOperations(config, (call) => call('migrate'))) as { applied: string[] };
  process.stderr.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database schema up to date\n');
}

async function main(argv: string[]): Promise<void> {
  const [command = 'serve', ...args] = argv;
  switch (command) {
    case 'serve':
      return serve(args);
    case 'migrate':
      return migrate();
    case 'token':
      return token(args);
    case 'flags':
      return flags(args);
    case 'admin-link':
      return adminLink();
    case 'db-report':
      return dbReport(args);
    case 'verify':
      return verify(args);
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return;
    case '--version':
      process.stdout.write(`${VERSION}\n`);
      return;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

/** Runs the command `argv` names (`serve` when none) with this environment; exits the process on a failure. */
export function runCommand(argv: string[], env: Readonly<Record<string, string | undefined>>): Promise<void> {
  environment = env;
  return main(argv).catch((err: unknown) => {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`beta-suite: ${(err as Error).message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    fail((err as Error).message);
  });
}
