// Scheduled changes (/api/admin/schedules), release plans (/api/admin/flags/:name/plan) and the
// signals applications report (/api/flags/:name/signals, with an evaluate token).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Clock } from '../../core/clock.js';
import { actorOf, requireCapability } from '../../core/principal.js';
import type { Guard, PlanStep } from './guards.js';
import {
  PlanActionBody,
  PlanActionParams,
  PlanBody,
  PlanList,
  PlanOut,
  PlanParams,
  ScheduleCreateBody,
  ScheduleEditBody,
  ScheduleList,
  ScheduleListQuery,
  ScheduleOut,
  ScheduleParams,
  SignalBody,
  SignalParams,
  type PlanOutT,
} from './rollouts.schemas.js';
import type { FlagPatch, PlanRow, RolloutsService, ScheduleRow } from './rollouts.service.js';

export interface RolloutRouteDeps {
  rollouts: RolloutsService;
  clock: Clock;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

export const presentSchedule = (s: ScheduleRow) => ({
  id: s.id,
  flag: s.flag_name,
  at: s.run_at.toISOString(),
  change: s.change as FlagPatch,
  expected_version: s.expected_version,
  status: s.status,
  created_by: s.created_by,
  created_at: s.created_at.toISOString(),
  ran_at: iso(s.ran_at),
  result_version: s.result_version,
  error: s.error,
});

/** The plan as a timeline: steps done, the current one, the next with its earliest time. */
export function presentPlan(p: PlanRow): PlanOutT {
  const steps = p.steps as PlanStep[];
  const started = p.step_started_at;
  const current = p.current_step >= 0 ? steps[p.current_step] : undefined;
  const earliestNext = started && current ? new Date(started.getTime() + current.min_duration_s * 1000) : null;
  const live = p.status === 'running' || p.status === 'paused';
  return {
    flag: p.flag_name,
    status: p.status,
    current_step: p.current_step,
    attention: p.attention,
    steps: steps.map((s, index) => {
      const state =
        index < p.current_step || (p.status === 'done' && index === p.current_step)
          ? 'done'
          : index === p.current_step
            ? 'current'
            : index === p.current_step + 1 && live
              ? 'next'
              : 'later';
      return {
        index,
        percentage: s.percentage,
        min_duration: s.min_duration,
        state,
        started_at: state === 'current' ? iso(started) : null,
        earliest_at: state === 'next' ? (p.current_step < 0 ? null : iso(earliestNext)) : null,
      };
    }),
    guards: p.guards as Guard[],
    readings: (p.readings ?? []) as PlanOutT['readings'],
    created_by: p.created_by,
    created_at: p.created_at.toISOString(),
    updated_at: p.updated_at.toISOString(),
  };
}

async function scheduleRoutes(fastify: FastifyInstance, deps: RolloutRouteDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post('/api/admin/schedules', { schema: { body: ScheduleCreateBody, response: { 201: ScheduleOut } } }, async (request, reply) => {
    const { _csrf: _ignored, ...input } = request.body;
    return reply.code(201).send(presentSchedule(await deps.rollouts.schedule(input, await actorOf(request))));
  });
  app.get('/api/admin/schedules', { schema: { querystring: ScheduleListQuery, response: { 200: ScheduleList } } }, async (request) => ({
    items: (await deps.rollouts.schedules(request.query)).map(presentSchedule),
  }));
  app.get('/api/admin/schedules/:id', { schema: { params: ScheduleParams, response: { 200: ScheduleOut } } }, async (request) =>
    presentSchedule(await deps.rollouts.getSchedule(request.params.id)),
  );
  app.patch(
    '/api/admin/schedules/:id',
    { schema: { params: ScheduleParams, body: ScheduleEditBody, response: { 200: ScheduleOut } } },
    async (request) => {
      const { _csrf: _ignored, ...patch } = request.body;
      return presentSchedule(await deps.rollouts.editSchedule(request.params.id, patch, await actorOf(request)));
    },
  );
  app.delete('/api/admin/schedules/:id', { schema: { params: ScheduleParams, response: { 200: ScheduleOut } } }, async (request) =>
    presentSchedule(await deps.rollouts.cancelSchedule(request.params.id, await actorOf(request))),
  );
}

async function planRoutes(fastify: FastifyInstance, deps: RolloutRouteDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/api/admin/plans', { schema: { response: { 200: PlanList } } }, async () => ({
    items: (await deps.rollouts.plans()).map(presentPlan),
  }));
  app.get('/api/admin/flags/:name/plan', { schema: { params: PlanParams, response: { 200: PlanOut } } }, async (request) =>
    presentPlan(await deps.rollouts.getPlan(request.params.name)),
  );
  app.put(
    '/api/admin/flags/:name/plan',
    { schema: { params: PlanParams, body: PlanBody, response: { 201: PlanOut } } },
    async (request, reply) => {
      const { steps, guards } = request.body;
      const withActions = guards.map((g) => ({ ...g, on_fail: g.on_fail ?? 'pause' }));
      const plan = await deps.rollouts.startPlan(request.params.name, { steps, guards: withActions }, await actorOf(request));
      return reply.code(201).send(presentPlan(plan));
    },
  );
  app.post(
    '/api/admin/flags/:name/plan/:action',
    { schema: { params: PlanActionParams, body: PlanActionBody, response: { 200: PlanOut } } },
    async (request) => presentPlan(await deps.rollouts.act(request.params.name, request.params.action, await actorOf(request))),
  );
}

async function signalRoutes(fastify: FastifyInstance, deps: RolloutRouteDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/api/flags/:name/signals',
    { preHandler: requireCapability('evaluate'), schema: { params: SignalParams, body: SignalBody } },
    async (request, reply) => {
      await deps.rollouts.signal(request.params.name, request.body);
      return reply.code(204).send();
    },
  );
}

export async function rolloutRoutes(fastify: FastifyInstance, deps: RolloutRouteDeps): Promise<void> {
  await scheduleRoutes(fastify, deps);
  await planRoutes(fastify, deps);
  await signalRoutes(fastify, deps);
}
