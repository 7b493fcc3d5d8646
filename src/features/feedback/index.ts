// Feedback's public surface: the service (also the tester page's `forTester`) and the plugin serving
// submission, statistics and the admin API, which prunes old idempotency keys while it runs.
import type { FastifyInstance } from 'fastify';
import { hostJob, type JobLogger } from '../../core/jobs.js';
import { feedbackRoutes } from './feedback.routes.js';
import type { FeedbackService } from './feedback.service.js';

export { createFeedbackService, type FeedbackService } from './feedback.service.js';

/** How often idempotency keys past their day are deleted. */
const PRUNE_INTERVAL_MS = 10 * 60_000;

export interface FeedbackPluginOptions {
  feedback: FeedbackService;
  /** Browser origins allowed to submit feedback and read the statistics. */
  corsOrigins: readonly string[];
  /** Submissions per minute per client. */
  rateLimitPerMin: number;
  /** Start the periodic key pruning (off in most tests). */
  background: boolean;
  logger: JobLogger;
}

/** /api/feedback, /api/feedback/stats, /api/admin/feedback…. */
export async function feedbackPlugin(fastify: FastifyInstance, opts: FeedbackPluginOptions): Promise<void> {
  hostJob(
    fastify,
    { name: 'prune idempotency keys', intervalMs: PRUNE_INTERVAL_MS, run: () => opts.feedback.pruneKeys(), background: opts.background },
    opts.logger,
  );
  await fastify.register(feedbackRoutes, { feedback: opts.feedback, corsOrigins: opts.corsOrigins, rateLimitPerMin: opts.rateLimitPerMin });
}
