// The admin console: server-rendered pages under /admin/beta/ (behind the admin guard like every
// /admin/ route), their static files under /assets/, and the pages shown outside the console
// (no access, signed out).
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../core/errors.js';
import type { Principal } from '../../core/principal.js';
import { ASSET_PREFIX, loadAssets, type AssetName, type AssetTable } from './assets.js';
import { html, type SafeHtml } from './html.js';
import { CONSOLE_BASE, FRAME } from './browser/ids.js';
import { consolePage, standalonePage, type PageId, type Viewer } from './layout.js';
import { auditBody, dashboardBody, databaseBody, feedbackBody, flagsBody, healthBody, tokensBody, usersBody } from './pages.js';

export interface AdminConsole {
  assets: AssetTable;
  /** The 403 page for a signed-in caller without console rights (or without owner rights for an owner page). */
  forbiddenPage(principal: Principal | undefined): string;
  /** The console's routes, as a Fastify plugin. */
  routes: (fastify: FastifyInstance) => Promise<void>;
}

const Text = (maxLength: number) => Type.Optional(Type.String({ maxLength }));

function viewerOf(principal: Principal | undefined): Viewer {
  if (principal?.kind === 'session') return { email: principal.email, role: principal.role, csrfToken: principal.csrfToken };
  return { email: principal ? `token:${principal.name}` : 'unknown', role: 'TOKEN', csrfToken: '' };
}

/** A path on this site to return to after sign-in; anything else leads to the dashboard. */
const safeNext = (next: string | undefined): string =>
  next !== undefined && next.startsWith('/') && !next.startsWith('//') && !next.includes('\\') ? next : `${CONSOLE_BASE}/`;

export function createAdminConsole(options: { googleSignIn: boolean; conditionOperators: readonly string[] }): AdminConsole {
  const assets = loadAssets();
  const html200 = (reply: FastifyReply, body: string) =>
    reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(body);

  const forbiddenPage = (principal: Principal | undefined) => {
    const signedIn = principal?.kind === 'session';
    return standalonePage(
      assets,
      'No access',
      [
        signedIn
          ? `You are signed in as ${principal.email}, which has no access to this page.`
          : 'Your credentials give no access to this page.',
        'Ask an owner of the beta program for access, or sign in with another account.',
      ],
      html`<a class="btn btn-primary" href="/sign-in?next=${encodeURIComponent(`${CONSOLE_BASE}/`)}">Sign in as someone else</a>
        ${signedIn ? html`<button type="button" class="btn btn-outline-secondary" id="${FRAME.signOut}">Sign out</button>` : ''}`,
      { csrfToken: signedIn ? principal.csrfToken : undefined },
    );
  };

  async function routes(fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    const page = (
      url: string,
      id: PageId,
      title: string,
      script: AssetName,
      body: (viewer: Viewer) => SafeHtml,
      options: { charts?: boolean; ownerOnly?: boolean; query?: Record<string, ReturnType<typeof Text>> } = {},
    ) =>
      app.get(
        url,
        {
          config: { ownerOnly: options.ownerOnly ?? false },
          schema: { querystring: Type.Object(options.query ?? {}, { additionalProperties: false }) },
        },
        async (request, reply) => {
          const viewer = viewerOf(await request.principal());
          return html200(reply, consolePage({ title, page: id, viewer, assets, body: body(viewer), script, charts: options.charts }));
        },
      );

    // `/admin` and `/admin/beta` lead to the dashboard (after the admin guard, like every /admin/ route).
    app.get('/admin', { schema: { querystring: Type.Object({}, { additionalProperties: false }) } }, async (_request, reply) =>
      reply.redirect(`${CONSOLE_BASE}/`, 302),
    );
    page(`${CONSOLE_BASE}/`, 'dashboard', 'Dashboard', 'dashboard.js', dashboardBody, { charts: true });
    page(`${CONSOLE_BASE}/users`, 'users', 'Beta testers', 'users.js', (v) => usersBody(v.role === 'OWNER'), {
      query: { search: Text(254), role: Text(10), active: Text(5), source: Text(10) },
    });
    page(`${CONSOLE_BASE}/flags`, 'flags', 'Feature flags', 'flags.js', () => flagsBody(options.conditionOperators), {
      query: { flag: Text(100) },
    });
    page(`${CONSOLE_BASE}/feedback`, 'feedback', 'Feedback', 'feedback.js', feedbackBody, {
      charts: true,
      query: { rating: Text(1), feature: Text(64), q: Text(200), from: Text(10), to: Text(10), user: Text(36) },
    });
    page(`${CONSOLE_BASE}/database`, 'database', 'Database', 'database.js', databaseBody);
    page(`${CONSOLE_BASE}/audit`, 'audit', 'Audit log', 'audit.js', auditBody, {
      query: { actor: Text(254), action: Text(100), entity_type: Text(50), entity_id: Text(200) },
    });
    page(`${CONSOLE_BASE}/health`, 'health', 'Health', 'health.js', healthBody);
    page(`${CONSOLE_BASE}/tokens`, 'tokens', 'API tokens and sessions', 'tokens.js', tokensBody, { ownerOnly: true });

    app.get(
      `${ASSET_PREFIX}/:version/:name`,
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
        // An old version's URL still gets today's file, but is not cached as if it were immutable.
        const current = request.params.version === assets.version;
        return reply
          .header('cache-control', current ? 'public, max-age=31536000, immutable' : 'no-cache')
          .header('etag', `"${assets.version}"`)
          .type(asset.contentType)
          .send(asset.body);
      },
    );

    // Where anonymous visitors of console pages are sent (the admin guard redirects here).
    app.get(
      '/sign-in',
      { schema: { querystring: Type.Object({ next: Text(500) }, { additionalProperties: false }) } },
      async (request, reply) => {
        const next = safeNext(request.query.next);
        return html200(
          reply,
          standalonePage(
            assets,
            'Sign in',
            [
              'The beta console is for the owners and admins of the NOUS beta program.',
              options.googleSignIn
                ? 'Sign in with the Google account your owner has given access to.'
                : 'Sign-in with Google is not configured on this server.',
              'The owner can also sign in with a one-time link: run `npx beta-suite admin-link` on the server.',
            ],
            options.googleSignIn
              ? html`<a class="btn btn-primary" id="${FRAME.signInGoogle}" href="/auth/login?next=${encodeURIComponent(next)}"
                  >Sign in with Google</a
                >`
              : html``,
          ),
        );
      },
    );

    app.get('/signed-out', { schema: { querystring: Type.Object({}, { additionalProperties: false }) } }, async (_request, reply) =>
      html200(
        reply,
        standalonePage(
          assets,
          'Signed out',
          ['You have signed out of the NOUS beta console.'],
          html`<a class="btn btn-primary" href="/sign-in?next=${encodeURIComponent(`${CONSOLE_BASE}/`)}">Sign in again</a>`,
        ),
      ),
    );
  }

  return { assets, forbiddenPage, routes };
}
