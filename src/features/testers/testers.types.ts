// What the testers' side needs from the rest of the product, declared here and handed in by the
// composition root (tester rows from beta-users, the feedback store, early-access flags), and the
// shapes it answers with.
import type { Kysely, Selectable } from 'kysely';
import type { BetaUsersTable, DatabaseSchema } from '../../db/schema.js';

type Db = Kysely<DatabaseSchema>;
export type TesterRow = Selectable<BetaUsersTable>;

/** Tester rows (the beta-users feature): each function runs in the database or transaction given. */
export interface TesterAccountsPort {
  findById(db: Db, id: string, forUpdate?: boolean): Promise<TesterRow | undefined>;
  findByEmail(db: Db, email: string): Promise<TesterRow | undefined>;
  /** Redeems an invite once, audited; throws for any code that cannot be used. */
  redeem(code: string, email: string, requestId: string | null): Promise<TesterRow>;
  verify(db: Db, id: string): Promise<TesterRow | undefined>;
  setFlag(db: Db, id: string, flag: string, enrolled: boolean): Promise<TesterRow>;
  erase(db: Db, id: string, tombstone: string): Promise<TesterRow>;
  markInvited(db: Db, id: string): Promise<void>;
  touchSeen(db: Db, id: string, at: Date): Promise<void>;
  ensureForWaitlist(db: Db, email: string): Promise<TesterRow>;
  funnel(db: Db, since: Date): Promise<{ invited: number; joined: number; enrolled: number; gave_feedback_30d: number }>;
}

export interface TesterFeedback {
  id: string;
  feature: string | null;
  rating: number;
  comment: string | null;
  created_at: string;
}

/** The feedback store (the feedback feature). */
export interface FeedbackPort {
  /** Stores one rating from this tester (by address, so it is tied to them). */
  submit(input: {
    email: string;
    rating: number;
    feature: string | null;
    comment: string | null;
  }): Promise<{ id: string; created_at: string }>;
  /** The tester's latest submissions, newest first. */
  forTester(userId: string): Promise<TesterFeedback[]>;
}

export type Stage = 'alpha' | 'beta' | 'preview';

export interface EarlyAccessFlag {
  name: string;
  is_enabled: boolean;
  early_access: boolean;
  public_title: string | null;
  public_description: string | null;
  stage: Stage | null;
}

/** Early-access flags and their evaluation (the flags feature). */
export interface FlagsPort {
  /** Every flag in this instance's snapshot. */
  all(): EarlyAccessFlag[];
  /** The flag's value for this tester as OFREP would answer it now on this instance (not counted). */
  valueFor(name: string, tester: { id: string; email: string }): boolean;
  /** Tells every instance that overrides changed; committed with `trx`. */
  overridesChanged(trx: Db): Promise<void>;
  /** Brings this instance's snapshot of overrides up to date now. */
  refreshOverrides(): Promise<void>;
  /**
   * Takes the address out of every flag's target users in `trx` (audited as `actor`, announced to
   * every instance at commit); resolves to what brings this instance along once `trx` committed.
   */
  forgetTarget(trx: Db, email: string, actor: string, requestId: string | null): Promise<() => Promise<void>>;
}

export type TesterStatus = 'active' | 'unverified' | 'inactive';

export interface TesterMe {
  id: string;
  email: string;
  status: TesterStatus;
  joined_at: string | null;
}

export interface FeatureView {
  name: string;
  title: string;
  description: string;
  stage: Stage;
  enrolled: boolean;
  on: boolean;
  reason: 'enrolled' | 'rolled_out' | 'not_yet' | 'left';
}

/** A tester session as the routes see it. */
export interface TesterSession {
  idHash: string;
  csrfToken: string;
  tester: TesterRow;
}
