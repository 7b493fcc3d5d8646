// The shapes rollouts share: what the service offers, and the ports it is given (the flags'
// audited change path, the alert webhook).
import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.js';
import type { Actor } from '../../core/principal.js';
import type { RecordAudit } from '../../db/audit.js';
import type { DatabaseSchema } from '../../db/schema.js';
import type { Guard } from './guards.js';
import type { PlanRow, ScheduleRow, ScheduleStatus } from './rollouts.repository.js';

/** What a scheduled change may set (variant weights come with typed variants). */
export interface FlagPatch {
  is_enabled?: boolean;
  rollout_percentage?: number;
  target_users?: string[];
}

/** The flags feature as rollouts use it. */
export interface RolloutFlags {
  /** The flag as this instance's snapshot holds it; undefined when there is none. */
  current(name: string): { version: number; rollout_percentage: number; is_enabled: boolean } | undefined;
  /** The audited change path of `PATCH /api/admin/flags/:name` (`expectedVersion` as `If-Match`). */
  update(name: string, patch: FlagPatch, expectedVersion: number | undefined, by: Actor): Promise<{ version: number }>;
}

/** A guard that stopped a plan, for the alert webhook. */
export interface RolloutAlert {
  rule: string;
  message: string;
  value: number;
  threshold: number;
}

export interface RolloutsDeps {
  db: Kysely<DatabaseSchema>;
  flags: RolloutFlags;
  recordAudit: RecordAudit;
  clock: Clock;
  instanceId: string;
  alert(notice: RolloutAlert): void;
  logger: { warn(obj: object, msg: string): void };
}

export interface ScheduleInput {
  flag: string;
  at: string;
  change: FlagPatch;
  expected_version?: number | null;
}

export interface PlanInput {
  steps: Array<{ percentage: number; min_duration: string }>;
  guards: Guard[];
}

export type PlanAction = 'pause' | 'resume' | 'skip' | 'abort';

export interface RolloutsService {
  schedule(input: ScheduleInput, by: Actor): Promise<ScheduleRow>;
  schedules(filter: { status?: ScheduleStatus; flag?: string; limit: number }): Promise<ScheduleRow[]>;
  /** NOT_FOUND when there is no such schedule. */
  getSchedule(id: string): Promise<ScheduleRow>;
  /** CONFLICT once it ran or was cancelled. */
  editSchedule(id: string, patch: Partial<ScheduleInput>, by: Actor): Promise<ScheduleRow>;
  cancelSchedule(id: string, by: Actor): Promise<ScheduleRow>;
  /** Starts a plan (replacing a finished or aborted one); CONFLICT while one is running or paused. */
  startPlan(flag: string, input: PlanInput, by: Actor): Promise<PlanRow>;
  /** NOT_FOUND when the flag has no plan. */
  getPlan(flag: string): Promise<PlanRow>;
  act(flag: string, action: PlanAction, by: Actor): Promise<PlanRow>;
  /** Running and paused plans. */
  plans(): Promise<PlanRow[]>;
  /** Errors or successes an application saw for a flag (NOT_FOUND for an unknown flag). */
  signal(flag: string, s: { variant?: string; kind: 'error' | 'success'; count: number }): Promise<void>;
  /** One pass: applies due scheduled changes, then moves every running plan along. */
  runDue(): Promise<{ schedules: number; plans: number }>;
}
