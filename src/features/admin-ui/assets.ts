// The console's static files, an allow-list read once at start-up: Bootstrap and Chart.js from
// their npm packages, the console's stylesheet, and its browser modules as `npm run build` compiled
// them into dist/. URLs carry a content hash, so browsers may keep them for a year.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  body: Buffer;
  contentType: string;
}

const require = createRequire(import.meta.url);
// Both src/features/admin-ui (tests) and dist/features/admin-ui (the built server) sit three levels below the project root.
const ROOT = new URL('../../../', import.meta.url);
const STYLES_DIR = fileURLToPath(new URL('src/features/admin-ui/browser/', ROOT));
const MODULES_DIR = fileURLToPath(new URL('dist/features/admin-ui/browser/', ROOT));
const chartDist = dirname(require.resolve('chart.js'));

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/** The console's own browser modules (compiled from browser/*.ts): each page's module and what they import. */
export const CONSOLE_MODULES = [
  'ids.js',
  'dom.js',
  'api.js',
  'format.js',
  'common.js',
  'charts.js',
  'dashboard.js',
  'users.js',
  'users-import.js',
  'flags.js',
  'flag-card.js',
  'flag-editors.js',
  'feedback.js',
  'database.js',
  'audit.js',
  'health.js',
  'tokens.js',
  'notice.js',
] as const;

function sources(): Record<string, { path: string; contentType: string }> {
  const files: Record<string, { path: string; contentType: string }> = {
    'bootstrap.min.css': { path: require.resolve('bootstrap/dist/css/bootstrap.min.css'), contentType: CSS },
    'bootstrap.bundle.min.js': { path: require.resolve('bootstrap/dist/js/bootstrap.bundle.min.js'), contentType: JS },
    'chart.umd.min.js': { path: join(chartDist, 'chart.umd.min.js'), contentType: JS },
    'console.css': { path: join(STYLES_DIR, 'console.css'), contentType: CSS },
  };
  for (const name of CONSOLE_MODULES) files[name] = { path: join(MODULES_DIR, name), contentType: JS };
  return files;
}

export interface AssetTable {
  /** A short hash of every file: part of each URL. */
  version: string;
  get(name: string): Asset | undefined;
  url(name: AssetName): string;
}

export type AssetName =
  'bootstrap.min.css' | 'bootstrap.bundle.min.js' | 'chart.umd.min.js' | 'console.css' | (typeof CONSOLE_MODULES)[number];

export const ASSET_PREFIX = '/assets';

export function loadAssets(): AssetTable {
  const table = new Map<string, Asset>();
  const hash = createHash('sha256');
  for (const [name, { path, contentType }] of Object.entries(sources())) {
    if (!existsSync(path)) throw new Error(`The console file ${path} is missing: run \`npm run build\` first.`);
    // Source-map comments point at files we do not serve: drop them so no browser asks.
    const text = readFileSync(path, 'utf8').replace(/\n?\/[*/]# sourceMappingURL=\S+(\s*\*\/)?\s*$/, '\n');
    const body = Buffer.from(text, 'utf8');
    hash.update(name).update(body);
    table.set(name, { body, contentType });
  }
  const version = hash.digest('hex').slice(0, 12);
  return {
    version,
    get: (name) => table.get(name),
    url: (name) => `${ASSET_PREFIX}/${version}/${name}`,
  };
}
