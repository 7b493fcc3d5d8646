// The in-memory snapshot every evaluation reads: all flags and the per-user overrides, kept in
// step with the database through NOTIFY (every instance, within moments of a commit) and
// reloaded whole after the notification connection comes back.
import { createChangeLog, type ChangeLog, type StoreEvent } from './change-log.js';
import { compileFlag, type CompiledFlag } from './compile.js';
import type { Condition } from './conditions.js';
import { segmentsUsed, type Rule, type SegmentLookup } from './rules.js';
import type { BetaUser } from './evaluate.js';
import type { FlagChange, FlagRow, OverrideRow } from './flags.types.js';

export type { StoreEvent } from './change-log.js';

export interface FlagStoreSource {
  loadAll(): Promise<FlagRow[]>;
  loadOne(name: string): Promise<FlagRow | undefined>;
  loadOverrides(): Promise<OverrideRow[]>;
  /** Every segment's conditions, by name. */
  loadSegments(): Promise<Array<{ name: string; conditions: unknown[] }>>;
  listen(onMessage: (payload: string) => void, onReconnect: () => void): Promise<() => Promise<void>>;
  onError(err: unknown): void;
}

export interface FlagStore {
  start(): Promise<void>;
  stop(): Promise<void>;
  get(name: string): FlagRow | undefined;
  /** Every flag, by name. */
  all(): FlagRow[];
  /** The flag compiled for evaluation (once per version). */
  evaluable(name: string): CompiledFlag | undefined;
  /** Every flag compiled, by name (the same array until the flags change). */
  evaluables(): readonly CompiledFlag[];
  /** The flag compiled, when it is visible to client keys. */
  clientEvaluable(name: string): CompiledFlag | undefined;
  /** The flags visible to client keys, compiled, by name (the same array until the flags change). */
  clientEvaluables(): readonly CompiledFlag[];
  /** The conditions of each segment `flag` names, by name (a segment this instance does not hold is left out). */
  segmentConditions(flag: FlagRow): Record<string, unknown[]>;
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

export function toEvaluable(row: FlagRow, segments?: SegmentLookup): CompiledFlag {
  return compileFlag(
    {
      name: row.name,
      is_enabled: row.is_enabled,
      rollout_percentage: row.rollout_percentage,
      target_users: row.target_users,
      conditions: row.conditions as Condition[],
      value_type: row.value_type,
      variants: row.variants,
      default_variant: row.default_variant,
      stickiness: row.stickiness,
      segments: row.segments,
      rules: row.rules,
    },
    segments,
  );
}

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);

/** Beta users with overrides, found by id (the targeting key) or by email (case-insensitive). */
function indexOverrides(rows: OverrideRow[]) {
  const byId = new Map<string, BetaUser>();
  const byEmail = new Map<string, BetaUser>();
  for (const r of rows) {
    const user: BetaUser = { id: r.id, email: r.email, isActive: r.is_active, flagSet: r.flag_set };
    byId.set(r.id, user);
    byEmail.set(r.email.toLowerCase(), user);
  }
  return { byId, byEmail };
}

/**
 * The flags themselves: every write goes through here, and every effective change is logged. `segments`
 * resolves the segments flags name when they are compiled (a segment change bumps the version of every flag
 * using it, so those flags are compiled again when their change arrives).
 */
function createFlagSnapshot(source: FlagStoreSource, log: ChangeLog, segments: () => SegmentLookup) {
  let flags = new Map<string, FlagRow>();
  let evaluables = new Map<string, CompiledFlag>();
  // Sorted once per change, not per request.
  let sortedRows: FlagRow[] | undefined;
  let sortedEvaluables: CompiledFlag[] | undefined;
  let clientEvaluables: CompiledFlag[] | undefined;
  const changed = () => {
    sortedRows = undefined;
    sortedEvaluables = undefined;
    clientEvaluables = undefined;
  };
  const allEvaluables = () => (sortedEvaluables ??= [...evaluables.values()].sort(byName));

  function remove(name: string, version: number) {
    flags.delete(name);
    evaluables.delete(name);
    changed();
    log.emit('delete', name, version, null);
  }

  return {
    get: (name: string) => flags.get(name),
    sorted: () => (sortedRows ??= [...flags.values()].sort(byName)),
    evaluable: (name: string) => evaluables.get(name),
    evaluables: allEvaluables,
    clientEvaluable: (name: string) => (flags.get(name)?.client_visible === true ? evaluables.get(name) : undefined),
    clientEvaluables: () => (clientEvaluables ??= allEvaluables().filter((f) => flags.get(f.name)?.client_visible === true)),
    /** Swaps in a full load; returns what tells subscribers what changed while we were not listening. */
    replace(rows: FlagRow[]): () => void {
      const previous = flags;
      const next = new Map(rows.map((r) => [r.name, r]));
      flags = next;
      const lookup = segments();
      evaluables = new Map(rows.map((r) => [r.name, toEvaluable(r, lookup)]));
      changed();
      return () => {
        for (const [name, row] of next) {
          if (previous.get(name)?.version !== row.version) log.emit('upsert', name, row.version, row);
        }
        for (const [name, row] of previous) {
          if (!next.has(name)) log.emit('delete', name, row.version + 1, null);
        }
      };
    },
    async apply(change: FlagChange & { name: string }) {
      const current = flags.get(change.name);
      if (change.op === 'delete') {
        if (current) remove(change.name, change.version ?? current.version + 1);
        return;
      }
      if (current && change.version !== undefined && current.version >= change.version) return;
      const row = await source.loadOne(change.name);
      if (!row) {
        if (current) remove(change.name, current.version + 1);
        return;
      }
      if (current && current.version >= row.version) return;
      flags.set(row.name, row);
      evaluables.set(row.name, toEvaluable(row, segments()));
      changed();
      log.emit('upsert', row.name, row.version, row);
    },
  };
}

export function createFlagStore(source: FlagStoreSource): FlagStore {
  const log = createChangeLog();
  let segments: SegmentLookup = new Map();
  const snapshot = createFlagSnapshot(source, log, () => segments);
  let overrides = indexOverrides([]);
  let unlisten: (() => Promise<void>) | undefined;
  // Changes are applied one at a time, in arrival order.
  let queue: Promise<void> = Promise.resolve();

  const loadOverrides = async () => {
    overrides = indexOverrides(await source.loadOverrides());
  };
  const loadSegments = async () => {
    segments = new Map((await source.loadSegments()).map((s) => [s.name, s.conditions as Condition[]]));
  };
  async function reload() {
    // Flags before segments: a segment edit committed between the two reads then reaches the flags through its
    // announced new flag versions. Read the other way round, those flags would be at their new versions
    // already, compiled with the old conditions, and the announcements skipped as nothing new.
    const rows = await source.loadAll();
    await loadSegments();
    const announce = snapshot.replace(rows);
    await loadOverrides();
    announce();
  }
  async function applyNow(change: FlagChange) {
    if (change.op === 'overrides') return loadOverrides();
    if (change.op === 'segments') return loadSegments();
    if (change.name) await snapshot.apply({ ...change, name: change.name });
  }
  function apply(change: FlagChange): Promise<void> {
    queue = queue.then(() => applyNow(change)).catch((err: unknown) => source.onError(err));
    return queue;
  }
  function onMessage(payload: string) {
    let change: FlagChange;
    try {
      change = JSON.parse(payload) as FlagChange;
    } catch {
      return;
    }
    void apply(change);
  }

  return {
    async start() {
      unlisten = await source.listen(onMessage, () => {
        queue = queue.then(reload).catch((err: unknown) => source.onError(err));
      });
      await reload();
    },
    async stop() {
      await unlisten?.();
      await queue;
      log.unsubscribeAll();
    },
    get: (name) => snapshot.get(name),
    all: () => [...snapshot.sorted()],
    evaluable: (name) => snapshot.evaluable(name),
    evaluables: () => snapshot.evaluables(),
    clientEvaluable: (name) => snapshot.clientEvaluable(name),
    clientEvaluables: () => snapshot.clientEvaluables(),
    segmentConditions(flag) {
      const out: Record<string, unknown[]> = {};
      for (const name of segmentsUsed(flag.rules as Rule[], flag.segments)) {
        const conditions = segments.get(name);
        if (conditions !== undefined) out[name] = [...conditions];
      }
      return out;
    },
    overrideFor(targetingKey, email) {
      return (
        (targetingKey !== undefined ? overrides.byId.get(targetingKey) : undefined) ??
        (email !== undefined ? overrides.byEmail.get(email.toLowerCase()) : undefined)
      );
    },
    eventsSince: (since) => log.eventsSince(since),
    lastSeq: () => log.lastSeq(),
    subscribe: (listener) => log.subscribe(listener),
    reload: () => {
      queue = queue.then(reload);
      return queue;
    },
    apply,
  };
}
