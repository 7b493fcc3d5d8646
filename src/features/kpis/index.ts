// Success metrics and alerting's public surface: one factory for the feature's parts, and one plugin
// that counts admin activity on every admin route, serves the KPI and alert APIs, and flushes its
// counters periodically and at shutdown.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';
import { isAdminPath } from '../../core/admin-scope.js';
import type { Clock } from '../../core/clock.js';
import type { Config } from '../../core/config.js';
import { hostJob } from '../../core/jobs.js';
import { can, describePrincipal } from '../../core/principal.js';
import type { DatabaseSchema } from '../../db/schema.js';
import { createActivityCounter, type ActivityCounter } from './activity-counter.js';
import type { AlertSample } from './alert-rules.js';
import { createAlerting } from './alerting.js';
import { addAdminRequestCounts, addFlagReach, addPageViewCounts } from './kpis.repository.js';
import { kpisRoutes } from './kpis.routes.js';
import { createKpisService, type KpisService } from './kpis.service.js';
import { createWebhookNotifier, type AlertNotice } from './webhook.js';

export type { AlertSample } from './alert-rules.js';
export type { AlertNotice } from './webhook.js';

type Logger = { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };

export interface KpisFeatureDeps {
  db: Kysely<DatabaseSchema>;
  instanceId: string;
  /** Seconds between collected health samples. */
  intervalS: number;
  alerts: Config['alerts'];
  clock: Clock;
  logger: Logger;
}

export interface KpisFeature {
  service: KpisService;
  activity: ActivityCounter;
  /** Starts alerting: reads the recorded downtime the uptime rule starts from. */
  start(): void;
  /** Evaluates one health sample against the alert rules, in the background. */
  onSample(sample: AlertSample): void;
  /** Flags were evaluated for a subject (each counts toward its flag's reach). */
  evaluated(flags: readonly string[], targetingKey: string | undefined, email: string | undefined): void;
  /** Sends an alert raised elsewhere (a release plan's guard) to the alert webhook, when one is configured. */
  notify(notice: AlertNotice): void;
  /** Resolves once alert writes and webhook deliveries handed over so far are done. */
  idle(): Promise<void>;
  /** Stops alerting after pending work: samples arriving later are ignored. */
  close(): Promise<void>;
}

const errorText = (err: unknown) => ({ err: { message: (err as Error).message } });

export function createKpisFeature(deps: KpisFeatureDeps): KpisFeature {
  const { db, clock, logger } = deps;
  const activity = createActivityCounter({
    adminRequests: (rows) => addAdminRequestCounts(db, rows),
    pageViews: (rows) => addPageViewCounts(db, rows),
    flagReach: (rows) => addFlagReach(db, rows),
  });
  const service = createKpisService({
    db,
    intervalS: deps.intervalS,
    now: clock,
    flushActivity: () => activity.flush(),
    onFlushError: (err) => logger.warn(errorText(err), 'could not write admin activity counts'),
  });
  const { webhookUrl, cooldownS } = deps.alerts;
  const notifier = webhookUrl ? createWebhookNotifier({ url: webhookUrl, cooldownMs: cooldownS * 1000, now: clock, logger }) : undefined;
  const alerting = createAlerting({
    db,
    instanceId: deps.instanceId,
    thresholds: { ...deps.alerts, intervalS: deps.intervalS },
    logger,
    notify: notifier ? (notice) => notifier.notify(notice) : undefined,
  });
  let closed = false;
  return {
    service,
    activity,
    start: () => alerting.start(),
    onSample: (sample) => {
      if (!closed) alerting.onSample(sample);
    },
    evaluated: (flags, targetingKey, email) => activity.evaluatedAll(flags, targetingKey, email, clock()),
    notify: (notice) => {
      if (!closed) notifier?.notify(notice);
    },
    idle: async () => {
      await alerting.idle();
      await notifier?.idle();
    },
    close: async () => {
      closed = true;
      await alerting.idle();
      await notifier?.stop();
    },
  };
}

export interface KpisPluginOptions {
  kpis: KpisFeature;
  /** Seconds between writes of the activity counters. */
  flushS: number;
  background: boolean;
  clock: Clock;
  logger: Logger;
}

async function kpisPlugin(fastify: FastifyInstance, opts: KpisPluginOptions): Promise<void> {
  const { activity } = opts.kpis;
  opts.kpis.start();
  // Every answered admin route counts as refused or served (and to whom: served without an
  // identified admin is an authentication bypass incident); console pages viewed count per admin
  // and day. Counted in memory, written in batches.
  const countAdminRequest = async (request: FastifyRequest, reply: FastifyReply, route: string): Promise<void> => {
    const status = reply.statusCode;
    const signInRedirect = status === 302 && String(reply.getHeader('location') ?? '').startsWith('/sign-in?');
    if (status >= 400 && status !== 401 && status !== 403) return;
    const principal = await request.principal();
    const at = opts.clock();
    if (status === 401 || status === 403 || (signInRedirect && principal === undefined)) {
      activity.adminRequest('refused', principal ? describePrincipal(principal) : null, at);
      return;
    }
    activity.adminRequest('served', principal && can(principal, 'admin') ? describePrincipal(principal) : null, at);
    const html = String(reply.getHeader('content-type') ?? '').startsWith('text/html');
    if (request.method === 'GET' && status === 200 && html && principal?.kind === 'session' && route.startsWith('/admin')) {
      activity.pageView(principal.email, at);
    }
  };
  // A plain hook that returns at once for everything else (health checks, evaluations, feedback):
  // only admin routes pay for a promise. The request's path is checked before the route template.
  fastify.addHook('onResponse', (request, reply, done) => {
    if (!isAdminPath(request.url)) return done();
    const route = request.routeOptions.url;
    if (route === undefined || !isAdminPath(route)) return done();
    countAdminRequest(request, reply, route).then(() => done(), done);
  });
  await fastify.register(kpisRoutes, { kpis: opts.kpis.service });

  const flush = { name: 'write admin activity counts', intervalMs: opts.flushS * 1000, run: () => activity.flush() };
  hostJob(fastify, { ...flush, background: opts.background, runAtClose: true, afterClose: () => opts.kpis.close() }, opts.logger);
}

/** Counts admin activity on every route (registered before the admin routes it counts) and serves /api/admin/kpis and /api/admin/alerts. */
export const kpis = fp(kpisPlugin, { name: 'kpis', fastify: '5.x', dependencies: ['auth'] });
