// Static files for the server-rendered pages (the console, the tester portal): an allow-list read
// once at start-up, each URL carrying a content hash so browsers may keep the file for a year, and
// the one route that serves a table. Bootstrap comes from its npm package, never a CDN.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from './errors.js';

export interface Asset {
  body: Buffer;
  contentType: string;
}

export interface AssetSource {
  path: string;
  contentType: string;
}

export const JS = 'text/javascript; charset=utf-8';
export const CSS = 'text/css; charset=utf-8';

const require = createRequire(import.meta.url);

/** Bootstrap's stylesheet and script bundle, from node_modules. */
export function bootstrapSources(): Record<'bootstrap.min.css' | 'bootstrap.bundle.min.js', AssetSource> {
  return {
    'bootstrap.min.css': { path: require.resolve('bootstrap/dist/css/bootstrap.min.css'), contentType: CSS },
    'bootstrap.bundle.min.js': { path: require.resolve('bootstrap/dist/js/bootstrap.bundle.min.js'), contentType: JS },
  };
}

export interface AssetTable<N extends string = string> {
  /** A short hash of every file: part of each URL. */
  version: string;
  get(name: string): Asset | undefined;
  url(name: N): string;
}

/** Reads every file of `sources` (a missing one is an error naming `npm run build`); URLs are `<prefix>/<version>/<name>`. */
export function loadAssetTable<N extends string>(prefix: string, sources: Record<N, AssetSource>): AssetTable<N> {
  const table = new Map<string, Asset>();
  const hash = createHash('sha256');
  for (const [name, { path, contentType }] of Object.entries<AssetSource>(sources)) {
    if (!existsSync(path)) throw new Error(`The page file ${path} is missing: run \`npm run build\` first.`);
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
    url: (name) => `${prefix}/${version}/${name}`,
  };
}

/** GET `<prefix>/:version/:name` from `assets`; an old version's URL gets today's file, not cached as immutable. */
export function serveAssets(fastify: FastifyInstance, prefix: string, assets: AssetTable): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    `${prefix}/:version/:name`,
    {
      schema: {
        params: Type.Object({
          version: Type.String({ maxLength: 64, pattern: '^[a-z0-9]+$' }),
          name: Type.String({ maxLength: 100, pattern: '^[a-z0-9][a-z0-9._-]*$' }),
        }),
      },
    },
    async (request, reply) => {
      const asset = assets.get(request.params.name);
      if (!asset) throw new AppError('NOT_FOUND', 'No such file.');
      const current = request.params.version === assets.version;
      return reply
        .header('cache-control', current ? 'public, max-age=31536000, immutable' : 'no-cache')
        .header('etag', `"${assets.version}"`)
        .type(asset.contentType)
        .send(asset.body);
    },
  );
}
