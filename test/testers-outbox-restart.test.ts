// Mail left `queued` when an instance stopped goes out on the next start: the rows older than a few
// seconds are claimed (UPDATE … FOR UPDATE SKIP LOCKED, so one instance sends each), an unused
// invite and a sign-in link are sent again with fresh links, and the old rows end as interrupted.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpInbox, type SmtpInbox } from './helpers/smtp-inbox.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

describe('mail left queued at shutdown', () => {
  let t: TestApp;
  let inbox: SmtpInbox;

  beforeAll(async () => {
    inbox = await startSmtpInbox();
    t = await createTestApp({ SMTP_URL: inbox.url, PUBLIC_RATE_LIMIT_PER_MIN: '1000' });
  });
  afterAll(async () => {
    await t?.close();
    await inbox?.close();
  });

  it('is sent again once on start, with fresh links, and the interrupted rows say so', async () => {
    const db = t.testDb.database.db;
    const [invitee, member] = await db
      .insertInto('beta_users')
      .values([
        { email: 'invitee@example.com', invite_code: 'invite-code-1', role: 'TESTER', is_active: true, verified_at: new Date() },
        {
          email: 'member@example.com',
          invite_code: 'invite-code-2',
          role: 'TESTER',
          is_active: true,
          verified_at: new Date(),
          redeemed_at: new Date(),
        },
      ])
      .returning('id')
      .execute();
    const old = sql<Date>`now() - interval '1 minute'`;
    await db
      .insertInto('mail_outbox')
      .values([
        { kind: 'invite', to_masked: 'i***@example.com', user_id: invitee!.id, created_at: old },
        { kind: 'sign_in', to_masked: 'm***@example.com', user_id: member!.id, created_at: old },
        { kind: 'confirm', to_masked: 'w***@example.com', user_id: null, created_at: old },
        // Just queued by a running instance: not touched.
        { kind: 'sign_in', to_masked: 'm***@example.com', user_id: member!.id },
      ])
      .execute();

    await t.app.ready();
    await t.services.testers.idle();
    const invite = await inbox.waitFor('invitee@example.com');
    expect(invite.text).toContain(`/beta/join?code=invite-code-1`);
    const signIn = await inbox.waitFor('member@example.com');
    expect(signIn.text).toMatch(/\/beta\/link\?token=[A-Za-z0-9_-]{43}/);

    const rows = await db
      .selectFrom('mail_outbox')
      .select(['kind', 'status', 'last_error', 'user_id'])
      .orderBy('created_at')
      .orderBy('kind')
      .execute();
    const byState = rows.map((r) => `${r.kind}:${r.status}:${r.last_error ?? ''}`).sort();
    expect(byState).toEqual(
      [
        'confirm:failed:interrupted by a shutdown',
        'invite:failed:interrupted by a shutdown',
        'invite:sent:',
        'sign_in:failed:interrupted by a shutdown',
        'sign_in:queued:',
        'sign_in:sent:',
      ].sort(),
    );

    expect(inbox.mails.length).toBe(2);
  });
});
