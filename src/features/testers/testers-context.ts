// What every part of the testers' side shares: the database, the ports handed in, mail, sessions
// and the clock, built once by the service factory.
import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.js';
import type { RecordAudit } from '../../db/audit.js';
import type { DatabaseSchema } from '../../db/schema.js';
import type { TesterMail } from './tester-mail.js';
import type { TesterSessions } from './tester-sessions.js';
import type { FeedbackPort, FlagsPort, TesterAccountsPort } from './testers.types.js';

/** What the composition root hands in. */
export interface TestersPorts {
  db: Kysely<DatabaseSchema>;
  accounts: TesterAccountsPort;
  feedback: FeedbackPort;
  flags: FlagsPort;
  recordAudit: RecordAudit;
  clock: Clock;
  /** Links in mail are built on it. */
  publicUrl: string;
  programName: string;
  logger: { warn(obj: object, msg: string): void };
}

export interface TestersContext extends TestersPorts {
  mail: TesterMail;
  sessions: TesterSessions;
  /** Runs work after the answer went out (sign-in and waitlist requests answer before any lookup). */
  later(task: () => Promise<void>): void;
}

export const SIGN_IN_LINK_TTL_MS = 15 * 60_000;
export const CONFIRM_LINK_TTL_MS = 24 * 3_600_000;

export const inviteUrl = (ctx: Pick<TestersContext, 'publicUrl'>, code: string): string =>
  `${ctx.publicUrl}/beta/join?code=${encodeURIComponent(code)}`;
