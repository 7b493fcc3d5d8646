// Who is calling, and the admin scope's guard. Callers are resolved lazily and once per request
// (public routes never touch the database for it); every route under an admin prefix is denied to
// all but owners and admins, whichever plugin registers it.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { assertCsrf } from '../../core/csrf.js';
import { isAdminPath } from '../../core/admin-scope.js';
import { AppError } from '../../core/errors.js';
import { can, isOwner, type Principal } from '../../core/principal.js';

export interface CallerOptions {
  /** The caller behind an API token, or undefined when it is unknown or revoked. */
  verifyToken: (token: string) => Promise<Principal | undefined>;
  resolveSession: (sessionId: string) => Promise<Principal | undefined>;
  sessionCookie: string;
  publicOrigin: string;
  /** The HTML page a signed-in caller without access sees for a console page. */
  forbiddenPage: (principal: Principal | undefined) => string;
}

function bearerToken(authorization: string | undefined, apiKey: string | string[] | undefined): string | undefined {
  if (typeof apiKey === 'string' && apiKey !== '') return apiKey;
  const match = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  return match?.[1];
}

const RESOLVED = Symbol('principal');

async function callerPlugin(fastify: FastifyInstance, opts: CallerOptions): Promise<void> {
  const resolve = async (request: FastifyRequest): Promise<Principal | undefined> => {
    const token = bearerToken(request.headers.authorization, request.headers['x-api-key']);
    if (token !== undefined) return opts.verifyToken(token);
    const sessionId = request.cookies[opts.sessionCookie];
    return sessionId === undefined ? undefined : opts.resolveSession(sessionId);
  };
  // Resolved on first call and kept on the request: a method of every request rather than a hook
  // making a closure per request, since most requests (health checks) never ask.
  fastify.decorateRequest(RESOLVED, null);
  fastify.decorateRequest('principal', function principal(this: FastifyRequest) {
    const request = this as FastifyRequest & { [RESOLVED]: Promise<Principal | undefined> | null };
    return (request[RESOLVED] ??= resolve(request));
  });

  const adminGuard = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const principal = await request.principal();
    const isPage = request.url.startsWith('/admin');
    if (!principal) {
      if (isPage && request.method === 'GET') return reply.redirect(`/sign-in?next=${encodeURIComponent(request.url)}`, 302);
      void reply.header('www-authenticate', 'Bearer');
      throw new AppError('UNAUTHORIZED', 'Sign in or present an admin token.');
    }
    const ownerOnly = request.routeOptions.config.ownerOnly === true;
    if (can(principal, 'admin') && (!ownerOnly || isOwner(principal))) return assertCsrf(request, principal, opts.publicOrigin);
    if (isPage) {
      return reply.code(403).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(opts.forbiddenPage(principal));
    }
    throw new AppError('FORBIDDEN', ownerOnly ? 'Only an owner may do this.' : 'Admin access required.');
  };
  fastify.addHook('onRoute', (route) => {
    if (!isAdminPath(route.url)) return;
    const existing = route.preValidation;
    route.preValidation = [adminGuard, ...(existing === undefined ? [] : Array.isArray(existing) ? existing : [existing])];
  });
}

/** Resolves `request.principal()` and guards the admin scope for every route registered after it. */
export const caller = fp(callerPlugin, { name: 'auth-caller', fastify: '5.x', dependencies: ['@fastify/cookie'] });
