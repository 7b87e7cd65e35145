/**
 * A plain, left-aligned text table as Go's tabwriter draws docker's and Compose's: a column is
 * as wide as its widest cell plus 3, and at least `minWidth` (docker/cli's table formatter uses
 * 10, Compose's PrintPrettySection 20); the last column is not padded, the others are even
 * when the last is empty (tabwriter leaves those trailing spaces, so berth does too).
 */
export function table(head: string[], rows: string[][], minWidth = 10): string {
  const widths = head.map((h, i) => Math.max(minWidth, Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)) + 3));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('') + '\n';
  return line(head) + rows.map(line).join('');
}
