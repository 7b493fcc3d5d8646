// Rollouts' public surface: the service (scheduled changes, release plans, signals) and the plugin
// serving their API and running the due work periodically, once at start (so what fell due while
// every instance was down runs at the next start) and then on an interval with jitter.
import type { FastifyInstance } from 'fastify';
import { hostJob } from '../../core/jobs.js';
import type { Clock } from '../../core/clock.js';
import { rolloutRoutes } from './rollouts.routes.js';
import { createRolloutsService, type RolloutsDeps, type RolloutsService } from './rollouts.service.js';

export type { FlagPatch, RolloutAlert, RolloutFlags, RolloutsService } from './rollouts.service.js';

export const createRollouts = (deps: RolloutsDeps): RolloutsService => createRolloutsService(deps);

export interface RolloutsPluginOptions {
  rollouts: RolloutsService;
  /** Run due work in the background (off in most tests, which call `runDue`). */
  background: boolean;
  /** Seconds between passes. */
  intervalS: number;
  clock: Clock;
  logger: { warn(obj: object, msg: string): void };
}

export async function rolloutsPlugin(fastify: FastifyInstance, opts: RolloutsPluginOptions): Promise<void> {
  hostJob(
    fastify,
    {
      name: 'run scheduled changes and release plans',
      intervalMs: opts.intervalS * 1000,
      jitter: 0.2,
      runAtStart: true,
      run: () => opts.rollouts.runDue(),
      background: opts.background,
    },
    opts.logger,
  );
  await fastify.register(rolloutRoutes, { rollouts: opts.rollouts, clock: opts.clock });
}
