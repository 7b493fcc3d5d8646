// Start-up footprint of the embedded (PGlite) server: memory and time to ready on a fresh DATA_DIR
// and on a restart of the same one, read from /proc while the real process starts.
//
//   npx tsx bench/footprint.ts [--quick] [--rounds N] [--npm-start] [--main FILE] [--exec FILE --label L] [--out FILE]
//
// Each round: `node dist/main.js serve` (no DATABASE_URL, a fresh temporary DATA_DIR, a free loopback
// port) is started while the resident memory of the process and its children is sampled every 50 ms;
// time to ready is the time from spawn to the first 200 from /healthz. After 5 s idle it is stopped
// with SIGTERM, started again on the same DATA_DIR, and measured the same way. `--npm-start` adds a
// restart through `npm start` (the time an operator waits on an unchanged tree). `--exec FILE` runs
// `node FILE` instead of the server (for comparing database set-ups in isolation): it gets DATA_DIR
// in its environment and is ready when it prints a line `ready`. `--main FILE` runs another build's
// main.js (e.g. a copy of dist/ from before a change) in place of dist/main.js.
//
// When PostgreSQL answers (BENCH_ADMIN_URL, or 127.0.0.1:5432 with trust auth), each round also
// starts the server in PostgreSQL mode on a scratch database (the first start migrates it), then
// restarts it and samples its idle RSS after 5 s and after 15 s: no PGlite, no data, no requests.
// `--no-postgres` skips that part.
//
// Writes bench/results/footprint-latest.md (or --out) and prints it; `--quick` (one round) and
// `--exec` runs write bench/results/footprint-quick.md unless --out is given.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, readlinkSync, realpathSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { CONFIG_VARIABLES } from '../src/core/config.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
let mainJs = join(ROOT, 'dist', 'main.js');
const SAMPLE_MS = 50;
const READY_POLL_MS = 20;
const IDLE_WAIT_MS = 5000;
/** PostgreSQL mode is sampled once more, this long after ready, when start-up garbage is collected. */
const SETTLED_WAIT_MS = 15_000;
const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const START_TIMEOUT_MS = 120_000;
const MIB = 1024 * 1024;

interface Launch {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Ready when this resolves; gets the child and its captured output. */
  ready: (child: ChildProcess, output: () => string, port: number) => Promise<void>;
}

interface StartMeasure {
  readyMs: number;
  /** CPU time (user + system) the process tree had used when it became ready: steadier than wall time on a busy machine. */
  readyCpuMs: number;
  /** Highest summed RSS from spawn until the idle sample. */
  peakBytes: number;
  /** Summed RSS after IDLE_WAIT_MS of idle. */
  idleBytes: number;
  /** Summed PSS at the same moment. */
  idlePssBytes: number;
  /** Summed RSS SETTLED_WAIT_MS after ready, when asked for. */
  settledBytes: number | undefined;
  /** How many processes the tree had then. */
  processes: number;
  /** Under `npm start`: whether its prestart step rebuilt dist/ (sources had changed). */
  rebuilt: boolean;
}

interface Round {
  first: StartMeasure;
  restart: StartMeasure;
  npmStart: StartMeasure | undefined;
  /** The restart of a server in PostgreSQL mode, when PostgreSQL answers. */
  postgres: StartMeasure | undefined;
}

/** The process and all its descendants, from /proc/<pid>/task/<tid>/children. */
function processTree(pid: number): number[] {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    try {
      for (const tid of readdirSync(`/proc/${pids[i]}/task`)) {
        const children = readFileSync(`/proc/${pids[i]}/task/${tid}/children`, 'utf8').trim();
        if (children) pids.push(...children.split(/\s+/).map(Number));
      }
    } catch {
      // The process has just exited.
    }
  }
  return pids;
}

/** A `Name:   123 kB` line of a /proc file, in bytes; 0 once the process has exited. */
function procKb(pid: number, file: string, name: string): number {
  try {
    const match = new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(readFileSync(`/proc/${pid}/${file}`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

const rssOf = (pid: number): number => procKb(pid, 'status', 'VmRSS');
const treeRss = (pid: number): number => processTree(pid).reduce((sum, p) => sum + rssOf(p), 0);
/** Proportional set size: shared pages divided among the processes mapping them (a fair sum over several processes). */
const treePss = (pid: number): number => processTree(pid).reduce((sum, p) => sum + procKb(p, 'smaps_rollup', 'Pss'), 0);

const CLOCK_TICKS_PER_S = 100;

function cpuMsOf(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
  } catch {
    return 0;
  }
}

const treeCpuMs = (pid: number): number => processTree(pid).reduce((sum, p) => sum + cpuMsOf(p), 0);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The environment with every variable the service reads removed, so nothing leaks in from the shell. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const variable of CONFIG_VARIABLES) delete env[variable.name];
  delete env.NODE_OPTIONS; // e.g. a tsx loader inherited from `npx tsx`
  return env;
}

async function healthzPasses(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

const serverReady: Launch['ready'] = async (_child, _output, port) => {
  while (!(await healthzPasses(port))) await sleep(READY_POLL_MS);
};

const printsReady: Launch['ready'] = async (_child, output) => {
  while (!/^ready$/m.test(output())) await sleep(READY_POLL_MS / 2);
};

function serverLaunch(dataDir: string, port: number, via: 'node' | 'npm', databaseUrl?: string): Launch {
  const env: NodeJS.ProcessEnv = {
    ...cleanEnv(),
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    SESSION_SECRET: randomBytes(24).toString('hex'),
    ADMIN_EMAILS: 'owner@example.com',
  };
  if (via === 'npm') return { command: 'npm', args: ['start', '--silent'], env, ready: serverReady };
  return { command: process.execPath, args: [mainJs, 'serve'], env, ready: serverReady };
}

function execLaunch(file: string, dataDir: string): Launch {
  return { command: process.execPath, args: [file], env: { ...cleanEnv(), DATA_DIR: dataDir }, ready: printsReady };
}

/**
 * Signals the deepest node process of the tree (under `npm start`, node itself rather than npm or
 * `sh`; a database server the process started is its child and is left to it), then waits until
 * every process of the tree has exited.
 */
async function stop(child: ChildProcess, exited: Promise<void>): Promise<void> {
  const pids = processTree(child.pid!);
  const node = realpathSync(process.execPath);
  const exeOf = (pid: number): string | undefined => {
    try {
      return readlinkSync(`/proc/${pid}/exe`);
    } catch {
      return undefined;
    }
  };
  const target = pids.filter((pid) => exeOf(pid) === node).pop() ?? child.pid!;
  process.kill(target, 'SIGTERM');
  const timer = setTimeout(() => {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }, 20_000);
  await exited;
  clearTimeout(timer);
  // `npm` exits once node has; let the leaf finish its own shutdown too.
  while (pids.some((pid) => rssOf(pid) > 0)) await sleep(20);
}

async function measureStart(launch: Launch, port: number, settled = false): Promise<StartMeasure> {
  const started = performance.now();
  const child = spawn(launch.command, launch.args, { cwd: ROOT, env: launch.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  let exitedEarly = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => (exitedEarly = true));
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, treeRss(child.pid!))), SAMPLE_MS);
  try {
    const ready = launch.ready(child, () => output, port);
    const failed = exited.then(() => {
      throw new Error(`the process exited before it was ready:\n${output}`);
    });
    const timeout = sleep(START_TIMEOUT_MS).then(() => {
      throw new Error(`not ready in ${START_TIMEOUT_MS} ms:\n${output}`);
    });
    await Promise.race([ready, failed, timeout]);
    const readyMs = performance.now() - started;
    const readyCpuMs = treeCpuMs(child.pid!);
    peak = Math.max(peak, treeRss(child.pid!));
    await sleep(IDLE_WAIT_MS);
    if (exitedEarly) throw new Error(`the process exited while idle:\n${output}`);
    const idleBytes = treeRss(child.pid!);
    const idlePssBytes = treePss(child.pid!);
    const processes = processTree(child.pid!).length;
    peak = Math.max(peak, idleBytes);
    let settledBytes: number | undefined;
    if (settled) {
      await sleep(SETTLED_WAIT_MS - IDLE_WAIT_MS);
      if (exitedEarly) throw new Error(`the process exited while idle:\n${output}`);
      settledBytes = treeRss(child.pid!);
      peak = Math.max(peak, settledBytes);
    }
    return {
      readyMs,
      readyCpuMs,
      peakBytes: peak,
      idleBytes,
      idlePssBytes,
      settledBytes,
      processes,
      rebuilt: /rebuilding|building/.test(output),
    };
  } finally {
    clearInterval(sampler);
    if (!exitedEarly) await stop(child, exited);
  }
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2000 });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

async function postgresAnswers(): Promise<boolean> {
  try {
    await adminQuery('SELECT 1');
    return true;
  } catch {
    return false;
  }
}

/** Starts the server in PostgreSQL mode on a scratch database (migrating it), then measures a restart. */
async function postgresRestart(round: number): Promise<StartMeasure> {
  const name = `footprint_${process.pid}_${round}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const dataDir = await mkdtemp(join(os.tmpdir(), 'footprint-pg-'));
  await adminQuery(`CREATE DATABASE "${name}"`);
  try {
    const launch = async (settled: boolean) => {
      const port = await freePort();
      return measureStart(serverLaunch(dataDir, port, 'node', url.toString()), port, settled);
    };
    await launch(false);
    return await launch(true);
  } finally {
    await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function runRound(options: { exec: string | undefined; npmStart: boolean; postgres: boolean }, round: number): Promise<Round> {
  const dataDir = await mkdtemp(join(os.tmpdir(), 'footprint-'));
  try {
    const launch = async (via: 'node' | 'npm'): Promise<StartMeasure> => {
      const port = await freePort();
      const spec = options.exec ? execLaunch(options.exec, dataDir) : serverLaunch(dataDir, port, via);
      return measureStart(spec, port);
    };
    const first = await launch('node');
    const restart = await launch('node');
    const npmStart = options.npmStart && !options.exec ? await launch('npm') : undefined;
    const postgres = options.postgres ? await postgresRestart(round) : undefined;
    return { first, restart, npmStart, postgres };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function cell(values: number[], format: (v: number) => string): string {
  if (values.length === 1) return format(values[0]!);
  return `${format(median(values))} (${format(Math.min(...values))}–${format(Math.max(...values))})`;
}

const mb = (v: number) => `${Math.round(v / MIB)} MiB`;
const secs = (v: number) => `${(v / 1000).toFixed(2)} s`;

type Field = 'peakBytes' | 'idleBytes' | 'idlePssBytes' | 'settledBytes' | 'readyMs' | 'readyCpuMs';

/** One row: the field of one phase over all rounds that measured it. */
function row(rounds: Round[], phase: keyof Round, field: Field, name: string, target = ''): [string, string, string] {
  const measured = rounds.flatMap((r) => (r[phase] ? [r[phase]] : []));
  const format = field.endsWith('Bytes') ? mb : secs;
  return [
    name,
    cell(
      measured.map((m) => m[field] ?? NaN),
      format,
    ),
    target,
  ];
}

function table(label: string, rounds: Round[]): string {
  const rows = [
    row(rounds, 'first', 'peakBytes', 'first start (fresh DATA_DIR): peak RSS', '≤ 300 MB (286 MiB)'),
    row(rounds, 'first', 'idleBytes', 'first start: idle RSS after 5 s'),
    row(rounds, 'first', 'readyMs', 'first start: time to ready', '≤ 3 s'),
    row(rounds, 'first', 'readyCpuMs', 'first start: CPU time to ready'),
    row(rounds, 'restart', 'peakBytes', 'restart: peak RSS'),
    row(rounds, 'restart', 'idleBytes', 'restart: idle RSS after 5 s', '≤ 250 MB (238 MiB)'),
    row(rounds, 'restart', 'idlePssBytes', `restart: idle PSS after 5 s (${rounds[0]!.restart.processes} process(es))`),
    row(rounds, 'restart', 'readyMs', 'restart: time to ready', '≤ 1.5 s'),
    row(rounds, 'restart', 'readyCpuMs', 'restart: CPU time to ready'),
  ];
  if (rounds.some((r) => r.npmStart)) {
    rows.push(
      row(rounds, 'npmStart', 'readyMs', '`npm start` restart: time to ready', 'as `node dist/main.js serve`'),
      row(rounds, 'npmStart', 'readyCpuMs', '`npm start` restart: CPU time to ready (npm included, a rebuild not)'),
    );
    // Sources edited since the last build (by anyone) make its prestart step rebuild first.
    const rebuilt = rounds.filter((r) => r.npmStart?.rebuilt).length;
    rows.push(['`npm start` runs that rebuilt first (sources had changed)', `${rebuilt} of ${rounds.length}`, '0 on an unchanged tree']);
  }
  if (rounds.some((r) => r.postgres)) {
    rows.push(
      row(rounds, 'postgres', 'readyMs', 'PostgreSQL mode, restart: time to ready'),
      row(rounds, 'postgres', 'idleBytes', 'PostgreSQL mode, restart: idle RSS after 5 s'),
      row(rounds, 'postgres', 'settledBytes', 'PostgreSQL mode, restart: idle RSS after 15 s', '≤ 120 MiB'),
    );
  }
  const lines = [
    `# Start-up footprint: ${label}`,
    '',
    `${new Date().toISOString()} · ${os.cpus().length} cores · load ${os.loadavg()[0]!.toFixed(1)} · Node ${process.version} · ` +
      `${rounds.length} round(s); median (min–max). RSS is summed over the process and its children, sampled every 50 ms; ` +
      'CPU time is what the process tree had used when /healthz first answered 200 (steadier than wall time when the machine is busy).',
    '',
    '| measure | value | target |',
    '|---|---|---|',
    ...rows.map(([name, value, target]) => `| ${name} | ${value} | ${target} |`),
    '',
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      'npm-start': { type: 'boolean', default: false },
      exec: { type: 'string' },
      main: { type: 'string' },
      label: { type: 'string' },
      out: { type: 'string' },
      'no-postgres': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const postgres = !values['no-postgres'] && values.exec === undefined && (await postgresAnswers());
  if (!postgres) process.stderr.write('[footprint] PostgreSQL mode not measured\n');
  if (values.main) mainJs = values.main;
  const rounds = values.quick ? 1 : Number(values.rounds ?? 3);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive integer');
  const results: Round[] = [];
  for (let i = 0; i < rounds; i++) {
    results.push(await runRound({ exec: values.exec, npmStart: values['npm-start'], postgres }, i));
    process.stderr.write(`[footprint] round ${i + 1}/${rounds} done\n`);
  }
  const label =
    values.label ?? (values.exec ? values.exec : '`node dist/main.js serve`, embedded PGlite' + (postgres ? ' and PostgreSQL' : ''));
  const markdown = table(label, results);
  const scratch = values.quick || values.exec !== undefined || values.main !== undefined;
  const out = values.out ?? join(ROOT, 'bench', 'results', scratch ? 'footprint-quick.md' : 'footprint-latest.md');
  writeFileSync(out, markdown);
  process.stdout.write(markdown);
}

await main();
