// Alerting on every collected sample: rules evaluated in memory (pure, see alert-rules),
// transitions written to the alerts table and sent to the webhook.
import type { Kysely } from 'kysely';
import { systemClock, type Clock } from '../../core/clock.js';
import type { DatabaseSchema } from '../../db/schema.js';
import { createAlertEvaluator, UPTIME_WINDOW_MS, type AlertEvent, type AlertSample, type AlertThresholds } from './alert-rules.js';
import { fleetDownSlots } from './kpi-compute.js';
import { fleetHealth, insertResolvedAlert, resolveAlert, resolveSilentAlerts, upsertOpenAlert } from './kpis.repository.js';
import type { AlertNotice } from './webhook.js';

type Db = Kysely<DatabaseSchema>;

interface AlertReading {
  rule: string;
  value: number;
  threshold: number;
  message: string;
  firstSeen: Date;
  lastSeen: Date;
}

const rowOf = (instanceId: string, alert: AlertReading) => ({
  rule: alert.rule,
  instance_id: instanceId,
  value: alert.value,
  threshold: alert.threshold,
  message: alert.message,
  first_seen: alert.firstSeen,
  last_seen: alert.lastSeen,
});

const noticeOf = (instanceId: string, event: AlertEvent, id: string | null): AlertNotice => ({
  kind: event.kind,
  id,
  rule: event.rule,
  instanceId,
  value: event.value,
  threshold: event.threshold,
  message: event.message,
  firstSeen: event.firstSeen,
  lastSeen: event.at,
  resolvedAt: event.kind === 'resolve' ? event.at : null,
});

export interface AlertingDeps {
  db: Db;
  instanceId: string;
  thresholds: AlertThresholds;
  logger: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
  /** Receives every opening and resolution once it is recorded (or could not be). */
  notify?(notice: AlertNotice): void;
  now?: Clock;
}

export interface Alerting {
  /** Reads the fleet's recorded downtime for the uptime rule (else done before the first sample). */
  start(): void;
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
    const to = (deps.now ?? systemClock)();
    const range = { from: new Date(to.getTime() - UPTIME_WINDOW_MS), to, stepS: 3600 };
    const intervalS = deps.thresholds.intervalS;
    evaluator.seed(fleetDownSlots(range, intervalS, await fleetHealth(deps.db, range, intervalS)));
  };
  let chain: Promise<void> | undefined;
  /** Reads the recorded downtime once, before the first sample is evaluated. */
  const start = (): Promise<void> =>
    (chain ??= seedUptime().catch((err: unknown) =>
      deps.logger.warn({ err: { message: (err as Error).message } }, 'could not read the recorded uptime; counting from this start'),
    ));

  const row = (alert: AlertReading) => rowOf(deps.instanceId, alert);

  /** Writes an opening or resolution; returns the alert's id. */
  async function record(event: AlertEvent): Promise<string> {
    if (event.kind === 'open') return upsertOpenAlert(deps.db, row({ ...event, lastSeen: event.at }));
    const update = { value: event.value, message: event.message, resolved_at: event.at };
    return (
      (await resolveAlert(deps.db, { rule: event.rule, instance_id: deps.instanceId }, update)) ??
      (await insertResolvedAlert(deps.db, { ...row({ ...event, lastSeen: event.at }), ...update }))
    );
  }

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
      deps.notify?.(noticeOf(deps.instanceId, event, id ?? null));
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
    start() {
      void start();
    },
    onSample(sample) {
      // Evaluated in turn, after the uptime seed (which comes first in the chain).
      chain = start()
        .then(() => write(sample, evaluator.step(sample)))
        .catch((err: unknown) => deps.logger.warn({ err: { message: (err as Error).message } }, 'alert evaluation failed'));
    },
    idle: () => chain ?? Promise.resolve(),
  };
}
