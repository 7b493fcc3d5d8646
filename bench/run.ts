// HTTP benchmark: the real server (`node dist/main.js serve`) on PGlite and, when available,
// PostgreSQL, against a bare Fastify ceiling, with autocannon over loopback. See bench/README.md.
//
//   npx tsx bench/run.ts [--quick] [--duration S] [--connections N] [--warmup S]
//
// Writes bench/results/latest.json and bench/results/latest.md and prints the table.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { inspect, parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { CONFIG_VARIABLES } from '../src/core/config.js';

// ---------------------------------------------------------------------------------------------
// Endpoints. Add an entry to ENDPOINTS to benchmark another route; each one runs right after its
// own ceiling run (bare, endpoint, bare, endpoint, …) on every database target.
// ---------------------------------------------------------------------------------------------

type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type TargetName = 'pglite' | 'postgres';

interface RequestShape {
  method: HttpMethod;
  path: string;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON (content-type added). */
  body?: unknown;
}

/** What a `setup` function can use: the running server, a monitor token, and token minting. */
export interface SetupContext {
  target: TargetName;
  baseUrl: string;
  /** A `monitor`-scope token, already created for this server. */
  monitorToken: string;
  /** The server's PostgreSQL database (postgres target only), for seeding data directly. */
  databaseUrl: string | undefined;
  /** `--quick`: seed less. */
  quick: boolean;
  /** Creates an API token on this server through the CLI (`token create`); returns its value. */
  createToken(scope: string, name?: string): Promise<string>;
  /** One JSON request to the server (setup only, never measured). Throws on a non-2xx answer. */
  request(method: HttpMethod, path: string, body?: unknown, headers?: Record<string, string>): Promise<unknown>;
}

export interface Endpoint extends RequestShape {
  name: string;
  /**
   * Runs once per target before any load: create flags, tokens, rows… May return overrides of
   * path, headers or body (e.g. an Authorization header with a freshly minted token).
   */
  setup?: (ctx: SetupContext) => Promise<Partial<RequestShape> | void>;
  /** Runs once per target right before this endpoint's first measured run (after the endpoints before it were measured). */
  beforeLoad?: (ctx: SetupContext) => Promise<void>;
}

const CEILING: Endpoint = { name: 'bare', method: 'GET', path: '/bare' };

/** 20 flags with conditions and a partial rollout, created once per server (the bulk OFREP workload). */
async function createBenchFlags(ctx: SetupContext): Promise<Record<string, string>> {
  const admin = { authorization: `Bearer ${await ctx.createToken('admin', 'bench-admin')}` };
  for (let i = 0; i < 20; i++) {
    await ctx.request(
      'POST',
      '/api/admin/flags',
      {
        name: `bench-flag-${i}`,
        is_enabled: true,
        rollout_percentage: 50,
        target_users: [`vip-${i}`, `vip-${i}@example.com`],
        conditions: [
          { attribute: 'plan', operator: 'in', values: ['pro', 'team'] },
          { attribute: 'appVersion', operator: 'semver_gt', values: ['2.0.0'] },
          { attribute: 'country', operator: 'not_in', values: ['XX'] },
        ],
      },
      admin,
    );
  }
  return { authorization: `Bearer ${await ctx.createToken('evaluate', 'bench-evaluate')}` };
}

let evaluateHeaders: Promise<Record<string, string>> | undefined;
let evaluateTarget: TargetName | undefined;
/** One set of flags and one token per server, shared by the OFREP endpoints. */
function benchFlags(ctx: SetupContext): Promise<Record<string, string>> {
  if (evaluateTarget !== ctx.target || !evaluateHeaders) {
    evaluateTarget = ctx.target;
    evaluateHeaders = createBenchFlags(ctx);
  }
  return evaluateHeaders;
}

const TYPED_VALUES = [
  (i: number, v: number) => ({ value_type: 'string', value: `Copy ${v} of flag ${i}` }),
  (i: number, v: number) => ({ value_type: 'number', value: i * 10 + v + 0.5 }),
  (i: number, v: number) => ({
    value_type: 'object',
    value: { layout: `layout-${v}`, limits: { uploads: i + v, chats: 50 }, beta: v === 1 },
  }),
] as const;

/**
 * The typed bulk workload, measured after the boolean endpoints: the 20 boolean bench flags are replaced by
 * 20 typed flags (string, number, object in turn) with three weighted variants each and the same targeting,
 * conditions and 50 % rollout, so the bulk answer again holds 20 flags.
 */
async function replaceWithTypedFlags(ctx: SetupContext): Promise<void> {
  const admin = { authorization: `Bearer ${await ctx.createToken('admin', 'bench-admin-typed')}` };
  for (let i = 0; i < 20; i++) await ctx.request('DELETE', `/api/admin/flags/bench-flag-${i}`, undefined, admin);
  for (let i = 0; i < 20; i++) {
    const shape = TYPED_VALUES[i % 3]!;
    const variants = [0, 1, 2].map((v) => ({ name: `v${v}`, value: shape(i, v).value, weight: v === 0 ? 34 : 33 }));
    await ctx.request(
      'POST',
      '/api/admin/flags',
      {
        name: `bench-typed-${i}`,
        is_enabled: true,
        rollout_percentage: 50,
        target_users: [`vip-${i}`, `vip-${i}@example.com`],
        conditions: [
          { attribute: 'plan', operator: 'in', values: ['pro', 'team'] },
          { attribute: 'appVersion', operator: 'semver_gt', values: ['2.0.0'] },
          { attribute: 'country', operator: 'not_in', values: ['XX'] },
        ],
        value_type: shape(i, 0).value_type,
        variants,
        default_variant: 'v0',
      },
      admin,
    );
  }
}

const BENCH_CONTEXT = {
  context: { targetingKey: 'user-42', email: 'user-42@example.com', plan: 'pro', appVersion: '2.4.1', country: 'NL' },
};

const FEEDBACK_ROWS = 1_000_000;

/**
 * PostgreSQL only: 1 000 000 feedback rows over 60 days, aggregates rebuilt exactly from them, then
 * the statistics query timed directly (no cache) 200 times. Writes bench/results/stats-query.json.
 */
async function seedFeedback(ctx: SetupContext): Promise<void> {
  if (!ctx.databaseUrl) return;
  const client = new pg.Client({ connectionString: ctx.databaseUrl });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO beta_feedback (rating, feature, comment, created_at)
       SELECT 1 + (i % 5), (ARRAY['voice', 'chat', 'search', 'memory', NULL])[1 + i % 5], 'seeded', now() - (i % 60) * interval '1 day'
       FROM generate_series(1, $1::int) AS i`,
      [FEEDBACK_ROWS],
    );
    await client.query(
      `DELETE FROM feedback_stat_slots;
       INSERT INTO feedback_stat_slots (day, feature, rating, slot, count)
       SELECT (created_at AT TIME ZONE 'UTC')::date, coalesce(feature, ''), rating, 0, count(*) FROM beta_feedback GROUP BY 1, 2, 3`,
    );
    await client.query('ANALYZE beta_feedback; ANALYZE feedback_stat_slots');
    const timings: number[] = [];
    for (let i = 0; i < 200; i++) {
      const started = performance.now();
      await client.query(`SELECT to_char(day, 'YYYY-MM-DD') AS day, feature, rating, count FROM feedback_stats_daily`);
      timings.push(performance.now() - started);
    }
    timings.sort((a, b) => a - b);
    const at = (p: number) => Math.round(timings[Math.min(timings.length - 1, Math.ceil((p / 100) * timings.length) - 1)]! * 1000) / 1000;
    const result = { rows: FEEDBACK_ROWS, runs: timings.length, p50Ms: at(50), p95Ms: at(95), p99Ms: at(99), maxMs: at(100) };
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench', 'results', 'stats-query.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log(
      `[bench] statistics query over ${FEEDBACK_ROWS.toLocaleString('en-US')} feedback rows: p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms`,
    );
  } finally {
    await client.end();
  }
}

const TESTERS = 100_000;
const QUICK_TESTERS = 5_000;

/**
 * 100 000 testers (5 000 with --quick): on PostgreSQL inserted directly, on PGlite (whose data dir the
 * server holds) through the admin import API. Returns an admin token header for the list.
 */
async function seedTesters(ctx: SetupContext): Promise<Partial<RequestShape>> {
  const total = ctx.quick ? QUICK_TESTERS : TESTERS;
  const headers = { authorization: `Bearer ${await ctx.createToken('admin', 'bench-users')}` };
  if (ctx.databaseUrl) {
    const client = new pg.Client({ connectionString: ctx.databaseUrl });
    await client.connect();
    try {
      await client.query(
        `INSERT INTO beta_users (email, invite_code, source, notes, created_at)
         SELECT 'tester-' || i || '@example.com', replace(gen_random_uuid()::text, '-', '') || i, 'import',
                CASE WHEN i % 10 = 0 THEN 'early adopter' END, now() - i * interval '1 second'
         FROM generate_series(1, $1::int) AS i`,
        [total],
      );
      await client.query('ANALYZE beta_users');
    } finally {
      await client.end();
    }
  } else {
    const batch = 2_000;
    for (let start = 0; start < total; start += batch) {
      const lines = Array.from({ length: Math.min(batch, total - start) }, (_, i) => `tester-${start + i + 1}@example.com`);
      await ctx.request('POST', '/api/admin/users/import', { text: lines.join('\n') }, headers);
    }
  }
  console.log(`[bench] ${ctx.target}: ${total.toLocaleString('en-US')} testers seeded`);
  return { headers };
}

export const ENDPOINTS: Endpoint[] = [
  { name: 'healthz', method: 'GET', path: '/healthz' },
  {
    name: 'ofrep single',
    method: 'POST',
    path: '/ofrep/v1/evaluate/flags/bench-flag-7',
    body: BENCH_CONTEXT,
    setup: async (ctx) => ({ headers: await benchFlags(ctx) }),
  },
  {
    name: 'ofrep bulk (20 flags)',
    method: 'POST',
    path: '/ofrep/v1/evaluate/flags',
    body: BENCH_CONTEXT,
    setup: async (ctx) => ({ headers: await benchFlags(ctx) }),
  },
  {
    name: 'ofrep bulk (20 typed flags)',
    method: 'POST',
    path: '/ofrep/v1/evaluate/flags',
    body: BENCH_CONTEXT,
    setup: async (ctx) => ({ headers: await benchFlags(ctx) }),
    beforeLoad: replaceWithTypedFlags,
  },
  {
    name: 'feedback submit',
    method: 'POST',
    path: '/api/feedback',
    body: { rating: 4, feature: 'voice', comment: 'Replies feel faster since the update.', metadata: { appVersion: '2.4.1' } },
  },
  { name: 'feedback stats', method: 'GET', path: '/api/feedback/stats', setup: seedFeedback },
  { name: 'admin users list', method: 'GET', path: '/api/admin/users?limit=50', setup: seedTesters },
];

// ---------------------------------------------------------------------------------------------

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const MAIN_JS = join(ROOT, 'dist', 'main.js');
const BARE_JS = join(ROOT, 'bench', 'bare-server.mjs');
const RESULTS_DIR = join(ROOT, 'bench', 'results');
const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
const STARTUP_TIMEOUT_MS = 60_000;
/** Seeding data for the endpoints of one target (1M feedback rows, 100 000 testers). */
const SEED_BUDGET_MS = 300_000;
const STOP_TIMEOUT_MS = 15_000;
const RSS_SAMPLE_MS = 250;
const SETUP_REQUEST_TIMEOUT_MS = 120_000;
/** USER_HZ: the unit of utime and stime in /proc/<pid>/stat (100 on every Linux architecture Node runs on). */
const CLOCK_TICKS = 100;

interface Options {
  quick: boolean;
  /** Endpoint names to run (all when empty); results then go to partial.json/md, not latest. */
  only: string[];
  durationS: number;
  connections: number;
  warmupS: number;
  /** Bare/endpoint pairs per endpoint and target; the summary takes the median of their CPU ratios. */
  rounds: number;
  /** Directory for the beta-suite server's V8 CPU profiles (`--cpu-prof`), one per target; none when undefined. */
  profileDir: string | undefined;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      connections: { type: 'string' },
      warmup: { type: 'string' },
      profile: { type: 'string' },
      rounds: { type: 'string' },
      only: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      'Usage: npx tsx bench/run.ts [--quick] [--only NAME,…] [--duration S] [--connections N] [--warmup S]\n' +
        '  --quick          3 s per endpoint, PGlite only, 5 000 testers; writes quick.*\n' +
        '  --only NAME,…    only these endpoints (names as in the table, e.g. "feedback submit"); writes partial.*\n' +
        '  --duration S     seconds of load per endpoint (default 10)\n' +
        '  --connections N  concurrent connections (default 50)\n' +
        '  --warmup S       unmeasured load before each run (default 1, 0 to skip)\n' +
        '  --rounds N       bare/endpoint pairs per endpoint (default 1); the summary shows the median CPU ratio\n' +
        '  --profile DIR    run the server under --cpu-prof, writing its profile into DIR (see bench/profile-top.ts)\n' +
        'PostgreSQL: BENCH_DATABASE_URL (an admin URL on a loopback host) or 127.0.0.1:5432 if it answers.\n',
    );
    process.exit(0);
  }
  const whole = (raw: string | undefined, flag: string, fallback: number, min: number, max: number): number => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${flag} must be a whole number from ${min} to ${max}, got "${raw}"`);
    return n;
  };
  const only = (values.only ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  const unknown = only.filter((n) => !ENDPOINTS.some((ep) => ep.name === n));
  if (unknown.length > 0)
    throw new Error(`--only: unknown endpoint ${unknown.join(', ')}; known: ${ENDPOINTS.map((ep) => ep.name).join(', ')}`);
  return {
    quick: values.quick,
    only,
    durationS: whole(values.duration, 'duration', values.quick ? 3 : 10, 1, 600),
    connections: whole(values.connections, 'connections', 50, 1, 1000),
    warmupS: whole(values.warmup, 'warmup', 1, 0, 60),
    rounds: whole(values.rounds, 'rounds', 1, 1, 10),
    profileDir: values.profile,
  };
}

// ---------------------------------------------------------------------------------------------
// Cleanup: everything started registers how to undo itself; undone in reverse, even on failure.
// ---------------------------------------------------------------------------------------------

class Cleanup {
  private readonly tasks: Array<{ label: string; run: () => Promise<void>; done: boolean }> = [];

  /** Registers an undo step; the returned function runs it early (once). */
  add(label: string, run: () => Promise<void>): () => Promise<void> {
    const task = { label, run, done: false };
    this.tasks.push(task);
    return () => this.runTask(task);
  }

  async runAll(): Promise<void> {
    for (const task of [...this.tasks].reverse()) await this.runTask(task);
  }

  private async runTask(task: { label: string; run: () => Promise<void>; done: boolean }): Promise<void> {
    if (task.done) return;
    task.done = true;
    try {
      await task.run();
    } catch (err) {
      log(`cleanup: ${task.label} failed: ${(err as Error).message}`);
    }
  }
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(inspect(value));
}

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

// ---------------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------------

interface ServerProc {
  label: string;
  child: ChildProcess;
  pid: number;
  baseUrl: string;
  env: NodeJS.ProcessEnv;
  output(): string;
  /** SIGTERM, wait for exit, then whatever else was set up for it (temp dir, database). */
  release(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function stopChild(child: ChildProcess, label: string): Promise<void> {
  if (exited(child)) return;
  const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = sleep(STOP_TIMEOUT_MS, 'timeout' as const);
  if ((await Promise.race([done.then(() => 'exited' as const), timer])) === 'timeout') {
    log(`${label} did not exit ${STOP_TIMEOUT_MS / 1000} s after SIGTERM; sending SIGKILL`);
    child.kill('SIGKILL');
    await done;
  }
}

/** Spawns `node args…`, keeps the tail of its output, waits until `readyPath` answers 200. */
async function startServer(
  cleanup: Cleanup,
  signal: AbortSignal,
  spec: { label: string; args: string[]; port: number; env: NodeJS.ProcessEnv; readyPath: string; afterStop?: () => Promise<void> },
): Promise<ServerProc> {
  const child = spawn(process.execPath, spec.args, { cwd: ROOT, env: spec.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-8000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.stdin.on('error', () => {}); // the child may close it first
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  spawnError.catch(() => {});

  const release = cleanup.add(`stop ${spec.label}`, async () => {
    await stopChild(child, spec.label);
    child.stdin.destroy();
    if (child.exitCode !== 0 && child.exitCode !== null) log(`${spec.label} exited with code ${child.exitCode}:\n${tail.trim()}`);
    await spec.afterStop?.();
  });

  const baseUrl = `http://127.0.0.1:${spec.port}`;
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    signal.throwIfAborted();
    if (exited(child)) throw new Error(`${spec.label} exited during start-up (code ${child.exitCode}):\n${tail.trim()}`);
    if (Date.now() > deadline)
      throw new Error(`${spec.label} did not answer ${spec.readyPath} within ${STARTUP_TIMEOUT_MS / 1000} s:\n${tail.trim()}`);
    try {
      const res = await Promise.race([
        fetch(baseUrl + spec.readyPath, { signal: AbortSignal.any([signal, AbortSignal.timeout(1000)]) }),
        spawnError,
      ]);
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw err;
    }
    await sleep(100, undefined, { signal });
  }
  if (child.pid === undefined) throw new Error(`${spec.label} has no pid`);
  return { label: spec.label, child, pid: child.pid, baseUrl, env: spec.env, output: () => tail, release };
}

/** The environment with every variable the service reads removed, so nothing leaks in from the shell. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const variable of CONFIG_VARIABLES) delete env[variable.name];
  delete env.NODE_OPTIONS; // e.g. a tsx loader inherited from `npx tsx`
  return env;
}

async function runCli(env: NodeJS.ProcessEnv, args: string[], signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN_JS, ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      signal,
      timeout: 30_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`beta-suite ${args.join(' ')} failed (code ${code}): ${stderr.trim()}`));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL
// ---------------------------------------------------------------------------------------------

async function postgresAdminUrl(quick: boolean): Promise<string | undefined> {
  if (quick) return undefined;
  const explicit = process.env.BENCH_DATABASE_URL?.trim() || undefined;
  const url = explicit ?? DEFAULT_PG_URL;
  const host = new URL(url).hostname;
  if (!LOOPBACK.has(host)) throw new Error(`BENCH_DATABASE_URL must point at a loopback host (127.0.0.1, localhost, ::1), got "${host}"`);
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return url;
  } catch (err) {
    if (explicit) throw new Error(`BENCH_DATABASE_URL does not answer: ${(err as Error).message}`, { cause: err });
    log(`PostgreSQL does not answer on 127.0.0.1:5432 (${(err as Error).message}); benchmarking PGlite only`);
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
}

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => {});
  }
}

async function createDatabase(cleanup: Cleanup, adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `bench_${randomBytes(6).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE "${name}"`);
  const drop = cleanup.add(`drop database ${name}`, async () => {
    try {
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } catch (err) {
      if ((err as { code?: string }).code !== '42601') throw err; // before PostgreSQL 13: no WITH (FORCE)
      await adminQuery(adminUrl, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`);
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${name}"`);
    }
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop };
}

// ---------------------------------------------------------------------------------------------
// Measuring
// ---------------------------------------------------------------------------------------------

/** User plus system CPU time of a process (all its threads), in seconds, from /proc/<pid>/stat. */
function readCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

function readRss(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

interface ResolvedEndpoint {
  name: string;
  method: HttpMethod;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}

function resolveRequest(name: string, shape: RequestShape): ResolvedEndpoint {
  const headers = { ...(shape.headers ?? {}) };
  let body: string | undefined;
  if (shape.body !== undefined) {
    if (typeof shape.body === 'string') body = shape.body;
    else {
      body = JSON.stringify(shape.body);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    }
  }
  return { name, method: shape.method, path: shape.path, headers, body };
}

interface LoadOutcome {
  result: autocannon.Result;
  /** Latencies of 2xx responses, ms, full (sub-millisecond) precision. */
  latencies: Float64Array;
}

function runLoad(baseUrl: string, ep: ResolvedEndpoint, seconds: number, connections: number, signal: AbortSignal): Promise<LoadOutcome> {
  return new Promise((resolve, reject) => {
    signal.throwIfAborted();
    let latencies = new Float64Array(1 << 16);
    let count = 0;
    const onAbort = () => instance.stop();
    const instance = autocannon(
      {
        url: baseUrl + ep.path,
        method: ep.method,
        headers: ep.headers,
        ...(ep.body !== undefined ? { body: ep.body } : {}),
        connections,
        duration: seconds,
        timeout: 10,
      },
      (err: unknown, result: autocannon.Result) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) reject(toError(signal.reason));
        else if (err) reject(toError(err));
        else resolve({ result, latencies: latencies.subarray(0, count) });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, ms) => {
      if (statusCode < 200 || statusCode >= 300) return;
      if (count === latencies.length) {
        const grown = new Float64Array(latencies.length * 2);
        grown.set(latencies);
        latencies = grown;
      }
      latencies[count++] = ms;
    });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function percentile(sorted: Float64Array, p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

interface DbMetrics {
  kind: string;
  /** Queries since the server started (cumulative). */
  queriesTotal: number;
  /** Queries between just after the warm-up and just after the run (incl. the metrics call's token check). */
  queriesDuringRun: number | null;
  /** Queries in the server's sliding window, which p95/p99 describe. */
  queryCount: number;
  p95Ms: number | null;
  p99Ms: number | null;
  errors: number;
  perType: Record<string, unknown>;
  windowSeconds: number;
  serverResponseTimeMs: unknown;
  serverRssBytes: number | null;
}

interface RunResult {
  server: 'bare' | TargetName;
  endpoint: string;
  method: HttpMethod;
  path: string;
  durationS: number;
  connections: number;
  requests: { total: number; perSecondMean: number; perSecondStddev: number; sent: number };
  latencyMs: { mean: number | null; p50: number | null; p95: number | null; p99: number | null; max: number | null; samples: number };
  /** autocannon's own (integer-millisecond HdrHistogram) latency, for reference. */
  autocannonLatencyMs: { p50: number; p97_5: number; p99: number; max: number };
  statusCodes: Record<string, number>;
  non2xx: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  ratioToBare: number | null;
  /** Server CPU (user + system, every thread) during the measured run, seconds. */
  cpuSeconds: number | null;
  /** Requests answered per server CPU-second: what the server costs, whatever autocannon takes from the machine. */
  requestsPerCpuSecond: number | null;
  /** requestsPerCpuSecond over the ceiling run's, just before it. */
  cpuRatioToBare: number | null;
  rssIdleBytes: number | null;
  rssLoadedMaxBytes: number | null;
  /** VmRSS right after the load stopped (a major GC under load can make it lower than idle). */
  rssAfterBytes: number | null;
  db: DbMetrics | null;
}

async function measure(
  server: ServerProc,
  serverName: 'bare' | TargetName,
  ep: ResolvedEndpoint,
  opts: Options,
  signal: AbortSignal,
  afterWarmup?: () => Promise<void>,
): Promise<RunResult> {
  log(
    `${serverName} ${ep.method} ${ep.path}: ${opts.warmupS ? `${opts.warmupS} s warm-up, ` : ''}${opts.durationS} s × ${opts.connections} connections`,
  );
  if (exited(server.child)) throw new Error(`${server.label} is no longer running:\n${server.output().trim()}`);
  const rssIdle = readRss(server.pid);
  let rssMax = rssIdle;
  const sampler = setInterval(() => {
    const rss = readRss(server.pid);
    if (rss !== null && (rssMax === null || rss > rssMax)) rssMax = rss;
  }, RSS_SAMPLE_MS);
  let outcome: LoadOutcome;
  let cpuSeconds: number | null;
  try {
    if (opts.warmupS > 0) await runLoad(server.baseUrl, ep, opts.warmupS, opts.connections, signal);
    await afterWarmup?.();
    const cpuBefore = readCpuSeconds(server.pid);
    outcome = await runLoad(server.baseUrl, ep, opts.durationS, opts.connections, signal);
    const cpuAfter = readCpuSeconds(server.pid);
    cpuSeconds = cpuBefore === null || cpuAfter === null ? null : Math.round((cpuAfter - cpuBefore) * 100) / 100;
  } finally {
    clearInterval(sampler);
  }
  const rssAfter = readRss(server.pid);
  if (rssAfter !== null && (rssMax === null || rssAfter > rssMax)) rssMax = rssAfter;

  const { result } = outcome;
  const sorted = Float64Array.from(outcome.latencies).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stat.count ?? 0;
  const round = (v: number | null, digits = 3) => (v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits);

  return {
    server: serverName,
    endpoint: ep.name,
    method: ep.method,
    path: ep.path,
    durationS: result.duration,
    connections: result.connections,
    requests: {
      total: result.requests.total,
      perSecondMean: result.requests.average,
      perSecondStddev: result.requests.stddev,
      sent: result.requests.sent,
    },
    latencyMs: {
      mean: round(sorted.length ? sum / sorted.length : null),
      p50: round(percentile(sorted, 50)),
      p95: round(percentile(sorted, 95)),
      p99: round(percentile(sorted, 99)),
      max: round(sorted.length ? sorted[sorted.length - 1]! : null),
      samples: sorted.length,
    },
    autocannonLatencyMs: { p50: result.latency.p50, p97_5: result.latency.p97_5, p99: result.latency.p99, max: result.latency.max },
    statusCodes,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    mismatches: result.mismatches,
    ratioToBare: null,
    cpuSeconds,
    requestsPerCpuSecond: cpuSeconds ? Math.round(result.requests.total / cpuSeconds) : null,
    cpuRatioToBare: null,
    rssIdleBytes: rssIdle,
    rssLoadedMaxBytes: rssMax,
    rssAfterBytes: rssAfter,
    db: null,
  };
}

async function fetchDbMetrics(server: ServerProc, token: string, signal: AbortSignal, totalBefore?: number): Promise<DbMetrics> {
  const res = await fetch(`${server.baseUrl}/health/metrics`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]),
  });
  if (res.status !== 200) throw new Error(`GET /health/metrics answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as {
    windowSeconds: number;
    requests: { responseTimeMs: unknown };
    database: {
      kind: string;
      total: number;
      errors: number;
      queryTimeMs: { count: number; p95: number; p99: number };
      perType: Record<string, unknown>;
    };
    system: { rssBytes?: number };
  };
  const q = body.database.queryTimeMs;
  return {
    kind: body.database.kind,
    queriesTotal: body.database.total,
    queriesDuringRun: totalBefore === undefined ? null : body.database.total - totalBefore,
    queryCount: q.count,
    p95Ms: q.count > 0 ? q.p95 : null,
    p99Ms: q.count > 0 ? q.p99 : null,
    errors: body.database.errors,
    perType: body.database.perType,
    windowSeconds: body.windowSeconds,
    serverResponseTimeMs: body.requests.responseTimeMs,
    serverRssBytes: body.system.rssBytes ?? null,
  };
}

// ---------------------------------------------------------------------------------------------
// Targets
// ---------------------------------------------------------------------------------------------

async function startBare(cleanup: Cleanup, signal: AbortSignal): Promise<ServerProc> {
  const port = await freePort();
  return startServer(cleanup, signal, { label: 'bare fastify', args: [BARE_JS, String(port)], port, env: cleanEnv(), readyPath: '/bare' });
}

async function startApp(
  cleanup: Cleanup,
  signal: AbortSignal,
  target: TargetName,
  pgAdminUrl: string | undefined,
  profileDir: string | undefined,
): Promise<ServerProc> {
  const dir = await mkdtemp(join(os.tmpdir(), `nous-bench-${target}-`));
  const removeDir = cleanup.add(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
  let dropDb: (() => Promise<void>) | undefined;
  let databaseUrl: string | undefined;
  if (target === 'postgres') {
    const db = await createDatabase(cleanup, pgAdminUrl!);
    databaseUrl = db.url;
    dropDb = db.drop;
  }
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...cleanEnv(),
    NODE_ENV: 'production',
    ADMIN_EMAILS: 'owner@example.com',
    SESSION_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
    DATA_DIR: join(dir, 'data'),
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    // The load comes from one client: lift the per-client limit on public routes.
    PUBLIC_RATE_LIMIT_PER_MIN: '100000000',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  };
  return startServer(cleanup, signal, {
    label: `beta-suite on ${target}`,
    args: [
      ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []),
      MAIN_JS,
      'serve',
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
    ],
    port,
    env,
    readyPath: '/healthz',
    afterStop: async () => {
      await dropDb?.();
      await removeDir();
    },
  });
}

function setupContext(server: ServerProc, target: TargetName, monitorToken: string, signal: AbortSignal, quick: boolean): SetupContext {
  return {
    target,
    baseUrl: server.baseUrl,
    monitorToken,
    databaseUrl: server.env.DATABASE_URL,
    quick,
    createToken: async (scope, name = `bench-${scope}`) =>
      (await runCli(server.env, ['token', 'create', '--name', name, '--scope', scope], signal)).trim(),
    request: async (method, path, body, headers = {}) => {
      const res = await fetch(server.baseUrl + path, {
        method,
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        // Seeding (2 000 testers per import request) is never measured: give it time on a busy machine.
        signal: AbortSignal.any([signal, AbortSignal.timeout(SETUP_REQUEST_TIMEOUT_MS)]),
      });
      const text = await res.text();
      if (res.status < 200 || res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
      return text ? (JSON.parse(text) as unknown) : undefined;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

interface Report {
  date: string;
  mode: 'quick' | 'full';
  settings: { durationS: number; warmupS: number; connections: number; rounds: number; targets: TargetName[]; rssSampleMs: number };
  machine: {
    cpus: number;
    cpuModel: string;
    totalMemoryBytes: number;
    node: string;
    platform: string;
    release: string;
    arch: string;
    loadAverageAtStart: number[];
    loadAverageAtEnd: number[];
  };
  git: { commit: string | null; dirty: boolean | null };
  runs: RunResult[];
}

function gitInfo(): Report['git'] {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
    return { commit, dirty };
  } catch {
    return { commit: null, dirty: null };
  }
}

const loadAverage = () => os.loadavg().map((v) => Math.round(v * 100) / 100);
const mib = (bytes: number | null) => (bytes === null ? '—' : (bytes / 1048576).toFixed(1));
const ms = (v: number | null, digits = 2) => (v === null ? '—' : v.toFixed(digits));

function markdownTable(runs: RunResult[]): string {
  const header = [
    'Server',
    'Endpoint',
    'req/s',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'non-2xx',
    'errors / timeouts',
    'vs bare',
    'req per CPU-s',
    'vs bare (CPU)',
    'RSS idle MiB',
    'RSS loaded MiB',
    'DB p95 ms (n in window)',
    'DB queries in run',
  ];
  const rows = runs.map((r) => [
    r.server,
    `${r.method} ${r.path}`,
    Math.round(r.requests.perSecondMean).toLocaleString('en-US'),
    ms(r.latencyMs.p50),
    ms(r.latencyMs.p95),
    ms(r.latencyMs.p99),
    String(r.non2xx),
    `${r.errors} / ${r.timeouts}`,
    r.server === 'bare' ? 'ceiling' : r.ratioToBare === null ? '—' : `${r.ratioToBare.toFixed(2)}×`,
    r.requestsPerCpuSecond === null ? '—' : r.requestsPerCpuSecond.toLocaleString('en-US'),
    r.server === 'bare' ? 'ceiling' : r.cpuRatioToBare === null ? '—' : `${r.cpuRatioToBare.toFixed(2)}×`,
    mib(r.rssIdleBytes),
    mib(r.rssLoadedMaxBytes),
    r.db === null ? '—' : r.db.p95Ms === null ? '— (0)' : `${ms(r.db.p95Ms, 3)} (${r.db.queryCount})`,
    r.db?.queriesDuringRun == null ? '—' : String(r.db.queriesDuringRun),
  ]);
  const right = new Set([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (right.has(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** Per target and endpoint: the median, over its rounds, of requests per CPU-second against the ceiling's. */
function summaryTable(runs: RunResult[]): string {
  const groups = new Map<string, number[]>();
  for (const r of runs) {
    if (r.server === 'bare' || r.cpuRatioToBare === null) continue;
    const key = `| ${r.server} | ${r.endpoint} |`;
    groups.set(key, [...(groups.get(key) ?? []), r.cpuRatioToBare]);
  }
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };
  const rows = [...groups].map(([key, ratios]) => `${key} ${median(ratios).toFixed(2)}× | ${ratios.map((r) => r.toFixed(2)).join(', ')} |`);
  return ['| Server | Endpoint | vs bare (CPU), median | each round |', '|---|---|---:|---|', ...rows].join('\n');
}

function markdownReport(report: Report, table: string): string {
  const m = report.machine;
  const s = report.settings;
  return `# Benchmark results (${report.mode})

${report.date} · ${m.cpus} × ${m.cpuModel} · ${(m.totalMemoryBytes / 1073741824).toFixed(1)} GiB · Node ${m.node} · ${m.platform} ${m.release} (${m.arch})${report.git.commit ? ` · commit ${report.git.commit.slice(0, 10)}${report.git.dirty ? ' (dirty)' : ''}` : ''} · load average ${m.loadAverageAtStart[0]} at start, ${m.loadAverageAtEnd[0]} at end

${(m.loadAverageAtStart[0] ?? 0) > m.cpus / 2 ? `**The machine was already busy when the run started (1-minute load average ${m.loadAverageAtStart[0]} on ${m.cpus} CPUs): these figures are noisy.**\n\n` : ''}autocannon over 127.0.0.1, ${s.connections} connections, ${s.durationS} s per run after ${s.warmupS} s warm-up; each endpoint runs right after its own bare-Fastify ceiling run, ${s.rounds} round${s.rounds === 1 ? '' : 's'} per endpoint. Targets: ${s.targets.join(', ')}.

${table}

req/s: mean of autocannon's per-second samples. Latency: all 2xx responses of the run. vs bare: req/s over the ceiling run just before it. req per CPU-s: requests answered per second of server CPU (user + system, all threads, from \`/proc/<pid>/stat\`) during the run; vs bare (CPU) divides it by the ceiling's, which is the figure the targets use, since autocannon takes a share of the same CPUs. RSS: the server process's VmRSS before the load, and the maximum sampled every ${s.rssSampleMs} ms during warm-up and load. DB p95: \`database.queryTimeMs.p95\` from \`/health/metrics\` right after the run (the server's sliding ${report.runs.find((r) => r.db)?.db?.windowSeconds ?? 60} s window; number of queries in that window in parentheses, which can include start-up migrations). DB queries in run: queries the server made from the end of the warm-up to the end of the run, whatever their source (requests, background probe, collector, the metrics call's token check). See bench/README.md.
`;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  let opts: Options;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (err) {
    log((err as Error).message);
    return 2;
  }
  if (!existsSync(MAIN_JS)) {
    log(`${MAIN_JS} is missing: run \`npm run build\` first (or \`npm run bench\`)`);
    return 2;
  }

  const cleanup = new Cleanup();
  const abort = new AbortController();
  let interrupted = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupted++;
    if (interrupted > 1) {
      log(`${sig} again: exiting without finishing cleanup`);
      process.exit(130);
    }
    log(`${sig}: stopping and cleaning up (again to force)`);
    abort.abort(new Error(`interrupted by ${sig}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);

  const started = Date.now();
  let watchdog: NodeJS.Timeout | undefined;
  try {
    const pgAdminUrl = await postgresAdminUrl(opts.quick);
    const targets: TargetName[] = pgAdminUrl ? ['pglite', 'postgres'] : ['pglite'];

    // The whole run is bounded: start-ups, every load run, and slack; past that, abort and clean up.
    const selected = opts.only.length === 0 ? ENDPOINTS : ENDPOINTS.filter((ep) => opts.only.includes(ep.name));
    const runs = targets.length * selected.length * 2 * opts.rounds;
    const budgetMs =
      (1 + targets.length) * (STARTUP_TIMEOUT_MS + STOP_TIMEOUT_MS + SEED_BUDGET_MS) +
      runs * (opts.durationS + opts.warmupS + 15) * 1000 +
      30_000;
    watchdog = setTimeout(() => {
      log(`still running after ${Math.round(budgetMs / 1000)} s: aborting`);
      abort.abort(new Error('benchmark exceeded its time budget'));
    }, budgetMs);
    watchdog.unref();

    const machineCpus = os.cpus();
    const report: Report = {
      date: new Date().toISOString(),
      mode: opts.quick ? 'quick' : 'full',
      settings: {
        durationS: opts.durationS,
        warmupS: opts.warmupS,
        connections: opts.connections,
        rounds: opts.rounds,
        targets,
        rssSampleMs: RSS_SAMPLE_MS,
      },
      machine: {
        cpus: machineCpus.length,
        cpuModel: machineCpus[0]?.model.trim() ?? 'unknown',
        totalMemoryBytes: os.totalmem(),
        node: process.version,
        platform: os.platform(),
        release: os.release(),
        arch: os.arch(),
        loadAverageAtStart: loadAverage(),
        loadAverageAtEnd: [],
      },
      git: gitInfo(),
      runs: [],
    };
    if (machineCpus.length < 4)
      log(`only ${machineCpus.length} CPUs: autocannon and the server compete for them; compare ratios, not absolutes`);

    const bare = await startBare(cleanup, abort.signal);
    const ceiling = resolveRequest(CEILING.name, CEILING);

    for (const target of targets) {
      log(`starting beta-suite on ${target}`);
      const server = await startApp(cleanup, abort.signal, target, pgAdminUrl, opts.profileDir);
      const monitorToken = (await runCli(server.env, ['token', 'create', '--name', 'bench', '--scope', 'monitor'], abort.signal)).trim();
      if (!monitorToken) throw new Error('token create printed no token');
      const ctx = setupContext(server, target, monitorToken, abort.signal, opts.quick);
      const endpoints: ResolvedEndpoint[] = [];
      const beforeLoad = new Map<string, (ctx: SetupContext) => Promise<void>>();
      for (const ep of selected) {
        const overrides = (await ep.setup?.(ctx)) ?? {};
        endpoints.push(resolveRequest(ep.name, { method: ep.method, path: ep.path, headers: ep.headers, body: ep.body, ...overrides }));
        if (ep.beforeLoad) beforeLoad.set(ep.name, ep.beforeLoad);
      }
      for (const ep of endpoints.flatMap((e) => Array.from({ length: opts.rounds }, () => e))) {
        const prepare = beforeLoad.get(ep.name);
        if (prepare) {
          beforeLoad.delete(ep.name);
          await prepare(ctx);
        }
        const ceilingRun = await measure(bare, 'bare', ceiling, opts, abort.signal);
        report.runs.push(ceilingRun);
        let totalBefore: number | undefined;
        const run = await measure(server, target, ep, opts, abort.signal, async () => {
          totalBefore = (await fetchDbMetrics(server, monitorToken, abort.signal)).queriesTotal;
        });
        run.ratioToBare =
          ceilingRun.requests.perSecondMean > 0
            ? Math.round((run.requests.perSecondMean / ceilingRun.requests.perSecondMean) * 1000) / 1000
            : null;
        run.cpuRatioToBare =
          run.requestsPerCpuSecond !== null && ceilingRun.requestsPerCpuSecond
            ? Math.round((run.requestsPerCpuSecond / ceilingRun.requestsPerCpuSecond) * 1000) / 1000
            : null;
        run.db = await fetchDbMetrics(server, monitorToken, abort.signal, totalBefore);
        report.runs.push(run);
      }
      await server.release();
    }

    report.machine.loadAverageAtEnd = loadAverage();
    const table = `${markdownTable(report.runs)}\n\n${summaryTable(report.runs)}`;
    await mkdir(RESULTS_DIR, { recursive: true });
    // Only a full run of every endpoint replaces the recorded results.
    const base = opts.only.length > 0 ? 'partial' : opts.quick ? 'quick' : 'latest';
    await writeFile(join(RESULTS_DIR, `${base}.json`), `${JSON.stringify(report, null, 2)}\n`);
    await writeFile(join(RESULTS_DIR, `${base}.md`), markdownReport(report, table));
    process.stdout.write(`\n${table}\n\n`);
    log(`wrote bench/results/${base}.json and bench/results/${base}.md in ${Math.round((Date.now() - started) / 1000)} s`);
    // Figures measured over failing requests mean nothing: a run with any is a failed run.
    const failing = report.runs.filter((r) => r.non2xx > 0 || r.errors > 0 || r.requests.total === 0);
    for (const r of failing) log(`${r.server} ${r.endpoint}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.requests.total} requests`);
    return failing.length === 0 ? 0 : 1;
  } catch (err) {
    log(`failed: ${abort.signal.aborted ? (abort.signal.reason as Error).message : ((err as Error).stack ?? String(err))}`);
    return interrupted ? 130 : 1;
  } finally {
    if (watchdog) clearTimeout(watchdog);
    // Cleanup itself is bounded too (each stop waits at most STOP_TIMEOUT_MS, then SIGKILL).
    await cleanup.runAll();
  }
}

process.exit(await main());
