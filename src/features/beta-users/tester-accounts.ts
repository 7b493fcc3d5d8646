// What the testers' side (join, sign-in, portal, waitlist) may do with tester rows, handed to it by
// the composition root. Each function takes the database or a transaction first, so the caller's
// transaction holds its audit entry and its notifications too.
import { findUserByEmail, findUserById } from './beta-users.repository.js';
import type { BetaUserRow } from './beta-users.types.js';
import {
  ensureWaitlistTester,
  eraseUser,
  funnelCounts,
  markInvited,
  setFlagOverride,
  touchUserSeen,
  verifyUser,
} from './tester-accounts.repository.js';
import type { TesterChanges } from './tester-changes.js';

export type { Funnel } from './tester-accounts.repository.js';

/** The testers feature declares the shape it needs; this is what it is handed. */
export type TesterAccounts = ReturnType<typeof createTesterAccounts>;

/** Each function takes the database or a transaction first; `redeem` runs its own (audited) transaction. */
export function createTesterAccounts(changes: Pick<TesterChanges, 'redeem'>) {
  return {
    findById: findUserById,
    findByEmail: findUserByEmail,
    redeem: (code: string, email: string, requestId: string | null): Promise<BetaUserRow> => changes.redeem(code, email, requestId),
    /** Confirms an unconfirmed address; undefined when it was confirmed already (or erased). */
    verify: verifyUser,
    setFlag: setFlagOverride,
    erase: eraseUser,
    markInvited,
    touchSeen: touchUserSeen,
    ensureForWaitlist: ensureWaitlistTester,
    funnel: funnelCounts,
  };
}
