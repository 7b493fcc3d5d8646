// Who is calling: an API token or (once signed in) a console session. Features only read this;
// how it is resolved is wired in app.ts.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from './errors.js';

/**
 * `client`: a key embedded in web pages (evaluates client-visible flags, submits feedback).
 * `sync`: full flag definitions on the change stream, for local evaluation (and OFREP).
 */
export type TokenScope = 'evaluate' | 'monitor' | 'admin' | 'client' | 'sync';
/** OWNER: listed in ADMIN_EMAILS. ADMIN: granted by an owner. TESTER: signed in without console rights. */
export type Role = 'OWNER' | 'ADMIN' | 'TESTER';

export type Principal =
  | { kind: 'token'; id: string; name: string; scope: TokenScope }
  | { kind: 'session'; sessionId: string; email: string; role: Role; csrfToken: string };

export type Capability = 'evaluate' | 'monitor' | 'admin' | 'client' | 'sync';

/** What each token scope may do besides its own name (`admin` may do everything). */
const IMPLIED: Readonly<Partial<Record<TokenScope, readonly Capability[]>>> = { sync: ['evaluate'] };

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Routes only an owner's console session may call (roles, tokens, sessions). */
    ownerOnly?: boolean;
  }
  interface FastifyRequest {
    /** Resolves the caller once per request (lazily: public routes never pay for it). */
    principal(): Promise<Principal | undefined>;
  }
}

/** Owners, admins and admin tokens may do everything; other tokens their own scope (a `sync` token evaluates too). */
export function can(principal: Principal | undefined, capability: Capability): boolean {
  if (!principal) return false;
  if (principal.kind === 'session') return principal.role === 'OWNER' || principal.role === 'ADMIN';
  return principal.scope === 'admin' || principal.scope === capability || IMPLIED[principal.scope]?.includes(capability) === true;
}

/** A client key: sees only flags marked visible to web pages. */
export function isClientKey(principal: Principal | undefined): principal is Extract<Principal, { kind: 'token' }> {
  return principal?.kind === 'token' && principal.scope === 'client';
}

export function isOwner(principal: Principal | undefined): boolean {
  return principal?.kind === 'session' && principal.role === 'OWNER';
}

export function describePrincipal(principal: Principal): string {
  return principal.kind === 'session' ? principal.email : `token:${principal.name}`;
}

/** A preHandler refusing callers without any of `capabilities`: 401 when anonymous, 403 when not allowed. */
export function requireCapability(...capabilities: [Capability, ...Capability[]]) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const principal = await request.principal();
    if (!principal) {
      void reply.header('www-authenticate', 'Bearer');
      throw new AppError('UNAUTHORIZED', 'Authentication required.');
    }
    if (!capabilities.some((capability) => can(principal, capability))) {
      throw new AppError('FORBIDDEN', `This requires the ${capabilities.join(' or ')} permission.`);
    }
  };
}

/** Who made a change, as services record it in the audit log. */
export interface Actor {
  /** An email, `token:<name>`, `cli` or `anonymous`. */
  actor: string;
  isOwner: boolean;
  requestId: string | null;
}

/** The actor of a request that passed an authentication guard. */
export async function actorOf(request: FastifyRequest): Promise<Actor> {
  const principal = await request.principal();
  if (!principal) throw new AppError('UNAUTHORIZED', 'Authentication required.');
  return { actor: describePrincipal(principal), isOwner: isOwner(principal), requestId: request.id };
}
