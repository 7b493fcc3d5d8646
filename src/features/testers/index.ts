// The testers' side of the beta program: the service (join, sign-in links, portal, waitlist, the
// owner's invite mail and funnel) and the plugin serving /api/beta/…, /beta/link, /beta/confirm
// and the owner's /api/admin additions, which sweeps expired sessions and links while it runs.
import type { FastifyInstance } from 'fastify';
import { hostJob, type JobLogger } from '../../core/jobs.js';
import { ownerRoutes } from './owner.routes.js';
import { testerRoutes } from './testers.routes.js';
import type { TestersService } from './testers.service.js';

export { createTestersService, type TestersService, type TestersServiceDeps } from './testers.service.js';
export { TESTER_COOKIE } from './testers.routes.js';
export type { EarlyAccessFlag, FeedbackPort, FlagsPort, TesterAccountsPort, TesterFeedback } from './testers.types.js';

export interface TestersPluginOptions {
  testers: TestersService;
  publicUrl: string;
  /** Browser origins allowed to post to the waitlist. */
  corsOrigins: readonly string[];
  /** Requests per minute per client on the public routes. */
  rateLimitPerMin: number;
  background: boolean;
  logger: JobLogger;
}

const SWEEP_MS = 10 * 60_000;

export async function testersPlugin(fastify: FastifyInstance, opts: TestersPluginOptions): Promise<void> {
  const { testers } = opts;
  hostJob(
    fastify,
    {
      name: 'sweep expired tester sessions',
      intervalMs: SWEEP_MS,
      run: () => testers.sessions.deleteExpired(),
      background: opts.background,
    },
    opts.logger,
  );
  // Mail an earlier run left queued goes out again once this instance is up.
  fastify.addHook('onReady', async () => testers.resendInterrupted());
  fastify.addHook('onClose', () => testers.close());
  await fastify.register(testerRoutes, {
    testers,
    publicUrl: opts.publicUrl,
    corsOrigins: opts.corsOrigins,
    rateLimitPerMin: opts.rateLimitPerMin,
  });
  await fastify.register(ownerRoutes, { testers });
}
