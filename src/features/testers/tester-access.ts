// Getting in: joining with an invite, one-time sign-in links, confirming a waitlist place or an
// address. Public requests that name an address answer before looking it up, the same way for
// every address, so nothing can be learnt from them.
import { sameEmail } from '../../core/email.js';
import { AppError } from '../../core/errors.js';
import { claimInterrupted, confirmWaitlist, consumeLink, findWaitlistByEmail, insertLink, insertWaitlist } from './testers.repository.js';
import { CONFIRM_LINK_TTL_MS, inviteUrl, SIGN_IN_LINK_TTL_MS, type TestersContext } from './testers-context.js';
import { hashToken, isTokenShaped, newToken } from './tester-sessions.js';
import type { TesterRow } from './testers.types.js';

export const INVALID_INVITE = 'This invitation link cannot be used. Ask the person who invited you for a new one.';

export interface StartedTesterSession {
  tester: TesterRow;
  sessionId: string;
  csrfToken: string;
  expiresAt: Date;
}

export interface TesterAccess {
  join(code: string, email: string, requestId: string | null): Promise<StartedTesterSession>;
  /** Sends a one-time sign-in link if the address is a tester's who may sign in; answers the same either way. */
  requestSignIn(email: string): void;
  /** Signs in with a link from a mail; undefined for any link that cannot be used. */
  followLink(token: string, requestId: string | null): Promise<StartedTesterSession | undefined>;
  /** Puts an address on the waitlist and sends its confirmation link; answers the same for every address. */
  joinWaitlist(email: string): void;
  /** Confirms a waitlist place; false for any link that cannot be used. */
  confirm(token: string): Promise<boolean>;
  /** Signs in with an address the identity provider verified; undefined unless it is a tester's who may sign in. */
  signInVerified(email: string, requestId: string | null): Promise<StartedTesterSession | undefined>;
  /**
   * After start: mail an earlier run left queued is claimed (one instance each) and sent again as a
   * new mail with a fresh link: invites not yet used and sign-in links. Confirmations name no one
   * (the outbox keeps no address) and stay marked interrupted.
   */
  resendInterrupted(): void;
}

/** Queued mail younger than this may still be in an instance's hands. */
export const INTERRUPTED_AFTER_S = 5;

async function resendInterrupted(ctx: TestersContext): Promise<void> {
  for (const row of await claimInterrupted(ctx.db, INTERRUPTED_AFTER_S)) {
    const tester = row.user_id === null ? undefined : await ctx.accounts.findById(ctx.db, row.user_id);
    if (!tester || tester.erased_at !== null) continue;
    if (row.kind === 'invite' && tester.redeemed_at === null) {
      await ctx.mail.queue('invite', tester.email, tester.id, inviteUrl(ctx, tester.invite_code));
    } else if (row.kind === 'sign_in') {
      await sendSignInLink(ctx, tester.email);
    }
  }
}

async function mintLink(ctx: TestersContext, purpose: 'sign_in' | 'confirm', owner: { userId: string } | { waitlistId: string }) {
  const token = newToken();
  const ttl = purpose === 'sign_in' ? SIGN_IN_LINK_TTL_MS : CONFIRM_LINK_TTL_MS;
  await insertLink(ctx.db, { tokenHash: hashToken(token), purpose, ...owner, expiresAt: new Date(ctx.clock().getTime() + ttl) });
  return `${ctx.publicUrl}/beta/${purpose === 'sign_in' ? 'link' : 'confirm'}?token=${token}`;
}

async function startSession(ctx: TestersContext, tester: TesterRow): Promise<StartedTesterSession> {
  const started = await ctx.sessions.start(ctx.db, tester.id);
  await ctx.accounts.touchSeen(ctx.db, tester.id, ctx.clock());
  return { tester, ...started };
}

async function sendSignInLink(ctx: TestersContext, email: string): Promise<void> {
  const tester = await ctx.accounts.findByEmail(ctx.db, email);
  // Active testers, and those whose address is not confirmed yet (following the link confirms it).
  if (!tester || tester.erased_at !== null || !sameEmail(tester.email, email)) return;
  if (!tester.is_active && tester.verified_at !== null) return;
  await ctx.mail.queue('sign_in', tester.email, tester.id, await mintLink(ctx, 'sign_in', { userId: tester.id }));
}

/** A session for a tester whose address was just proven (a mail link, or the identity provider), confirming it if needed. */
async function admitVerified(
  ctx: TestersContext,
  found: TesterRow | undefined,
  requestId: string | null,
): Promise<StartedTesterSession | undefined> {
  let tester = found;
  if (!tester || tester.erased_at !== null) return undefined;
  if (tester.verified_at === null) {
    tester = (await ctx.accounts.verify(ctx.db, tester.id)) ?? tester;
    await ctx.recordAudit(ctx.db, {
      actor: tester.email,
      action: 'beta_user.verify',
      entityType: 'beta_user',
      entityId: tester.id,
      requestId,
    });
  }
  if (!tester.is_active) return undefined;
  return startSession(ctx, tester);
}

async function addToWaitlist(ctx: TestersContext, email: string): Promise<void> {
  const tester = await ctx.accounts.findByEmail(ctx.db, email);
  if (tester) return;
  const entry = (await insertWaitlist(ctx.db, email)) ?? (await findWaitlistByEmail(ctx.db, email));
  // Asking again while pending sends a fresh link; confirmed and approved places need nothing more.
  if (!entry || entry.status !== 'pending') return;
  await ctx.mail.queue('confirm', entry.email, null, await mintLink(ctx, 'confirm', { waitlistId: entry.id }));
}

export function createTesterAccess(ctx: TestersContext): TesterAccess {
  return {
    async join(code, email, requestId) {
      let tester: TesterRow;
      try {
        tester = await ctx.accounts.redeem(code, email.trim(), requestId);
      } catch (err) {
        if (err instanceof AppError && err.status < 500) throw new AppError('INVALID_INVITE', INVALID_INVITE);
        throw err;
      }
      return startSession(ctx, tester);
    },

    requestSignIn(email) {
      if (!ctx.mail.enabled) return;
      ctx.later(() => sendSignInLink(ctx, email.trim()));
    },

    async followLink(token, requestId) {
      if (!isTokenShaped(token)) return undefined;
      const used = await consumeLink(ctx.db, hashToken(token), 'sign_in', ctx.clock());
      if (!used?.user_id) return undefined;
      return admitVerified(ctx, await ctx.accounts.findById(ctx.db, used.user_id), requestId);
    },

    resendInterrupted() {
      if (ctx.mail.enabled) ctx.later(() => resendInterrupted(ctx));
    },

    async signInVerified(email, requestId) {
      const tester = await ctx.accounts.findByEmail(ctx.db, email.trim());
      return admitVerified(ctx, tester && sameEmail(tester.email, email.trim()) ? tester : undefined, requestId);
    },

    joinWaitlist(email) {
      ctx.later(() => addToWaitlist(ctx, email.trim()));
    },

    async confirm(token) {
      if (!isTokenShaped(token)) return false;
      const used = await consumeLink(ctx.db, hashToken(token), 'confirm', ctx.clock());
      if (!used?.waitlist_id) return false;
      await confirmWaitlist(ctx.db, used.waitlist_id);
      return true;
    },
  };
}
