// Segments API (admin scope): list with the flags using each, create, edit (If-Match: <version>), delete.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { optionalBody } from '../../core/body-schema.js';
import { actorOf } from '../../core/principal.js';
import type { Condition } from './conditions.js';
import { FlagCsrf, IfMatchHeaders, SegmentListResponse, SegmentOut } from './flags.schemas.js';
import { parseIfMatch } from './if-match.js';
import type { SegmentWithUse, Segments } from './segment-changes.js';

const SegmentName = Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9][a-z0-9._-]{0,99}$' });
const SegmentParams = Type.Object({ name: SegmentName });
/** Conditions as sent: the service checks each with per-field messages, as for flags. */
const ConditionsIn = Type.Array(Type.Object({}, { additionalProperties: true }), { maxItems: 50 });
const SegmentCreateBody = Type.Object(
  { name: SegmentName, description: Type.Optional(Type.String({ maxLength: 2000 })), conditions: ConditionsIn, _csrf: FlagCsrf },
  { additionalProperties: false },
);
const SegmentPatchBody = Type.Object(
  { description: Type.Optional(Type.String({ maxLength: 2000 })), conditions: Type.Optional(ConditionsIn), _csrf: FlagCsrf },
  { additionalProperties: false },
);
const SegmentDeleteBody = optionalBody(Type.Object({ _csrf: FlagCsrf }, { additionalProperties: false }));

const present = (s: SegmentWithUse) => ({
  ...s,
  // Stored only once validateConditions has accepted them.
  conditions: s.conditions as Condition[],
  created_at: s.created_at.toISOString(),
  updated_at: s.updated_at.toISOString(),
});

export async function segmentRoutes(fastify: FastifyInstance, opts: { segments: Segments }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { segments } = opts;

  app.get('/api/admin/segments', { schema: { response: { 200: SegmentListResponse } } }, async () => ({
    items: (await segments.list()).map(present),
  }));

  app.post('/api/admin/segments', { schema: { body: SegmentCreateBody, response: { 201: SegmentOut } } }, async (request, reply) => {
    const { _csrf: _ignored, ...input } = request.body;
    const row = await segments.create(input, await actorOf(request));
    return reply.code(201).header('etag', `"${row.version}"`).send(present(row));
  });

  app.patch(
    '/api/admin/segments/:name',
    { schema: { params: SegmentParams, headers: IfMatchHeaders, body: SegmentPatchBody, response: { 200: SegmentOut } } },
    async (request, reply) => {
      const { _csrf: _ignored, ...patch } = request.body;
      const row = await segments.update(request.params.name, patch, parseIfMatch(request.headers['if-match']), await actorOf(request));
      return reply.header('etag', `"${row.version}"`).send(present(row));
    },
  );

  app.delete(
    '/api/admin/segments/:name',
    { schema: { params: SegmentParams, headers: IfMatchHeaders, body: SegmentDeleteBody } },
    async (request, reply) => {
      await segments.remove(request.params.name, parseIfMatch(request.headers['if-match']), await actorOf(request));
      return reply.code(204).send();
    },
  );
}
