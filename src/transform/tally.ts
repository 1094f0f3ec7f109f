/**
 * What a window noticed while shaping rows, recorded in its ledger row (ingest_windows) so `validate`
 * can report it later without scanning the data: values rounded to fit the warehouse's scale, and
 * numbers the API sent in fields this version does not know (unknown measures).
 */
import type { RoundingTally } from '../util/money.js';
import { DecimalSum } from '../util/money.js';
import { extraJson, numericLeaves } from './extra.js';

export class WindowTally implements RoundingTally {
  /** Billed cents with more fractional digits than the warehouse keeps, rounded half-even. */
  rounded = 0;
  /** day → "table: field.path" → exact total. */
  private readonly unknown = new Map<string, Map<string, DecimalSum>>();

  /** Adds the numeric leaves of a row's extra fields to the day's unknown measures. */
  noteExtra(table: string, day: string, extra: Record<string, unknown> | null): void {
    if (extra === null) return;
    const leaves = numericLeaves(extra);
    if (leaves.length === 0) return;
    let perDay = this.unknown.get(day);
    if (!perDay) this.unknown.set(day, (perDay = new Map()));
    for (const [path, n] of leaves) {
      const key = `${table}: ${path}`;
      perDay.set(key, (perDay.get(key) ?? new DecimalSum()).add(n));
    }
  }

  /** A fact row's `extra` column: its unknown numbers counted for the day, then the JSON. */
  extraColumn(table: string, day: string, extra: Record<string, unknown> | null): string | null {
    this.noteExtra(table, day, extra);
    return extraJson(extra);
  }

  /** `{"YYYY-MM-DD": {"table: field": "total"}}`, or null when nothing unknown was seen. */
  unknownMeasuresJson(): string | null {
    if (this.unknown.size === 0) return null;
    const out: Record<string, Record<string, string>> = {};
    for (const day of [...this.unknown.keys()].sort()) {
      const fields: Record<string, string> = {};
      for (const [key, total] of [...this.unknown.get(day)!.entries()].sort(([a], [b]) => a.localeCompare(b))) fields[key] = total.toString();
      out[day] = fields;
    }
    return JSON.stringify(out);
  }
}
