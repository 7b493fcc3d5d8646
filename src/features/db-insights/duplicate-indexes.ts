// Duplicate indexes (after PgHero): a key that is a leading prefix of another index on the same
// table, found from the catalog rows alone, with no statistics extension.
export interface IndexInfo {
  schema: string;
  table: string;
  name: string;
  method: string;
  /** Key columns; null for an expression. */
  columns: Array<string | null>;
  expressions: string | null;
  predicate: string | null;
  unique: boolean;
  primary: boolean;
  valid: boolean;
  scans: number;
  sizeBytes: number;
}

export interface DuplicateIndex {
  schema: string;
  table: string;
  index: string;
  columns: Array<string | null>;
  covered_by: string;
  size_bytes: number;
}

const sameKeyPrefix = (short: IndexInfo, long: IndexInfo) =>
  short.columns.length <= long.columns.length && short.columns.every((c, i) => c === long.columns[i]);

/**
 * Indexes whose key columns are a leading prefix of another index on the same table, same
 * method, same predicate and expressions: the longer one serves every lookup the shorter one does.
 * A unique index is only covered by an identical unique index (it enforces a constraint).
 */
export function findDuplicateIndexes(indexes: readonly IndexInfo[]): DuplicateIndex[] {
  const found: DuplicateIndex[] = [];
  for (const a of indexes) {
    if (!a.valid || a.primary) continue;
    const cover = indexes.find(
      (b) =>
        b !== a &&
        b.valid &&
        b.schema === a.schema &&
        b.table === a.table &&
        b.method === a.method &&
        b.predicate === a.predicate &&
        b.expressions === a.expressions &&
        sameKeyPrefix(a, b) &&
        (a.unique ? b.unique && b.columns.length === a.columns.length : true) &&
        // Two identical indexes: report only the one whose name sorts later.
        (b.columns.length > a.columns.length || (b.unique === a.unique ? b.name < a.name : b.unique)),
    );
    if (cover) {
      found.push({ schema: a.schema, table: a.table, index: a.name, columns: a.columns, covered_by: cover.name, size_bytes: a.sizeBytes });
    }
  }
  return found;
}
