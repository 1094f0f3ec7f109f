/**
 * Column-wise staging of one table for one window: rows are converted straight into the vectors of
 * a DuckDBDataChunk (≤ 2048 rows) and the chunk is appended in one call.
 *
 * Why: the row Appender costs one N-API call per value (plus a DuckDBValue object for decimals, dates
 * and timestamps), which made staging the bottleneck of the write path. Numeric, date, timestamp,
 * decimal and boolean vectors are plain typed arrays on the JS side, copied to DuckDB once per chunk,
 * so they cost no native call per value. VARCHAR vectors still cost one native call per value, so
 * `string` columns are dictionary-encoded: the chunk carries an INTEGER id, each distinct string is
 * appended once to a small dictionary table, and a TEMP VIEW decodes the ids back to text. The view
 * is what the warehouse reads (day check and INSERT … SELECT), so it sees the logical table exactly.
 *
 * The dictionary is capped per window (memory stays bounded however many distinct strings a window
 * has); a string it cannot take (dictionary full, or a long free-text value) goes to a `__text`
 * overflow VARCHAR column on that row instead. `json` columns are usually unique per row, so they are
 * staged as VARCHAR directly.
 *
 * Exactness: every value goes through the same validating converters as the row path (row-writer.ts);
 * decimals are scaled to BigInt digit by digit and refused rather than rounded. A bad value, a NULL in
 * a NOT NULL column or an unknown column throws before the chunk is appended, and fails the window.
 */
import {
  DECIMAL,
  DuckDBBigIntType,
  DuckDBBooleanType,
  DuckDBDataChunk,
  DuckDBDateType,
  DuckDBIntegerType,
  DuckDBTimestampType,
  DuckDBVarCharType,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { ColumnDef, Row, TableDef } from '../tables.js';
import { DECIMAL_SCALES } from './ddl.js';
import { cannotStore, converter, unknownColumns, type Convert } from './row-writer.js';
import { quoteIdent } from './sql.js';
import { DECIMAL_WIDTH, ValueError } from './values.js';

/** DuckDB's vector size: a data chunk holds at most this many rows. */
const CHUNK_ROWS = 2048;
/** Distinct strings one table's dictionary takes per window before further new ones overflow to text. */
export const DICTIONARY_MAX_ENTRIES = 50_000;
/** Longer strings are free text (descriptions, names): rarely repeated, so not worth a dictionary slot. */
export const DICTIONARY_MAX_LENGTH = 256;

/** How one logical column is staged. */
type Plan =
  | { kind: 'dict'; def: ColumnDef; id: number; text: number }
  | { kind: 'text'; def: ColumnDef; at: number }
  | { kind: 'value'; def: ColumnDef; at: number; convert: Convert };

function vectorType(def: ColumnDef): DuckDBType {
  switch (def.type) {
    case 'date':
      return DuckDBDateType.instance;
    case 'timestamp':
      return DuckDBTimestampType.instance;
    case 'int':
      return DuckDBBigIntType.instance;
    case 'bool':
      return DuckDBBooleanType.instance;
    case 'cents':
    case 'usd':
      return DECIMAL(DECIMAL_WIDTH, DECIMAL_SCALES[def.type]!);
    case 'string':
    case 'json':
      return DuckDBVarCharType.instance;
  }
}

function sqlTypeOf(type: DuckDBType): string {
  return type.toString();
}

/** Staging layout of a table, built once per table (names of the temp objects vary per window). */
export class ChunkLayout {
  readonly plans: Plan[] = [];
  readonly types: DuckDBType[] = [];
  /** Physical staging column names, in chunk order. */
  readonly names: string[] = [];
  readonly known: Set<string>;

  constructor(readonly table: TableDef) {
    for (const def of table.columns) {
      if (def.type === 'string') {
        const id = this.add(def.name, DuckDBIntegerType.instance);
        const text = this.add(`${def.name}__text`, DuckDBVarCharType.instance);
        this.plans.push({ kind: 'dict', def, id, text });
      } else if (def.type === 'json') {
        this.plans.push({ kind: 'text', def, at: this.add(def.name, DuckDBVarCharType.instance) });
      } else {
        this.plans.push({ kind: 'value', def, at: this.add(def.name, vectorType(def)), convert: converter(def) });
      }
    }
    this.known = new Set(table.columns.map((c) => c.name));
  }

  private add(name: string, type: DuckDBType): number {
    this.names.push(name);
    this.types.push(type);
    return this.names.length - 1;
  }

  /** The raw staging table: no NOT NULL here, the converters enforce it with a clearer message. */
  rawTableSql(name: string): string {
    return `CREATE TEMP TABLE ${quoteIdent(name)} (${this.names.map((n, i) => `${quoteIdent(n)} ${sqlTypeOf(this.types[i]!)}`).join(', ')})`;
  }

  dictTableSql(name: string): string {
    return `CREATE TEMP TABLE ${quoteIdent(name)} (id INTEGER NOT NULL, s VARCHAR NOT NULL)`;
  }

  /**
   * The logical table over the raw staging table. The dictionary is read once per query as a list
   * (ids are dense from 0, so the id is the list position): measured faster here than a hash join
   * per string column, and about as fast as reading plain VARCHAR columns.
   */
  viewSql(view: string, raw: string, dict: string): string {
    const list = `(SELECT list(s ORDER BY id) FROM ${quoteIdent(dict)})`;
    const exprs = this.plans.map((p) => {
      const name = quoteIdent(p.def.name);
      if (p.kind !== 'dict') return `r.${name}`;
      return `coalesce(list_extract(${list}, r.${name} + 1), r.${quoteIdent(this.names[p.text]!)}) AS ${name}`;
    });
    return `CREATE TEMP VIEW ${quoteIdent(view)} AS SELECT ${exprs.join(', ')} FROM ${quoteIdent(raw)} r`;
  }
}

/** One table's staging for one window: the chunk appender and its string dictionary. */
export class ChunkStager {
  private readonly dictionary = new Map<string, number>();
  /** Converters remember their last value (dates, buckets, ingested_at repeat): one set per window. */
  private readonly converters: (Convert | undefined)[];

  constructor(
    private readonly layout: ChunkLayout,
    private readonly appender: DuckDBAppender,
    private readonly dictAppender: DuckDBAppender,
  ) {
    this.converters = layout.plans.map((p) => (p.kind === 'value' ? converter(p.def) : undefined));
  }

  static async create(conn: DuckDBConnection, layout: ChunkLayout, names: { raw: string; dict: string; view: string }): Promise<ChunkStager> {
    await conn.run(layout.rawTableSql(names.raw));
    await conn.run(layout.dictTableSql(names.dict));
    await conn.run(layout.viewSql(names.view, names.raw, names.dict));
    const appender = await conn.createAppender(names.raw);
    try {
      return new ChunkStager(layout, appender, await conn.createAppender(names.dict));
    } catch (err) {
      appender.closeSync();
      throw err;
    }
  }

  append(rows: readonly Row[]): void {
    for (let start = 0; start < rows.length; start += CHUNK_ROWS) {
      const end = Math.min(rows.length, start + CHUNK_ROWS);
      this.checkColumns(rows, start, end);
      const chunk = DuckDBDataChunk.create(this.layout.types, end - start);
      // Every vector is fully written before the chunk is appended: a throw leaves nothing staged.
      for (let p = 0; p < this.layout.plans.length; p++) this.fillColumn(chunk, p, rows, start, end);
      this.appender.appendDataChunk(chunk);
    }
  }

  /** Flushes both appenders; afterwards the view reads the staged rows. */
  close(): void {
    this.appender.closeSync();
    this.dictAppender.closeSync();
  }

  /** Unknown columns: a row has a key the table lacks exactly when it has more keys than it has known ones. */
  private checkColumns(rows: readonly Row[], start: number, end: number): void {
    const { known, table } = this.layout;
    for (let i = start; i < end; i++) {
      const row = rows[i]!;
      let keys = 0;
      let hits = 0;
      for (const key in row) {
        keys++;
        if (known.has(key)) hits++;
      }
      if (hits !== keys) throw unknownColumns(table, known, row);
    }
  }

  private fillColumn(chunk: DuckDBDataChunk, p: number, rows: readonly Row[], start: number, end: number): void {
    const plan = this.layout.plans[p]!;
    const { def } = plan;
    const name = def.name;
    const notNull = def.nullable === false;
    const { table } = this.layout;
    if (plan.kind === 'value') {
      const vector = chunk.getColumnVector(plan.at);
      const convert = this.converters[p]!;
      for (let i = start; i < end; i++) {
        const v = rows[i]![name];
        if (v === null || v === undefined) {
          if (notNull) throw cannotStore(table, def, v, new ValueError('the column is NOT NULL'));
          vector.setItem(i - start, null);
          continue;
        }
        let out: DuckDBValue;
        try {
          out = convert(v);
        } catch (err) {
          throw cannotStore(table, def, v, err);
        }
        vector.setItem(i - start, out);
      }
      vector.flush();
      return;
    }
    if (plan.kind === 'text') {
      const vector = chunk.getColumnVector(plan.at);
      for (let i = start; i < end; i++) {
        const v = rows[i]![name];
        if (v === null || v === undefined) {
          if (notNull) throw cannotStore(table, def, v, new ValueError('the column is NOT NULL'));
          vector.setItem(i - start, null);
        } else vector.setItem(i - start, typeof v === 'string' ? v : String(v));
      }
      vector.flush();
      return;
    }
    const ids = chunk.getColumnVector(plan.id);
    const texts = chunk.getColumnVector(plan.text);
    for (let i = start; i < end; i++) {
      const v = rows[i]![name];
      if (v === null || v === undefined) {
        if (notNull) throw cannotStore(table, def, v, new ValueError('the column is NOT NULL'));
        ids.setItem(i - start, null);
        texts.setItem(i - start, null);
        continue;
      }
      const s = typeof v === 'string' ? v : String(v);
      const id = this.idOf(s);
      if (id === undefined) {
        ids.setItem(i - start, null);
        texts.setItem(i - start, s);
      } else {
        ids.setItem(i - start, id);
        texts.setItem(i - start, null);
      }
    }
    ids.flush();
    texts.flush();
  }

  private idOf(s: string): number | undefined {
    let id = this.dictionary.get(s);
    if (id === undefined && this.dictionary.size < DICTIONARY_MAX_ENTRIES && s.length <= DICTIONARY_MAX_LENGTH) {
      id = this.dictionary.size;
      this.dictionary.set(s, id);
      this.dictAppender.appendInteger(id);
      this.dictAppender.appendVarchar(s);
      this.dictAppender.endRow();
    }
    return id;
  }
}
