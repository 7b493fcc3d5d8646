// The tester pages: join, sign in, the waitlist and the portal, as static shells whose modules
// call the tester JSON API, plus their static files under /beta/assets/. Public routes: the
// portal's module sends a visitor without a tester session to the sign-in page.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { serveAssets } from '../../core/static-assets.js';
import { loadPortalAssets, PORTAL_ASSET_PREFIX } from './assets.js';
import { NOTICES, PAGES } from './browser/ids.js';
import { portalPage, publicPage } from './layout.js';
import { joinBody, portalBody, signInBody, waitlistBody } from './pages.js';

// Links from mail may gain tracking parameters on the way: other query fields are ignored, not refused.
const JoinQuery = Type.Object({ code: Type.Optional(Type.String({ maxLength: 200 })) });
const SignInQuery = Type.Object({ notice: Type.Optional(Type.String({ maxLength: 40 })) });

const sendPage = (reply: FastifyReply, body: string) =>
  reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').type('text/html; charset=utf-8').send(body);

const isNotice = (value: string | undefined): value is (typeof NOTICES)[number] => NOTICES.some((n) => n === value);

/** The tester pages as a Fastify plugin (register it once; the files are read when it is registered). */
export async function testerPortalPlugin(fastify: FastifyInstance): Promise<void> {
  const assets = loadPortalAssets();
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  serveAssets(fastify, PORTAL_ASSET_PREFIX, assets);
  app.get(PAGES.join, { schema: { querystring: JoinQuery } }, async (_request, reply) =>
    sendPage(reply, publicPage(assets, { title: 'Join the beta', script: 'join.js', body: joinBody() })),
  );
  app.get(PAGES.signIn, { schema: { querystring: SignInQuery } }, async (request, reply) => {
    const notice = isNotice(request.query.notice) ? request.query.notice : undefined;
    return sendPage(reply, publicPage(assets, { title: 'Sign in', script: 'sign-in.js', body: signInBody(notice) }));
  });
  app.get(PAGES.waitlist, async (_request, reply) =>
    sendPage(reply, publicPage(assets, { title: 'Join the waitlist', script: 'waitlist.js', body: waitlistBody() })),
  );
  app.get(PAGES.portal, async (_request, reply) => sendPage(reply, portalPage(assets, portalBody())));
}
