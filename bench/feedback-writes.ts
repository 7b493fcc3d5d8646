// Feedback writes against the database's own limit, on PostgreSQL: pgbench's single-row insert
// rate, the exact feedback statement in its old form (one daily aggregate row per day, feature and
// rating) and in its current form (counter slots; as text and prepared, as the server sends it),
// then the real server under autocannon with its CPU time per request, sampling how many backends
// wait on a lock all along.
//
//   npx tsx bench/feedback-writes.ts [--quick] [--seconds S] [--profile DIR [--server-only]]
//
// --profile writes the server's V8 CPU profile to DIR (`npx tsx bench/profile-top.ts FILE`);
// --server-only skips pgbench and GET /healthz so the profile holds feedback requests alone;
// --main runs another build's server (e.g. an older commit's dist/main.js) for a before/after.
//
// Needs PostgreSQL on 127.0.0.1:5432 (trust auth; BENCH_ADMIN_URL overrides), pgbench, and a built
// dist/ (`npm run build`). Works in a scratch database `bench_feedback_<pid>`, dropped at the end.
// Writes bench/results/feedback-writes-latest.md (--quick writes quick.feedback-writes.md, --main
// partial.feedback-writes.md; neither is kept in the repository).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLOCK_TICKS = 100;
const BODY = { rating: 4, feature: 'voice', comment: 'Replies feel faster since the update.', metadata: { appVersion: '2.4.1' } };

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    profile: { type: 'string' },
    seconds: { type: 'string' },
    'server-only': { type: 'boolean', default: false },
    main: { type: 'string' },
  },
});
const MAIN_JS = opts.main ?? join(ROOT, 'dist', 'main.js');
const SECONDS = Number(opts.seconds ?? (opts.quick ? 3 : 10));
const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB_NAME = `bench_feedback_${process.pid}`;
const dbUrl = (() => {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${DB_NAME}`;
  return u.toString();
})();

const log = (msg: string) => process.stderr.write(`[feedback-writes] ${msg}\n`);

function findPgbench(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v pgbench'], { encoding: 'utf8' }).trim();
  } catch {
    const found = readdirSync('/usr/lib/postgresql', { withFileTypes: true })
      .map((d) => join('/usr/lib/postgresql', d.name, 'bin', 'pgbench'))
      .filter((f) => existsSync(f))
      .sort()
      .pop();
    if (!found) throw new Error('pgbench not found (it ships with PostgreSQL under /usr/lib/postgresql/*/bin)');
    return found;
  }
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

// --- the statements ---------------------------------------------------------------------------

const ROW = `(rating, feature, comment, metadata) VALUES (4, 'voice', 'Replies feel faster since the update.', '{"appVersion": "2.4.1"}')`;
/** The feedback row alone: what every submission must write whatever the aggregates. */
const SINGLE_ROW = `INSERT INTO beta_feedback ${ROW};`;
/** The statement before counter slots: every writer of a day, feature and rating upserts one row. */
const OLD_STATEMENT = `WITH inserted AS (INSERT INTO beta_feedback ${ROW} RETURNING *),
  counted AS (INSERT INTO old_feedback_stats_daily (day, feature, rating, count)
    SELECT (inserted.created_at AT TIME ZONE 'UTC')::date, coalesce(inserted.feature, ''), inserted.rating, 1 FROM inserted
    ON CONFLICT (day, feature, rating) DO UPDATE SET count = old_feedback_stats_daily.count + 1)
  SELECT * FROM inserted;`;
/** The statement of src/features/feedback/feedback.repository.ts `insertCountedFeedback` (its parameters written in). */
const NEW_STATEMENT = `WITH inserted AS (INSERT INTO beta_feedback (user_id, email, rating, feature, comment, metadata)
    VALUES (NULL, NULL, 4, 'voice', 'Replies feel faster since the update.', '{"appVersion": "2.4.1"}') RETURNING *),
  counted AS (INSERT INTO feedback_stat_slots (day, feature, rating, slot, count)
    SELECT (created_at AT TIME ZONE 'UTC')::date, coalesce(feature, ''), rating, pg_backend_pid() % 64, 1
    FROM inserted
    ON CONFLICT (day, feature, rating, slot) DO UPDATE SET count = feedback_stat_slots.count + 1)
  SELECT id, rating, feature, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at FROM inserted;`;
/**
 * The same statement as the server sends it: prepared once per connection (`pgbench -M prepared`).
 * pgbench would read `:MI` and `:SS` as its variables, so the time is formatted in three pieces.
 */
const NEW_STATEMENT_PREPARED = NEW_STATEMENT.replace(
  `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
  `'YYYY-MM-DD"T"HH24') || ':' || to_char(created_at AT TIME ZONE 'UTC', 'MI') || ':' || to_char(created_at AT TIME ZONE 'UTC', 'SS.MS"Z"')`,
);

// --- lock waits -------------------------------------------------------------------------------

interface LockSamples {
  samples: number;
  mean: number;
  max: number;
  /** Share of samples with at least one backend waiting. */
  anyShare: number;
}

/** Every 100 ms: backends of the scratch database waiting for a lock (pg_locks, not granted). */
function sampleLockWaits(): { stop: () => Promise<LockSamples> } {
  const counts: number[] = [];
  let running = true;
  const client = new pg.Client({ connectionString: ADMIN_URL });
  const loop = (async () => {
    await client.connect();
    while (running) {
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(DISTINCT l.pid)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE NOT l.granted AND a.datname = $1`,
        [DB_NAME],
      );
      counts.push(rows[0]!.n);
      await sleep(100);
    }
    await client.end();
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const sum = counts.reduce((a, b) => a + b, 0);
      return {
        samples: counts.length,
        mean: counts.length ? sum / counts.length : 0,
        max: Math.max(0, ...counts),
        anyShare: counts.length ? counts.filter((n) => n > 0).length / counts.length : 0,
      };
    },
  };
}

// --- pgbench ----------------------------------------------------------------------------------

interface PgbenchResult {
  label: string;
  clients: number;
  tps: number;
  locks: LockSamples;
}

async function pgbench(bin: string, label: string, script: string, clients: number, mode = 'simple'): Promise<PgbenchResult> {
  const dir = mkdtempSync(join(os.tmpdir(), 'feedback-writes-'));
  const file = join(dir, 'script.sql');
  writeFileSync(file, script);
  const sampler = sampleLockWaits();
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(bin, ['-n', '-M', mode, '-c', String(clients), '-j', '2', '-T', String(SECONDS), '-f', file, dbUrl], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.on('data', (c: Buffer) => (text += c.toString()));
    child.stderr.on('data', (c: Buffer) => (text += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`pgbench exited ${code}:\n${text}`))));
  });
  const locks = await sampler.stop();
  rmSync(dir, { recursive: true, force: true });
  const match = /tps = ([\d.]+)/.exec(out);
  if (!match) throw new Error(`no tps in pgbench output:\n${out}`);
  const result = { label, clients, tps: Number(match[1]), locks };
  log(`${label}, ${clients} clients: ${Math.round(result.tps)} tps; lock waiters mean ${locks.mean.toFixed(2)}, max ${locks.max}`);
  return result;
}

// --- the real server --------------------------------------------------------------------------

/** User and system CPU time of a process (all threads), in seconds, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / CLOCK_TICKS, system: Number(fields[12]) / CLOCK_TICKS };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function startServer(dataDir: string): Promise<{ child: ChildProcess; base: string; output: () => string }> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    ADMIN_EMAILS: 'owner@example.com',
    SESSION_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    PUBLIC_RATE_LIMIT_PER_MIN: '100000000', // the load comes from one client
    DATABASE_URL: dbUrl,
  };
  const args = [...(opts.profile ? ['--cpu-prof', '--cpu-prof-dir', opts.profile] : []), MAIN_JS, 'serve'];
  const child = spawn(process.execPath, args, { cwd: dirname(dirname(MAIN_JS)), env, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (c: Buffer) => (tail = (tail + c.toString()).slice(-8000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited during start-up:\n${tail}`);
    if (Date.now() > deadline) throw new Error(`server not ready in 60 s:\n${tail}`);
    try {
      if ((await fetch(`${base}/healthz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  return { child, base, output: () => tail };
}

interface LoadResult {
  path: string;
  requestsPerS: number;
  requests: number;
  non2xx: number;
  errors: number;
  cpuUsPerRequest: number;
  /** The kernel's share (socket writes and reads). */
  systemUsPerRequest: number;
  /** Less what the server burns with no requests at all (its background jobs) over the same time. */
  netUsPerRequest: number;
  locks: LockSamples;
}

async function load(pid: number, base: string, path: string, seconds: number, post: boolean, idleUsPerS: number): Promise<LoadResult> {
  const request = post
    ? { method: 'POST' as const, headers: { 'content-type': 'application/json' }, body: JSON.stringify(BODY) }
    : { method: 'GET' as const };
  await autocannon({ url: base + path, connections: 50, duration: 1, ...request }); // warm-up
  const sampler = sampleLockWaits();
  const cpuBefore = cpuSeconds(pid);
  const started = performance.now();
  const result = await autocannon({ url: base + path, connections: 50, duration: seconds, ...request });
  const cpuAfter = cpuSeconds(pid);
  const elapsedS = (performance.now() - started) / 1000;
  const system = cpuAfter.system - cpuBefore.system;
  const cpu = cpuAfter.user - cpuBefore.user + system;
  const locks = await sampler.stop();
  const requests = result.requests.total;
  const out = {
    path,
    requestsPerS: result.requests.average,
    requests,
    non2xx: result.non2xx,
    errors: result.errors,
    cpuUsPerRequest: requests > 0 ? (cpu * 1e6) / requests : NaN,
    systemUsPerRequest: requests > 0 ? (system * 1e6) / requests : NaN,
    netUsPerRequest: requests > 0 ? (cpu * 1e6 - idleUsPerS * elapsedS) / requests : NaN,
    locks,
  };
  log(
    `${post ? 'POST' : 'GET'} ${path}: ${Math.round(out.requestsPerS)} req/s, ${Math.round(out.cpuUsPerRequest)} µs server CPU per request (${Math.round(out.systemUsPerRequest)} µs system, ${Math.round(out.netUsPerRequest)} µs net of idle)`,
  );
  return out;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(15_000).then(() => child.kill('SIGKILL'))]);
}

// --- the run ----------------------------------------------------------------------------------

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const locksCell = (l: LockSamples) => `${l.mean.toFixed(2)} / ${l.max} / ${Math.round(l.anyShare * 100)} %`;

function report(runs: PgbenchResult[], feedback: LoadResult, healthz: LoadResult, loadAvg: number[], idleUsPerS: number): string {
  const single50 = runs.find((r) => r.label === 'single-row insert' && r.clients === 50)!;
  const percent = (feedback.requestsPerS / single50.tps) * 100;
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short=10', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    // not a checkout
  }
  const lines = [
    `# Feedback writes${opts.quick ? ' (quick)' : ''}`,
    '',
    `${new Date().toISOString()} · ${os.cpus().length} × ${os.cpus()[0]?.model.split(' ').slice(0, 2).join(' ')} · Node ${process.version} · commit ${commit} · load average ${loadAvg.map((l) => l.toFixed(2)).join(', ')} at start`,
    '',
    ...(opts.main ? [`Server: ${MAIN_JS}`, ''] : []),
    `PostgreSQL on 127.0.0.1, scratch database; pgbench ${SECONDS} s per run (simple protocol unless marked, 2 threads); autocannon ${SECONDS} s, 50 connections, after 1 s warm-up.`,
    `Lock waiters: backends of the scratch database waiting on a lock, sampled every 100 ms (mean / max / share of samples with any).`,
    '',
    `**POST /api/feedback: ${fmt(feedback.requestsPerS)} req/s = ${percent.toFixed(1)} % of pgbench's single-row insert rate (${fmt(single50.tps)} tps, 50 clients); ${fmt(feedback.cpuUsPerRequest)} µs of server CPU per request, ${fmt(feedback.netUsPerRequest)} µs net of idle (GET /healthz ${fmt(healthz.cpuUsPerRequest)} µs, ${fmt(healthz.netUsPerRequest)} µs net).** Target ≥ 40 %.`,
    '',
    '| statement (pgbench) | clients | tps | lock waiters |',
    '|---|---:|---:|---|',
    ...runs.map((r) => `| ${r.label} | ${r.clients} | ${fmt(r.tps)} | ${locksCell(r.locks)} |`),
    '',
    `Server CPU per request: user + system time of the server process (/proc/<pid>/stat) over the run, divided by the requests; "net" takes off what the idle server burnt per second meanwhile (${fmt(idleUsPerS / 1000)} ms/s, measured while pgbench ran).`,
    '',
    '| request (autocannon, 50 connections) | req/s | requests | non-2xx / errors | server CPU µs per request (system) | net of idle | lock waiters |',
    '|---|---:|---:|---|---:|---:|---|',
    ...[feedback, healthz].map(
      (r) =>
        `| ${r === feedback ? 'POST' : 'GET'} ${r.path} | ${fmt(r.requestsPerS)} | ${fmt(r.requests)} | ${r.non2xx} / ${r.errors} | ${fmt(r.cpuUsPerRequest)} (${fmt(r.systemUsPerRequest)}) | ${fmt(r.netUsPerRequest)} | ${locksCell(r.locks)} |`,
    ),
    '',
    'Statements: "single-row insert" is the feedback row alone (`INSERT INTO beta_feedback …`); "old upsert" the',
    'feedback row plus one aggregate row per day, feature and rating (before migration 0005); "counter slots" the',
    'statement `insertCountedFeedback` runs now (64 slots per day, feature and rating; a session adds to slot pid % 64),',
    'sent as text each time or, as the server does, prepared once per connection and then only executed.',
    '',
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run \`npm run build\` first`);
  const bin = findPgbench();
  const loadAvg = os.loadavg();
  await adminQuery(`CREATE DATABASE "${DB_NAME}"`);
  const dataDir = mkdtempSync(join(os.tmpdir(), 'feedback-writes-data-'));
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  const onSignal = () => void cleanup().finally(() => process.exit(130));
  const cleanup = async () => {
    process.off('SIGINT', onSignal);
    if (server) await stop(server.child);
    rmSync(dataDir, { recursive: true, force: true });
    await adminQuery(`DROP DATABASE IF EXISTS "${DB_NAME}" WITH (FORCE)`);
  };
  process.on('SIGINT', onSignal);
  try {
    // The server migrates the scratch database; the old aggregate table is recreated beside it.
    server = await startServer(dataDir);
    const client = new pg.Client({ connectionString: dbUrl });
    await client.connect();
    await client.query(`CREATE TABLE old_feedback_stats_daily (
      day date NOT NULL, feature text NOT NULL DEFAULT '', rating smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
      count bigint NOT NULL CHECK (count >= 0), PRIMARY KEY (day, feature, rating))`);
    const { rows } = await client.query<{ slots: boolean }>(`SELECT to_regclass('feedback_stat_slots') IS NOT NULL AS slots`);
    await client.end();

    // The server idles meanwhile: its background CPU use is the baseline taken off per request.
    const idleFrom = { cpu: cpuSeconds(server.child.pid!), at: performance.now() };
    const runs: PgbenchResult[] = [];
    for (const clients of opts['server-only'] ? [] : [50, 10]) {
      runs.push(await pgbench(bin, 'single-row insert', SINGLE_ROW, clients));
      runs.push(await pgbench(bin, 'old upsert (one aggregate row)', OLD_STATEMENT, clients));
      if (rows[0]!.slots) {
        runs.push(await pgbench(bin, 'counter slots (current), simple protocol', NEW_STATEMENT, clients));
        runs.push(
          await pgbench(bin, 'counter slots (current), prepared as the server sends it', NEW_STATEMENT_PREPARED, clients, 'prepared'),
        );
      }
    }
    if (performance.now() - idleFrom.at < 5000) await sleep(5000 - (performance.now() - idleFrom.at));
    const idleTo = cpuSeconds(server.child.pid!);
    const idleUsPerS =
      ((idleTo.user - idleFrom.cpu.user + idleTo.system - idleFrom.cpu.system) * 1e6) / ((performance.now() - idleFrom.at) / 1000);
    log(`server idle: ${Math.round(idleUsPerS / 1000)} ms of CPU per second`);
    const feedback = await load(server.child.pid!, server.base, '/api/feedback', SECONDS, true, idleUsPerS);
    const healthz = opts['server-only']
      ? feedback
      : await load(server.child.pid!, server.base, '/healthz', Math.min(SECONDS, 5), false, idleUsPerS);
    await stop(server.child);
    server = undefined;
    if (opts['server-only']) return;

    const markdown = report(runs, feedback, healthz, loadAvg, idleUsPerS);
    process.stdout.write(`${markdown}\n`);
    const dir = join(ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    // Only a full run of this tree's server replaces the recorded results.
    const name = opts.quick ? 'quick.feedback-writes.md' : opts.main ? 'partial.feedback-writes.md' : 'feedback-writes-latest.md';
    writeFileSync(join(dir, name), markdown);
  } finally {
    await cleanup();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
