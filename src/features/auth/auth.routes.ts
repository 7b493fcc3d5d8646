// Sign-in for the console: OpenID Connect (Google by default), one-time owner links, sign-out,
// "who am I", and revoking every session.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {} from '@fastify/cookie';
import type {} from '@fastify/rate-limit';
import { Type } from 'typebox';
import type { Clock } from '../../core/clock.js';
import { assertCsrf } from '../../core/csrf.js';
import { AppError } from '../../core/errors.js';
import { noticePage } from '../../core/html.js';
import { isOwner } from '../../core/principal.js';
import type { AuthService } from './auth.service.js';
import type { OidcClient, PendingSignIn } from './oidc.js';
import type { Sealer } from './sealed.js';
import { finishTesterSignIn, type TesterSignIn } from './tester-sign-in.js';

export interface AuthRouteDeps {
  auth: AuthService;
  /** Undefined when no OpenID Connect client is configured: sign-in by owner links only. */
  oidc: OidcClient | undefined;
  sealer: Sealer;
  publicUrl: string;
  now: Clock;
  /** Per-route rate limit for /auth/* (requests per minute per client). */
  rateLimitPerMinute: number;
  testerSignIn?: TesterSignIn | undefined;
}

export const DEFAULT_NEXT = '/admin/beta/';
const PENDING_TTL_MS = 10 * 60_000;
type Responder = ReturnType<typeof createResponder>;

/** Only same-site relative paths: `/x`, never `//host`, `/\host`, schemes or control characters. */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || next.length > 500) return DEFAULT_NEXT;
  if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return DEFAULT_NEXT;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(next)) return DEFAULT_NEXT;
  try {
    const resolved = new URL(next, 'http://same.invalid');
    if (resolved.host !== 'same.invalid') return DEFAULT_NEXT;
  } catch {
    return DEFAULT_NEXT;
  }
  return next;
}

export function cookieNames(publicUrl: string): { session: string; pending: string; secure: boolean } {
  const secure = publicUrl.startsWith('https:');
  // The __Host- prefix pins the cookie to this exact host, over https, for the whole site.
  return secure
    ? { session: '__Host-bs_session', pending: '__Host-bs_signin', secure }
    : { session: 'bs_session', pending: 'bs_signin', secure };
}

const ErrorShape = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) });

/** The answers every sign-in route shares: notice pages, the session cookie, starting and ending sessions. */
function createResponder(deps: AuthRouteDeps) {
  const names = cookieNames(deps.publicUrl);
  const cookieBase = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: names.secure };

  const page = (reply: FastifyReply, status: number, title: string, lines: string[]) =>
    reply
      .code(status)
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(noticePage(title, lines, [{ href: '/auth/login', label: 'Sign in' }]));

  /** A browser that signs in again (or is refused) leaves no earlier session behind. */
  async function endPriorSession(request: FastifyRequest, reply: FastifyReply) {
    const prior = await request.principal();
    if (prior?.kind === 'session') await deps.auth.endSession(prior, request.id);
    if (request.cookies[names.session] !== undefined) void reply.clearCookie(names.session, cookieBase);
  }

  async function signIn(
    request: FastifyRequest,
    reply: FastifyReply,
    identity: { email: string; issuer: string; subject: string },
    role: 'OWNER' | 'ADMIN',
    next: string,
  ) {
    await endPriorSession(request, reply);
    const started = await deps.auth.startSession(
      { ...identity, userAgent: request.headers['user-agent']?.slice(0, 500) ?? null, ip: request.ip },
      role,
      request.id,
    );
    // A new id at every sign-in: any id planted before sign-in is worthless.
    void reply.setCookie(names.session, started.sessionId, { ...cookieBase, expires: started.expiresAt });
    return reply.header('cache-control', 'no-store').redirect(next, 303);
  }
  return { names, cookieBase, page, endPriorSession, signIn };
}

/** Sign-in, sign-out and "who am I" under /auth/. */
export async function authRoutes(fastify: FastifyInstance, deps: AuthRouteDeps): Promise<void> {
  const responder = createResponder(deps);
  const rateLimit = { max: deps.rateLimitPerMinute, timeWindow: 60_000 };
  oidcRoutes(fastify, deps, responder, rateLimit);
  linkRoutes(fastify, deps, responder, rateLimit);
  sessionRoutes(fastify, deps, responder, rateLimit);
}

type RateLimit = { max: number; timeWindow: number };

/** Sign-in through the OpenID Connect provider: /auth/login and its /auth/callback. */
function oidcRoutes(fastify: FastifyInstance, deps: AuthRouteDeps, responder: Responder, rateLimit: RateLimit) {
  loginRoute(fastify, deps, responder, rateLimit);
  callbackRoute(fastify, deps, responder, rateLimit);
}

/** Starts a sign-in: the pending state goes into a sealed cookie, the browser to the provider. */
function loginRoute(fastify: FastifyInstance, deps: AuthRouteDeps, { names, cookieBase, page }: Responder, rateLimit: RateLimit) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const begin = async (request: FastifyRequest, reply: FastifyReply, next: string, tester: boolean) => {
    if (!deps.oidc) {
      return page(reply, 503, 'Sign-in with Google is not configured', [
        'Set GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET to enable it.',
        'Until then, the owner signs in with a one-time link: run `npx beta-suite admin-link` on the server.',
      ]);
    }
    let begun;
    try {
      begun = await deps.oidc.begin(next);
    } catch (err) {
      request.log.warn({ err: { message: (err as Error).message } }, 'OpenID Connect discovery failed');
      return page(reply, 503, 'Sign-in is unavailable', ['The identity provider could not be reached. Try again in a minute.']);
    }
    const pending: PendingSignIn = tester ? { ...begun.pending, tester: true } : begun.pending;
    void reply.setCookie(names.pending, deps.sealer.seal(pending, new Date(deps.now().getTime() + PENDING_TTL_MS)), {
      ...cookieBase,
      maxAge: PENDING_TTL_MS / 1000,
    });
    return reply.header('cache-control', 'no-store').redirect(begun.url.href, 302);
  };
  app.get(
    '/auth/login',
    {
      config: { rateLimit },
      schema: { querystring: Type.Object({ next: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: true }) },
    },
    (request, reply) => begin(request, reply, safeNext(request.query.next), false),
  );
  // Testers sign in the same way; the callback gives them a tester session and sends them to /beta/.
  app.get('/beta/sign-in/google', { config: { rateLimit } }, (request, reply) => begin(request, reply, '/beta/', true));
}

/** Finishes a sign-in: the provider's answer verified against the pending state, then a session for an owner or admin. */
function callbackRoute(
  fastify: FastifyInstance,
  deps: AuthRouteDeps,
  { names, cookieBase, page, endPriorSession, signIn }: Responder,
  rateLimit: RateLimit,
) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/auth/callback',
    { config: { rateLimit }, schema: { querystring: Type.Object({}, { additionalProperties: true }) } },
    async (request, reply) => {
      const sealed = request.cookies[names.pending];
      // Single use: the pending state is cleared whatever happens next, so a replayed callback fails.
      void reply.clearCookie(names.pending, cookieBase);
      const pending = sealed ? deps.sealer.unseal<PendingSignIn>(sealed, deps.now()) : undefined;
      if (!deps.oidc || !pending) {
        await deps.auth.recordFailedSignIn({
          entityType: 'session',
          client: request.ip,
          reason: 'no pending sign-in',
          requestId: request.id,
        });
        return page(reply, 400, 'Sign-in expired', ['This sign-in attempt is unknown or has expired. Start again.']);
      }
      let identity;
      try {
        // The redirect URI exactly as registered (PUBLIC_URL may carry a path), with the provider's parameters.
        const callbackUrl = new URL(`${deps.publicUrl}/auth/callback`);
        callbackUrl.search = new URL(request.url, 'http://callback.invalid').search;
        identity = await deps.oidc.finish(callbackUrl, pending);
      } catch (err) {
        await deps.auth.recordFailedSignIn({
          entityType: 'session',
          client: request.ip,
          reason: (err as Error).message.slice(0, 200),
          requestId: request.id,
        });
        return page(reply, 401, 'Sign-in failed', ['The identity provider’s answer could not be verified. Start again.']);
      }
      if (pending.tester) return finishTesterSignIn(deps, request, reply, identity);
      const admission = await deps.auth.admit(identity);
      if ('refused' in admission) {
        await endPriorSession(request, reply);
        await deps.auth.audit({
          actor: identity.email || `${identity.issuer}#${identity.subject}`,
          action: 'auth.sign_in_refused',
          entityType: 'session',
          after: { ...identity, reason: admission.refused },
          requestId: request.id,
        });
        return page(reply, 403, 'No access', [
          identity.emailVerified
            ? `${identity.email} has no access to the NOUS beta console.`
            : 'Your email address is not verified by the identity provider.',
        ]);
      }
      const { email, role } = admission;
      return signIn(request, reply, { email, issuer: identity.issuer, subject: identity.subject }, role, pending.next);
    },
  );
}

/** One-time owner links: /auth/link. */
function linkRoutes(fastify: FastifyInstance, deps: AuthRouteDeps, { page, signIn }: Responder, rateLimit: RateLimit) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/auth/link',
    {
      config: { rateLimit },
      schema: { querystring: Type.Object({ token: Type.String({ maxLength: 200 }) }, { additionalProperties: false }) },
    },
    async (request, reply) => {
      const email = await deps.auth.redeemLoginLink(request.query.token);
      const role = email ? await deps.auth.roleFor(email) : undefined;
      if (!email || role !== 'OWNER') {
        await deps.auth.recordFailedSignIn({
          entityType: 'login_link',
          client: request.ip,
          reason: 'invalid, used or expired link',
          requestId: request.id,
        });
        return page(reply, 400, 'Link invalid', [
          'This sign-in link is invalid, has been used, or has expired. Create a new one with `npx beta-suite admin-link`.',
        ]);
      }
      return signIn(request, reply, { email, issuer: 'login-link', subject: email }, role, DEFAULT_NEXT);
    },
  );
}

/** Sign-out and "who am I". */
function sessionRoutes(fastify: FastifyInstance, deps: AuthRouteDeps, { names, cookieBase }: Responder, rateLimit: RateLimit) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const publicOrigin = new URL(deps.publicUrl).origin;
  app.post(
    '/auth/logout',
    { config: { rateLimit }, schema: { response: { 204: Type.Null(), 401: ErrorShape, 403: ErrorShape } } },
    async (request, reply) => {
      const principal = await request.principal();
      if (principal?.kind !== 'session') throw new AppError('UNAUTHORIZED', 'Not signed in.');
      assertCsrf(request, principal, publicOrigin);
      await deps.auth.endSession(principal, request.id);
      void reply.clearCookie(names.session, cookieBase);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/auth/me',
    {
      schema: {
        response: {
          200: Type.Object({ email: Type.String(), role: Type.String(), csrfToken: Type.String() }),
          401: ErrorShape,
        },
      },
    },
    async (request, reply) => {
      const principal = await request.principal();
      if (principal?.kind !== 'session') throw new AppError('UNAUTHORIZED', 'Not signed in.');
      void reply.header('cache-control', 'no-store');
      return { email: principal.email, role: principal.role, csrfToken: principal.csrfToken };
    },
  );
}

/** Owner-only: end every console session (including the caller's). */
export async function sessionAdminRoutes(fastify: FastifyInstance, deps: { auth: AuthService }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/api/admin/sessions/revoke-all',
    { config: { ownerOnly: true }, schema: { response: { 200: Type.Object({ revoked: Type.Integer() }) } } },
    async (request) => {
      const principal = await request.principal();
      if (!isOwner(principal) || principal?.kind !== 'session') throw new AppError('FORBIDDEN', 'Only an owner may revoke sessions.');
      return { revoked: await deps.auth.revokeAllSessions(principal.email, request.id) };
    },
  );
}
