// The console's static files, an allow-list read once at start-up: Bootstrap and Chart.js from
// their npm packages, the console's stylesheet, and its browser modules as `npm run build` compiled
// them into dist/. URLs carry a content hash, so browsers may keep them for a year.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootstrapSources, CSS, JS, loadAssetTable, type AssetSource, type AssetTable as Table } from '../../core/static-assets.js';

const require = createRequire(import.meta.url);
// Both src/features/admin-ui (tests) and dist/features/admin-ui (the built server) sit three levels below the project root.
const ROOT = new URL('../../../', import.meta.url);
const STYLES_DIR = fileURLToPath(new URL('src/features/admin-ui/browser/', ROOT));
const MODULES_DIR = fileURLToPath(new URL('dist/features/admin-ui/browser/', ROOT));
const chartDist = dirname(require.resolve('chart.js'));

/** The console's own browser modules (compiled from browser/*.ts): each page's module and what they import. */
export const CONSOLE_MODULES = [
  'ids.js',
  'dom.js',
  'api.js',
  'format.js',
  'common.js',
  'review.js',
  'charts.js',
  'dashboard.js',
  'users.js',
  'users-import.js',
  'users-invites.js',
  'users-waitlist.js',
  'flags.js',
  'operators.js',
  'field-errors.js',
  'flag-card.js',
  'flag-experiment.js',
  'flag-plan.js',
  'flag-plan-form.js',
  'flag-schedules.js',
  'flag-editors.js',
  'flag-targeting.js',
  'flag-forms.js',
  'flag-explain.js',
  'flag-variants.js',
  'flag-rules.js',
  'flag-rule-editor.js',
  'flag-segments.js',
  'condition-editor.js',
  'context-lists.js',
  'feedback.js',
  'feedback-stats.js',
  'database.js',
  'audit-sentences.js',
  'changes.js',
  'audit.js',
  'health.js',
  'tokens.js',
  'notice.js',
] as const;

function sources(): Record<AssetName, AssetSource> {
  const files: Record<string, AssetSource> = {
    ...bootstrapSources(),
    'chart.umd.min.js': { path: join(chartDist, 'chart.umd.min.js'), contentType: JS },
    'console.css': { path: join(STYLES_DIR, 'console.css'), contentType: CSS },
  };
  for (const name of CONSOLE_MODULES) files[name] = { path: join(MODULES_DIR, name), contentType: JS };
  return files;
}

export type AssetName =
  'bootstrap.min.css' | 'bootstrap.bundle.min.js' | 'chart.umd.min.js' | 'console.css' | (typeof CONSOLE_MODULES)[number];

export type AssetTable = Table<AssetName>;

export const ASSET_PREFIX = '/assets';

export function loadAssets(): AssetTable {
  return loadAssetTable(ASSET_PREFIX, sources());
}
