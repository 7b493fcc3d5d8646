// One pass over the running release plans: each is leased by one instance, checked for a change
// made by hand, judged by its guards, and moved along (advanced, finished, paused or rolled back).
// A step's flag write carries a request id naming the plan, step and plan version, so a write cut
// short by a crash is recognised in the audit log at the next pass instead of being repeated.
import { AppError } from '../../core/errors.js';
import { decide, rollbackPercentage, type Guard, type GuardReading, type PlanStep } from './guards.js';
import { claimRunningPlans, flagExists, guardFigures, saveLeasedPlan, versionWrittenBy, type PlanRow } from './rollouts.repository.js';
import type { FlagPatch, RolloutsDeps } from './rollouts.types.js';

/** A plan leased by an instance is left alone by the others this long (a pass takes far less). */
const LEASE_MS = 60_000;
/** The audit log's actor for what plans do. */
export const PLAN_ACTOR = 'release-plan';

type PlanPatch = Parameters<typeof saveLeasedPlan>[2];

interface Pass {
  deps: RolloutsDeps;
  p: PlanRow;
  now: Date;
  steps: PlanStep[];
  /** Writes the plan, ending the lease unless `release` is false. */
  save(patch: PlanPatch, options?: { release?: boolean; startWindow?: boolean }): Promise<PlanRow | undefined>;
  audit(action: string, after: unknown, before?: unknown): Promise<void>;
  stop(status: 'paused' | 'aborted', attention: string): Promise<void>;
}

const isAppError = (err: unknown, code: string): boolean => err instanceof AppError && err.code === code;

function passFor(deps: RolloutsDeps, p: PlanRow, now: Date): Pass {
  const flag = p.flag_name;
  const pass: Pass = {
    deps,
    p,
    now,
    steps: p.steps,
    save: (patch, options = {}) =>
      saveLeasedPlan(
        deps.db,
        { flag, instanceId: deps.instanceId, now, release: options.release ?? true, startWindow: options.startWindow },
        patch,
      ),
    audit: (action, after, before) =>
      deps.recordAudit(deps.db, { actor: PLAN_ACTOR, action, entityType: 'release_plan', entityId: flag, before, after, requestId: null }),
    async stop(status, attention) {
      await pass.save({ status, attention, applying_step: null });
      await pass.audit(status === 'paused' ? 'plan.pause' : 'plan.abort', { reason: attention, step: p.current_step });
    },
  };
  return pass;
}

/** Writes step `index`'s percentage (for -1: the flag's own before the plan), then records it as current. */
async function writeStep(pass: Pass, index: number, after: PlanPatch = {}): Promise<void> {
  const { p, deps } = pass;
  const marked = await pass.save({ applying_step: index }, { release: false });
  if (!marked) return;
  const requestId = `plan:${p.id}:${index}:${marked.version}`;
  const percentage = index >= 0 ? pass.steps[index]!.percentage : p.initial_percentage;
  // The first step switches the flag on: a plan releases the feature.
  const patch: FlagPatch =
    index === 0 && p.current_step < 0 ? { is_enabled: true, rollout_percentage: percentage } : { rollout_percentage: percentage };
  let version: number;
  try {
    const by = { actor: PLAN_ACTOR, isOwner: false, requestId };
    version = (await deps.flags.update(p.flag_name, patch, p.flag_version ?? undefined, by)).version;
  } catch (err) {
    if (isAppError(err, 'CONFLICT')) return pass.stop('paused', 'The flag was changed by hand while the plan was running.');
    if (isAppError(err, 'NOT_FOUND')) return pass.stop('aborted', 'The flag was deleted.');
    await pass.save({ applying_step: null });
    throw err;
  }
  const current = { current_step: index, applying_step: null, skip_requested: false, step_started_at: pass.now, flag_version: version };
  await pass.save({ ...current, readings: null, ...after }, { startWindow: true });
}

/** A step write cut short by a crash: true when the audit log shows the flag was written (now recorded). */
async function recovered(pass: Pass): Promise<boolean> {
  const { p } = pass;
  if (p.applying_step === null) return false;
  const written = await versionWrittenBy(pass.deps.db, p.flag_name, `plan:${p.id}:${p.applying_step}:${p.version}`);
  if (written === undefined) return false;
  const current = { current_step: p.applying_step, applying_step: null, skip_requested: false, step_started_at: pass.now };
  await pass.save({ ...current, flag_version: written }, { startWindow: true });
  return true;
}

function alertFor(deps: RolloutsDeps, flag: string, message: string, reading: GuardReading): void {
  const text = `Release plan for ${flag}: ${message}`;
  deps.alert({ rule: `release_plan:${flag}`, message: text, value: reading.value ?? 0, threshold: reading.threshold });
}

/** Reads the guards over the current step and acts on the verdict. */
async function judge(pass: Pass): Promise<void> {
  const { p, steps, now, deps } = pass;
  const figures = await guardFigures(deps.db, p.flag_name, p.window_started_at ?? now);
  const decision = decide(steps, p.current_step, p.step_started_at ?? now, p.guards as Guard[], figures, now);
  const readings = JSON.stringify(decision.readings);
  const step = { step: p.current_step, percentage: steps[p.current_step]!.percentage };
  if (decision.kind === 'wait') {
    await pass.save({ readings, applying_step: null });
    return;
  }
  if (decision.kind === 'fail') {
    const rollback = decision.action === 'rollback';
    const attention = `${rollback ? 'Rolled back' : 'Paused'}: ${decision.failed.map((r) => r.message).join('; ')}.`;
    await pass.audit('plan.guard_failed', { action: decision.action, readings: decision.readings }, step);
    alertFor(deps, p.flag_name, attention, decision.failed[0]!);
    if (!rollback) {
      await pass.save({ status: 'paused', attention, readings, applying_step: null });
      return;
    }
    await writeStep(pass, p.current_step - 1, { status: 'paused', attention, readings });
    const percentage = rollbackPercentage(steps, p.current_step, p.initial_percentage);
    await pass.audit('plan.rollback', { step: p.current_step - 1, percentage }, step);
    return;
  }
  await pass.audit(decision.kind === 'finish' ? 'plan.done' : 'plan.advance', { readings: decision.readings }, step);
  if (decision.kind === 'advance') return writeStep(pass, p.current_step + 1);
  await pass.save({ status: 'done', attention: null, readings, applying_step: null });
}

/** Moves one leased plan along; always ends its lease. */
async function advance(pass: Pass): Promise<void> {
  const { p, deps } = pass;
  const current = deps.flags.current(p.flag_name);
  if (!current) {
    if (!(await flagExists(deps.db, p.flag_name))) return pass.stop('aborted', 'The flag was deleted.');
    await pass.save({});
    return;
  }
  if (await recovered(pass)) return;
  // The snapshot may lag behind another instance's write, never run ahead: newer means a change by hand.
  if (p.flag_version !== null && current.version > p.flag_version) {
    return pass.stop('paused', `The flag was changed by hand (version ${current.version}; the plan last wrote ${p.flag_version}).`);
  }
  if (p.current_step >= 0 && !p.skip_requested) return judge(pass);
  const next = p.current_step + 1;
  if (next < pass.steps.length) return writeStep(pass, next);
  await pass.save({ status: 'done', skip_requested: false, attention: null, applying_step: null });
  await pass.audit('plan.done', { step: p.current_step });
}

/** Leases the running plans no other instance holds and moves each along; resolves to how many. */
export async function runPlans(deps: RolloutsDeps): Promise<number> {
  const now = deps.clock();
  const leased = await claimRunningPlans(deps.db, { now, instanceId: deps.instanceId, leaseUntil: new Date(now.getTime() + LEASE_MS) });
  for (const p of leased) {
    const pass = passFor(deps, p, now);
    try {
      await advance(pass);
    } catch (err) {
      deps.logger.warn({ flag: p.flag_name, err: { message: (err as Error).message } }, 'could not move a release plan along');
      await pass.save({}).catch(() => undefined);
    }
  }
  return leased.length;
}
