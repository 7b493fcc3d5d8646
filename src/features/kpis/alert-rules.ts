// Alert rules over collected samples: pure, time taken from the samples. A condition must hold for
// `forSamples` consecutive samples before its alert opens, and be clear as long before it resolves,
// so a value hovering around a threshold does not flap.

export interface AlertSample {
  at: Date;
  cpuPercent: number;
  memoryPercent: number;
  /** Null when the disk could not be read: the disk rule keeps its state. */
  diskPercent: number | null;
  dbP95Ms: number;
  /** Requests and 5xx answers since the previous sample. */
  requestCount: number;
  errorCount: number;
  /** The background probe reached the database: `/healthz` answers 200. */
  dbReachable: boolean;
}

export interface AlertThresholds {
  cpuPct: number;
  memoryPct: number;
  diskPct: number;
  dbP95Ms: number;
  errorRatePct: number;
  uptimePct: number;
  forSamples: number;
  /** Seconds between samples: each failed sample stands for this much downtime. */
  intervalS: number;
}

export type AlertRuleName = 'cpu_high' | 'memory_high' | 'disk_high' | 'db_p95_high' | 'error_rate_high' | 'healthz_failing' | 'uptime_low';

export interface AlertEvent {
  kind: 'open' | 'resolve';
  rule: AlertRuleName;
  value: number;
  threshold: number;
  message: string;
  /** The sample that opened or resolved the alert. */
  at: Date;
  /** When the alert opened (for an opening, `at`). */
  firstSeen: Date;
}

export interface OpenAlert {
  rule: AlertRuleName;
  value: number;
  threshold: number;
  message: string;
  firstSeen: Date;
  lastSeen: Date;
}

interface Rule {
  name: AlertRuleName;
  threshold(t: AlertThresholds): number;
  /** The reading, or null when there is none (the rule's state is left as it is). */
  value(sample: AlertSample, uptimePct: number): number | null;
  breached(value: number, threshold: number): boolean;
  describe(value: number, threshold: number, forSamples: number): string;
}

/** The uptime rule looks back this far. */
export const UPTIME_WINDOW_MS = 86_400_000;

const above = (value: number, threshold: number) => value > threshold;
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const samples = (n: number) => (n === 1 ? '1 sample' : `${n} samples`);

export const ALERT_RULES: readonly Rule[] = [
  {
    name: 'cpu_high',
    threshold: (t) => t.cpuPct,
    value: (s) => s.cpuPercent,
    breached: above,
    describe: (v, t, n) => `CPU at ${round(v)} % (above ${t} % for ${samples(n)})`,
  },
  {
    name: 'memory_high',
    threshold: (t) => t.memoryPct,
    value: (s) => s.memoryPercent,
    breached: above,
    describe: (v, t, n) => `memory at ${round(v)} % (above ${t} % for ${samples(n)})`,
  },
  {
    name: 'disk_high',
    threshold: (t) => t.diskPct,
    value: (s) => s.diskPercent,
    breached: above,
    describe: (v, t, n) => `disk at ${round(v)} % (above ${t} % for ${samples(n)})`,
  },
  {
    name: 'db_p95_high',
    threshold: (t) => t.dbP95Ms,
    value: (s) => s.dbP95Ms,
    breached: above,
    describe: (v, t, n) => `database p95 at ${round(v)} ms (above ${t} ms for ${samples(n)})`,
  },
  {
    name: 'error_rate_high',
    threshold: (t) => t.errorRatePct,
    value: (s) => (s.requestCount > 0 ? (100 * s.errorCount) / s.requestCount : 0),
    breached: above,
    describe: (v, t, n) => `${round(v)} % of requests failed with 5xx (above ${t} % for ${samples(n)})`,
  },
  {
    name: 'healthz_failing',
    threshold: () => 0,
    value: (s) => (s.dbReachable ? 0 : 1),
    breached: above,
    describe: (_v, _t, n) => `/healthz failing: database unreachable for ${samples(n)}`,
  },
  {
    name: 'uptime_low',
    threshold: (t) => t.uptimePct,
    value: (_s, uptime) => uptime,
    breached: (value, threshold) => value < threshold,
    describe: (v, t) => `uptime over the last 24 h at ${round(v, 3)} % (target ${t} %)`,
  },
];

interface RuleState {
  breaches: number;
  clears: number;
  open: OpenAlert | undefined;
}

export interface AlertEvaluator {
  /** Applies one sample; returns the alerts that opened or resolved with it. */
  step(sample: AlertSample): AlertEvent[];
  /** Alerts open now, with their latest reading. */
  open(): OpenAlert[];
  /** Uptime over the last 24 h as this evaluator has seen it, in percent. */
  uptimePct(): number;
  /**
   * Adds slots (times, ms) in which the fleet was down before this instance started, as recorded
   * in the database (crashes, restarts, outages): they count like failed samples.
   */
  seed(downSlots: number[]): void;
}

export function createAlertEvaluator(thresholds: AlertThresholds): AlertEvaluator {
  const states = new Map<AlertRuleName, RuleState>(ALERT_RULES.map((r) => [r.name, { breaches: 0, clears: 0, open: undefined }]));
  // Times of failed samples in the last 24 h, and the fleet's down slots before this instance
  // started (see seed), oldest first.
  const failures: number[] = [];
  let latest = 0;

  const uptimePct = () => {
    while (failures.length > 0 && failures[0]! <= latest - UPTIME_WINDOW_MS) failures.shift();
    return Math.max(0, 100 * (1 - (failures.length * thresholds.intervalS * 1000) / UPTIME_WINDOW_MS));
  };

  return {
    step(sample) {
      latest = sample.at.getTime();
      if (!sample.dbReachable) failures.push(latest);
      const uptime = uptimePct();
      const events: AlertEvent[] = [];
      for (const rule of ALERT_RULES) {
        const state = states.get(rule.name)!;
        const value = rule.value(sample, uptime);
        if (value === null) continue;
        const threshold = rule.threshold(thresholds);
        const message = rule.describe(value, threshold, thresholds.forSamples);
        if (rule.breached(value, threshold)) {
          state.breaches++;
          state.clears = 0;
          if (state.open) {
            Object.assign(state.open, { value, message, lastSeen: sample.at });
          } else if (state.breaches >= thresholds.forSamples) {
            state.open = { rule: rule.name, value, threshold, message, firstSeen: sample.at, lastSeen: sample.at };
            events.push({ kind: 'open', rule: rule.name, value, threshold, message, at: sample.at, firstSeen: sample.at });
          }
        } else {
          state.clears++;
          state.breaches = 0;
          if (state.open && state.clears >= thresholds.forSamples) {
            const { firstSeen } = state.open;
            state.open = undefined;
            events.push({
              kind: 'resolve',
              rule: rule.name,
              value,
              threshold,
              message: resolvedMessage(rule.name, value),
              at: sample.at,
              firstSeen,
            });
          }
        }
      }
      return events;
    },
    open: () => [...states.values()].flatMap((s) => (s.open ? [{ ...s.open }] : [])),
    uptimePct,
    seed(downSlots) {
      failures.push(...downSlots);
      failures.sort((a, b) => a - b);
    },
  };
}

function resolvedMessage(rule: AlertRuleName, value: number): string {
  switch (rule) {
    case 'cpu_high':
      return `CPU back to ${round(value)} %`;
    case 'memory_high':
      return `memory back to ${round(value)} %`;
    case 'disk_high':
      return `disk back to ${round(value)} %`;
    case 'db_p95_high':
      return `database p95 back to ${round(value)} ms`;
    case 'error_rate_high':
      return `5xx rate back to ${round(value)} %`;
    case 'healthz_failing':
      return '/healthz passing: database reachable again';
    case 'uptime_low':
      return `uptime over the last 24 h back to ${round(value, 3)} %`;
  }
}
