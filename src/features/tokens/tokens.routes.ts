// API tokens over HTTP, for owners only: create (shown once), list, revoke.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { describePrincipal } from '../../core/principal.js';
import { CreatedToken, TokenCreateBody, TokenItem, TokenList, TokenParams } from './tokens.schemas.js';
import type { TokenSummary, TokensService } from './tokens.service.js';

const present = (t: TokenSummary) => ({
  ...t,
  created_at: t.created_at.toISOString(),
  last_used_at: t.last_used_at?.toISOString() ?? null,
  revoked_at: t.revoked_at?.toISOString() ?? null,
});

export async function tokensRoutes(fastify: FastifyInstance, deps: { tokens: TokensService }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const ownerOnly = { ownerOnly: true };

  app.get('/api/admin/tokens', { config: ownerOnly, schema: { response: { 200: TokenList } } }, async () => ({
    items: (await deps.tokens.list()).map(present),
  }));

  app.post(
    '/api/admin/tokens',
    {
      config: ownerOnly,
      schema: { body: TokenCreateBody, response: { 201: CreatedToken } },
    },
    async (request, reply) => {
      const principal = (await request.principal())!;
      const { token, record } = await deps.tokens.create({
        name: request.body.name,
        scope: request.body.scope,
        createdBy: describePrincipal(principal),
        requestId: request.id,
      });
      return reply
        .code(201)
        .header('cache-control', 'no-store')
        .send({ ...present(record), token });
    },
  );

  app.delete(
    '/api/admin/tokens/:id',
    {
      config: ownerOnly,
      schema: { params: TokenParams, response: { 200: TokenItem } },
    },
    async (request) => {
      const principal = (await request.principal())!;
      return present(await deps.tokens.revoke(request.params.id, describePrincipal(principal), request.id));
    },
  );
}
