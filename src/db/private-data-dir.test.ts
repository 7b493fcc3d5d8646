// The embedded database's DATA_DIR stays private: a real PGlite initialised in a fresh folder, rows
// written, restarted, and every file and folder under DATA_DIR checked on disk.
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from './database.js';
import { makeDataDirPrivate } from './private-data-dir.js';

const POOL = { min: 0, max: 1, idleMs: 10_000, recycleS: 3600, acquireTimeoutMs: 10_000 };
const quiet = { warn: () => undefined, info: () => undefined };

/** Every path under `root` that group or other users may read, write or enter, with its mode. */
function openToOthers(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const stat = lstatSync(path);
      if (!stat.isSymbolicLink() && stat.mode & 0o077) found.push(`${path.slice(root.length)} ${(stat.mode & 0o777).toString(8)}`);
      if (stat.isDirectory()) walk(path);
    }
  };
  walk(root);
  return found;
}

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe('embedded database DATA_DIR', () => {
  const root = mkdtempSync(join(tmpdir(), 'beta-suite-private-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('is 0700 and nothing under it is open to other users, after a fresh start, writes and a restart', { timeout: 120_000 }, async () => {
    const dataDir = join(root, 'data');
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o755);

    const first = await openDatabase({ databaseUrl: undefined, dataDir, pool: POOL, logger: quiet });
    try {
      expect(modeOf(dataDir)).toBe('700');
      expect(openToOthers(dataDir)).toEqual([]);
      await sql`CREATE TABLE notes (id int PRIMARY KEY, body text)`.execute(first.db);
      await sql`INSERT INTO notes SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g`.execute(first.db);
      await sql`CREATE INDEX ON notes (body)`.execute(first.db);
      await sql`CHECKPOINT`.execute(first.db);
      expect(openToOthers(dataDir)).toEqual([]);
    } finally {
      await first.close();
    }
    expect(openToOthers(dataDir)).toEqual([]);

    // A restart rewrites some files; an operator may also have widened the folder meanwhile.
    chmodSync(dataDir, 0o755);
    const second = await openDatabase({ databaseUrl: undefined, dataDir, pool: POOL, logger: quiet });
    try {
      expect(modeOf(dataDir)).toBe('700');
      expect(openToOthers(dataDir)).toEqual([]);
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM notes`.execute(second.db);
      expect(rows[0]?.n).toBe(20000);
    } finally {
      await second.close();
    }
    expect(openToOthers(dataDir)).toEqual([]);
  });

  it('is created 0700 with its missing parents', () => {
    const dataDir = join(root, 'missing', 'data');
    makeDataDirPrivate(dataDir);
    expect(modeOf(dataDir)).toBe('700');
    expect(modeOf(join(root, 'missing'))).toBe('700');
  });

  // procfs refuses chmod even to root: a DATA_DIR that cannot be made private.
  const unchangeable = `/proc/${process.pid}`;
  it.skipIf(!existsSync(unchangeable))('refuses to start, naming DATA_DIR, when it cannot be made private', async () => {
    await expect(openDatabase({ databaseUrl: undefined, dataDir: unchangeable, pool: POOL, logger: quiet })).rejects.toThrow(
      `DATA_DIR ${unchangeable} is open to other users (mode 555) and could not be made private (0700)`,
    );
  });
});
