// Plain-text tables for terminal output: columns padded to their widest cell, two spaces apart.
// The last column is left unpadded so long free text does not drag trailing blanks along.

/** The header line followed by one line per row; every row has as many cells as the header. */
export function formatTextTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}
