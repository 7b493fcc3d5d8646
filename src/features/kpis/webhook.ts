// Sends alerts to a webhook (Slack-compatible JSON) from a background queue: callers never wait,
// failed deliveries (5xx, network errors, timeouts) are retried with exponential backoff, and a
// cooldown per rule and instance keeps a flapping condition from flooding the channel. The URL is
// a secret (Slack embeds its credential in it), so it never appears in logs.
import type { Clock } from '../../core/clock.js';

export interface AlertNotice {
  kind: 'open' | 'resolve';
  id: string | null;
  rule: string;
  instanceId: string;
  value: number;
  threshold: number;
  message: string;
  firstSeen: Date;
  lastSeen: Date;
  resolvedAt: Date | null;
}

export interface WebhookDeps {
  url: string;
  /** After a webhook opening an alert for a rule and instance, further openings of it are not sent this long. */
  cooldownMs: number;
  now: Clock;
  logger: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
  /** Attempts per notice, the first included. Default 4. */
  attempts?: number;
  /** Wait before the first retry, doubled each time. Default 1000 ms. */
  backoffMs?: number;
  /** Per-attempt timeout. Default 5000 ms. */
  timeoutMs?: number;
  /** Notices waiting beyond this are dropped, oldest first. Default 100. */
  maxQueue?: number;
  fetch?: typeof fetch;
}

export interface WebhookNotifier {
  /** Queues a notice (or drops it under the cooldown); never blocks. */
  notify(notice: AlertNotice): void;
  /** Resolves once the queue is empty (tests, shutdown). */
  idle(): Promise<void>;
  /** Stops after the notice in flight; what is still queued is dropped. */
  stop(): Promise<void>;
}

export function slackPayload(notice: AlertNotice): Record<string, unknown> {
  const firing = notice.kind === 'open';
  const text = `${firing ? ':rotating_light: [ALERT]' : ':white_check_mark: [RESOLVED]'} ${notice.rule} on ${notice.instanceId}: ${notice.message}`;
  return {
    text,
    status: firing ? 'firing' : 'resolved',
    alert: {
      id: notice.id,
      rule: notice.rule,
      instance_id: notice.instanceId,
      state: firing ? 'open' : 'resolved',
      value: notice.value,
      threshold: notice.threshold,
      message: notice.message,
      first_seen: notice.firstSeen.toISOString(),
      last_seen: notice.lastSeen.toISOString(),
      resolved_at: notice.resolvedAt?.toISOString() ?? null,
    },
  };
}

/** Waits `ms`, or less if `signal` aborts first. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

type Outcome = { ok: true } | { ok: false; retryable: boolean; reason: string };

/** One POST: delivered, or why not and whether trying again may help (5xx, 429, network errors, timeouts). */
async function attemptDelivery(post: typeof fetch, url: string, body: string, signal: AbortSignal): Promise<Outcome> {
  try {
    const res = await post(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal, redirect: 'error' });
    await res.body?.cancel().catch(() => undefined);
    if (res.ok) return { ok: true };
    return { ok: false, retryable: res.status >= 500 || res.status === 429, reason: `status ${res.status}` };
  } catch (err) {
    // The error's name, never its message or cause: undici's can carry the URL.
    return { ok: false, retryable: true, reason: err instanceof Error ? err.name : 'error' };
  }
}

/** Per rule and instance: an opening within the cooldown of the last one sent is skipped, and so is its resolution. */
function createCooldown(cooldownMs: number, logger: WebhookDeps['logger']) {
  const sent = new Map<string, { openedAt: number; openSent: boolean }>();
  return {
    allows(notice: AlertNotice, now: number): boolean {
      const key = `${notice.rule}\u0000${notice.instanceId}`;
      const previous = sent.get(key);
      if (notice.kind !== 'open') return previous?.openSent === true;
      if (previous && now - previous.openedAt < cooldownMs) {
        previous.openSent = false;
        logger.info({ rule: notice.rule }, 'alert webhook skipped: cooldown');
        return false;
      }
      sent.set(key, { openedAt: now, openSent: true });
      return true;
    },
  };
}

export function createWebhookNotifier(deps: WebhookDeps): WebhookNotifier {
  const attempts = deps.attempts ?? 4;
  const backoffMs = deps.backoffMs ?? 1000;
  const timeoutMs = deps.timeoutMs ?? 5000;
  const maxQueue = deps.maxQueue ?? 100;
  const post = deps.fetch ?? fetch;
  const queue: AlertNotice[] = [];
  const cooldown = createCooldown(deps.cooldownMs, deps.logger);
  let worker: Promise<void> | undefined;
  let stopped = false;
  const stopping = new AbortController();

  async function deliver(notice: AlertNotice): Promise<void> {
    const body = JSON.stringify(slackPayload(notice));
    for (let attempt = 1; attempt <= attempts && !stopped; attempt++) {
      const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), stopping.signal]);
      const outcome = await attemptDelivery(post, deps.url, body, signal);
      if (outcome.ok) {
        deps.logger.info({ rule: notice.rule, kind: notice.kind, attempt }, 'alert webhook delivered');
        return;
      }
      const last = attempt === attempts || !outcome.retryable;
      deps.logger.warn({ rule: notice.rule, kind: notice.kind, attempt, reason: outcome.reason, willRetry: !last }, 'alert webhook failed');
      if (last) return;
      await sleep(backoffMs * 2 ** (attempt - 1), stopping.signal);
    }
  }

  function run(): Promise<void> {
    worker ??= (async () => {
      while (queue.length > 0 && !stopped) await deliver(queue.shift()!);
    })().finally(() => {
      worker = undefined;
      if (queue.length > 0 && !stopped) void run();
    });
    return worker;
  }

  return {
    notify(notice) {
      if (stopped || !cooldown.allows(notice, deps.now().getTime())) return;
      if (queue.length >= maxQueue) {
        queue.shift();
        deps.logger.warn({ maxQueue }, 'alert webhook queue full: oldest notice dropped');
      }
      queue.push(notice);
      void run();
    },
    async idle() {
      while (worker) await worker;
    },
    async stop() {
      stopped = true;
      stopping.abort();
      queue.length = 0;
      await worker;
    },
  };
}
