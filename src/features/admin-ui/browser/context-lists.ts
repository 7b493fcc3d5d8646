// Lists the condition editors offer: the attribute names recent evaluation contexts carried (a <datalist>
// every attribute field points at) and the segments a rule may name, each fetched when first needed.
import { api } from './api.js';
import type { ContextAttributes, Segment } from './api-types.js';
import { el } from './dom.js';

/** The id of the page's one <datalist> of attribute names. */
export const ATTRIBUTE_LIST = 'context-attributes';
/** Names recent traffic carries change slowly: fetched again at most this often. */
const ATTRIBUTES_MAX_AGE_MS = 30_000;
let attributesAt = -Infinity;

/**
 * The <datalist> id for attribute fields, filling (or refreshing) the list in the background. Suggestions
 * are a help: when they cannot be fetched the field still takes any name.
 */
export function attributeListId(): string {
  let list = document.getElementById(ATTRIBUTE_LIST);
  if (!(list instanceof HTMLDataListElement)) {
    list = el('datalist', { id: ATTRIBUTE_LIST });
    document.body.append(list);
  }
  const now = Date.now();
  if (now - attributesAt >= ATTRIBUTES_MAX_AGE_MS) {
    attributesAt = now;
    const target = list;
    void api<ContextAttributes>('/api/admin/contexts/attributes')
      .then(({ names }) => target.replaceChildren(...names.map((name) => el('option', { value: name }))))
      .catch(() => {
        attributesAt = -Infinity;
      });
  }
  return ATTRIBUTE_LIST;
}

let segments: Promise<Segment[]> | undefined;

/** The segments, fetched once until {@link forgetSegments}. */
export function segmentList(): Promise<Segment[]> {
  segments ??= api<{ items: Segment[] }>('/api/admin/segments').then(
    (answer) => answer.items,
    (err: unknown) => {
      segments = undefined;
      throw err;
    },
  );
  return segments;
}

/** After a segment changed: the next {@link segmentList} asks again. */
export function forgetSegments(): void {
  segments = undefined;
}
