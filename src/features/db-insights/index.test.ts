import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import type { QueryEvent } from '../../db/database.js';
import { dbInsightsPlugin, type DbInsights } from './index.js';

const event: QueryEvent = { type: 'SELECT', sql: 'select 1', parameters: [], durationMs: 1, failed: false, rows: 1 };

describe('dbInsightsPlugin', () => {
  it('records observed queries until the app closes, then stops the insights once observing has ended', async () => {
    const steps: string[] = [];
    let listener: ((e: QueryEvent) => void) | undefined;
    const insights: DbInsights = {
      record: (e) => steps.push(`record ${e.sql}`),
      report: () => Promise.reject(new Error('not asked in this test')),
      idle: () => Promise.resolve(),
      stop: async () => {
        await new Promise((r) => setTimeout(r, 10));
        steps.push(listener ? 'stopped while observing' : 'stopped');
      },
    };
    const app = Fastify();
    await app.register(dbInsightsPlugin, {
      insights,
      observeQueries: (l) => {
        listener = l;
        return () => {
          listener = undefined;
        };
      },
    });
    await app.ready();
    expect(app.hasRoute({ method: 'GET', url: '/api/admin/db/report' })).toBe(true);
    listener?.(event);
    await app.close();
    steps.push('closed');
    expect(steps).toEqual(['record select 1', 'stopped', 'closed']);
    expect(listener).toBeUndefined();
  });
});
