// The admin console: server-rendered pages under /admin/beta/ (behind the admin guard like every
// /admin/ route), their static files under /assets/, and the pages shown outside the console
// (no access, signed out).
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Principal } from '../../core/principal.js';
import { serveAssets } from '../../core/static-assets.js';
import { ASSET_PREFIX, loadAssets, type AssetTable } from './assets.js';
import { CONSOLE_BASE } from './browser/ids.js';
import { CONSOLE_PAGES, type ConsolePage } from './console-pages.js';
import { consolePage, type Viewer } from './layout.js';
import { forbiddenPage, signedOutPage, signInPage } from './notice-pages.js';

export interface AdminConsole {
  assets: AssetTable;
  /** The 403 page for a signed-in caller without console rights (or without owner rights for an owner page). */
  forbiddenPage(principal: Principal | undefined): string;
  /** The console's routes, as a Fastify plugin. */
  routes: (fastify: FastifyInstance) => Promise<void>;
}

export interface AdminConsoleOptions {
  googleSignIn: boolean;
  /** The condition operators the flags API accepts, offered by the flags page. */
  conditionOperators: readonly string[];
}

const Text = (maxLength: number) => Type.Optional(Type.String({ maxLength }));
const NoQuery = Type.Object({}, { additionalProperties: false });

function viewerOf(principal: Principal | undefined): Viewer {
  if (principal?.kind === 'session') return { email: principal.email, role: principal.role, csrfToken: principal.csrfToken };
  return { email: principal ? `token:${principal.name}` : 'unknown', role: 'TOKEN', csrfToken: '' };
}

/** A path on this site to return to after sign-in; anything else leads to the dashboard. */
const safeNext = (next: string | undefined): string =>
  next !== undefined && next.startsWith('/') && !next.startsWith('//') && !next.includes('\\') ? next : `${CONSOLE_BASE}/`;

const sendPage = (reply: FastifyReply, body: string) =>
  reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(body);

/** One route per console page, each drawn in the console frame for the viewer. */
function pageRoutes(fastify: FastifyInstance, assets: AssetTable, conditionOperators: readonly string[]): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const route = (page: ConsolePage) => {
    const query = Object.fromEntries(Object.entries(page.query ?? {}).map(([name, maxLength]) => [name, Text(maxLength)]));
    app.get(
      page.path,
      { config: { ownerOnly: page.ownerOnly ?? false }, schema: { querystring: Type.Object(query, { additionalProperties: false }) } },
      async (request, reply) => {
        const viewer = viewerOf(await request.principal());
        const body = page.body({ isOwner: viewer.role === 'OWNER', conditionOperators });
        return sendPage(
          reply,
          consolePage({ title: page.title, page: page.id, viewer, assets, body, script: page.script, charts: page.charts }),
        );
      },
    );
  };
  // `/admin` and `/admin/beta` lead to the dashboard (after the admin guard, like every /admin/ route).
  app.get('/admin', { schema: { querystring: NoQuery } }, async (_request, reply) => reply.redirect(`${CONSOLE_BASE}/`, 302));
  CONSOLE_PAGES.forEach(route);
}

function noticeRoutes(fastify: FastifyInstance, assets: AssetTable, googleSignIn: boolean): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  // Where anonymous visitors of console pages are sent (the admin guard redirects here).
  app.get(
    '/sign-in',
    { schema: { querystring: Type.Object({ next: Text(500) }, { additionalProperties: false }) } },
    async (request, reply) => sendPage(reply, signInPage(assets, googleSignIn, safeNext(request.query.next))),
  );
  app.get('/signed-out', { schema: { querystring: NoQuery } }, async (_request, reply) => sendPage(reply, signedOutPage(assets)));
}

export function createAdminConsole(options: AdminConsoleOptions): AdminConsole {
  const assets = loadAssets();
  return {
    assets,
    forbiddenPage: (principal) => forbiddenPage(assets, principal),
    routes: async (fastify) => {
      pageRoutes(fastify, assets, options.conditionOperators);
      serveAssets(fastify, ASSET_PREFIX, assets);
      noticeRoutes(fastify, assets, options.googleSignIn);
    },
  };
}
