// API tokens' public surface: the service (verification for caller resolution, management for the
// CLI and the console) and the owner-only routes.
import type { FastifyInstance } from 'fastify';
import { tokensRoutes } from './tokens.routes.js';
import type { TokensService } from './tokens.service.js';

export { createTokensService, TOKEN_SCOPES, type TokenSummary, type TokensService } from './tokens.service.js';

/** /api/admin/tokens: create (shown once), list, revoke. */
export async function tokensPlugin(fastify: FastifyInstance, opts: { tokens: TokensService }): Promise<void> {
  await fastify.register(tokensRoutes, { tokens: opts.tokens });
}
