import Fastify from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createValidatorCompiler } from '../../core/http.js';
import type { FeedbackService } from './feedback.service.js';
import { feedbackPlugin } from './index.js';

const TEN_MINUTES = 10 * 60_000;

async function build(background: boolean) {
  const pruneKeys = vi.fn(async () => undefined);
  const app = Fastify();
  app.setValidatorCompiler(createValidatorCompiler());
  await app.register(feedbackPlugin, {
    feedback: { pruneKeys } as unknown as FeedbackService,
    corsOrigins: [],
    rateLimitPerMin: 10,
    background,
    logger: { warn: () => undefined },
  });
  await app.ready();
  return { app, pruneKeys };
}

describe('feedbackPlugin', () => {
  afterEach(() => vi.useRealTimers());

  it('registers the public and admin routes', async () => {
    const { app } = await build(false);
    for (const [method, url] of [
      ['POST', '/api/feedback'],
      ['GET', '/api/feedback/stats'],
      ['GET', '/api/admin/feedback'],
      ['GET', '/api/admin/feedback.csv'],
      ['DELETE', '/api/admin/feedback/:id'],
      ['GET', '/api/admin/feedback/analytics'],
    ] as const) {
      expect(app.hasRoute({ method, url }), `${method} ${url}`).toBe(true);
    }
    await app.close();
  });

  it('prunes idempotency keys every ten minutes in the background, and stops at close', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { app, pruneKeys } = await build(true);
    await vi.advanceTimersByTimeAsync(TEN_MINUTES - 1);
    expect(pruneKeys).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(pruneKeys).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(TEN_MINUTES);
    expect(pruneKeys).toHaveBeenCalledTimes(2);
    await app.close();
    await vi.advanceTimersByTimeAsync(3 * TEN_MINUTES);
    expect(pruneKeys).toHaveBeenCalledTimes(2);
  });

  it('prunes nothing unless running in the background', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { app, pruneKeys } = await build(false);
    await vi.advanceTimersByTimeAsync(3 * TEN_MINUTES);
    expect(pruneKeys).not.toHaveBeenCalled();
    await app.close();
  });
});
