// Query shapes: the pg_query fingerprint of a statement (literals, IN lists of any length and
// multi-row VALUES folded) and a normalised text to show, cached by SQL text.
import { createHash } from 'node:crypto';
import { fingerprintSync, loadModule, normalizeSync } from '@libpg-query/parser';
import { useBaselineWasmTier } from '../../core/wasm.js';

export interface QueryShape {
  fingerprint: string;
  /** The statement with every literal replaced by a `$n` placeholder; never holds values. */
  query: string;
}

/** Longest statement text kept for display. */
export const MAX_QUERY_TEXT = 2000;

let loading: Promise<void> | undefined;
let loaded = false;

/** Loads the parser (WebAssembly) once; shapes fall back to a regex normaliser until it is ready. */
export function loadParser(): Promise<void> {
  useBaselineWasmTier();
  loading ??= loadModule().then(() => {
    loaded = true;
  });
  return loading;
}

const STRING = /'(?:[^']|'')*'/g;
const DOLLAR_QUOTED = /\$([A-Za-z_]\w*)?\$[\s\S]*?\$\1\$/g;
const NUMBER = /(?<![\w$.])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?(?![\w.])/gi;
const IN_LIST = /\b(in\s*\(\s*)(\$\d+)(?:\s*,\s*\$\d+)+(\s*\))/gi;
const ROW_LIST = /(\(\s*\$\d+(?:\s*,\s*\$\d+)*\s*\))(?:\s*,\s*\(\s*\$\d+(?:\s*,\s*\$\d+)*\s*\))+/g;
const COMMENT = /--[^\n]*|\/\*[\s\S]*?\*\//g;

/** Regex normalisation for statements the parser refuses: strings, numbers and lists folded. */
export function roughNormalize(sql: string): string {
  return sql.replace(COMMENT, ' ').replace(DOLLAR_QUOTED, '$0').replace(STRING, '$0').replace(NUMBER, '$0').replace(/\s+/g, ' ').trim();
}

/** Folds `IN ($1, $2, $3)` lists and multi-row `VALUES ($1, $2), ($3, $4)` for display. */
export function foldLists(text: string): string {
  return text.replace(ROW_LIST, '$1, …').replace(IN_LIST, '$1$2, …$3');
}

function clip(text: string): string {
  return text.length > MAX_QUERY_TEXT ? `${text.slice(0, MAX_QUERY_TEXT - 1)}…` : text;
}

/** The shape of one statement. Never throws: unparseable SQL gets a hash of its rough normalisation. */
export function shapeOf(sql: string): QueryShape {
  if (loaded) {
    try {
      return { fingerprint: fingerprintSync(sql), query: clip(foldLists(normalizeSync(sql).replace(/\s+/g, ' ').trim())) };
    } catch {
      // Fall through: PostgreSQL syntax newer than the parser, or not SQL at all.
    }
  }
  const rough = foldLists(roughNormalize(sql));
  return { fingerprint: `x${createHash('sha1').update(rough).digest('hex').slice(0, 15)}`, query: clip(rough) };
}

/** `shapeOf` with a bounded cache by SQL text (oldest entries dropped first). */
export function createShapeCache(capacity = 5000): { shapeOf(sql: string): QueryShape; readonly size: number } {
  const cache = new Map<string, QueryShape>();
  return {
    shapeOf(sql) {
      const hit = cache.get(sql);
      if (hit) return hit;
      const shape = shapeOf(sql);
      if (cache.size >= capacity) cache.delete(cache.keys().next().value!);
      cache.set(sql, shape);
      return shape;
    },
    get size() {
      return cache.size;
    },
  };
}
