// Beta testers: what the routes (and feedback, through `ensureTester`) call: audited changes
// (tester-changes, tester-import) and the console's list, head counts and export.
import type { Kysely } from 'kysely';
import { AppError } from '../../core/errors.js';
import type { Actor } from '../../core/principal.js';
import type { DatabaseSchema } from '../../db/schema.js';
import { allUsers, countUsers, ensureTester, findUserById, listUsers, countMatchingUsers } from './beta-users.repository.js';
import type { BetaUserRow, ImportResult, UserCounts, UserFilter } from './beta-users.types.js';
import { createTesterAccounts, type TesterAccounts } from './tester-accounts.js';
import { createTesterChanges, requireTesterId, type TesterChanges, type TesterChangesDeps } from './tester-changes.js';
import { importTesters } from './tester-import.js';

export type { BetaUserRow, ImportResult, NewTesterInput, UserCounts, UserFilter, UserPatch } from './beta-users.types.js';
export type { Funnel, TesterAccounts } from './tester-accounts.js';

export interface BetaUsersService extends TesterChanges {
  /** NOT_FOUND when there is no such tester. */
  get(id: string): Promise<BetaUserRow>;
  /** Oldest first, after `filter.after`, `filter.limit` rows at most. */
  list(filter: UserFilter): Promise<BetaUserRow[]>;
  /** How many testers the filter selects, counting no further than `cap`. */
  count(filter: Omit<UserFilter, 'after' | 'limit' | 'order'>, cap: number): Promise<number>;
  /** Head counts; "joined" means in the last 7 days. */
  summary(): Promise<UserCounts>;
  /** Every tester, oldest first, read page by page. */
  exportAll(): AsyncIterable<BetaUserRow>;
  importList(text: string, by: Actor): Promise<ImportResult>;
  /** The id of the tester with this email, created (source `feedback`) when unknown; runs in `db` (a transaction). */
  ensureTester(db: Kysely<DatabaseSchema>, email: string): Promise<string>;
  /** The testers' own side of their rows (join, sign-in, enrolment, erasure), for the testers feature. */
  accounts: TesterAccounts;
}

export function createBetaUsersService(deps: TesterChangesDeps): BetaUsersService {
  const { db } = deps;
  const changes = createTesterChanges(deps);
  return {
    ...changes,
    accounts: createTesterAccounts(changes),
    async get(id) {
      requireTesterId(id);
      const row = await findUserById(db, id);
      if (!row) throw new AppError('NOT_FOUND', 'No such tester.');
      return row;
    },
    list: (filter) => listUsers(db, filter),
    count: (filter, cap) => countMatchingUsers(db, filter, cap),
    summary: () => countUsers(db, new Date(Date.now() - 7 * 86_400_000)),
    exportAll: () => allUsers(db),
    importList: (text, by) => importTesters(deps, text, by),
    ensureTester,
  };
}
