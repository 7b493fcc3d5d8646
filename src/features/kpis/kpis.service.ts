// Success metrics on demand, and the alerts recorded so far.
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../../db/schema.js';
import type { Clock } from '../../core/clock.js';
import { computeKpis, windowRange, type KpiReport, type KpiWindow } from './kpi-compute.js';
import {
  actionDays,
  adminRequestHours,
  feedbackBuckets,
  flagFigures,
  fleetHealth,
  latencyFigures,
  listAlerts,
  pageViewDays,
  refusedSignInBuckets,
  sampleBuckets,
  testerFigures,
  type AlertRow,
} from './kpis.repository.js';

export type { AlertRow } from './kpis.repository.js';

type Db = Kysely<DatabaseSchema>;

export interface KpisServiceDeps {
  db: Db;
  /** Seconds between collected samples: gaps longer than this count as missed samples. */
  intervalS: number;
  now: Clock;
  /** Writes this instance's pending counters first, so its own latest activity is included. */
  flushActivity(): Promise<void>;
  onFlushError(err: unknown): void;
}

export interface KpisService {
  report(window: KpiWindow): Promise<KpiReport & { window: KpiWindow; from: string; to: string }>;
  /** Alerts, newest first. */
  alerts(state: 'open' | 'resolved' | 'all', limit: number): Promise<AlertRow[]>;
}

export function createKpisService(deps: KpisServiceDeps): KpisService {
  return {
    async report(window) {
      // Counts that cannot be written now stay pending; the figures are still answered.
      await deps.flushActivity().catch((err: unknown) => deps.onFlushError(err));
      const range = windowRange(window, deps.now());
      const [fleet, samples, latency, adminRequests, refusedSignIns, feedback, testers, flags, pageViews, actions] = [
        await fleetHealth(deps.db, range, deps.intervalS),
        await sampleBuckets(deps.db, range, deps.intervalS),
        await latencyFigures(deps.db, range),
        await adminRequestHours(deps.db, range),
        await refusedSignInBuckets(deps.db, range),
        await feedbackBuckets(deps.db, range),
        await testerFigures(deps.db, range.from, range.to),
        await flagFigures(deps.db, range),
        await pageViewDays(deps.db, range),
        await actionDays(deps.db, range),
      ];
      const report = computeKpis({
        range,
        intervalS: deps.intervalS,
        fleet,
        samples,
        latency,
        adminRequests,
        refusedSignIns,
        feedback,
        testers,
        flags,
        pageViews,
        actions,
      });
      return { window, from: range.from.toISOString(), to: range.to.toISOString(), ...report };
    },
    alerts: (state, limit) => listAlerts(deps.db, state, limit),
  };
}
