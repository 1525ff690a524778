/** Plain-text tables for the terminal (the `logs` and `alerts` commands). */

/**
 * Lays rows out as a terminal table: a header line, then one line per row, columns padded to their
 * widest cell and two spaces apart; the last column is not padded (it holds free text).
 */
export function terminalTable(head: readonly string[], body: readonly (readonly string[])[]): string {
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(w[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...body.map(line)].join('\n');
}
