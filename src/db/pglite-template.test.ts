import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installedPgliteVersion, seedFromTemplate } from './pglite-template.js';

let root: string;
let template: string;
let pgdata: string;

function makeTemplate(pgliteVersion: string): void {
  mkdirSync(join(template, 'pgdata', 'base', '1'), { recursive: true });
  writeFileSync(join(template, 'pgdata', 'PG_VERSION'), '18\n');
  writeFileSync(join(template, 'pgdata', 'base', '1', '1259'), 'catalog page');
  writeFileSync(join(template, 'key.json'), JSON.stringify({ pglite: pgliteVersion, migrations: 'abc' }));
  // As the build leaves it: readable by all.
  for (const dir of ['pgdata', 'pgdata/base', 'pgdata/base/1']) chmodSync(join(template, dir), 0o755);
  for (const file of ['pgdata/PG_VERSION', 'pgdata/base/1/1259']) chmodSync(join(template, file), 0o644);
}

const mode = (path: string) => statSync(path).mode & 0o777;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'pglite-template-test-'));
  template = join(root, 'template');
  pgdata = join(root, 'data', 'pgdata');
  mkdirSync(join(root, 'data'), { mode: 0o700 });
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('seedFromTemplate', () => {
  it('copies the shipped cluster into a new DATA_DIR, private to the owner, and leaves the template as it was', () => {
    makeTemplate(installedPgliteVersion());
    expect(seedFromTemplate(pgdata, template)).toEqual({ seeded: true, from: template });
    expect(readFileSync(join(pgdata, 'PG_VERSION'), 'utf8')).toBe('18\n');
    expect(readFileSync(join(pgdata, 'base', '1', '1259'), 'utf8')).toBe('catalog page');
    expect([mode(pgdata), mode(join(pgdata, 'base', '1'))]).toEqual([0o700, 0o700]);
    expect([mode(join(pgdata, 'PG_VERSION')), mode(join(pgdata, 'base', '1', '1259'))]).toEqual([0o600, 0o600]);
    expect(readdirSync(join(root, 'data'))).toEqual(['pgdata']);
    expect([mode(join(template, 'pgdata')), mode(join(template, 'pgdata', 'PG_VERSION'))]).toEqual([0o755, 0o644]);
  });

  it('fills an empty pgdata folder', () => {
    makeTemplate(installedPgliteVersion());
    mkdirSync(pgdata);
    expect(seedFromTemplate(pgdata, template).seeded).toBe(true);
    expect(existsSync(join(pgdata, 'base', '1', '1259'))).toBe(true);
  });

  it('leaves an existing cluster alone', () => {
    makeTemplate(installedPgliteVersion());
    mkdirSync(pgdata);
    writeFileSync(join(pgdata, 'PG_VERSION'), '18\n');
    expect(seedFromTemplate(pgdata, template)).toEqual({ seeded: false, reason: 'existing cluster' });
    expect(readdirSync(pgdata)).toEqual(['PG_VERSION']);
  });

  it('leaves files that are not a cluster to PGlite', () => {
    makeTemplate(installedPgliteVersion());
    mkdirSync(pgdata);
    writeFileSync(join(pgdata, 'postgresql.conf'), '# half an initdb\n');
    expect(seedFromTemplate(pgdata, template)).toEqual({ seeded: false, reason: 'files without a cluster' });
    expect(readdirSync(pgdata)).toEqual(['postgresql.conf']);
  });

  it('refuses a cluster made by another PGlite version', () => {
    makeTemplate('0.0.1');
    expect(seedFromTemplate(pgdata, template)).toEqual({ seeded: false, reason: 'made by another PGlite version' });
    expect(existsSync(pgdata)).toBe(false);
  });

  it('reports a missing template', () => {
    expect(seedFromTemplate(pgdata, template)).toEqual({ seeded: false, reason: 'no shipped cluster' });
    mkdirSync(join(template, 'pgdata'), { recursive: true });
    writeFileSync(join(template, 'key.json'), JSON.stringify({ pglite: installedPgliteVersion(), migrations: 'abc' }));
    expect(seedFromTemplate(pgdata, template)).toEqual({ seeded: false, reason: 'no shipped cluster' });
    expect(existsSync(pgdata)).toBe(false);
  });

  it('reads the installed PGlite version from its package', () => {
    const manifest = JSON.parse(readFileSync('node_modules/@electric-sql/pglite/package.json', 'utf8')) as { version: string };
    expect(installedPgliteVersion()).toBe(manifest.version);
  });
});
