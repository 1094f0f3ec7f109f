/** Runs a stream's window generator to its end, keeping what it yields (no warehouse). */
import type { WindowBatches, WindowSummary } from '../../src/streams/stream.js';
import type { Row, TableName } from '../../src/warehouse/tables.js';

export interface Collected {
  /** Every row, per table, in the order yielded. */
  rows: Map<TableName, Row[]>;
  /** Each yielded batch's table and size, in order. */
  batches: Array<{ table: TableName; rows: number }>;
  /** The generator's return value ({} when it returned nothing). */
  summary: WindowSummary;
}

export async function collect(batches: WindowBatches): Promise<Collected> {
  const out: Collected = { rows: new Map(), batches: [], summary: {} };
  for (;;) {
    const next = await batches.next();
    if (next.done) {
      out.summary = next.value ?? {};
      return out;
    }
    const { table, rows } = next.value;
    out.batches.push({ table, rows: rows.length });
    let kept = out.rows.get(table);
    if (!kept) out.rows.set(table, (kept = []));
    for (const r of rows) kept.push(r);
  }
}
