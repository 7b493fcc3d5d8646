// Audit entries as sentences: one phrasing per recorded action, names instead of ids (the ids kept
// beside them), and a readable sentence for actions the console does not know.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AUDIT_ACTIONS,
  actionLabel,
  auditSentence,
  sentenceText,
  type AuditFacts,
} from '../src/features/admin-ui/browser/audit-sentences.js';

const ADMIN = 'admin@x.example';
const entry = (e: Partial<AuditFacts> & Pick<AuditFacts, 'action'>): AuditFacts => ({
  actor: ADMIN,
  entity_type: 'flag',
  entity_id: null,
  entity_name: null,
  before: null,
  after: null,
  ...e,
});
const say = (e: Partial<AuditFacts> & Pick<AuditFacts, 'action'>): string => sentenceText(auditSentence(entry(e)));
const flag = (name: string, fields: Record<string, unknown>) => ({ name, version: 3, updated_at: '2026-12-01T00:00:00Z', ...fields });

describe('audit sentences', () => {
  it('says how a flag changed: raised, lowered, on, off, and what else', () => {
    const f = { entity_id: 'new-chat-ui', entity_name: 'new-chat-ui' };
    expect(
      say({
        ...f,
        actor: 'toledonick98@example.com',
        action: 'flag.update',
        before: flag('new-chat-ui', { rollout_percentage: 10 }),
        after: flag('new-chat-ui', { rollout_percentage: 50 }),
      }),
    ).toBe('toledonick98@example.com raised new-chat-ui from 10 % to 50 %');
    expect(say({ ...f, action: 'flag.update', before: { rollout_percentage: 50 }, after: { rollout_percentage: 20 } })).toBe(
      `${ADMIN} lowered new-chat-ui from 50 % to 20 %`,
    );
    expect(say({ ...f, action: 'flag.toggle', before: { is_enabled: true }, after: { is_enabled: false } })).toBe(
      `${ADMIN} turned off new-chat-ui`,
    );
    expect(say({ ...f, action: 'flag.toggle', before: { is_enabled: false }, after: { is_enabled: true } })).toBe(
      `${ADMIN} turned on new-chat-ui`,
    );
    expect(
      say({
        ...f,
        action: 'flag.update',
        before: { is_enabled: false, rollout_percentage: 0, description: '', target_users: [] },
        after: { is_enabled: true, rollout_percentage: 10, description: 'New UI', target_users: ['a@b.c'] },
      }),
    ).toBe(`${ADMIN} turned on new-chat-ui, raised it from 0 % to 10 % and changed its description and target users`);
    expect(say({ ...f, action: 'flag.import', after: flag('new-chat-ui', {}) })).toBe(`${ADMIN} imported flag new-chat-ui`);
    expect(say({ ...f, action: 'flag.import', before: flag('new-chat-ui', {}), after: flag('new-chat-ui', { version: 4 }) })).toBe(
      `${ADMIN} imported a new definition of new-chat-ui`,
    );
    expect(say({ ...f, action: 'flag.update', before: { description: 'a' }, after: { description: 'b' } })).toBe(
      `${ADMIN} changed new-chat-ui’s description`,
    );
    expect(say({ ...f, action: 'flag.update', before: flag('x', {}), after: flag('x', { version: 4 }) })).toBe(
      `${ADMIN} saved new-chat-ui without changes`,
    );
    expect(say({ ...f, action: 'flag.create' })).toBe(`${ADMIN} created flag new-chat-ui`);
    expect(say({ ...f, action: 'flag.delete' })).toBe(`${ADMIN} deleted flag new-chat-ui`);
    expect(say({ ...f, action: 'flag.target_erased' })).toBe(
      `${ADMIN} removed a tester who left the program from the target users of new-chat-ui`,
    );
  });

  it('names testers by email and keeps their id for the tooltip', () => {
    const t = { entity_type: 'beta_user', entity_id: '6f1c0d9e-0000-4000-8000-000000000001', entity_name: 'bob@example.com' };
    const parts = auditSentence(
      entry({ ...t, action: 'beta_user.update', before: { is_active: true, role: 'TESTER' }, after: { is_active: false, role: 'TESTER' } }),
    );
    expect(sentenceText(parts)).toBe(`${ADMIN} deactivated tester bob@example.com`);
    expect(parts).toContainEqual({ name: 'bob@example.com', id: t.entity_id });
    expect(
      say({ ...t, action: 'beta_user.update', before: { is_active: false, role: 'ADMIN' }, after: { is_active: true, role: 'ADMIN' } }),
    ).toBe(`${ADMIN} activated admin bob@example.com`);
    expect(say({ ...t, action: 'beta_user.update', before: { role: 'TESTER' }, after: { role: 'ADMIN' } })).toBe(
      `${ADMIN} made bob@example.com an admin`,
    );
    expect(
      say({ ...t, action: 'beta_user.update', before: { role: 'TESTER', notes: null }, after: { role: 'TESTER', notes: 'VIP' } }),
    ).toBe(`${ADMIN} changed the notes of tester bob@example.com`);
    expect(say({ ...t, action: 'beta_user.create', after: { role: 'TESTER' } })).toBe(`${ADMIN} added tester bob@example.com`);
    expect(say({ ...t, action: 'beta_user.delete', before: { role: 'ADMIN' } })).toBe(`${ADMIN} removed admin bob@example.com`);
    expect(say({ ...t, action: 'beta_user.invite' })).toBe(`${ADMIN} made a new invite code for bob@example.com`);
    expect(say({ ...t, action: 'beta_user.send_invite' })).toBe(`${ADMIN} sent an invite to bob@example.com`);
    expect(say({ ...t, actor: 'bob@example.com', action: 'beta_user.redeem' })).toBe(
      'bob@example.com joined the program with an invite code',
    );
    expect(say({ ...t, actor: 'bob@example.com', action: 'beta_user.verify' })).toBe('bob@example.com confirmed their email address');
    expect(say({ ...t, actor: 'bob@example.com', action: 'beta_user.enrol', after: { flag: 'voice', enrolled: true } })).toBe(
      'bob@example.com joined early access to voice',
    );
    expect(say({ ...t, actor: 'bob@example.com', action: 'beta_user.enrol', after: { flag: 'voice', enrolled: false } })).toBe(
      'bob@example.com left early access to voice',
    );
    expect(say({ ...t, entity_name: null, actor: `tester:${t.entity_id}`, action: 'beta_user.leave' })).toBe(
      'a former tester left the program (their data was erased)',
    );
    expect(say({ entity_type: 'beta_user', action: 'beta_user.import', after: { created: 12, duplicates: 3, invalid: 1 } })).toBe(
      `${ADMIN} imported 12 testers (3 duplicates, 1 invalid skipped)`,
    );
    expect(say({ entity_type: 'waitlist', entity_id: 'w1', entity_name: 'dan@example.com', action: 'waitlist.approve' })).toBe(
      `${ADMIN} approved dan@example.com from the waitlist`,
    );
  });

  it('falls back to a plain noun, with the id kept, when a tester has no name', () => {
    const parts = auditSentence(entry({ entity_type: 'beta_user', entity_id: 'abc', action: 'beta_user.send_invite' }));
    expect(sentenceText(parts)).toBe(`${ADMIN} sent an invite to a tester`);
    expect(parts).toContainEqual({ name: 'a tester', id: 'abc' });
  });

  it('tells token, feedback and sign-in events', () => {
    const tk = { entity_type: 'api_token', entity_id: 'tok-1', entity_name: 'nous-web' };
    expect(say({ ...tk, action: 'token.create', after: { name: 'nous-web', scope: 'client' } })).toBe(
      `${ADMIN} created token nous-web (client)`,
    );
    expect(say({ ...tk, action: 'token.revoke', before: { name: 'nous-web', scope: 'client' }, after: { revoked: true } })).toBe(
      `${ADMIN} revoked token nous-web (client)`,
    );
    expect(
      say({ entity_type: 'feedback', entity_id: 'f1', action: 'feedback.delete', before: { rating: 2, feature: 'voice', email: 'e@x.y' } }),
    ).toBe(`${ADMIN} deleted a 2-star feedback on voice from e@x.y`);
    expect(say({ entity_type: 'session', action: 'auth.sign_in', after: { role: 'OWNER' } })).toBe(
      `${ADMIN} signed in to the console as owner`,
    );
    expect(say({ entity_type: 'session', action: 'auth.sign_out' })).toBe(`${ADMIN} signed out`);
    expect(say({ entity_type: 'session', action: 'auth.sign_in_refused', after: { reason: 'not an admin' } })).toBe(
      `${ADMIN} was refused access to the console: not an admin`,
    );
    expect(
      say({
        entity_type: 'session',
        actor: 'anonymous',
        action: 'auth.sign_in_failed',
        after: { count: 3, client: '10.0.0.1', reason: 'bad state' },
      }),
    ).toBe('someone not signed in failed to sign in 3 times from 10.0.0.1: bad state');
    expect(say({ entity_type: 'login_link', actor: 'cli', action: 'auth.link_created', after: { email: 'o@x.y' } })).toBe(
      'the command line created a one-time sign-in link for o@x.y',
    );
    expect(say({ entity_type: 'session', action: 'session.revoke_all', after: { revoked: 1 } })).toBe(
      `${ADMIN} signed everyone out (1 session ended)`,
    );
    expect(say({ actor: 'token:deploy-bot', entity_id: 'f', action: 'flag.create' })).toBe('token deploy-bot created flag f');
  });

  it('tells what a rollout plan did and why it stopped', () => {
    const p = { actor: 'release-plan', entity_type: 'release_plan', entity_id: 'new-chat-ui' };
    const failed = {
      kind: 'rating',
      status: 'failed',
      value: 2.1,
      threshold: 3.5,
      sample: 24,
      message: 'mean rating 2.1 over 24 ratings is below 3.5',
    };
    const ok = { kind: 'errors', status: 'ok', value: 0, threshold: 5, sample: 900, message: 'fine' };
    expect(say({ ...p, action: 'plan.guard_failed', after: { action: 'pause', readings: [ok, failed] } })).toBe(
      'rollout plan paused new-chat-ui: mean rating 2.1 < 3.5 (24 ratings)',
    );
    expect(
      say({
        ...p,
        action: 'plan.guard_failed',
        after: { action: 'rollback', readings: [{ kind: 'low_ratings', status: 'failed', value: 40, threshold: 20, sample: 1 }] },
      }),
    ).toBe('rollout plan rolled back new-chat-ui: 40 % low ratings > 20 % (1 rating)');
    expect(say({ ...p, action: 'plan.pause', after: { reason: 'The flag was changed by hand.', step: 1 } })).toBe(
      'rollout plan paused new-chat-ui: The flag was changed by hand.',
    );
    expect(say({ ...p, actor: ADMIN, action: 'plan.pause', after: { status: 'paused' } })).toBe(
      `${ADMIN} paused the rollout plan for new-chat-ui`,
    );
    expect(say({ ...p, actor: ADMIN, action: 'plan.abort' })).toBe(`${ADMIN} aborted the rollout plan for new-chat-ui`);
    expect(say({ ...p, actor: ADMIN, action: 'plan.resume' })).toBe(`${ADMIN} resumed the rollout plan for new-chat-ui`);
    expect(say({ ...p, actor: ADMIN, action: 'plan.skip' })).toBe(`${ADMIN} skipped the current step of the rollout plan for new-chat-ui`);
    expect(say({ ...p, actor: ADMIN, action: 'plan.create', after: { steps: [{}, {}, {}] } })).toBe(
      `${ADMIN} created a rollout plan for new-chat-ui (3 steps)`,
    );
    expect(say({ ...p, action: 'plan.rollback', after: { step: 0, percentage: 5 } })).toBe('rollout plan rolled new-chat-ui back to 5 %');
    expect(say({ ...p, action: 'plan.advance', before: { step: 1, percentage: 25 } })).toBe(
      'rollout plan moved new-chat-ui past 25 % to its next step',
    );
    expect(say({ ...p, action: 'plan.done' })).toBe('rollout plan finished rolling out new-chat-ui');
  });

  it('tells scheduled changes by their flag and time', () => {
    const s = { entity_type: 'scheduled_change', entity_id: 'sch-1', entity_name: 'voice' };
    const after = {
      flag: 'voice',
      run_at: '2026-12-24T08:00:00.000Z',
      change: { rollout_percentage: 50, is_enabled: true },
      status: 'pending',
    };
    expect(say({ ...s, action: 'schedule.create', after })).toBe(
      `${ADMIN} scheduled a change to voice: rollout 50 %, on at 2026-12-24 08:00 UTC`,
    );
    expect(say({ ...s, action: 'schedule.cancel', before: after, after: { ...after, status: 'cancelled' } })).toBe(
      `${ADMIN} cancelled the scheduled change to voice (rollout 50 %, on at 2026-12-24 08:00 UTC)`,
    );
    expect(say({ ...s, action: 'schedule.update', after })).toBe(
      `${ADMIN} edited the scheduled change to voice: now rollout 50 %, on at 2026-12-24 08:00 UTC`,
    );
  });

  it('names segments by their name, kept as the id, also once they are deleted', () => {
    const g = { entity_type: 'segment', entity_id: 'us-users' };
    expect(say({ ...g, action: 'segment.create', after: { name: 'us-users', conditions: [] } })).toBe(`${ADMIN} created segment us-users`);
    expect(
      say({
        ...g,
        action: 'segment.update',
        before: { name: 'us-users', description: '', conditions: [], version: 1 },
        after: { name: 'us-users', description: '', conditions: [{ attribute: 'country' }], version: 2 },
      }),
    ).toBe(`${ADMIN} changed segment us-users (conditions)`);
    const parts = auditSentence(entry({ ...g, action: 'segment.delete' }));
    expect(sentenceText(parts)).toBe(`${ADMIN} deleted segment us-users`);
    expect(parts).toContainEqual({ name: 'us-users', id: 'us-users' });
  });

  it('has a sentence for every listed action and a readable one for any other', () => {
    for (const [action, label] of AUDIT_ACTIONS) {
      expect(label).not.toContain('.');
      expect(actionLabel(action)).toBe(label);
      expect(say({ action, entity_id: 'x', entity_name: 'x' })).not.toContain('did “');
    }
    expect(new Set(AUDIT_ACTIONS.map(([a]) => a)).size).toBe(AUDIT_ACTIONS.length);
    expect(say({ action: 'widget.recolour', entity_type: 'widget_theme', entity_id: 'w-9' })).toBe(
      `${ADMIN} did “recolour (widget)” to widget theme w-9`,
    );
    expect(say({ action: 'test.page', entity_type: 'test' })).toBe(`${ADMIN} did “page (test)”`);
    expect(actionLabel('beta_user.send_invite')).toBe('Invite sent');
  });

  it('covers every action the product records', () => {
    const root = new URL('../src/features/', import.meta.url).pathname;
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.startsWith('admin-ui') && !f.includes('browser'),
    );
    const recorded = new Set<string>();
    const literal = /'((?:auth|session|feedback|beta_user|waitlist|flag|segment|plan|schedule|token)\.[a-z_]+)'/g;
    for (const file of files) {
      const source = readFileSync(join(root, file), 'utf8');
      // Module file names (`waitlist.js`) look alike and are not actions.
      for (const m of source.matchAll(literal)) if (!/\.(js|css)$/.test(m[1]!)) recorded.add(m[1]!);
      // `plan.${action}` for each action a person may take on a plan.
      if (source.includes('`plan.${action}`')) {
        const types = readFileSync(join(root, 'rollouts/rollouts.types.ts'), 'utf8');
        for (const m of /type PlanAction = ([^;]+);/.exec(types)![1]!.matchAll(/'([a-z_]+)'/g)) recorded.add(`plan.${m[1]}`);
      }
    }
    expect(recorded.size).toBeGreaterThan(30);
    const known = new Set(AUDIT_ACTIONS.map(([a]) => a));
    expect([...recorded].filter((a) => !known.has(a))).toEqual([]);
  });
});
