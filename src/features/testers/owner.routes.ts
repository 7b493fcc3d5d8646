// The owner's additions for the testers' loop, under /api/admin (denied to all but owners and
// admins by the auth plugin): invite mail, the waitlist, the funnel and the mail outbox.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { actorOf } from '../../core/principal.js';
import {
  ApproveBody,
  ApproveResponse,
  EmptyBody,
  FunnelOut,
  MailQuery,
  MailResponse,
  QueuedOut,
  SendInvitesBody,
  TesterIdParams,
  WaitlistQuery,
  WaitlistResponse,
} from './testers.schemas.js';
import type { TestersService } from './testers.service.js';

const iso = (d: Date | null) => d?.toISOString() ?? null;

export async function ownerRoutes(fastify: FastifyInstance, deps: { testers: TestersService }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { testers } = deps;

  app.post(
    '/api/admin/users/:id/send-invite',
    { schema: { params: TesterIdParams, body: EmptyBody, response: { 202: QueuedOut } } },
    async (request, reply) => {
      await testers.sendInvite(request.params.id, await actorOf(request));
      return reply.code(202).send({ queued: true });
    },
  );

  app.post('/api/admin/users/send-invites', { schema: { body: SendInvitesBody, response: { 202: QueuedOut } } }, async (request, reply) => {
    const queued = await testers.sendInvites(request.body.ids, await actorOf(request));
    return reply.code(202).send({ queued });
  });

  app.get('/api/admin/users/funnel', { schema: { response: { 200: FunnelOut } } }, async (_request, reply) => {
    void reply.header('cache-control', 'no-store');
    return testers.funnel();
  });

  app.get('/api/admin/waitlist', { schema: { querystring: WaitlistQuery, response: { 200: WaitlistResponse } } }, async (request) => {
    const rows = await testers.waitlist(request.query.status, request.query.limit);
    return {
      items: rows.map((r) => ({
        ...r,
        created_at: r.created_at.toISOString(),
        confirmed_at: iso(r.confirmed_at),
        approved_at: iso(r.approved_at),
      })),
    };
  });

  app.post('/api/admin/waitlist/approve', { schema: { body: ApproveBody, response: { 200: ApproveResponse } } }, async (request) => {
    const body = request.body;
    const pick = 'ids' in body ? { ids: body.ids } : { next: body.next };
    return { approved: await testers.approve(pick, await actorOf(request)) };
  });

  app.get('/api/admin/mail', { schema: { querystring: MailQuery, response: { 200: MailResponse } } }, async (request) => ({
    items: (await testers.mail(request.query.limit)).map((m) => ({
      ...m,
      created_at: m.created_at.toISOString(),
      sent_at: iso(m.sent_at),
    })),
  }));
}
