// The testers' loop through HTTP with a real SMTP server on loopback: the owner marks a flag for
// early access and sends an invite, the mail arrives, the tester joins with its link, enrols,
// OFREP answers true for them (on a second instance sharing the database, on PostgreSQL), they rate
// the feature, and the owner sees the rating and the funnel.
import type { LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { createLifecycle } from '../src/core/lifecycle.js';
import { createMetrics } from '../src/core/metrics.js';
import { openDatabase, type Database } from '../src/db/database.js';
import { quietLogger } from './helpers/database-urls.js';
import { linkIn, startSmtpInbox, type SmtpInbox } from './helpers/smtp-inbox.js';
import { createTestApp, TEST_SESSION_SECRET, type TestApp } from './helpers/test-app.js';
import { TEST_DATABASE_KIND, TEST_POOL } from './helpers/test-database.js';

const OWNER = 'owner@example.com';
const TESTER = 'Ada.Tester@example.com';
const FLAG = 'voice-mode';
const PROGRAM = 'Acme <Beta> & Co';

const cookieOf = (res: LightMyRequestResponse, name: string) => {
  const header = res.headers['set-cookie'];
  return (Array.isArray(header) ? header : header ? [header] : []).find((c) => c.startsWith(`${name}=`));
};

describe('the testers loop: invite, mail, join, enrol, OFREP, rate, funnel', () => {
  let t: TestApp;
  let inbox: SmtpInbox;
  let admin: { authorization: string };
  let evaluate: string;
  let second: { app: App; database: Database } | undefined;

  beforeAll(async () => {
    inbox = await startSmtpInbox();
    t = await createTestApp({
      ADMIN_EMAILS: OWNER,
      SMTP_URL: inbox.url,
      MAIL_FROM: 'Beta team <beta@example.com>',
      BETA_PROGRAM_NAME: PROGRAM,
      PUBLIC_URL: 'http://127.0.0.1:5999',
    });
    await t.app.ready();
    admin = { authorization: `Bearer ${await t.token('admin')}` };
    evaluate = await t.token('evaluate');
    if (TEST_DATABASE_KIND === 'postgres') {
      // A second instance on the same database, with its own pool and its own LISTEN connection.
      const database = await openDatabase({
        databaseUrl: t.testDb.databaseUrl,
        dataDir: t.testDb.dataDir,
        pool: TEST_POOL,
        logger: quietLogger,
      });
      const app = await buildApp({
        config: t.config,
        database,
        metrics: createMetrics({ defaultMetrics: false }),
        lifecycle: createLifecycle(),
        version: '0.0.0-test',
        instanceId: 'second-instance',
        logger: pino({ level: 'silent' }),
        sessionSecret: TEST_SESSION_SECRET,
      });
      await app.app.ready();
      second = { app, database };
    }
  });
  afterAll(async () => {
    if (second) {
      await second.app.app.close();
      await second.database.close();
    }
    await t?.close();
    await inbox?.close();
  });

  const ofrep = (app: App, targetingKey: string) =>
    app.app.inject({
      method: 'POST',
      url: `/ofrep/v1/evaluate/flags/${FLAG}`,
      headers: { authorization: `Bearer ${evaluate}` },
      payload: { context: { targetingKey } },
    });

  it('closes the loop for one tester', async () => {
    // The owner marks a flag for early access (off for everyone else).
    const flag = await t.app.inject({
      method: 'POST',
      url: '/api/admin/flags',
      headers: admin,
      payload: {
        name: FLAG,
        is_enabled: true,
        early_access: true,
        public_title: ' Voice mode ',
        public_description: 'Talk to <NOUS>.',
        stage: 'beta',
      },
    });
    expect(flag.statusCode, flag.body).toBe(201);
    expect(flag.json()).toMatchObject({
      early_access: true,
      public_title: 'Voice mode',
      public_description: 'Talk to <NOUS>.',
      stage: 'beta',
    });

    const created = await t.app.inject({ method: 'POST', url: '/api/admin/users', headers: admin, payload: { email: TESTER } });
    expect(created.statusCode, created.body).toBe(201);
    const { id, invite_url: inviteUrl, invite_code: code } = created.json<{ id: string; invite_url: string; invite_code: string }>();
    expect(created.json()).toMatchObject({ status: 'invited', joined_at: null, invited_at: null, last_seen_at: null });

    const sent = await t.app.inject({ method: 'POST', url: `/api/admin/users/${id}/send-invite`, headers: admin });
    expect(sent.statusCode, sent.body).toBe(202);
    expect(sent.json()).toEqual({ queued: true });
    const mail = await inbox.waitFor(TESTER);
    expect(mail.from).toBe('beta@example.com');
    expect(mail.subject).toBe(`You're invited to ${PROGRAM}`);
    // The mailed link is the console's link: sending did not regenerate the code.
    expect(linkIn(mail, '/beta/join?code=')).toBe(inviteUrl);
    expect(mail.html).toContain('Acme &lt;Beta&gt; &amp; Co');
    expect(mail.html).not.toContain('<Beta>');
    await t.services.testers.idle();
    const outbox = await t.app.inject({ url: '/api/admin/mail', headers: admin });
    expect(outbox.json().items).toEqual([
      expect.objectContaining({ kind: 'invite', to_masked: 'A…@example.com', status: 'sent', attempts: 1, sent_at: expect.any(String) }),
    ]);
    const stored = JSON.stringify(await t.testDb.database.db.selectFrom('mail_outbox').selectAll().execute());
    expect(stored).not.toContain(code);
    expect(stored.toLowerCase()).not.toContain(TESTER.toLowerCase());

    const listed = await t.app.inject({ url: '/api/admin/users?joined=false&order=newest', headers: admin });
    expect(listed.json().items.map((u: { id: string }) => u.id)).toEqual([id]);
    expect(listed.json().items[0]).toMatchObject({ status: 'invited', invite_url: inviteUrl, invited_at: expect.any(String) });

    // The tester follows the link and confirms their address (in any case).
    const joined = await t.app.inject({ method: 'POST', url: '/api/beta/join', payload: { code, email: TESTER.toLowerCase() } });
    expect(joined.statusCode, joined.body).toBe(200);
    expect(joined.json()).toEqual({ tester: { id, email: TESTER, status: 'active', joined_at: expect.any(String) } });
    const cookie = cookieOf(joined, 'beta_tester')!;
    expect(cookie).toMatch(/; Path=\/; .*HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    const session = { cookie: cookie.split(';')[0]! };
    const me = await t.app.inject({ url: '/api/beta/me', headers: session });
    expect(me.statusCode, me.body).toBe(200);
    const csrf = me.json<{ csrf_token: string }>().csrf_token;

    const features = await t.app.inject({ url: '/api/beta/features', headers: session });
    expect(features.json()).toEqual({
      features: [
        { name: FLAG, title: 'Voice mode', description: 'Talk to <NOUS>.', stage: 'beta', enrolled: false, on: false, reason: 'not_yet' },
      ],
    });
    expect((await ofrep(t, id)).json().value).toBe(false);
    if (second) expect((await ofrep(second.app, id)).json().value).toBe(false);

    const refused = await t.app.inject({ method: 'PUT', url: `/api/beta/features/${FLAG}`, headers: session, payload: { enrolled: true } });
    expect(refused.statusCode).toBe(403);
    const enrolledAt = Date.now();
    const enrol = await t.app.inject({
      method: 'PUT',
      url: `/api/beta/features/${FLAG}`,
      headers: { ...session, 'x-csrf-token': csrf },
      payload: { enrolled: true },
    });
    expect(enrol.statusCode, enrol.body).toBe(200);
    expect(enrol.json()).toMatchObject({ name: FLAG, enrolled: true, on: true, reason: 'enrolled' });
    expect((await ofrep(t, id)).json()).toMatchObject({ value: true, reason: 'TARGETING_MATCH' });
    if (second) {
      let value: unknown = false;
      while (value !== true && Date.now() - enrolledAt < 1000) {
        value = (await ofrep(second.app, id)).json().value;
        if (value !== true) await new Promise((r) => setTimeout(r, 20));
      }
      expect(value, 'the second instance answers true within 1 s').toBe(true);
    }
    const audit = await t.app.inject({ url: `/api/admin/audit?entity_type=beta_user&entity_id=${id}&limit=50`, headers: admin });
    expect(audit.json().items).toContainEqual(
      expect.objectContaining({ actor: TESTER, action: 'beta_user.enrol', after: { flag: FLAG, enrolled: true } }),
    );

    const rated = await t.app.inject({
      method: 'POST',
      url: '/api/beta/feedback',
      headers: { ...session, 'x-csrf-token': csrf },
      payload: { feature: FLAG, rating: 4, comment: 'Works  well ' },
    });
    expect(rated.statusCode, rated.body).toBe(201);
    expect(rated.json()).toEqual({
      id: expect.any(String),
      feature: FLAG,
      rating: 4,
      comment: 'Works  well',
      created_at: expect.any(String),
    });
    const mine = await t.app.inject({ url: '/api/beta/feedback', headers: session });
    expect(mine.json()).toEqual({ items: [rated.json()] });

    // The owner sees the rating with the tester, and the funnel moved.
    const owned = await t.app.inject({ url: `/api/admin/users/${id}`, headers: admin });
    expect(owned.json().feedback).toEqual([expect.objectContaining({ id: rated.json().id, rating: 4, feature: FLAG, user_id: id })]);
    expect(owned.json()).toMatchObject({ status: 'active', flag_set: { [FLAG]: true } });
    const funnel = await t.app.inject({ url: '/api/admin/users/funnel', headers: admin });
    expect(funnel.json()).toEqual({ invited: 1, joined: 1, enrolled: 1, gave_feedback_30d: 1 });
  });
});
