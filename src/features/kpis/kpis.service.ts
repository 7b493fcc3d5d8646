// Success metrics on demand, and alerting on every collected sample: rules evaluated in memory
// (pure, see alert-rules), transitions written to the alerts table and sent to the webhook.
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../../db/schema.js';
import { createAlertEvaluator, UPTIME_WINDOW_MS, type AlertEvent, type AlertSample, type AlertThresholds } from './alert-rules.js';
import { computeKpis, fleetDownSlots, windowRange, type KpiReport, type KpiWindow } from './kpi-compute.js';
import {
  actionDays,
  adminRequestHours,
  feedbackBuckets,
  flagFigures,
  fleetHealth,
  insertResolvedAlert,
  latencyFigures,
  pageViewDays,
  refusedSignInBuckets,
  resolveAlert,
  resolveSilentAlerts,
  sampleBuckets,
  testerFigures,
  upsertOpenAlert,
} from './kpis.repository.js';
import type { AlertNotice } from './webhook.js';

type Db = Kysely<DatabaseSchema>;

export interface KpisServiceDeps {
  db: Db;
  /** Seconds between collected samples: gaps longer than this count as missed samples. */
  intervalS: number;
  now: () => Date;
  /** Writes this instance's pending counters first, so its own latest activity is included. */
  flushActivity(): Promise<void>;
  onFlushError(err: unknown): void;
}

export interface KpisService {
  report(window: KpiWindow): Promise<KpiReport & { window: KpiWindow; from: string; to: string }>;
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
  };
}

export interface AlertingDeps {
  db: Db;
  instanceId: string;
  thresholds: AlertThresholds;
  logger: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
  /** Receives every opening and resolution once it is recorded (or could not be). */
  notify?(notice: AlertNotice): void;
  now?: () => Date;
}

export interface Alerting {
  /** Evaluates one sample in the background; never throws, never blocks the caller. */
  onSample(sample: AlertSample): void;
  /** Resolves when every sample handed over so far is evaluated and written (tests, shutdown). */
  idle(): Promise<void>;
}

/** Open alerts of an instance not seen for this many sample intervals are resolved by whichever instance notices. */
const SILENT_INTERVALS = 10;

export function createAlerting(deps: AlertingDeps): Alerting {
  const evaluator = createAlertEvaluator(deps.thresholds);
  /** Openings and resolutions not written yet (the database may be down), oldest first: retried at every sample. */
  const unwritten: AlertEvent[] = [];
  // The uptime rule starts from the fleet's recorded downtime of the last 24 h (up to now: a crash
  // before this start included), not from a clean slate.
  const seedUptime = async () => {
    const to = (deps.now ?? (() => new Date()))();
    const range = { from: new Date(to.getTime() - UPTIME_WINDOW_MS), to, stepS: 3600 };
    const intervalS = deps.thresholds.intervalS;
    evaluator.seed(fleetDownSlots(range, intervalS, await fleetHealth(deps.db, range, intervalS)));
  };
  let chain: Promise<void> = seedUptime().catch((err: unknown) =>
    deps.logger.warn({ err: { message: (err as Error).message } }, 'could not read the recorded uptime; counting from this start'),
  );

  const row = (alert: { rule: string; value: number; threshold: number; message: string; firstSeen: Date; lastSeen: Date }) => ({
    rule: alert.rule,
    instance_id: deps.instanceId,
    value: alert.value,
    threshold: alert.threshold,
    message: alert.message,
    first_seen: alert.firstSeen,
    last_seen: alert.lastSeen,
  });

  /** Writes an opening or resolution; returns the alert's id. */
  async function record(event: AlertEvent): Promise<string> {
    if (event.kind === 'open') return upsertOpenAlert(deps.db, row({ ...event, lastSeen: event.at }));
    const update = { value: event.value, message: event.message, resolved_at: event.at };
    return (
      (await resolveAlert(deps.db, { rule: event.rule, instance_id: deps.instanceId }, update)) ??
      (await insertResolvedAlert(deps.db, { ...row({ ...event, lastSeen: event.at }), ...update }))
    );
  }

  const noticeOf = (event: AlertEvent, id: string | null): AlertNotice => ({
    kind: event.kind,
    id,
    rule: event.rule,
    instanceId: deps.instanceId,
    value: event.value,
    threshold: event.threshold,
    message: event.message,
    firstSeen: event.firstSeen,
    lastSeen: event.at,
    resolvedAt: event.kind === 'resolve' ? event.at : null,
  });

  async function writeOldest(): Promise<string | undefined> {
    const event = unwritten[0]!;
    try {
      const id = await record(event);
      unwritten.shift();
      return id;
    } catch (err) {
      deps.logger.warn(
        { err: { message: (err as Error).message }, rule: event.rule },
        'could not record alert; retrying at the next sample',
      );
      return undefined;
    }
  }

  async function write(sample: AlertSample, events: AlertEvent[]): Promise<void> {
    // Transitions from earlier samples still to be written (already announced), in order.
    while (unwritten.length > 0) {
      if ((await writeOldest()) === undefined) break;
    }
    for (const event of events) {
      const context = { rule: event.rule, instanceId: deps.instanceId, value: event.value, threshold: event.threshold };
      if (event.kind === 'open') deps.logger.warn(context, `alert: ${event.message}`);
      else deps.logger.info(context, `alert resolved: ${event.message}`);
      // Announced whether or not it can be written now: an unreachable database is itself an alert.
      const backlog = unwritten.length > 0;
      unwritten.push(event);
      const id = backlog ? undefined : await writeOldest();
      deps.notify?.(noticeOf(event, id ?? null));
    }
    if (unwritten.length > 0) return;
    // The latest reading of every open alert, and alerts of instances that went silent.
    for (const alert of evaluator.open()) await upsertOpenAlert(deps.db, row(alert));
    const silentSince = new Date(sample.at.getTime() - SILENT_INTERVALS * deps.thresholds.intervalS * 1000);
    for (const a of await resolveSilentAlerts(deps.db, { except: deps.instanceId, before: silentSince, now: sample.at })) {
      deps.logger.info({ rule: a.rule, instanceId: a.instance_id }, 'alert resolved: instance stopped reporting');
    }
  }

  return {
    onSample(sample) {
      // Evaluated in turn, after the uptime seed (which comes first in the chain).
      chain = chain
        .then(() => write(sample, evaluator.step(sample)))
        .catch((err: unknown) => deps.logger.warn({ err: { message: (err as Error).message } }, 'alert evaluation failed'));
    },
    idle: () => chain,
  };
}
