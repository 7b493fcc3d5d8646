import Fastify from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it, vi } from 'vitest';
import { createValidatorCompiler } from '../../core/http.js';
import type { FlagStore } from './flag-store.js';
import type { FlagsService } from './flags.service.js';
import { flagsPlugin, type FlagsFeature } from './index.js';

/** A feature whose store and counts only record what the plugin does with them. */
function fakeFeature(flush: () => Promise<number> = async () => 0) {
  const calls: string[] = [];
  const store = {
    start: vi.fn(async () => void calls.push('start')),
    stop: vi.fn(async () => void calls.push('stop')),
  } as unknown as FlagStore;
  const flags: FlagsFeature = {
    service: {} as FlagsService,
    store,
    flushCounts: vi.fn(async () => {
      calls.push('flush');
      return flush();
    }),
    overridesChanged: async () => undefined,
  };
  return { flags, calls };
}

async function build(flags: FlagsFeature, background: boolean, countsFlushS = 0.02) {
  const warnings: string[] = [];
  const logs = { write: (line: string) => void warnings.push((JSON.parse(line) as { msg: string }).msg) };
  const app = Fastify({ loggerInstance: pino({ level: 'warn' }, logs) });
  app.setValidatorCompiler(createValidatorCompiler());
  await app.register(flagsPlugin, {
    flags,
    staleDays: 30,
    countsFlushS,
    background,
    registry: new Registry(),
    onShutdown: () => undefined,
    onEvaluated: () => undefined,
    corsOrigins: [],
    clientRateLimitPerMin: 60,
    clock: () => new Date(),
  });
  await app.ready();
  return { app, warnings };
}

describe('flagsPlugin', () => {
  it('loads the snapshot while registering, and at close writes the last counts before the snapshot stops', async () => {
    const { flags, calls } = fakeFeature();
    const { app } = await build(flags, false);
    expect(calls).toEqual(['start']);
    expect(app.hasRoute({ method: 'GET', url: '/api/admin/flags' })).toBe(true);
    expect(app.hasRoute({ method: 'POST', url: '/ofrep/v1/evaluate/flags' })).toBe(true);
    expect(app.hasRoute({ method: 'GET', url: '/api/flags/stream' })).toBe(true);
    await new Promise((r) => setTimeout(r, 80));
    expect(calls).toEqual(['start']);
    await app.close();
    expect(calls).toEqual(['start', 'flush', 'stop']);
  });

  it('writes counts every countsFlushS when running in the background, and not after close', async () => {
    const { flags, calls } = fakeFeature();
    const { app } = await build(flags, true);
    await vi.waitFor(() => expect(calls.filter((c) => c === 'flush').length).toBeGreaterThanOrEqual(2));
    await app.close();
    const after = calls.length;
    expect(calls.slice(-2)).toEqual(['flush', 'stop']);
    await new Promise((r) => setTimeout(r, 80));
    expect(calls.length).toBe(after);
  });

  it('logs a failed last write at close and still stops the snapshot', async () => {
    const { flags, calls } = fakeFeature(() => Promise.reject(new Error('database gone')));
    const { app, warnings } = await build(flags, false);
    await app.close();
    expect(calls).toEqual(['start', 'flush', 'stop']);
    expect(warnings).toEqual(['could not write flag evaluation counts']);
  });
});
