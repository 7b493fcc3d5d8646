// Graceful shutdown without losing accepted requests. Node's `server.close()` also drops idle
// keep-alive sockets on which a client's next request may already be travelling, so instead:
// fail /healthz, optionally wait for load balancers, stop the listener only, answer everything
// still arriving on open connections with `Connection: close`, reap idle sockets after a quiet
// spell, and force the rest only when the timeout runs out.
import { Server as NetServer } from 'node:net';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Lifecycle {
  /** True from the first shutdown signal on: /healthz answers 503. */
  shuttingDown(): boolean;
  beginShutdown(): void;
  /** Runs `callback` when shutdown begins (e.g. to end streams that would never finish by themselves). */
  onShutdown(callback: () => void): void;
}

export function createLifecycle(): Lifecycle {
  let down = false;
  const callbacks: Array<() => void> = [];
  return {
    shuttingDown: () => down,
    beginShutdown() {
      if (down) return;
      down = true;
      for (const callback of callbacks) callback();
    },
    onShutdown(callback) {
      callbacks.push(callback);
    },
  };
}

export interface DrainOptions {
  /** Keep serving (with /healthz failing) this long before the listener stops. */
  delayMs: number;
  /** Upper bound for in-flight requests and open connections to finish. */
  timeoutMs: number;
  /** Idle sockets are reaped once no request has been active for this long. */
  quietMs?: number;
  logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

export interface RequestTracker {
  inFlight(): number;
  lastActivity(): number;
  /** From now on every response carries `Connection: close`. */
  closeConnectionsAfterResponse(): void;
}

/** Counts requests on the raw server (aborted ones included) and marks responses during drain. */
export function trackRequests(server: Server): RequestTracker {
  let inFlight = 0;
  let lastActivity = performance.now();
  let closing = false;
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    lastActivity = performance.now();
    if (closing) res.setHeader('connection', 'close');
    res.once('close', () => {
      inFlight--;
      lastActivity = performance.now();
    });
  });
  return {
    inFlight: () => inFlight,
    lastActivity: () => lastActivity,
    closeConnectionsAfterResponse() {
      closing = true;
    },
  };
}

async function waitFor(condition: () => boolean, deadline: number, stepMs = 20): Promise<boolean> {
  while (!condition()) {
    if (performance.now() >= deadline) return false;
    await sleep(stepMs);
  }
  return true;
}

/** Drains `server`; resolves when every connection has closed (or was forced to). */
export async function drainServer(server: Server, tracker: RequestTracker, options: DrainOptions): Promise<void> {
  const { logger } = options;
  const quietMs = options.quietMs ?? 250;
  let phaseStart = performance.now();
  const phase = (name: string, extra: object = {}) => {
    const now = performance.now();
    logger.info({ phase: name, durationMs: Math.round(now - phaseStart), ...extra }, `shutdown: ${name}`);
    phaseStart = now;
  };

  if (options.delayMs > 0) {
    await sleep(options.delayMs);
    phase('drain delay over');
  }

  const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
  // net.Server#close stops accepting but, unlike http.Server#close, leaves idle keep-alive sockets open.
  NetServer.prototype.close.call(server);
  tracker.closeConnectionsAfterResponse();
  phase('listener closed', { inFlight: tracker.inFlight() });

  const deadline = performance.now() + options.timeoutMs;
  const quiet = await waitFor(() => tracker.inFlight() === 0 && performance.now() - tracker.lastActivity() >= quietMs, deadline);
  phase(quiet ? 'in-flight requests finished' : 'in-flight requests timed out', { inFlight: tracker.inFlight() });

  server.closeIdleConnections();
  const timedOut = await Promise.race([closed.then(() => false), sleep(Math.max(0, deadline - performance.now())).then(() => true)]);
  if (timedOut) {
    logger.warn({ inFlight: tracker.inFlight() }, 'shutdown: forcing remaining connections closed');
    server.closeAllConnections();
    await closed;
  }
  phase('connections closed');
}
