// Classifies SQL text by statement type for the per-type query statistics.
import type { QueryType } from '../core/metrics.js';

const LEADING_NOISE = /^(?:\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/|\()+/;
const DATA_MODIFYING = /\b(insert\s+into|update\s+[\w."]+(?:\s+(?:as\s+)?\w+)?\s+set|delete\s+from)\b/i;

export function classifyQuery(sql: string): QueryType {
  const text = sql.replace(LEADING_NOISE, '');
  const keyword = /^[a-z]+/i.exec(text)?.[0].toUpperCase();
  switch (keyword) {
    case 'SELECT':
    case 'VALUES':
    case 'TABLE':
      return 'SELECT';
    case 'INSERT':
    case 'UPDATE':
    case 'DELETE':
      return keyword;
    case 'WITH': {
      const verb = DATA_MODIFYING.exec(text)?.[1]?.split(/\s/)[0]?.toUpperCase();
      return verb === 'INSERT' || verb === 'UPDATE' || verb === 'DELETE' ? verb : 'SELECT';
    }
    default:
      return 'OTHER';
  }
}
