// Feature flags' public surface: the feature (service, snapshot, evaluation counts, the override
// notification) and the plugin serving admin API, OFREP and change stream, keeping the snapshot live.
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Registry } from 'prom-client';
import type { Clock } from '../../core/clock.js';
import { hostJob } from '../../core/jobs.js';
import type { RecordAudit } from '../../db/audit.js';
import type { Database } from '../../db/database.js';
import type { DatabaseSchema } from '../../db/schema.js';
import { createEvaluationCounter } from './evaluation-counter.js';
import { createFlagStore, type FlagStore } from './flag-store.js';
import { addEvaluationCounts, FLAG_CHANNEL, findFlag, listFlags, listOverrides, notifyFlagChange } from './flags.repository.js';
import { flagRoutes } from './flags.routes.js';
import { createFlagsService, type FlagsService } from './flags.service.js';
import { ofrepRoutes } from './ofrep.routes.js';
import { listSegments } from './segments.repository.js';

export { OPERATORS } from './conditions.js';
export type { FlagStore } from './flag-store.js';
export type { FlagsService } from './flags.service.js';

export interface FlagsFeatureDeps {
  db: Kysely<DatabaseSchema>;
  listen: Database['listen'];
  recordAudit: RecordAudit;
  clock: Clock;
  logger: { warn(obj: object, msg: string): void };
}

export interface FlagsFeature {
  service: FlagsService;
  /** The in-memory snapshot evaluations read (tests reload it). */
  store: FlagStore;
  /** Writes the evaluation counts gathered so far; resolves to the number of rows written. */
  flushCounts(): Promise<number>;
  /** Tells every instance that per-user overrides changed; committed with `trx`. */
  overridesChanged(trx: Kysely<DatabaseSchema>): Promise<void>;
}

/** Wires the feature; nothing starts here (the plugin starts the snapshot). */
export function createFlagsFeature(deps: FlagsFeatureDeps): FlagsFeature {
  const { db } = deps;
  const store = createFlagStore({
    loadAll: () => listFlags(db),
    loadOne: (name) => findFlag(db, name),
    loadOverrides: () => listOverrides(db),
    loadSegments: () => listSegments(db),
    listen: (onMessage, onReconnect) => deps.listen(FLAG_CHANNEL, onMessage, onReconnect),
    onError: (err) => deps.logger.warn({ err: { message: (err as Error).message } }, 'flag snapshot update failed'),
  });
  const counter = createEvaluationCounter();
  return {
    service: createFlagsService({ db, store, counter, recordAudit: deps.recordAudit, clock: deps.clock }),
    store,
    flushCounts: () => counter.flush((rows) => addEvaluationCounts(db, rows)),
    overridesChanged: (trx) => notifyFlagChange(trx, { op: 'overrides' }),
  };
}

export interface FlagsPluginOptions {
  flags: FlagsFeature;
  /** Days without evaluations (or fully rolled out) after which a flag is reported stale. */
  staleDays: number;
  /** Seconds between writes of the evaluation counts. */
  countsFlushS: number;
  /** Start the periodic count writes (off in most tests, which flush by hand). */
  background: boolean;
  /** Where `flag_evaluations_total` is registered. */
  registry: Registry;
  /** Registers a callback run when shutdown begins (open change streams are closed then). */
  onShutdown(callback: () => void): void;
  /** Told of a request's successful evaluations and whom they were for. */
  onEvaluated(
    evaluations: ReadonlyArray<{ flag: string; variant: string }>,
    targetingKey: string | undefined,
    email: string | undefined,
  ): void;
  /** Web origins whose pages may call OFREP evaluation (CORS). */
  corsOrigins: readonly string[];
  /** OFREP requests per minute per client key and client address. */
  clientRateLimitPerMin: number;
  clock: Clock;
}

/**
 * /api/admin/flags…, /ofrep/v1/…, /api/flags/stream. Loads the snapshot and listens for changes
 * before the routes exist; at close, writes the last counts and stops listening.
 */
export async function flagsPlugin(fastify: FastifyInstance, opts: FlagsPluginOptions): Promise<void> {
  const { flags } = opts;
  await flags.store.start();
  hostJob(fastify, {
    name: 'write flag evaluation counts',
    intervalMs: opts.countsFlushS * 1000,
    run: () => flags.flushCounts(),
    background: opts.background,
    runAtClose: true,
    afterClose: () => flags.store.stop(),
  });

  await fastify.register(flagRoutes, { flags: flags.service, staleDays: opts.staleDays, clock: opts.clock });
  await fastify.register(ofrepRoutes, {
    flags: flags.service,
    registry: opts.registry,
    onShutdown: (callback) => opts.onShutdown(callback),
    onEvaluated: (evaluations, targetingKey, email) => opts.onEvaluated(evaluations, targetingKey, email),
    corsOrigins: opts.corsOrigins,
    clientRateLimitPerMin: opts.clientRateLimitPerMin,
  });
}
