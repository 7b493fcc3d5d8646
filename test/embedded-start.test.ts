// Starting the built server (`dist/main.js`): without DATABASE_URL a fresh DATA_DIR starts as a copy of
// the migrated cluster built with the package (which stays as it was) and keeps its data across restarts,
// whichever engine the rest of the suite runs on; on PostgreSQL the PGlite modules are never loaded.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHIPPED_TEMPLATE_DIR } from '../src/db/pglite-template.js';
import { runCli, serverEnv, startServer, type ServerProcess } from './helpers/server-process.js';
import { TEST_DATABASE_KIND, cloneTemplate, type TestDatabaseLocation } from './helpers/test-database.js';

const TIMEOUT = 240_000;

/** Every file of a folder with its size and content hash, and every folder with its mode. */
async function fingerprint(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isFile())
      out[relative(dir, path)] = createHash('sha256')
        .update(await readFile(path))
        .digest('hex');
    else out[relative(dir, path)] = 'dir';
  }
  return out;
}

let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'embedded-start-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/**
 * Runs the server with an ESM resolve hook (through NODE_OPTIONS) that appends every module URL it
 * resolves to a file, and returns those URLs once the server is ready.
 */
async function modulesResolvedAtStart(env: NodeJS.ProcessEnv): Promise<string[]> {
  const log = join(scratch, `modules-${Date.now()}.log`);
  const hooks = join(scratch, 'record-hooks.mjs');
  const register = join(scratch, 'record.mjs');
  await writeFile(
    hooks,
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(process.env.MODULE_LOG, result.url + '\\n');
  return result;
}
`,
  );
  await writeFile(register, `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hooks}`)});\n`);
  const server = await startServer({ ...env, MODULE_LOG: log, NODE_OPTIONS: `--import ${register}` }, TIMEOUT);
  try {
    return (await readFile(log, 'utf8')).split('\n').filter(Boolean);
  } finally {
    await server.stop();
  }
}

const isPglite = (url: string) => url.includes('/@electric-sql/pglite/');

/**
 * Runs the server with a preload (through NODE_OPTIONS) that writes, in order, each `--liftoff-only`
 * given to V8 (`tier`), each heap growth setting (`heap growth <percent>`) and each WebAssembly module
 * compiled (`wasm <bytes>`), and returns those lines once the server is ready.
 */
async function v8EventsAtStart(env: NodeJS.ProcessEnv): Promise<string[]> {
  const log = join(scratch, `wasm-${Date.now()}.log`);
  const preload = join(scratch, 'record-wasm.mjs');
  await writeFile(
    preload,
    `import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const v8 = createRequire(import.meta.url)('node:v8');
const note = (line) => appendFileSync(process.env.WASM_LOG, line + '\\n');
const setFlags = v8.setFlagsFromString;
v8.setFlagsFromString = (flags) => {
  if (String(flags).includes('--liftoff-only')) note('tier');
  const growth = /--heap-growing-percent=(\\d+)/.exec(String(flags));
  if (growth) note('heap growth ' + growth[1]);
  return setFlags(flags);
};
const size = (source) => source?.byteLength ?? (source instanceof WebAssembly.Module ? 'module' : typeof source);
for (const name of ['compile', 'instantiate']) {
  const original = WebAssembly[name];
  WebAssembly[name] = function (source, ...rest) {
    note('wasm ' + size(source));
    return original.call(this, source, ...rest);
  };
}
WebAssembly.Module = new Proxy(WebAssembly.Module, {
  construct(target, args, newTarget) {
    note('wasm ' + size(args[0]));
    return Reflect.construct(target, args, newTarget);
  },
});
`,
  );
  const server = await startServer({ ...env, WASM_LOG: log, NODE_OPTIONS: `--import ${preload}` }, TIMEOUT);
  try {
    return (await readFile(log, 'utf8')).split('\n').filter(Boolean);
  } finally {
    await server.stop();
  }
}

describe('the embedded database on a fresh DATA_DIR', () => {
  let dataDir: string;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'embedded-start-data-'));
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it(
    'starts from a copy of the shipped migrated cluster, leaves that cluster unchanged, and keeps its data across a restart',
    async () => {
      const before = await fingerprint(SHIPPED_TEMPLATE_DIR);
      expect(Object.keys(before), 'run `npm run build`: it makes dist/pglite-template').toContain(join('pgdata', 'PG_VERSION'));
      const env = serverEnv({ dataDir, databaseUrl: undefined });

      server = await startServer(env, TIMEOUT);
      expect(server.logs().map((l) => l.msg)).toEqual(
        expect.arrayContaining(['new embedded database copied from the shipped cluster', 'database schema up to date']),
      );
      // Through the running server's control socket: the copied cluster holds the schema.
      const created = await runCli(['token', 'create', '--name', 'kept', '--scope', 'monitor'], env, TIMEOUT);
      expect(created.stderr).toMatch(/created token \S+ "kept" with scope monitor/);
      const token = created.stdout.trim();
      const metrics = await fetch(`${server.baseUrl}/health/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(metrics.status).toBe(200);
      expect((await server.stop()).code).toBe(0);
      server = undefined;

      expect(await fingerprint(SHIPPED_TEMPLATE_DIR)).toEqual(before);
      const migrate = await runCli(['migrate'], env, TIMEOUT);
      expect([migrate.code, migrate.stderr.trim()]).toEqual([0, 'database schema up to date']);

      server = await startServer(env, TIMEOUT);
      const messages = server.logs().map((l) => l.msg);
      expect(messages).not.toContain('new embedded database copied from the shipped cluster');
      const again = await fetch(`${server.baseUrl}/health/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(again.status).toBe(200);
      const listed = await runCli(['token', 'list'], env, TIMEOUT);
      expect(listed.stdout).toMatch(/\tmonitor\tactive\tkept\n/);
    },
    TIMEOUT * 3,
  );
});

describe('modules loaded at start', () => {
  let db: TestDatabaseLocation;

  beforeAll(async () => {
    db = await cloneTemplate();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it(
    TEST_DATABASE_KIND === 'postgres' ? 'PostgreSQL: PGlite is never loaded' : 'PGlite: the embedded database loads PGlite',
    async () => {
      const modules = await modulesResolvedAtStart(serverEnv(db));
      // The hook saw the application start (so an absence below means something).
      expect(modules.some((url) => url.endsWith('/dist/db/pool.js'))).toBe(true);
      expect(modules.filter(isPglite).length > 0).toBe(TEST_DATABASE_KIND === 'pglite');
    },
    TIMEOUT,
  );

  it(
    'V8 settings hold from the start: WebAssembly on its baseline tier from the first module compiled, and a bounded heap growth',
    async () => {
      const events = await v8EventsAtStart(serverEnv(db));
      // The SQL parser (and on PGlite the database) compiled during start, so the order below means something.
      expect(events.filter((e) => e.startsWith('wasm ')).length).toBeGreaterThan(0);
      // Nothing compiles before the settings: not the SQL parser, not PGlite, and not Node's own HTTP
      // client parser, which Node 20 compiles when `pg` loads and Node 22 while it links `node:http`.
      expect(events[0]).toBe('tier');
      // V8 collects again once the old generation has grown half past what it kept alive (not up to 4×).
      expect(events[1]).toBe('heap growth 50');
    },
    TIMEOUT,
  );
});
