// Rollouts that run themselves: flag changes scheduled for a time and release plans stepping a
// flag's percentage while guards on ratings and reported errors hold. Every flag write goes through
// the flags' own audited path (versioned, announced to every instance); due work is claimed in the
// database so each change and step runs once however many instances run `runDue`.
import { AppError } from '../../core/errors.js';
import { runPlans } from './plan-runner.js';
import { createPlans } from './plans.js';
import { addSignal } from './rollouts.repository.js';
import { createSchedules, runSchedules } from './schedules.js';
import type { RolloutsDeps, RolloutsService } from './rollouts.types.js';

export type { PlanRow, ScheduleRow, ScheduleStatus } from './rollouts.repository.js';
export type * from './rollouts.types.js';

export function createRolloutsService(deps: RolloutsDeps): RolloutsService {
  return {
    ...createSchedules(deps),
    ...createPlans(deps),
    async signal(flag, s) {
      if (!deps.flags.current(flag)) throw new AppError('NOT_FOUND', `No flag named "${flag}".`);
      await addSignal(deps.db, { flag, variant: s.variant ?? '', kind: s.kind, count: s.count });
    },
    async runDue() {
      return { schedules: await runSchedules(deps), plans: await runPlans(deps) };
    },
  };
}
