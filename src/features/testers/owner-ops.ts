// The owner's side of the testers' loop: invite mail (one, resend, or many), the waitlist (list,
// approve some or the next N, each approval sending the invite), the funnel and the mail outbox.
import { AppError } from '../../core/errors.js';
import { isUuid } from '../../core/ids.js';
import type { Actor } from '../../core/principal.js';
import { listOutbox, listWaitlist, lockForApproval, markApproved, type OutboxRow, type WaitlistRow } from './testers.repository.js';
import { inviteUrl, type TestersContext } from './testers-context.js';
import type { TesterRow } from './testers.types.js';

export interface OwnerOps {
  /** Sends (or sends again) one tester's invite; 409 MAIL_DISABLED without SMTP. */
  sendInvite(id: string, by: Actor): Promise<void>;
  /** Sends the invites of the testers given who have not joined; the number queued. */
  sendInvites(ids: string[], by: Actor): Promise<number>;
  waitlist(status: WaitlistRow['status'] | undefined, limit: number): Promise<WaitlistRow[]>;
  approve(pick: { ids: string[] } | { next: number }, by: Actor): Promise<Array<{ id: string; email: string; user_id: string }>>;
  funnel(): Promise<{ invited: number; joined: number; enrolled: number; gave_feedback_30d: number }>;
  mail(limit: number): Promise<OutboxRow[]>;
}

const DAY_MS = 86_400_000;

function requireMail(ctx: TestersContext): void {
  if (!ctx.mail.enabled) throw new AppError('MAIL_DISABLED', 'No SMTP server is configured: copy the invite link instead.');
}

/** Queues the invite mail and records that it went out (audited). */
async function invite(ctx: TestersContext, tester: TesterRow, by: Actor): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    await ctx.accounts.markInvited(trx, tester.id);
    await ctx.recordAudit(trx, {
      actor: by.actor,
      action: 'beta_user.send_invite',
      entityType: 'beta_user',
      entityId: tester.id,
      requestId: by.requestId,
    });
  });
  await ctx.mail.queue('invite', tester.email, tester.id, inviteUrl(ctx, tester.invite_code));
}

const invitable = (t: TesterRow | undefined): t is TesterRow => t !== undefined && t.erased_at === null && t.redeemed_at === null;

export function createOwnerOps(ctx: TestersContext): OwnerOps {
  return {
    async sendInvite(id, by) {
      requireMail(ctx);
      const tester = isUuid(id) ? await ctx.accounts.findById(ctx.db, id) : undefined;
      if (!tester) throw new AppError('NOT_FOUND', 'No such tester.');
      if (!invitable(tester)) throw new AppError('CONFLICT', 'This tester has joined already (or left the program).');
      await invite(ctx, tester, by);
    },

    async sendInvites(ids, by) {
      requireMail(ctx);
      let queued = 0;
      for (const id of new Set(ids)) {
        const tester = isUuid(id) ? await ctx.accounts.findById(ctx.db, id) : undefined;
        if (!invitable(tester)) continue;
        await invite(ctx, tester, by);
        queued++;
      }
      return queued;
    },

    waitlist: (status, limit) => listWaitlist(ctx.db, status, limit),

    async approve(pick, by) {
      if ('ids' in pick && pick.ids.some((id) => !isUuid(id))) throw new AppError('VALIDATION_ERROR', 'body/ids must hold waitlist ids.');
      const approved = await ctx.db.transaction().execute(async (trx) => {
        const entries = await lockForApproval(trx, pick);
        const out: Array<{ entry: WaitlistRow; tester: TesterRow }> = [];
        for (const entry of entries) {
          const tester = await ctx.accounts.ensureForWaitlist(trx, entry.email);
          await markApproved(trx, entry.id, tester.id);
          await ctx.recordAudit(trx, {
            actor: by.actor,
            action: 'waitlist.approve',
            entityType: 'waitlist',
            entityId: entry.id,
            after: { user_id: tester.id },
            requestId: by.requestId,
          });
          out.push({ entry, tester });
        }
        return out;
      });
      if (ctx.mail.enabled) for (const { tester } of approved) if (invitable(tester)) await invite(ctx, tester, by);
      return approved.map(({ entry, tester }) => ({ id: entry.id, email: entry.email, user_id: tester.id }));
    },

    funnel: () => ctx.accounts.funnel(ctx.db, new Date(ctx.clock().getTime() - 30 * DAY_MS)),
    mail: (limit) => listOutbox(ctx.db, limit),
  };
}
