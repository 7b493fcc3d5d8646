// Tester mail against a real SMTP server on loopback that refuses deliveries on demand: a refused
// delivery is retried with backoff and recorded (attempts, outcome, the SMTP code only), a mail
// that never gets through ends `failed`, and neither the logs (at debug level) nor the outbox ever
// hold a link, a code or the recipient's address.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/core/config.js';
import { createLifecycle } from '../src/core/lifecycle.js';
import { createMetrics } from '../src/core/metrics.js';
import { linkIn, startSmtpInbox, type SmtpInbox } from './helpers/smtp-inbox.js';
import { TEST_SESSION_SECRET } from './helpers/test-app.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';

const EMAIL = 'retry.me@example.com';

describe('tester mail delivery', () => {
  let inbox: SmtpInbox;
  let db: TestDatabase;
  let built: App;
  let admin: { authorization: string };
  const logs: string[] = [];

  beforeAll(async () => {
    inbox = await startSmtpInbox();
    db = await createTestDatabase();
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(chunk.toString('utf8'));
        done();
      },
    });
    built = await buildApp({
      config: loadConfig({ DATA_DIR: db.dataDir, SMTP_URL: inbox.url, ADMIN_EMAILS: 'owner@example.com', LOG_LEVEL: 'debug' }),
      database: db.database,
      metrics: createMetrics({ defaultMetrics: false }),
      lifecycle: createLifecycle(),
      version: '0.0.0-test',
      instanceId: 'mail-test',
      logger: pino({ level: 'debug' }, sink),
      sessionSecret: TEST_SESSION_SECRET,
    });
    await built.app.ready();
    const { token } = await built.tokens.create({ name: 'mail-admin', scope: 'admin', createdBy: 'test' });
    admin = { authorization: `Bearer ${token}` };
  });
  afterAll(async () => {
    await built?.app.close();
    await db?.destroy();
    await inbox?.close();
  });

  const outbox = async () =>
    (await built.app.inject({ url: '/api/admin/mail', headers: admin })).json<{ items: Array<Record<string, unknown>> }>().items;

  it('retries a refused delivery with backoff, records each outcome, and gives up after four attempts', async () => {
    const created = await built.app.inject({ method: 'POST', url: '/api/admin/users', headers: admin, payload: { email: EMAIL } });
    const { id, invite_code: code } = created.json<{ id: string; invite_code: string }>();

    inbox.refuseNext(1);
    const started = Date.now();
    expect((await built.app.inject({ method: 'POST', url: `/api/admin/users/${id}/send-invite`, headers: admin })).statusCode).toBe(202);
    const mail = await inbox.waitFor(EMAIL, { timeoutMs: 30_000 });
    // The first attempt was refused: the second came after the first backoff (1 s).
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(linkIn(mail, '/beta/join?code=')).toContain(code);
    await built.services.testers.idle();
    expect(await outbox()).toEqual([expect.objectContaining({ kind: 'invite', status: 'sent', attempts: 2, to_masked: 'r…@example.com' })]);

    inbox.refuseNext(4);
    await built.app.inject({ method: 'POST', url: '/api/beta/sign-in', payload: { email: EMAIL } });
    await built.services.testers.idle();
    const [failed] = await outbox();
    expect(failed).toMatchObject({ kind: 'sign_in', status: 'failed', attempts: 4, sent_at: null });
    const row = await db.database.db.selectFrom('mail_outbox').selectAll().where('kind', '=', 'sign_in').executeTakeFirstOrThrow();
    expect(row.last_error).toBe('EENVELOPE 451');
    expect(inbox.mails).toHaveLength(1);

    const links = await db.database.db.selectFrom('tester_links').select('token_hash').execute();
    const everything = logs.join('') + JSON.stringify(await db.database.db.selectFrom('mail_outbox').selectAll().execute());
    expect(links).toHaveLength(1);
    expect(everything).toContain('mail not sent');
    for (const secret of [code, EMAIL, EMAIL.split('@')[0]!, 'token=', '/beta/link', '/beta/join']) {
      expect(everything, secret).not.toContain(secret);
    }
  }, 90_000);
});
