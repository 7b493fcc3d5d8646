// The testers' side of the beta program: what its routes call. Access (join, links, waitlist),
// the portal (features, enrolment, feedback, leaving) and the owner's operations, over shared
// sessions and mail.
import type { Mailer } from '../../core/mailer.js';
import { coalesced } from './coalesced.js';
import { createOwnerOps, type OwnerOps } from './owner-ops.js';
import { createPortalOps, type PortalOps } from './portal-ops.js';
import { createTesterAccess, type TesterAccess } from './tester-access.js';
import { createTesterMail } from './tester-mail.js';
import { createTesterSessions, type TesterSessions } from './tester-sessions.js';
import type { TestersContext, TestersPorts } from './testers-context.js';

export interface TestersServiceDeps extends TestersPorts {
  /** Whether testers may also sign in with the OpenID Connect provider (Google). */
  oidcEnabled?: boolean;
  /** Undefined without SMTP: no mail is sent, invite links are copied by hand. */
  mailer: Mailer | undefined;
  /** The mailer's attempts per message (the outbox marks a mail failed after the last). */
  mailAttempts: number;
  idleTimeoutMs: number;
  absoluteTimeoutMs: number;
}

export interface TestersService extends TesterAccess, PortalOps, OwnerOps {
  sessions: TesterSessions;
  program(): { name: string; mail_enabled: boolean; oidc_enabled: boolean };
  /** Resolves when the work started after answers (lookups, mail and its retries) is done. */
  idle(): Promise<void>;
  /** At shutdown: waits for started follow-ups, stops mail retries (their outbox rows stay `queued`). */
  close(): Promise<void>;
}

export function createTestersService(deps: TestersServiceDeps): TestersService {
  const background = new Set<Promise<void>>();
  const warn = (msg: string) => (err: unknown) => deps.logger.warn({ err: { message: (err as Error).message } }, msg);
  const mail = createTesterMail({
    db: deps.db,
    mailer: deps.mailer,
    programName: deps.programName,
    attempts: deps.mailAttempts,
    logger: deps.logger,
  });
  const sessions = createTesterSessions({
    db: deps.db,
    accounts: deps.accounts,
    clock: deps.clock,
    idleTimeoutMs: deps.idleTimeoutMs,
    absoluteTimeoutMs: deps.absoluteTimeoutMs,
    onBackgroundError: warn('could not record tester session use'),
  });
  const ctx: TestersContext = {
    ...deps,
    flags: { ...deps.flags, refreshOverrides: coalesced(() => deps.flags.refreshOverrides()) },
    mail,
    sessions,
    later(task) {
      // After the answer is written: an embedded database runs queries on this thread.
      const run: Promise<void> = new Promise((resolve) => setImmediate(resolve))
        .then(task)
        .catch(warn('tester request follow-up failed'))
        .finally(() => background.delete(run));
      background.add(run);
    },
  };
  const idle = async () => {
    while (background.size > 0) await Promise.allSettled([...background]);
    await mail.idle();
  };
  return {
    ...createTesterAccess(ctx),
    ...createPortalOps(ctx),
    ...createOwnerOps(ctx),
    sessions,
    program: () => ({ name: deps.programName, mail_enabled: mail.enabled, oidc_enabled: deps.oidcEnabled === true }),
    idle,
    async close() {
      // Follow-ups already started finish (they are short); mail still being retried is left queued.
      while (background.size > 0) await Promise.allSettled([...background]);
      deps.mailer?.close();
    },
  };
}
