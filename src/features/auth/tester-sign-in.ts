// Testers signing in with the identity provider: the same OpenID Connect flow as the console's,
// begun from /beta/sign-in/google; the callback hands a verified address to the testers' side,
// which answers with a tester session (never a console session) or nothing.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthService } from './auth.service.js';
import type { VerifiedIdentity } from './oidc.js';

/** What the testers' side offers the callback (wired by the composition root). */
export interface TesterSignIn {
  /** The tester session cookie's name. */
  cookieName: string;
  /** A session for an active tester with this address, or undefined. */
  start(email: string, requestId: string | null): Promise<{ sessionId: string; expiresAt: Date } | undefined>;
}

const REFUSED = '/beta/sign-in?notice=link-invalid';

export async function finishTesterSignIn(
  deps: { auth: AuthService; publicUrl: string; testerSignIn?: TesterSignIn | undefined },
  request: FastifyRequest,
  reply: FastifyReply,
  identity: VerifiedIdentity,
): Promise<FastifyReply> {
  void reply.header('cache-control', 'no-store');
  const started =
    deps.testerSignIn && identity.emailVerified && identity.email !== ''
      ? await deps.testerSignIn.start(identity.email, request.id)
      : undefined;
  if (!deps.testerSignIn || !started) {
    await deps.auth.recordFailedSignIn({
      entityType: 'session',
      client: request.ip,
      reason: identity.emailVerified ? 'not an active tester' : 'email not verified',
      requestId: request.id,
    });
    return reply.redirect(REFUSED, 303);
  }
  void reply.setCookie(deps.testerSignIn.cookieName, started.sessionId, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: deps.publicUrl.startsWith('https:'),
    expires: started.expiresAt,
  });
  return reply.redirect('/beta/', 303);
}
