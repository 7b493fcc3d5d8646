// The tester pages' static files: Bootstrap from its npm package, their stylesheet, and their
// browser modules as `npm run build` compiled them into dist/, served under /beta/assets/.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootstrapSources, CSS, JS, loadAssetTable, type AssetSource, type AssetTable } from '../../core/static-assets.js';

// Both src/features/tester-portal (tests) and dist/features/tester-portal (the built server) sit three levels below the project root.
const ROOT = new URL('../../../', import.meta.url);
const STYLES_DIR = fileURLToPath(new URL('src/features/tester-portal/browser/', ROOT));
const MODULES_DIR = fileURLToPath(new URL('dist/features/tester-portal/browser/', ROOT));

/** The pages' own modules (compiled from browser/*.ts): each page's module and what they import. */
export const PORTAL_MODULES = [
  'ids.js',
  'dom.js',
  'api.js',
  'forms.js',
  'join.js',
  'sign-in.js',
  'waitlist.js',
  'portal.js',
  'portal-feedback.js',
] as const;

export type PortalAsset = 'bootstrap.min.css' | 'bootstrap.bundle.min.js' | 'portal.css' | (typeof PORTAL_MODULES)[number];
export type PortalAssets = AssetTable<PortalAsset>;

export const PORTAL_ASSET_PREFIX = '/beta/assets';

export function loadPortalAssets(): PortalAssets {
  const files: Record<string, AssetSource> = {
    ...bootstrapSources(),
    'portal.css': { path: join(STYLES_DIR, 'portal.css'), contentType: CSS },
  };
  for (const name of PORTAL_MODULES) files[name] = { path: join(MODULES_DIR, name), contentType: JS };
  return loadAssetTable(PORTAL_ASSET_PREFIX, files as Record<PortalAsset, AssetSource>);
}
