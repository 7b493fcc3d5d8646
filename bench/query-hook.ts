// Cost of the query timing hook. Part 1, in process: what the hook does on the caller's path
// (classify, enqueue) and what the worker does later (fingerprint from cache, statistics), per
// query. Part 2, end to end: `SELECT $1::int` through Kysely with the hook off and on, in
// interleaved rounds on the same connection, on PGlite and (if it answers) PostgreSQL.
// Writes bench/results/query-hook.json and prints a summary. Run: npx tsx bench/query-hook.ts
import { execSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { createMetrics } from '../src/core/metrics.js';
import { openDatabase, type Database, type QueryEvent } from '../src/db/database.js';
import { classifyQuery } from '../src/db/query-type.js';
import { createDbInsights, type DbInsights } from '../src/features/db-insights/db-insights.service.js';

const POSTGRES_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const quiet = { warn: () => undefined, info: () => undefined };
const pool = { min: 1, max: 1, idleMs: 60_000, recycleS: 3600, acquireTimeoutMs: 10_000 };

async function insightsFor(database: Database): Promise<DbInsights> {
  return createDbInsights({
    db: database.db,
    kind: database.kind,
    poolState: () => database.poolState(),
    slowQueryMs: 100_000, // nothing is slow here: the steady-state path only
    cooldownMs: 3_600_000,
    explainTimeoutMs: 5000,
    logger: quiet,
  });
}

/** Part 1: the hook's own work, no database. */
async function inProcess(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'hook-bench-'));
  const database = await openDatabase({ databaseUrl: undefined, dataDir: dir, pool, logger: quiet });
  const insights = await insightsFor(database);
  const metrics = createMetrics({ defaultMetrics: false });
  const statements = [
    'select * from "audit_log" where "action" = $1 and "at" >= $2 order by "at" desc, "id" desc limit $3',
    'select "id", "name", "token_prefix", "scope" from "api_tokens" where "token_hash" = $1 and "revoked_at" is null',
    'update "api_tokens" set "last_used_at" = $1 where "id" = $2',
    'insert into "audit_log" ("actor", "action", "entity_type", "entity_id") values ($1, $2, $3, $4)',
  ];
  const events: QueryEvent[] = statements.map((s, i) => ({
    type: classifyQuery(s),
    sql: s,
    parameters: ['a', new Date(), i],
    durationMs: 0.4,
    failed: false,
    rows: 1,
  }));
  const hook = (e: QueryEvent) => {
    // Exactly the per-query work of the log hook in src/db/database.ts plus both consumers.
    const type = classifyQuery(e.sql);
    metrics.recordQuery(type, e.durationMs, false);
    insights.record(e);
  };
  const N = 200_000;
  for (let i = 0; i < 20_000; i++) hook(events[i % events.length]!); // warm up
  await insights.idle();
  let hookNs = 0n;
  let workerCpuUs = 0;
  const cpuUs = () => {
    const { user, system } = process.cpuUsage();
    return user + system;
  };
  for (let round = 0; round < N / 10_000; round++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 10_000; i++) hook(events[i % events.length]!);
    hookNs += process.hrtime.bigint() - t0;
    // The worker runs later on a timer: count the CPU it uses, not the time spent waiting for it.
    const c0 = cpuUs();
    await insights.idle();
    workerCpuUs += cpuUs() - c0;
  }
  await insights.stop();
  await database.close();
  rmSync(dir, { recursive: true, force: true });
  return { queries: N, hook_us_per_query: Number(hookNs) / N / 1000, worker_cpu_us_per_query: workerCpuUs / N };
}

/**
 * Part 2: round trips with nothing attached, with the per-type metrics alone (what the service had
 * before the report), and with the metrics and the report's observer, in interleaved rounds.
 */
async function endToEnd(database: Database, rounds = 25, perRound = 2000): Promise<Record<string, number>> {
  const insights = await insightsFor(database);
  const metrics = createMetrics({ defaultMetrics: false });
  const metricsOnly = (e: QueryEvent) => metrics.recordQuery(e.type, e.durationMs, e.failed);
  const both = (e: QueryEvent) => {
    metrics.recordQuery(e.type, e.durationMs, e.failed);
    insights.record(e);
  };
  const runRound = async (observer?: (e: QueryEvent) => void) => {
    const stop = observer ? database.observeQueries(observer) : undefined;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < perRound; i++) await sql`SELECT ${i}::int AS n`.execute(database.db);
    const us = Number(process.hrtime.bigint() - t0) / perRound / 1000;
    stop?.();
    await insights.idle();
    return us;
  };
  await runRound(both); // warm up
  const off: number[] = [];
  const metricsOn: number[] = [];
  const on: number[] = [];
  for (let r = 0; r < rounds; r++) {
    off.push(await runRound());
    metricsOn.push(await runRound(metricsOnly));
    on.push(await runRound(both));
  }
  await insights.stop();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return {
    queries_per_setting: rounds * perRound,
    off_us_per_query_median: median(off),
    metrics_only_us_per_query_median: median(metricsOn),
    on_us_per_query_median: median(on),
    overhead_us_per_query: median(on) - median(off),
    report_overhead_us_per_query: median(on) - median(metricsOn),
  };
}

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

const part1 = await inProcess();
const dir = mkdtempSync(join(tmpdir(), 'hook-bench-'));
const lite = await openDatabase({ databaseUrl: undefined, dataDir: dir, pool, logger: quiet });
const pglite = await endToEnd(lite);
await lite.close();
rmSync(dir, { recursive: true, force: true });
let postgres: Record<string, number> | null = null;
if (await postgresReachable()) {
  const database = await openDatabase({ databaseUrl: POSTGRES_URL, dataDir: tmpdir(), pool, logger: quiet });
  postgres = await endToEnd(database);
  await database.close();
}

let commit = 'unknown';
try {
  commit = execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
} catch {
  // not a git checkout
}
const result = {
  generated_at: new Date().toISOString(),
  commit,
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
  in_process: part1,
  end_to_end: { pglite, postgres },
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/query-hook.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
const f = (n: number) => n.toFixed(2);
process.stdout.write(
  `hook on the query's path: ${f(part1.hook_us_per_query!)} µs/query; worker later: ${f(part1.worker_cpu_us_per_query!)} µs CPU/query\n` +
    `PGlite round trip: ${f(pglite.off_us_per_query_median!)} µs off, ${f(pglite.metrics_only_us_per_query_median!)} µs metrics only, ${f(pglite.on_us_per_query_median!)} µs on\n` +
    (postgres
      ? `PostgreSQL round trip: ${f(postgres.off_us_per_query_median!)} µs off, ${f(postgres.metrics_only_us_per_query_median!)} µs metrics only, ${f(postgres.on_us_per_query_median!)} µs on\n`
      : ''),
);
