// The testers' API: public routes (program, join, sign-in, waitlist, mail links) and the routes
// behind a tester session (cookie `beta_tester`, CSRF token on every change). A tester session is
// never a console principal: the admin scope does not read this cookie.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {} from '@fastify/cookie';
import type {} from '@fastify/rate-limit';
import { assertCsrf } from '../../core/csrf.js';
import { AppError } from '../../core/errors.js';
import {
  EmailBody,
  EmptyBody,
  EnrolBody,
  FeatureOut,
  FeatureParams,
  FeaturesResponse,
  JoinBody,
  JoinResponse,
  LinkQuery,
  MeResponse,
  MessageOut,
  ProgramOut,
  TesterFeedbackBody,
  TesterFeedbackList,
  TesterFeedbackOut,
} from './testers.schemas.js';
import type { TestersService } from './testers.service.js';
import type { TesterSession } from './testers.types.js';

export const TESTER_COOKIE = 'beta_tester';
export const SIGN_IN_MESSAGE = 'If this email belongs to a tester, a sign-in link is on its way.';
export const WAITLIST_MESSAGE = 'Check your inbox to confirm your place on the waitlist.';

export interface TesterRouteDeps {
  testers: TestersService;
  publicUrl: string;
  corsOrigins: readonly string[];
  rateLimitPerMin: number;
}

const NO_STORE = 'no-store';

function cookieOptions(publicUrl: string) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: publicUrl.startsWith('https:') };
}

/** Resolves the tester session behind the cookie once per request; a guard for the session routes. */
function sessionGuard(deps: TesterRouteDeps) {
  const sessions = new WeakMap<FastifyRequest, TesterSession>();
  const origin = new URL(deps.publicUrl).origin;
  const guard = async (request: FastifyRequest): Promise<void> => {
    const id = request.cookies[TESTER_COOKIE];
    const session = id === undefined ? undefined : await deps.testers.sessions.resolve(id);
    if (!session) throw new AppError('UNAUTHENTICATED', 'Sign in to the beta program to continue.');
    const { tester, idHash, csrfToken } = session;
    assertCsrf(request, { kind: 'session', sessionId: idHash, email: tester.email, role: 'TESTER', csrfToken }, origin);
    sessions.set(request, session);
  };
  const sessionOf = (request: FastifyRequest): TesterSession => sessions.get(request)!;
  return { guard, sessionOf };
}

/** Answers with a new session cookie (any earlier session of this browser ends). */
async function signIn(
  deps: TesterRouteDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  started: { sessionId: string; expiresAt: Date },
) {
  const prior = request.cookies[TESTER_COOKIE];
  const previous = prior === undefined ? undefined : await deps.testers.sessions.resolve(prior);
  if (previous) await deps.testers.sessions.end(previous.idHash);
  void reply
    .setCookie(TESTER_COOKIE, started.sessionId, { ...cookieOptions(deps.publicUrl), expires: started.expiresAt })
    .header('cache-control', NO_STORE);
}

/** Browsers on CORS_ORIGINS may put an address on the waitlist (a preflight, then the POST). */
function waitlistCors(fastify: FastifyInstance, deps: TesterRouteDeps) {
  const allowed = (request: FastifyRequest) => {
    const origin = request.headers.origin;
    return typeof origin === 'string' && deps.corsOrigins.includes(origin) ? origin : undefined;
  };
  fastify.options('/api/beta/waitlist', async (request, reply) => {
    const origin = allowed(request);
    void reply.header('vary', 'Origin');
    if (origin) {
      void reply
        .header('access-control-allow-origin', origin)
        .header('access-control-allow-methods', 'POST')
        .header('access-control-allow-headers', 'content-type')
        .header('access-control-max-age', '600');
    }
    return reply.code(204).send();
  });
  return (request: FastifyRequest, reply: FastifyReply) => {
    const origin = allowed(request);
    void reply.header('vary', 'Origin');
    if (origin)
      void reply.header('access-control-allow-origin', origin).header('access-control-expose-headers', 'retry-after, x-request-id');
  };
}

/** Joining signs a browser in: only from this site's own pages (no cross-site sign-in into someone else's invite). */
function sameSiteOnly(publicUrl: string) {
  const origin = new URL(publicUrl).origin;
  return async (request: FastifyRequest): Promise<void> => {
    const site = request.headers['sec-fetch-site'];
    const from = request.headers.origin;
    if ((site !== undefined && site !== 'same-origin' && site !== 'none') || (from !== undefined && from !== origin)) {
      throw new AppError('FORBIDDEN', 'Cross-site request refused.');
    }
  };
}

async function publicRoutes(fastify: FastifyInstance, deps: TesterRouteDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const rateLimit = { max: deps.rateLimitPerMin, timeWindow: 60_000 };
  const cors = waitlistCors(fastify, deps);
  const sameSite = sameSiteOnly(deps.publicUrl);

  app.get('/api/beta/program', { schema: { response: { 200: ProgramOut } } }, async () => deps.testers.program());

  app.post(
    '/api/beta/join',
    { config: { rateLimit }, preValidation: sameSite, schema: { body: JoinBody, response: { 200: JoinResponse } } },
    async (request, reply) => {
      const started = await deps.testers.join(request.body.code, request.body.email, request.id);
      await signIn(deps, request, reply, started);
      return { tester: deps.testers.me(started.tester) };
    },
  );

  app.post(
    '/api/beta/sign-in',
    { config: { rateLimit }, schema: { body: EmailBody, response: { 202: MessageOut } } },
    async (request, reply) => {
      deps.testers.requestSignIn(request.body.email);
      return reply.code(202).header('cache-control', NO_STORE).send({ message: SIGN_IN_MESSAGE });
    },
  );

  app.post(
    '/api/beta/waitlist',
    { config: { rateLimit }, schema: { body: EmailBody, response: { 202: MessageOut } } },
    async (request, reply) => {
      cors(request, reply);
      deps.testers.joinWaitlist(request.body.email);
      return reply.code(202).header('cache-control', NO_STORE).send({ message: WAITLIST_MESSAGE });
    },
  );

  app.get('/beta/link', { config: { rateLimit }, schema: { querystring: LinkQuery } }, async (request, reply) => {
    const token = request.query.token;
    const started = token === undefined ? undefined : await deps.testers.followLink(token, request.id);
    if (!started) return reply.header('cache-control', NO_STORE).redirect('/beta/sign-in?notice=link-invalid', 303);
    await signIn(deps, request, reply, started);
    return reply.redirect('/beta/', 303);
  });

  app.get('/beta/confirm', { config: { rateLimit }, schema: { querystring: LinkQuery } }, async (request, reply) => {
    const token = request.query.token;
    const confirmed = token !== undefined && (await deps.testers.confirm(token));
    return reply.header('cache-control', NO_STORE).redirect(`/beta/sign-in?notice=${confirmed ? 'confirmed' : 'link-invalid'}`, 303);
  });
}

async function sessionRoutes(fastify: FastifyInstance, deps: TesterRouteDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { guard, sessionOf } = sessionGuard(deps);
  app.addHook('preValidation', guard);
  app.addHook('onSend', async (_request, reply) => void reply.header('cache-control', NO_STORE));
  const tester = (request: FastifyRequest) => sessionOf(request).tester;

  app.get('/api/beta/me', { schema: { response: { 200: MeResponse } } }, async (request) => ({
    tester: deps.testers.me(tester(request)),
    csrf_token: sessionOf(request).csrfToken,
  }));

  app.get('/api/beta/features', { schema: { response: { 200: FeaturesResponse } } }, async (request) => ({
    features: deps.testers.features(tester(request)),
  }));

  app.put(
    '/api/beta/features/:name',
    { schema: { params: FeatureParams, body: EnrolBody, response: { 200: FeatureOut } } },
    async (request) => deps.testers.setEnrolment(tester(request), request.params.name, request.body.enrolled, request.id),
  );

  app.post('/api/beta/feedback', { schema: { body: TesterFeedbackBody, response: { 201: TesterFeedbackOut } } }, async (request, reply) => {
    const { feature, rating, comment } = request.body;
    return reply.code(201).send(await deps.testers.rate(tester(request), { feature, rating, comment }));
  });

  app.get('/api/beta/feedback', { schema: { response: { 200: TesterFeedbackList } } }, async (request) => ({
    items: await deps.testers.myFeedback(tester(request)),
  }));

  app.delete('/api/beta/me', async (request, reply) => {
    await deps.testers.leave(tester(request), request.id);
    return reply.clearCookie(TESTER_COOKIE, cookieOptions(deps.publicUrl)).code(204).send();
  });

  app.post('/api/beta/sign-out', { schema: { body: EmptyBody } }, async (request, reply) => {
    await deps.testers.sessions.end(sessionOf(request).idHash);
    return reply.clearCookie(TESTER_COOKIE, cookieOptions(deps.publicUrl)).code(204).send();
  });
}

export async function testerRoutes(fastify: FastifyInstance, deps: TesterRouteDeps): Promise<void> {
  await fastify.register(publicRoutes, deps);
  await fastify.register(sessionRoutes, deps);
}
