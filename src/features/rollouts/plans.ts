// Release plans as people handle them: start one (validated steps and guards), read it, and
// pause, resume, skip or abort it. Moving plans along is the plan runner's job.
import { AppError } from '../../core/errors.js';
import type { Actor } from '../../core/principal.js';
import { parseDuration, type PlanStep } from './guards.js';
import { findPlan, listPlans, restartWindow, updateIdlePlan, upsertPlan, type PlanRow } from './rollouts.repository.js';
import type { PlanAction, PlanInput, RolloutsDeps } from './rollouts.types.js';

export function stepsOf(input: PlanInput['steps']): PlanStep[] {
  if (input.length === 0) throw new AppError('VALIDATION_ERROR', 'body/steps must hold at least one step.');
  return input.map((s, i) => {
    const seconds = parseDuration(s.min_duration);
    if (seconds === undefined) throw new AppError('VALIDATION_ERROR', `body/steps/${i}/min_duration must look like 30s, 15m, 4h or 2d.`);
    if (i > 0 && s.percentage <= input[i - 1]!.percentage)
      throw new AppError('VALIDATION_ERROR', `body/steps/${i}/percentage must be above the previous step's.`);
    return { percentage: s.percentage, min_duration: s.min_duration, min_duration_s: seconds };
  });
}

/** What an action sets; resuming (and skipping, which resumes) accepts the flag as it now is and starts the step over. */
function patchFor(action: PlanAction, by: Actor, flagVersion: number | null, now: Date) {
  const resume = { status: 'running' as const, attention: null, flag_version: flagVersion, step_started_at: now };
  if (action === 'pause') return { status: 'paused' as const, attention: `Paused by ${by.actor}.` };
  if (action === 'abort') return { status: 'aborted' as const, attention: null };
  return action === 'resume' ? resume : { ...resume, skip_requested: true };
}

export function createPlans(deps: RolloutsDeps) {
  const { db, clock } = deps;
  const getPlan = async (flag: string) => {
    const plan = await findPlan(db, flag);
    if (!plan) throw new AppError('NOT_FOUND', `The flag "${flag}" has no release plan.`);
    return plan;
  };

  return {
    async startPlan(flag: string, input: PlanInput, by: Actor): Promise<PlanRow> {
      const steps = stepsOf(input.steps);
      const current = deps.flags.current(flag);
      if (!current) throw new AppError('NOT_FOUND', `No flag named "${flag}".`);
      const plan = await db.transaction().execute(async (trx) => {
        const initial = current.is_enabled ? current.rollout_percentage : 0;
        const row = await upsertPlan(trx, {
          flag_name: flag,
          steps,
          guards: input.guards,
          initial_percentage: initial,
          created_by: by.actor,
          now: clock(),
        });
        const after = { steps, guards: input.guards };
        if (row)
          await deps.recordAudit(trx, {
            actor: by.actor,
            action: 'plan.create',
            entityType: 'release_plan',
            entityId: flag,
            after,
            requestId: by.requestId,
          });
        return row;
      });
      if (!plan) throw new AppError('CONFLICT', `The flag "${flag}" already has a running or paused plan: abort it first.`);
      return plan;
    },
    getPlan,
    plans: () => listPlans(db),
    async act(flag: string, action: PlanAction, by: Actor): Promise<PlanRow> {
      const before = await getPlan(flag);
      if (before.status !== 'running' && before.status !== 'paused') throw new AppError('CONFLICT', `The plan is ${before.status}.`);
      if ((action === 'pause' && before.status === 'paused') || (action === 'resume' && before.status === 'running')) return before;
      const flagVersion = deps.flags.current(flag)?.version ?? before.flag_version;
      const row = await updateIdlePlan(db, flag, clock(), patchFor(action, by, flagVersion, clock()));
      if (!row) throw new AppError('CONFLICT', 'The plan is being moved along right now; try again in a moment.');
      if (action === 'resume' || action === 'skip') await restartWindow(db, flag);
      await deps.recordAudit(db, {
        actor: by.actor,
        action: `plan.${action}`,
        entityType: 'release_plan',
        entityId: flag,
        before: { status: before.status, step: before.current_step },
        after: { status: row.status, step: row.current_step },
        requestId: by.requestId,
      });
      return (await findPlan(db, flag)) ?? row;
    },
  };
}
