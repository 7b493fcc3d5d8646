// ILIKE patterns from user text: `%`, `_` and `\` match themselves.
export const containsPattern = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
