import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createWebhookNotifier, slackPayload, type AlertNotice } from './webhook.js';

const SECRET = 'T000/B000/XXXXsecretXXXX';
const at = new Date('2026-06-01T00:00:00.000Z');
const notice = (patch: Partial<AlertNotice> = {}): AlertNotice => ({
  kind: 'open',
  id: 'a1',
  rule: 'cpu_high',
  instanceId: 'host-1',
  value: 97,
  threshold: 95,
  message: 'CPU at 97 % (above 95 % for 2 samples)',
  firstSeen: at,
  lastSeen: at,
  resolvedAt: null,
  ...patch,
});

function capture() {
  const lines: string[] = [];
  const log = (obj: object, msg: string) => lines.push(`${msg} ${JSON.stringify(obj)}`);
  return { lines, logger: { warn: log, info: log } };
}

/** A receiver answering each request with the next status of `statuses` (200 once they run out). */
async function receiver(statuses: number[]) {
  const hits: number[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const status = statuses[hits.length] ?? 200;
      hits.push(status);
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { hits, url: `http://127.0.0.1:${port}/services/${SECRET}`, close: () => new Promise((r) => server.close(r)) };
}

describe('alert webhook', () => {
  it('formats a Slack-compatible text with the structured alert beside it', () => {
    expect(slackPayload(notice({ kind: 'resolve', message: 'CPU back to 40 %', value: 40, resolvedAt: at }))).toEqual({
      text: ':white_check_mark: [RESOLVED] cpu_high on host-1: CPU back to 40 %',
      status: 'resolved',
      alert: {
        id: 'a1',
        rule: 'cpu_high',
        instance_id: 'host-1',
        state: 'resolved',
        value: 40,
        threshold: 95,
        message: 'CPU back to 40 %',
        first_seen: at.toISOString(),
        last_seen: at.toISOString(),
        resolved_at: at.toISOString(),
      },
    });
  });

  it('retries 5xx answers with backoff, but not other 4xx answers', async () => {
    const server = await receiver([503, 502, 200, 404]);
    const { lines, logger } = capture();
    const webhook = createWebhookNotifier({ url: server.url, cooldownMs: 0, now: () => at, logger, backoffMs: 10 });
    webhook.notify(notice());
    await webhook.idle();
    expect(server.hits).toEqual([503, 502, 200]);
    webhook.notify(notice({ rule: 'memory_high' }));
    await webhook.idle();
    expect(server.hits).toEqual([503, 502, 200, 404]);
    expect(lines.filter((l) => l.startsWith('alert webhook failed'))).toHaveLength(3);
    await server.close();
  });

  it('gives up after its attempts on network errors and never logs the URL', async () => {
    const server = await receiver([]);
    await server.close();
    const { lines, logger } = capture();
    const webhook = createWebhookNotifier({ url: server.url, cooldownMs: 0, now: () => at, logger, backoffMs: 5, attempts: 3 });
    webhook.notify(notice());
    await webhook.idle();
    expect(lines.filter((l) => l.startsWith('alert webhook failed'))).toHaveLength(3);
    expect(lines.join('\n')).not.toContain(SECRET);
    expect(lines.join('\n')).not.toContain('127.0.0.1');
  });

  it('returns at once from notify, and stop() ends a retry wait without sending the rest', async () => {
    const server = await receiver([500, 500, 500]);
    const { logger } = capture();
    const webhook = createWebhookNotifier({ url: server.url, cooldownMs: 0, now: () => at, logger, backoffMs: 60_000 });
    const started = performance.now();
    webhook.notify(notice());
    webhook.notify(notice({ rule: 'disk_high' }));
    expect(performance.now() - started).toBeLessThan(1000); // synchronous: far below one network round trip with retries (60 s backoff)
    await expect.poll(() => server.hits.length).toBe(1);
    await webhook.stop();
    expect(performance.now() - started).toBeLessThan(5000);
    expect(server.hits).toEqual([500]);
    await server.close();
  });

  it('skips an opening within the cooldown of the last one sent, and its resolution with it', async () => {
    const server = await receiver([]);
    let clock = at.getTime();
    const { logger } = capture();
    const webhook = createWebhookNotifier({ url: server.url, cooldownMs: 60_000, now: () => new Date(clock), logger });
    webhook.notify(notice());
    webhook.notify(notice({ kind: 'resolve' }));
    clock += 59_000;
    webhook.notify(notice());
    webhook.notify(notice({ kind: 'resolve' }));
    // Another instance's alert of the same rule has its own cooldown.
    webhook.notify(notice({ instanceId: 'host-2' }));
    await webhook.idle();
    expect(server.hits).toHaveLength(3);
    clock += 1_000;
    webhook.notify(notice());
    webhook.notify(notice({ kind: 'resolve' }));
    await webhook.idle();
    expect(server.hits).toHaveLength(5);
    await server.close();
  });
});
