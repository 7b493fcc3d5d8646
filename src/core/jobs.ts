// Periodic background work: each job runs on its interval (with jitter, so a fleet does not fire
// in step), never overlaps itself, logs its failures without stopping, and is stopped at shutdown
// after its current run finishes.
import type { FastifyInstance } from 'fastify';

export interface JobLogger {
  warn(obj: object, msg: string): void;
}

export interface JobOptions {
  /** Names the job in logs ("could not <name>"). */
  name: string;
  intervalMs: number;
  /** Each wait is lengthened by up to this share of the interval (0 to 1). Default 0. */
  jitter?: number;
  /** Runs once right after start, before the first wait (`start()` resolves once that run is done). Default false. */
  runAtStart?: boolean;
  run: () => Promise<unknown>;
}

export interface Job {
  readonly name: string;
  /** Starts the timer; resolves once the run at start (if any) is done. */
  start(): Promise<void>;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
  /** Runs now unless a run is in progress (then waits for it); failures are logged, not thrown. */
  runNow(): Promise<void>;
}

export function createJob(options: JobOptions, logger: JobLogger, random: () => number = Math.random): Job {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = true;
  const jitter = Math.min(Math.max(options.jitter ?? 0, 0), 1);

  const runNow = (): Promise<void> => {
    running ??= (async () => {
      try {
        await options.run();
      } catch (err) {
        logger.warn({ job: options.name, err: { message: (err as Error).message } }, `could not ${options.name}`);
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(
      () => {
        void runNow().then(schedule);
      },
      options.intervalMs * (1 + jitter * random()),
    );
    timer.unref();
  };
  return {
    name: options.name,
    async start() {
      if (!stopped) return;
      stopped = false;
      if (!options.runAtStart) return schedule();
      const first = runNow();
      void first.then(schedule);
      await first;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
    runNow,
  };
}

export interface HostedJobOptions extends JobOptions {
  /** Start it when the server is ready (off in most tests). */
  background: boolean;
  /** Run it once more at shutdown, after its last scheduled run (e.g. to write what was counted). */
  runAtClose?: boolean;
  /** Runs at shutdown once the job is done (e.g. closing what the job fed). */
  afterClose?: () => Promise<unknown>;
}

/**
 * A job tied to a server's life: started on `onReady` when in the background (a run at start is done
 * before the server listens, so it is never mistaken for request traffic), stopped in `onClose`.
 */
export function hostJob(fastify: FastifyInstance, options: HostedJobOptions, logger: JobLogger = fastify.log): Job {
  const job = createJob(options, logger);
  if (options.background) fastify.addHook('onReady', async () => job.start());
  fastify.addHook('onClose', async () => {
    await job.stop();
    if (options.runAtClose) await job.runNow();
    await options.afterClose?.();
  });
  return job;
}
