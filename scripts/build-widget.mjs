// Bundles the feedback widget (src/features/widget/browser/) into the one classic script GET
// /widget.js serves: loaded cross-origin by other sites, it can import nothing at run time.
// esbuild is the bundler tsx already brings; type checking is `npm run typecheck`'s job.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

await build({
  entryPoints: [join(ROOT, 'src/features/widget/browser/widget.ts')],
  outfile: join(ROOT, 'dist/features/widget/browser/widget.js'),
  bundle: true,
  format: 'iife',
  platform: 'browser',
  // Browsers with constructable stylesheets and shadow DOM (2022 on).
  target: ['es2022', 'chrome100', 'firefox101', 'safari16'],
  minify: true,
  legalComments: 'none',
  banner: { js: '/* NOUS beta suite feedback widget: see docs/widget.md */' },
  logLevel: 'warning',
});
