// An audit entry as a sentence a person reads ("admin@x raised new-chat-ui from 10 % to 50 %"):
// names rather than ids (each name keeps its id beside it, for a tooltip), one phrasing per action
// the product records and a readable fallback for any other. Pure: no DOM, no clock.

/** What a sentence is made from: an audit entry as the audit API returns it. */
export interface AuditFacts {
  actor: string;
  action: string;
  entity_type: string;
  entity_id: string | null;
  /** The entity by name (a tester's email, a token's name), looked up by the server; null when unknown. */
  entity_name: string | null;
  before: unknown;
  after: unknown;
}

/** Plain text, or a name with the id it stands for. */
export type SentencePart = string | { name: string; id: string };

/** The actions the product records, with what the console calls them (the action filter's choices). */
export const AUDIT_ACTIONS: ReadonlyArray<readonly [action: string, label: string]> = [
  ['flag.create', 'Flag created'],
  ['flag.update', 'Flag changed'],
  ['flag.toggle', 'Flag turned on or off'],
  ['flag.delete', 'Flag deleted'],
  ['flag.target_erased', 'Erased tester removed from a flag'],
  ['flag.import', 'Flag imported'],
  ['segment.create', 'Segment created'],
  ['segment.update', 'Segment changed'],
  ['segment.delete', 'Segment deleted'],
  ['plan.create', 'Rollout plan created'],
  ['plan.advance', 'Rollout plan advanced'],
  ['plan.pause', 'Rollout plan paused'],
  ['plan.resume', 'Rollout plan resumed'],
  ['plan.skip', 'Rollout plan step skipped'],
  ['plan.abort', 'Rollout plan aborted'],
  ['plan.guard_failed', 'Rollout plan guard failed'],
  ['plan.rollback', 'Rollout plan rolled back'],
  ['plan.done', 'Rollout plan finished'],
  ['schedule.create', 'Change scheduled'],
  ['schedule.update', 'Scheduled change edited'],
  ['schedule.cancel', 'Scheduled change cancelled'],
  ['beta_user.create', 'Tester added'],
  ['beta_user.update', 'Tester changed'],
  ['beta_user.delete', 'Tester removed'],
  ['beta_user.import', 'Testers imported'],
  ['beta_user.invite', 'Invite code renewed'],
  ['beta_user.send_invite', 'Invite sent'],
  ['beta_user.redeem', 'Invite redeemed'],
  ['beta_user.verify', 'Email confirmed'],
  ['beta_user.enrol', 'Early access joined or left'],
  ['beta_user.leave', 'Tester left the program'],
  ['waitlist.approve', 'Waitlist entry approved'],
  ['feedback.delete', 'Feedback deleted'],
  ['token.create', 'Token created'],
  ['token.revoke', 'Token revoked'],
  ['auth.sign_in', 'Signed in'],
  ['auth.sign_out', 'Signed out'],
  ['auth.sign_in_refused', 'Sign-in refused'],
  ['auth.sign_in_failed', 'Sign-in failed'],
  ['auth.link_created', 'Sign-in link created'],
  ['session.revoke_all', 'Everyone signed out'],
];

const LABELS = new Map(AUDIT_ACTIONS);

/** `flag.target_erased` → "target erased (flag)" for actions the console does not know. */
const humanize = (action: string): string => {
  const [area, ...rest] = action.split('.');
  return rest.length ? `${rest.join(' ').replaceAll('_', ' ')} (${(area ?? '').replaceAll('_', ' ')})` : action.replaceAll('_', ' ');
};

/** The console's name for an action. */
export const actionLabel = (action: string): string => LABELS.get(action) ?? humanize(action);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const field = (value: unknown, key: string): unknown => (isRecord(value) ? value[key] : undefined);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const pct = (n: number): string => `${n} %`;
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** Who acted, as people read it: an email stays an email; machines get names. */
function actorPart(actor: string): SentencePart {
  if (actor === 'release-plan') return 'rollout plan';
  if (actor === 'cli') return 'the command line';
  if (actor === 'anonymous') return 'someone not signed in';
  if (actor.startsWith('token:')) return { name: `token ${actor.slice('token:'.length)}`, id: actor };
  if (actor.startsWith('tester:')) return { name: 'a former tester', id: actor };
  return { name: actor, id: actor };
}

// Entities whose id is what a sentence shows when the server resolves no name: flags and segments are keyed by name.
const NAMED_BY_ID: ReadonlySet<string> = new Set(['flag', 'release_plan', 'segment']);

/** The entity by name, its id in the tooltip; `fallback` when the server knows no name. */
function entityPart(e: AuditFacts, fallback: string): SentencePart {
  const name = e.entity_name ?? (NAMED_BY_ID.has(e.entity_type) ? e.entity_id : null);
  if (name) return { name, id: e.entity_id ?? name };
  return e.entity_id ? { name: fallback, id: e.entity_id } : fallback;
}

const FIELD_NAMES: Record<string, string> = {
  description: 'description',
  target_users: 'target users',
  conditions: 'conditions',
  permanent: 'permanence',
  early_access: 'early access',
  public_title: 'public title',
  public_description: 'public description',
  stage: 'stage',
  client_visible: 'client visibility',
  variants: 'variants',
  default_variant: 'default variant',
  value_type: 'value type',
  rules: 'rules',
  segments: 'segments',
  notes: 'notes',
  flag_set: 'flag overrides',
  email: 'email',
  invite_code: 'invite code',
};
const QUIET = new Set(['version', 'updated_at', 'full_rollout_since', 'created_at', 'created_by', 'id']);

/** The fields that differ between two records, by their readable names. */
function changedNames(before: unknown, after: unknown, skip: string[]): string[] {
  if (!isRecord(before) || !isRecord(after)) return [];
  return Object.keys(after)
    .filter((k) => !QUIET.has(k) && !skip.includes(k) && JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .map((k) => FIELD_NAMES[k] ?? k.replaceAll('_', ' '));
}

const list = (items: string[]): string =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;

/** flag.update: turned on/off, raised/lowered, then whatever else changed. */
function flagUpdate(flag: SentencePart, before: unknown, after: unknown): SentencePart[] {
  const clauses: Array<(subject: SentencePart) => SentencePart[]> = [];
  const wasOn = field(before, 'is_enabled');
  const isOn = field(after, 'is_enabled');
  if (typeof isOn === 'boolean' && wasOn !== isOn) clauses.push((s) => [`turned ${isOn ? 'on' : 'off'} `, s]);
  const from = num(field(before, 'rollout_percentage'));
  const to = num(field(after, 'rollout_percentage'));
  if (from !== undefined && to !== undefined && from !== to) {
    clauses.push((s) => [`${to > from ? 'raised' : 'lowered'} `, s, ` from ${pct(from)} to ${pct(to)}`]);
  }
  const others = changedNames(before, after, ['is_enabled', 'rollout_percentage']);
  if (others.length) clauses.push((s) => ['changed ', ...(s === flag ? [flag, '’s '] : ['its ']), list(others)]);
  if (clauses.length === 0) return ['saved ', flag, ' without changes'];
  return clauses.flatMap((clause, i) => [
    ...(i === 0 ? [] : [i === clauses.length - 1 ? ' and ' : ', ']),
    ...clause(i === 0 ? flag : 'it'),
  ]);
}

/** beta_user.update: activation, role, then whatever else changed. */
function testerUpdate(tester: SentencePart, before: unknown, after: unknown): SentencePart[] {
  const wasActive = field(before, 'is_active');
  const isActive = field(after, 'is_active');
  const role = field(after, 'role');
  const noun = field(before, 'role') === 'ADMIN' ? 'admin ' : 'tester ';
  const parts: SentencePart[][] = [];
  if (typeof isActive === 'boolean' && wasActive !== isActive) parts.push([isActive ? 'activated ' : 'deactivated ', noun, tester]);
  if (typeof role === 'string' && field(before, 'role') !== role) {
    const becomes = role === 'ADMIN' ? 'an admin' : 'a tester';
    parts.push(parts.length ? [`made them ${becomes}`] : ['made ', tester, ` ${becomes}`]);
  }
  const others = changedNames(before, after, ['is_active', 'role', 'verified_at', 'invited_at', 'last_seen_at', 'redeemed_at']);
  if (others.length) parts.push(parts.length ? [`changed their ${list(others)}`] : ['changed the ', list(others), ' of ', noun, tester]);
  if (parts.length === 0) return ['saved ', noun, tester, ' without changes'];
  return parts.flatMap((p, i) => [...(i === 0 ? [] : [i === parts.length - 1 ? ' and ' : ', ']), ...p]);
}

interface Reading {
  kind?: unknown;
  status?: unknown;
  value?: unknown;
  threshold?: unknown;
  sample?: unknown;
  message?: unknown;
}

/** A failed guard in short: "mean rating 2.1 < 3.5 (24 ratings)". */
function readingText(r: Reading): string {
  const value = num(r.value);
  const threshold = num(r.threshold);
  const sample = num(r.sample);
  if (value !== undefined && threshold !== undefined && sample !== undefined) {
    if (r.kind === 'rating') return `mean rating ${value} < ${threshold} (${plural(sample, 'rating')})`;
    if (r.kind === 'low_ratings') return `${value} % low ratings > ${threshold} % (${plural(sample, 'rating')})`;
    if (r.kind === 'errors') return `${value} errors per 1,000 > ${threshold} (${plural(sample, 'evaluation')})`;
  }
  return text(r.message) ?? 'a guard failed';
}

function failedReadings(after: unknown): string {
  const readings = field(after, 'readings');
  const failed = Array.isArray(readings) ? readings.filter((r): r is Reading => isRecord(r) && r.status === 'failed') : [];
  return failed.length ? failed.map(readingText).join('; ') : 'a guard failed';
}

/** "rollout 50 %, on" for a scheduled change's patch. */
function patchText(change: unknown): string {
  if (!isRecord(change)) return 'a change';
  const bits = Object.entries(change).map(([k, v]) =>
    k === 'rollout_percentage' && typeof v === 'number'
      ? `rollout ${pct(v)}`
      : k === 'is_enabled' && typeof v === 'boolean'
        ? v
          ? 'on'
          : 'off'
        : (FIELD_NAMES[k] ?? k.replaceAll('_', ' ')),
  );
  return bits.length ? bits.join(', ') : 'a change';
}

const when = (iso: unknown): string => {
  const t = typeof iso === 'string' ? new Date(iso) : undefined;
  return t && !Number.isNaN(t.getTime()) ? `${t.toISOString().slice(0, 16).replace('T', ' ')} UTC` : 'later';
};

/** Flags, rollout plans and scheduled changes: what the actor did, after their name. */
function flagPredicate(e: AuditFacts): SentencePart[] | undefined {
  const { before, after } = e;
  const flag = entityPart(e, 'a flag');
  switch (e.action) {
    case 'flag.create':
      return ['created flag ', flag];
    case 'flag.update':
      return flagUpdate(flag, before, after);
    case 'flag.toggle':
      return [`turned ${field(after, 'is_enabled') === false ? 'off' : 'on'} `, flag];
    case 'flag.delete':
      return ['deleted flag ', flag];
    case 'flag.target_erased':
      return ['removed a tester who left the program from the target users of ', flag];
    case 'flag.import':
      return [isRecord(before) ? 'imported a new definition of ' : 'imported flag ', flag];
    case 'segment.create':
    case 'segment.delete':
      return [`${e.action === 'segment.create' ? 'created' : 'deleted'} segment `, entityPart(e, 'a segment')];
    case 'segment.update': {
      const changed = changedNames(before, after, []);
      return ['changed segment ', entityPart(e, 'a segment'), changed.length ? ` (${list(changed)})` : ''];
    }
    case 'plan.create': {
      const steps = field(after, 'steps');
      return ['created a rollout plan for ', flag, Array.isArray(steps) ? ` (${plural(steps.length, 'step')})` : ''];
    }
    case 'plan.pause':
    case 'plan.abort': {
      const verb = e.action === 'plan.pause' ? 'paused' : 'aborted';
      const reason = text(field(after, 'reason'));
      return e.actor === 'release-plan' && reason ? [`${verb} `, flag, `: ${reason}`] : [`${verb} the rollout plan for `, flag];
    }
    case 'plan.resume':
      return ['resumed the rollout plan for ', flag];
    case 'plan.skip':
      return ['skipped the current step of the rollout plan for ', flag];
    case 'plan.guard_failed':
      return [field(after, 'action') === 'rollback' ? 'rolled back ' : 'paused ', flag, `: ${failedReadings(after)}`];
    case 'plan.rollback': {
      const to = num(field(after, 'percentage'));
      return ['rolled ', flag, to === undefined ? ' back' : ` back to ${pct(to)}`];
    }
    case 'plan.advance': {
      const at = num(field(before, 'percentage'));
      return ['moved ', flag, at === undefined ? ' to its next step' : ` past ${pct(at)} to its next step`];
    }
    case 'plan.done':
      return ['finished rolling out ', flag];
    case 'schedule.create':
    case 'schedule.update':
    case 'schedule.cancel': {
      const scheduled = isRecord(after) ? after : before;
      const target: SentencePart = text(field(scheduled, 'flag'))
        ? { name: String(field(scheduled, 'flag')), id: e.entity_id ?? '' }
        : flag;
      const what = `${patchText(field(scheduled, 'change'))} at ${when(field(scheduled, 'run_at'))}`;
      if (e.action === 'schedule.create') return ['scheduled a change to ', target, `: ${what}`];
      if (e.action === 'schedule.cancel') return ['cancelled the scheduled change to ', target, ` (${what})`];
      return ['edited the scheduled change to ', target, `: now ${what}`];
    }
    default:
      return undefined;
  }
}

/** Testers, feedback, tokens and sign-ins: what the actor did, after their name. */
function peoplePredicate(e: AuditFacts): SentencePart[] | undefined {
  const { before, after } = e;
  const tester = entityPart(e, 'a tester');
  const token = entityPart(e, 'a token');
  const scope = text(field(after, 'scope')) ?? text(field(before, 'scope'));
  const testerNoun = (field(after, 'role') ?? field(before, 'role')) === 'ADMIN' ? 'admin ' : 'tester ';
  switch (e.action) {
    case 'beta_user.create':
      return [`added ${testerNoun}`, tester];
    case 'beta_user.update':
      return testerUpdate(tester, before, after);
    case 'beta_user.delete':
      return [`removed ${testerNoun}`, tester];
    case 'beta_user.import': {
      const created = num(field(after, 'created')) ?? 0;
      const dup = num(field(after, 'duplicates')) ?? 0;
      const bad = num(field(after, 'invalid')) ?? 0;
      const notes = [dup ? plural(dup, 'duplicate') : '', bad ? `${bad} invalid` : ''].filter(Boolean);
      return [`imported ${plural(created, 'tester')}${notes.length ? ` (${notes.join(', ')} skipped)` : ''}`];
    }
    case 'beta_user.invite':
      return ['made a new invite code for ', tester];
    case 'beta_user.send_invite':
      return ['sent an invite to ', tester];
    case 'beta_user.redeem':
      return ['joined the program with an invite code'];
    case 'beta_user.verify':
      return ['confirmed their email address'];
    case 'beta_user.enrol': {
      const name = text(field(after, 'flag'));
      const feature: SentencePart = name ? { name, id: name } : 'a feature';
      return [field(after, 'enrolled') === false ? 'left early access to ' : 'joined early access to ', feature];
    }
    case 'beta_user.leave':
      return ['left the program (their data was erased)'];
    case 'waitlist.approve':
      return ['approved ', entityPart(e, 'a waitlist entry'), ' from the waitlist'];
    case 'feedback.delete': {
      const rating = num(field(before, 'rating'));
      const feature = text(field(before, 'feature'));
      const from = text(field(before, 'email'));
      return [
        `deleted ${rating === undefined ? 'a feedback' : `a ${rating}-star feedback`}`,
        feature ? ` on ${feature}` : '',
        ...(from ? [' from ', { name: from, id: e.entity_id ?? from }] : []),
      ];
    }
    case 'token.create':
      return ['created token ', token, scope ? ` (${scope})` : ''];
    case 'token.revoke':
      return ['revoked token ', token, scope ? ` (${scope})` : ''];
    default:
      return undefined;
  }
}

/** Sign-ins and sessions: what the actor did, after their name. */
function accessPredicate(e: AuditFacts): SentencePart[] | undefined {
  const { after } = e;
  switch (e.action) {
    case 'auth.sign_in': {
      const role = text(field(after, 'role'));
      return [`signed in to the console${role ? ` as ${role === 'OWNER' ? 'owner' : 'admin'}` : ''}`];
    }
    case 'auth.sign_out':
      return ['signed out'];
    case 'auth.sign_in_refused': {
      const reason = text(field(after, 'reason'));
      return [`was refused access to the console${reason ? `: ${reason}` : ''}`];
    }
    case 'auth.sign_in_failed': {
      const count = num(field(after, 'count')) ?? 1;
      const client = text(field(after, 'client'));
      const reason = text(field(after, 'reason'));
      return [
        `failed to sign in ${count === 1 ? 'once' : `${count} times`}${client ? ` from ${client}` : ''}${reason ? `: ${reason}` : ''}`,
      ];
    }
    case 'auth.link_created': {
      const email = text(field(after, 'email'));
      return ['created a one-time sign-in link', ...(email ? [' for ', { name: email, id: email }] : [])];
    }
    case 'session.revoke_all': {
      const n = num(field(after, 'revoked'));
      return [`signed everyone out${n === undefined ? '' : ` (${plural(n, 'session')} ended)`}`];
    }
    default:
      return undefined;
  }
}

/** The entry as a sentence: the actor, then what they did; an unknown action reads "did “…” to …". */
export function auditSentence(e: AuditFacts): SentencePart[] {
  const fallback = (): SentencePart[] => [
    `did “${actionLabel(e.action)}”`,
    ...(e.entity_id || e.entity_name ? [' to ', e.entity_type.replaceAll('_', ' '), ' ', entityPart(e, e.entity_id ?? '')] : []),
  ];
  const what = flagPredicate(e) ?? peoplePredicate(e) ?? accessPredicate(e) ?? fallback();
  return [actorPart(e.actor), ' ', ...what].filter((p) => p !== '');
}

/** The sentence as plain text. */
export const sentenceText = (parts: SentencePart[]): string => parts.map((p) => (typeof p === 'string' ? p : p.name)).join('');
