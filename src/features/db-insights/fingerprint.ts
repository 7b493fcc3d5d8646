// Query shapes: the pg_query fingerprint of a statement (literals, IN lists of any length and
// multi-row VALUES folded) and a normalised text to show, cached by SQL text. The parser (a
// WebAssembly module and its protobuf bindings, ~30 MB resident) is loaded only when first needed;
// until then shapes come from a rough regex normalisation.
import { createHash } from 'node:crypto';
import type * as PgParser from '@libpg-query/parser';
import { useBaselineWasmTier } from '../../core/wasm.js';

export interface QueryShape {
  fingerprint: string;
  /** The statement with every literal replaced by a `$n` placeholder; never holds values. */
  query: string;
}

/** Longest statement text kept for display. */
export const MAX_QUERY_TEXT = 2000;

let loading: Promise<void> | undefined;
let parser: typeof PgParser | undefined;

/**
 * Loads the parser (WebAssembly) once; shapes fall back to a regex normaliser until it is ready. A
 * failed load is forgotten, so the next call tries again.
 */
export function loadParser(): Promise<void> {
  useBaselineWasmTier();
  loading ??= (async () => {
    try {
      const module = await import('@libpg-query/parser');
      await module.loadModule();
      parser = module;
    } catch (err) {
      loading = undefined;
      throw err;
    }
  })();
  return loading;
}

/** Whether the parser is loaded: shapes are pg_query fingerprints from then on. */
export function parserLoaded(): boolean {
  return parser !== undefined;
}

/** The parse tree of `text`; throws when the text does not parse or the parser is not loaded yet. */
export function parseSql(text: string): unknown {
  if (!parser) throw new Error('the query parser is not loaded');
  return parser.parseSync(text);
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
  if (parser) {
    try {
      return { fingerprint: parser.fingerprintSync(sql), query: clip(foldLists(parser.normalizeSync(sql).replace(/\s+/g, ' ').trim())) };
    } catch {
      // Fall through: PostgreSQL syntax newer than the parser, or not SQL at all.
    }
  }
  const rough = foldLists(roughNormalize(sql));
  return { fingerprint: `x${createHash('sha1').update(rough).digest('hex').slice(0, 15)}`, query: clip(rough) };
}

/** `shapeOf` with a bounded cache by SQL text (oldest entries dropped first). */
export function createShapeCache(capacity = 5000): { shapeOf(sql: string): QueryShape; clear(): void; readonly size: number } {
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
    clear() {
      cache.clear();
    },
    get size() {
      return cache.size;
    },
  };
}
