// What a signed-in tester does: see themself, the early-access features and why each is on or off,
// enrol or leave one (their per-flag override, audited, announced to every instance), rate, read
// their own feedback, and leave the program (erasure in one transaction, flags' target users included).
import { AppError } from '../../core/errors.js';
import { eraseTesterTraces } from './testers.repository.js';
import type { TestersContext } from './testers-context.js';
import type { EarlyAccessFlag, FeatureView, Stage, TesterFeedback, TesterMe, TesterRow } from './testers.types.js';

export interface PortalOps {
  me(tester: TesterRow): TesterMe;
  features(tester: TesterRow): FeatureView[];
  setEnrolment(tester: TesterRow, name: string, enrolled: boolean, requestId: string | null): Promise<FeatureView>;
  rate(tester: TesterRow, input: { feature: string | null; rating: number; comment?: string }): Promise<TesterFeedback>;
  myFeedback(tester: TesterRow): Promise<TesterFeedback[]>;
  leave(tester: TesterRow, requestId: string | null): Promise<void>;
}

const listed = (f: EarlyAccessFlag): boolean => f.early_access;
/** Without a stage set, an early-access feature shows as `beta`. */
const DEFAULT_STAGE: Stage = 'beta';

export function testerMe(tester: TesterRow): TesterMe {
  const status =
    tester.erased_at !== null || (!tester.is_active && tester.verified_at !== null)
      ? 'inactive'
      : tester.verified_at === null
        ? 'unverified'
        : 'active';
  return { id: tester.id, email: tester.email, status, joined_at: tester.redeemed_at?.toISOString() ?? null };
}

function featureView(ctx: TestersContext, tester: TesterRow, flag: EarlyAccessFlag): FeatureView {
  const override = Object.hasOwn(tester.flag_set, flag.name) ? tester.flag_set[flag.name] : undefined;
  // What OFREP answers for them now (an inactive tester's overrides do not count there either).
  const on = ctx.flags.valueFor(flag.name, { id: tester.id, email: tester.email });
  const reason = override === true ? 'enrolled' : override === false ? 'left' : on ? 'rolled_out' : 'not_yet';
  return {
    name: flag.name,
    title: flag.public_title ?? flag.name,
    description: flag.public_description ?? '',
    stage: flag.stage ?? DEFAULT_STAGE,
    enrolled: override === true,
    on,
    reason,
  };
}

function findListed(ctx: TestersContext, name: string): EarlyAccessFlag {
  const flag = ctx.flags.all().find((f) => f.name === name);
  if (!flag || !listed(flag)) throw new AppError('NOT_FOUND', 'No early-access feature has this name.');
  return flag;
}

const tombstoneOf = (id: string) => `erased+${id}@erased.invalid`;

export function createPortalOps(ctx: TestersContext): PortalOps {
  return {
    me: testerMe,

    features: (tester) =>
      ctx.flags
        .all()
        .filter(listed)
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((flag) => featureView(ctx, tester, flag)),

    async setEnrolment(tester, name, enrolled, requestId) {
      const flag = findListed(ctx, name);
      if (!tester.is_active) throw new AppError('FORBIDDEN', 'Early access opens once your place in the program is confirmed.');
      const after = await ctx.db.transaction().execute(async (trx) => {
        // The row lock orders concurrent toggles: each sees the one before, the last to commit wins.
        const before = await ctx.accounts.findById(trx, tester.id, true);
        if (!before || before.erased_at !== null) throw new AppError('UNAUTHENTICATED', 'Sign in to continue.');
        const written = await ctx.accounts.setFlag(trx, tester.id, name, enrolled);
        await ctx.recordAudit(trx, {
          actor: tester.email,
          action: 'beta_user.enrol',
          entityType: 'beta_user',
          entityId: tester.id,
          before: { flag: name, enrolled: Object.hasOwn(before.flag_set, name) ? before.flag_set[name] : null },
          after: { flag: name, enrolled },
          requestId,
        });
        await ctx.flags.overridesChanged(trx);
        return written;
      });
      await ctx.flags.refreshOverrides();
      return featureView(ctx, after, flag);
    },

    async rate(tester, input) {
      if (input.feature !== null) findListed(ctx, input.feature);
      const comment = input.comment?.trim() || null;
      const stored = await ctx.feedback.submit({ email: tester.email, rating: input.rating, feature: input.feature, comment });
      return { id: stored.id, feature: input.feature, rating: input.rating, comment, created_at: stored.created_at };
    },

    myFeedback: (tester) => ctx.feedback.forTester(tester.id),

    async leave(tester, requestId) {
      const replacement = `tester:${tester.id}`;
      const catchUp = await ctx.db.transaction().execute(async (trx) => {
        const before = await ctx.accounts.findById(trx, tester.id, true);
        if (!before || before.erased_at !== null) return undefined;
        await eraseTesterTraces(trx, before.id, before.email, replacement);
        const flagsCaughtUp = await ctx.flags.forgetTarget(trx, before.email, replacement, requestId);
        await ctx.accounts.erase(trx, before.id, tombstoneOf(before.id));
        await ctx.recordAudit(trx, {
          actor: replacement,
          action: 'beta_user.leave',
          entityType: 'beta_user',
          entityId: before.id,
          after: { erased: true },
          requestId,
        });
        if (Object.keys(before.flag_set).length > 0) await ctx.flags.overridesChanged(trx);
        return flagsCaughtUp;
      });
      await catchUp?.();
      await ctx.flags.refreshOverrides();
    },
  };
}
