// Sign-in and access control's public surface: the auth service (sessions, roles, owner links),
// and one plugin that resolves callers, guards the admin scope and serves /auth/*.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Clock } from '../../core/clock.js';
import { hostJob, type JobLogger } from '../../core/jobs.js';
import type { Principal } from '../../core/principal.js';
import { authRoutes, cookieNames, sessionAdminRoutes } from './auth.routes.js';
import type { AuthService } from './auth.service.js';
import { caller } from './caller.js';
import type { OidcSettings } from './oidc.js';
import type { TesterSignIn } from './tester-sign-in.js';
import { createSealer } from './sealed.js';

export type { TesterSignIn } from './tester-sign-in.js';
export { createAuthService, type AuthService, type AuthServiceDeps } from './auth.service.js';

export interface AuthPluginOptions {
  auth: AuthService;
  verifyToken: (token: string) => Promise<Principal | undefined>;
  /** Undefined: no OpenID Connect provider, owners sign in with one-time links only. */
  oidc: Omit<OidcSettings, 'redirectUri'> | undefined;
  /** Signs and encrypts the pending sign-in cookie. */
  sessionSecret: string;
  publicUrl: string;
  clock: Clock;
  /** Requests per minute per client on /auth/*. */
  rateLimitPerMinute: number;
  forbiddenPage: (principal: Principal | undefined) => string;
  /** Testers' sessions for the testers' own Google sign-in (never a console session). */
  testerSignIn?: TesterSignIn;
  /** Sweep expired sessions periodically (off in most tests). */
  background: boolean;
  logger: JobLogger;
}

const SESSION_SWEEP_MS = 10 * 60_000;

async function authPlugin(fastify: FastifyInstance, opts: AuthPluginOptions): Promise<void> {
  await fastify.register(caller, {
    verifyToken: opts.verifyToken,
    resolveSession: (id) => opts.auth.resolveSession(id),
    sessionCookie: cookieNames(opts.publicUrl).session,
    publicOrigin: new URL(opts.publicUrl).origin,
    forbiddenPage: opts.forbiddenPage,
  });
  // The OpenID client library is loaded only where a provider is configured.
  const oidc = opts.oidc
    ? (await import('./oidc.js')).createOidcClient({ ...opts.oidc, redirectUri: `${opts.publicUrl}/auth/callback` })
    : undefined;
  await fastify.register(authRoutes, {
    auth: opts.auth,
    oidc,
    sealer: createSealer(opts.sessionSecret, 'oidc-pending-sign-in'),
    publicUrl: opts.publicUrl,
    now: opts.clock,
    rateLimitPerMinute: opts.rateLimitPerMinute,
    testerSignIn: opts.testerSignIn,
  });
  await fastify.register(sessionAdminRoutes, { auth: opts.auth });

  const sweep = { name: 'sweep expired sessions', intervalMs: SESSION_SWEEP_MS, run: () => opts.auth.deleteExpired() };
  hostJob(fastify, { ...sweep, background: opts.background }, opts.logger);
}

/** Caller resolution for every request, the admin guard for every admin route registered after it, and /auth/*. */
export const auth = fp(authPlugin, { name: 'auth', fastify: '5.x', dependencies: ['@fastify/cookie'] });
