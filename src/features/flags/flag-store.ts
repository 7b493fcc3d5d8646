// The in-memory snapshot every evaluation reads: all flags and the per-user overrides, kept in
// step with the database through NOTIFY (every instance, within moments of a commit) and
// reloaded whole after the notification connection comes back.
import type { Condition } from './conditions.js';
import type { BetaUser, Flag } from './evaluate.js';
import type { FlagRow, OverrideRow } from './flags.repository.js';

export interface FlagChange {
  op: 'upsert' | 'delete' | 'overrides';
  name?: string;
  version?: number;
}

export interface StoreEvent {
  /** Position in this instance's change stream (for SSE `Last-Event-ID`). */
  seq: number;
  op: 'upsert' | 'delete';
  name: string;
  version: number;
  flag: FlagRow | null;
}

export interface FlagStoreSource {
  loadAll(): Promise<FlagRow[]>;
  loadOne(name: string): Promise<FlagRow | undefined>;
  loadOverrides(): Promise<OverrideRow[]>;
  listen(onMessage: (payload: string) => void, onReconnect: () => void): Promise<() => Promise<void>>;
  onError(err: unknown): void;
}

export interface FlagStore {
  start(): Promise<void>;
  stop(): Promise<void>;
  get(name: string): FlagRow | undefined;
  all(): FlagRow[];
  evaluable(name: string): Flag | undefined;
  /** The beta user with overrides matching this targeting key (id) or email. */
  overrideFor(targetingKey: string | undefined, email: string | undefined): BetaUser | undefined;
  /** Events after `seq`, or undefined when they are no longer held (then send everything). */
  eventsSince(seq: number): StoreEvent[] | undefined;
  lastSeq(): number;
  subscribe(listener: (event: StoreEvent) => void): () => void;
  /** Reloads everything now (used after reconnects, and by tests). */
  reload(): Promise<void>;
  /** Applies one change notification; resolves when the snapshot reflects it. */
  apply(change: FlagChange): Promise<void>;
}

const HISTORY = 500;

export function toEvaluable(row: FlagRow): Flag {
  return {
    name: row.name,
    is_enabled: row.is_enabled,
    rollout_percentage: row.rollout_percentage,
    target_users: row.target_users,
    conditions: row.conditions as Condition[],
  };
}

export function createFlagStore(source: FlagStoreSource): FlagStore {
  let flags = new Map<string, FlagRow>();
  let evaluables = new Map<string, Flag>();
  let byId = new Map<string, BetaUser>();
  let byEmail = new Map<string, BetaUser>();
  const history: StoreEvent[] = [];
  const listeners = new Set<(event: StoreEvent) => void>();
  let seq = 0;
  let unlisten: (() => Promise<void>) | undefined;
  // Changes are applied one at a time, in arrival order.
  let queue: Promise<void> = Promise.resolve();

  function emit(op: StoreEvent['op'], name: string, version: number, flag: FlagRow | null) {
    const event: StoreEvent = { seq: ++seq, op, name, version, flag };
    history.push(event);
    if (history.length > HISTORY) history.shift();
    for (const listener of listeners) listener(event);
  }

  function setFlag(row: FlagRow) {
    flags.set(row.name, row);
    evaluables.set(row.name, toEvaluable(row));
  }

  async function loadOverrides() {
    const rows = await source.loadOverrides();
    const ids = new Map<string, BetaUser>();
    const emails = new Map<string, BetaUser>();
    for (const r of rows) {
      const user: BetaUser = { id: r.id, email: r.email, isActive: r.is_active, flagSet: r.flag_set };
      ids.set(r.id, user);
      emails.set(r.email.toLowerCase(), user);
    }
    byId = ids;
    byEmail = emails;
  }

  async function reload() {
    const rows = await source.loadAll();
    const previous = flags;
    const next = new Map(rows.map((r) => [r.name, r]));
    flags = next;
    evaluables = new Map(rows.map((r) => [r.name, toEvaluable(r)]));
    await loadOverrides();
    // Tell subscribers what changed while we were not listening.
    for (const [name, row] of next) {
      if (previous.get(name)?.version !== row.version) emit('upsert', name, row.version, row);
    }
    for (const [name, row] of previous) {
      if (!next.has(name)) emit('delete', name, row.version + 1, null);
    }
  }

  async function applyNow(change: FlagChange) {
    if (change.op === 'overrides') return loadOverrides();
    if (!change.name) return;
    if (change.op === 'delete') {
      const existing = flags.get(change.name);
      if (existing) {
        flags.delete(change.name);
        evaluables.delete(change.name);
        emit('delete', change.name, change.version ?? existing.version + 1, null);
      }
      return;
    }
    const current = flags.get(change.name);
    if (current && change.version !== undefined && current.version >= change.version) return;
    const row = await source.loadOne(change.name);
    if (!row) {
      if (current) {
        flags.delete(change.name);
        evaluables.delete(change.name);
        emit('delete', change.name, current.version + 1, null);
      }
      return;
    }
    if (current && current.version >= row.version) return;
    setFlag(row);
    emit('upsert', row.name, row.version, row);
  }

  function apply(change: FlagChange): Promise<void> {
    queue = queue.then(() => applyNow(change)).catch((err: unknown) => source.onError(err));
    return queue;
  }

  return {
    async start() {
      unlisten = await source.listen(
        (payload) => {
          let change: FlagChange;
          try {
            change = JSON.parse(payload) as FlagChange;
          } catch {
            return;
          }
          void apply(change);
        },
        () => {
          queue = queue.then(reload).catch((err: unknown) => source.onError(err));
        },
      );
      await reload();
    },
    async stop() {
      await unlisten?.();
      await queue;
      listeners.clear();
    },
    get: (name) => flags.get(name),
    all: () => [...flags.values()].sort((a, b) => a.name.localeCompare(b.name)),
    evaluable: (name) => evaluables.get(name),
    overrideFor(targetingKey, email) {
      return (
        (targetingKey !== undefined ? byId.get(targetingKey) : undefined) ??
        (email !== undefined ? byEmail.get(email.toLowerCase()) : undefined)
      );
    },
    eventsSince(since) {
      if (since === seq) return [];
      const first = history[0];
      if (since > seq || !first || since < first.seq - 1) return undefined;
      return history.filter((e) => e.seq > since);
    },
    lastSeq: () => seq,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    reload: () => {
      queue = queue.then(reload);
      return queue;
    },
    apply,
  };
}
