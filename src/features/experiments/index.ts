// Experiment results' public surface: the service (exposures recorded on the evaluation path, results
// read on demand) and the plugin serving the results and writing exposures periodically and at close.
import type { FastifyInstance } from 'fastify';
import { hostJob } from '../../core/jobs.js';
import { experimentsRoutes } from './experiments.routes.js';
import type { ExperimentsService } from './experiments.service.js';

export { createExperimentsService, type ExperimentsService, type FlagVariants } from './experiments.service.js';

export interface ExperimentsPluginOptions {
  experiments: ExperimentsService;
  /** Seconds between exposure writes. */
  flushS: number;
  /** Start the periodic writes (off in most tests, which flush by hand). */
  background: boolean;
}

export async function experimentsPlugin(fastify: FastifyInstance, opts: ExperimentsPluginOptions): Promise<void> {
  const job = hostJob(fastify, {
    name: 'write experiment exposures',
    intervalMs: opts.flushS * 1000,
    run: () => opts.experiments.flush(),
    background: opts.background,
    runAtClose: true,
  });
  opts.experiments.onBacklog(() => void job.runNow());
  await fastify.register(experimentsRoutes, { experiments: opts.experiments });
}
