// The shapes testers are stored and read in, shared by the repository, the service and the routes.
import type { Selectable } from 'kysely';
import type { Position } from '../../core/cursor.js';
import type { BetaUsersTable } from '../../db/schema.js';

export type BetaUserRow = Selectable<BetaUsersTable>;
export type Source = 'admin' | 'feedback' | 'import' | 'waitlist';
/** invited: not joined yet; unverified: created by public feedback, address not confirmed; inactive: deactivated or left. */
export type TesterStatus = 'invited' | 'active' | 'unverified' | 'inactive';
export type TesterRole = 'TESTER' | 'ADMIN';

export interface UserFilter {
  search?: string;
  role?: TesterRole;
  active?: boolean;
  source?: Source;
  /** false: invited but not joined yet. */
  joined?: boolean;
  /** Default oldest first. */
  order?: 'oldest' | 'newest';
  after?: Position;
  limit: number;
}

/** What an admin may change on a tester. */
export interface UserPatch {
  is_active?: boolean;
  notes?: string | null;
  flag_set?: Record<string, boolean | string>;
  role?: TesterRole;
}

export interface NewTesterInput {
  email: string;
  role?: TesterRole;
  notes?: string | null;
  flag_set?: Record<string, boolean | string>;
}

export interface ImportResult {
  created: BetaUserRow[];
  duplicates: string[];
  invalid: Array<{ line: number; value: string; reason: string }>;
}

export interface UserCounts {
  total: number;
  active: number;
  admins: number;
  redeemed: number;
  joined_7d: number;
}

/** One status from the row's facts: left or deactivated, then unconfirmed, then not yet joined. */
export function testerStatus(row: Pick<BetaUserRow, 'is_active' | 'verified_at' | 'redeemed_at' | 'erased_at'>): TesterStatus {
  if (row.erased_at !== null) return 'inactive';
  if (row.verified_at === null) return 'unverified';
  if (!row.is_active) return 'inactive';
  return row.redeemed_at === null ? 'invited' : 'active';
}
