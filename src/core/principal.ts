// Who is calling: an API token or (once signed in) a console session. Features only read this;
// how it is resolved is wired in app.ts.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from './errors.js';

export type TokenScope = 'evaluate' | 'monitor' | 'admin';
export type Role = 'OWNER' | 'ADMIN';

export type Principal = { kind: 'token'; id: string; name: string; scope: TokenScope } | { kind: 'session'; email: string; role: Role };

export type Capability = 'evaluate' | 'monitor' | 'admin';

declare module 'fastify' {
  interface FastifyRequest {
    /** Resolves the caller once per request (lazily: public routes never pay for it). */
    principal(): Promise<Principal | undefined>;
  }
}

/** An admin token or console session may do everything; other tokens only their own scope. */
export function can(principal: Principal | undefined, capability: Capability): boolean {
  if (!principal) return false;
  if (principal.kind === 'session') return true;
  return principal.scope === 'admin' || principal.scope === capability;
}

export function describePrincipal(principal: Principal): string {
  return principal.kind === 'session' ? principal.email : `token:${principal.name}`;
}

/** A preHandler refusing callers without `capability`: 401 when anonymous, 403 when not allowed. */
export function requireCapability(capability: Capability) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const principal = await request.principal();
    if (!principal) {
      void reply.header('www-authenticate', 'Bearer');
      throw new AppError('UNAUTHORIZED', 'Authentication required.');
    }
    if (!can(principal, capability)) throw new AppError('FORBIDDEN', `This requires the ${capability} permission.`);
  };
}
