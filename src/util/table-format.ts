/** Aligned plain-text tables for terminals. Cells are data: printable() removes control characters. */
import { printable } from './terminal-text.js';

export type Align = 'left' | 'right';

export function formatTable(headers: string[], dataRows: string[][], align: Align[] = []): string {
  const rows = dataRows.map((r) => r.map((c) => printable(c ?? '')));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const last = headers.length - 1;
  // A long free-text last column would otherwise pad every line (and the rule) to its longest value.
  if (align[last] !== 'right') widths[last] = Math.min(widths[last]!, Math.max(headers[last]!.length, 60));
  const cell = (text: string, i: number) => (align[i] === 'right' ? text.padStart(widths[i]!) : text.padEnd(widths[i]!));
  const lines = [headers.map(cell).join('  ').trimEnd(), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of rows) lines.push(headers.map((_, i) => cell(r[i] ?? '', i)).join('  ').trimEnd());
  return lines.join('\n');
}
