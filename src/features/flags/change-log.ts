// The recent flag changes of this instance, numbered in order: what the server-sent event stream
// replays to a client resuming with Last-Event-ID, and pushes to every open stream.
import type { FlagRow } from './flags.types.js';

export interface StoreEvent {
  /** Position in this instance's change stream (for SSE `Last-Event-ID`). */
  seq: number;
  op: 'upsert' | 'delete';
  name: string;
  version: number;
  flag: FlagRow | null;
}

export interface ChangeLog {
  emit(op: StoreEvent['op'], name: string, version: number, flag: FlagRow | null): void;
  /** Events after `seq`, or undefined when they are no longer held (then send everything). */
  eventsSince(seq: number): StoreEvent[] | undefined;
  lastSeq(): number;
  subscribe(listener: (event: StoreEvent) => void): () => void;
  unsubscribeAll(): void;
}

/** Keeps the last `limit` events. */
export function createChangeLog(limit = 500): ChangeLog {
  const history: StoreEvent[] = [];
  const listeners = new Set<(event: StoreEvent) => void>();
  let seq = 0;
  return {
    emit(op, name, version, flag) {
      const event: StoreEvent = { seq: ++seq, op, name, version, flag };
      history.push(event);
      if (history.length > limit) history.shift();
      for (const listener of listeners) listener(event);
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
    unsubscribeAll: () => listeners.clear(),
  };
}
