/**
 * Plain-text tables for terminal output. Columns are padded to their widest cell; numeric-looking
 * cells are right-aligned so digits line up, everything else is left-aligned.
 */

export type Cell = string | number | null | undefined;

const NUMERIC = /^[-+]?[\d.,]+\s*(ms|%|\/s|s)?$/;

function text(cell: Cell): string {
  if (cell === null || cell === undefined) return '-';
  return String(cell);
}

export function formatTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const cells = rows.map((row) => headers.map((_, i) => text(row[i])));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  const line = (row: readonly string[], alignNumbers: boolean) =>
    row
      .map((cell, i) => (alignNumbers && NUMERIC.test(cell) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(headers, false), rule, ...cells.map((row) => line(row, true))].join('\n');
}

/** A number with a fixed count of decimals, or '-' when there is none. */
export function fixed(value: number | null | undefined, decimals = 1): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(decimals);
}

/** A share (0…1) as a percentage with two decimals, or '-' when there is none. */
export function percent(share: number | null | undefined): string {
  return share === null || share === undefined || !Number.isFinite(share) ? '-' : `${(share * 100).toFixed(2)} %`;
}
