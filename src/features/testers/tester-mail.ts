// The program's mail to testers: invites, sign-in links and waitlist confirmations, each with a
// text and an escaped HTML body. Every mail is recorded in the outbox (kind, masked recipient,
// attempts, outcome; never the link) and sent in the background with retries.
import type { Kysely } from 'kysely';
import { escapeHtml } from '../../core/html.js';
import { maskAddress, type MailMessage, type Mailer } from '../../core/mailer.js';
import type { DatabaseSchema } from '../../db/schema.js';
import { insertOutbox, recordAttempt, type MailKind } from './testers.repository.js';

export interface TesterMail {
  /** Whether an SMTP server is configured. */
  readonly enabled: boolean;
  /** Records the mail, then sends it in the background. Throws MAIL_DISABLED-worthy errors only through `enabled`. */
  queue(kind: MailKind, to: string, userId: string | null, link: string): Promise<void>;
  /** Resolves when every mail queued so far has been sent or has failed. */
  idle(): Promise<void>;
}

export interface TesterMailDeps {
  db: Kysely<DatabaseSchema>;
  mailer: Mailer | undefined;
  programName: string;
  attempts: number;
  logger: { warn(obj: object, msg: string): void };
}

/** Subject, lines of text, and the call to action of each kind of mail. */
function content(kind: MailKind, program: string): { subject: string; lines: string[]; action: string; after: string } {
  switch (kind) {
    case 'invite':
      return {
        subject: `You're invited to ${program}`,
        lines: [`You have been invited to try ${program} before everyone else.`, 'Join with the address this mail was sent to.'],
        action: 'Join the beta',
        after: 'If you did not expect this invitation, you can ignore this mail.',
      };
    case 'sign_in':
      return {
        subject: `Your sign-in link for ${program}`,
        lines: [`Here is your link to sign in to ${program}.`, 'It works once and expires in 15 minutes.'],
        action: 'Sign in',
        after: 'If you did not ask to sign in, you can ignore this mail.',
      };
    case 'confirm':
      return {
        subject: `Confirm your place on the ${program} waitlist`,
        lines: [`Please confirm that you want to join the ${program} waitlist.`, 'The link expires in 24 hours.'],
        action: 'Confirm my place',
        after: 'If you did not ask to join, you can ignore this mail: nothing happens without your confirmation.',
      };
  }
}

/** The mail for one kind and link: a text body and an HTML body whose every value is escaped. */
export function composeMail(kind: MailKind, program: string, to: string, link: string): MailMessage {
  const c = content(kind, program);
  const text = [...c.lines, '', `${c.action}: ${link}`, '', c.after, ''].join('\n');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(c.subject)}</title></head>
<body style="font-family:system-ui,sans-serif;color:#212529;line-height:1.5">
${c.lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('\n')}
<p><a href="${escapeHtml(link)}" style="display:inline-block;padding:.5rem 1rem;background:#0b5ed7;color:#fff;text-decoration:none;border-radius:.375rem">${escapeHtml(c.action)}</a></p>
<p style="font-size:.875rem;color:#565e64">${escapeHtml(c.after)}</p>
</body></html>
`;
  return { to, subject: c.subject, text, html };
}

export function createTesterMail(deps: TesterMailDeps): TesterMail {
  const pending = new Set<Promise<void>>();
  const { mailer } = deps;
  return {
    enabled: mailer !== undefined,
    async queue(kind, to, userId, link) {
      if (!mailer) return;
      const id = await insertOutbox(deps.db, { kind, toMasked: maskAddress(to), userId });
      const message = composeMail(kind, deps.programName, to, link);
      const sending = mailer
        .send(message, (attempt, error) => recordAttempt(deps.db, id, attempt, error, attempt >= deps.attempts))
        .catch((err: unknown) => deps.logger.warn({ mailId: id, kind, err: { message: (err as Error).message } }, 'mail not sent'))
        .finally(() => pending.delete(sending));
      pending.add(sending);
    },
    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
