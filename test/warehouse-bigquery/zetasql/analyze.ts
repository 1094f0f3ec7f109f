/**
 * Analyses BigQuery statements with ZetaSQL the way BigQuery's front end would: GoogleSQL in the
 * external product mode (BigQuery's types only: no INT32, UINT64, FLOAT, PROTO or ENUM) with every
 * released language feature, a catalog built from TABLES (and the views, typed by analysing their
 * own SQL), and each statement's parameters typed exactly as the job sent them. A multi-statement
 * script (the window replacement) is analysed statement by statement.
 *
 * The partition check walks the resolved AST: every scan of a fact or totals table must sit under a
 * filter (WHERE, JOIN ON, or a DELETE's WHERE) one of whose AND-ed terms compares that scan's own
 * activity_date column (=, <, <=, >, >=, BETWEEN, IN). A filter on another column, on another scan's
 * activity_date, or inside an OR does not count, as it would not prune that table's partitions. An
 * INSERT's target table is written, not scanned, and needs none.
 */
import { FACT_TABLES, TABLES, type ColumnType } from '../../../src/warehouse/tables.js';
import { PARTITION_COLUMN } from '../../../src/warehouse/bigquery/bigquery-sql.js';
import type { BqParam } from './collect.js';
import type { AstNode, ZetaSql, ZType } from './zetasql.js';

const TYPE_KIND: Record<ColumnType, string> = {
  date: 'TYPE_DATE',
  timestamp: 'TYPE_TIMESTAMP',
  string: 'TYPE_STRING',
  int: 'TYPE_INT64',
  bool: 'TYPE_BOOL',
  cents: 'TYPE_BIGNUMERIC',
  usd: 'TYPE_BIGNUMERIC',
  // The warehouse keeps JSON as text in STRING columns (bigquery-sql.ts), so the catalog does too.
  json: 'TYPE_STRING',
};

/** BigQuery REST parameter type names → ZetaSQL type kinds. */
const PARAM_KIND: Record<string, string> = {
  STRING: 'TYPE_STRING',
  INT64: 'TYPE_INT64',
  BOOL: 'TYPE_BOOL',
  DATE: 'TYPE_DATE',
  TIMESTAMP: 'TYPE_TIMESTAMP',
  NUMERIC: 'TYPE_NUMERIC',
  BIGNUMERIC: 'TYPE_BIGNUMERIC',
  FLOAT64: 'TYPE_DOUBLE',
  JSON: 'TYPE_JSON',
  BYTES: 'TYPE_BYTES',
};

/** Legacy names the REST API also uses for column types. */
const BQ_ALIASES: Record<string, string> = { INTEGER: 'INT64', BOOLEAN: 'BOOL', FLOAT: 'FLOAT64' };

function paramType(p: BqParam['parameterType']): ZType {
  if (p.type === 'ARRAY') return { typeKind: 'TYPE_ARRAY', arrayType: { elementType: paramType(p.arrayType!) } };
  const kind = PARAM_KIND[p.type];
  if (!kind) throw new Error(`no ZetaSQL type for BigQuery parameter type ${p.type}`);
  return { typeKind: kind };
}

interface CatalogTable {
  name: string;
  column: { name: string; type: ZType }[];
}

export interface Finding {
  /** 'analysis' (ZetaSQL rejected it) or 'partition' (a fact scan without an activity_date filter). */
  kind: 'analysis' | 'partition';
  message: string;
}

export class BigQueryAnalyzer {
  private catalogId: string | null = null;
  private tables: CatalogTable[] = [];

  private constructor(
    private readonly z: ZetaSql,
    private readonly language: Record<string, unknown>,
    private readonly prefix: string,
  ) {}

  /** `prefix` is the project.dataset. every table name is qualified with. */
  static async create(z: ZetaSql, prefix: string): Promise<BigQueryAnalyzer> {
    const max = await z.call<Record<string, unknown>>('getLanguageOptions', { maximumFeatures: true });
    // Every statement kind (an empty list means all): queries, DML, scripts' BEGIN/COMMIT, DDL.
    const language = { ...max, productMode: 'PRODUCT_EXTERNAL', supportedStatementKinds: [] };
    const a = new BigQueryAnalyzer(z, language, prefix);
    a.tables = Object.values(TABLES).map((def) => ({
      name: `${prefix}${def.name}`,
      column: def.columns.map((c) => ({ name: c.name, type: { typeKind: TYPE_KIND[c.type] } })),
    }));
    a.tables.push({
      name: `${prefix}INFORMATION_SCHEMA.COLUMNS`,
      column: [
        { name: 'table_name', type: { typeKind: 'TYPE_STRING' } },
        { name: 'column_name', type: { typeKind: 'TYPE_STRING' } },
        { name: 'ordinal_position', type: { typeKind: 'TYPE_INT64' } },
        { name: 'data_type', type: { typeKind: 'TYPE_STRING' } },
        { name: 'is_nullable', type: { typeKind: 'TYPE_STRING' } },
      ],
    });
    // BigQuery's dataset-scoped view catalog (validate reads the FOCUS view's SQL as stored).
    a.tables.push({
      name: `${prefix}INFORMATION_SCHEMA.VIEWS`,
      column: [
        { name: 'table_name', type: { typeKind: 'TYPE_STRING' } },
        { name: 'view_definition', type: { typeKind: 'TYPE_STRING' } },
      ],
    });
    return a;
  }

  private catalog(): Record<string, unknown> {
    return { name: 'bigquery', table: this.tables, builtinFunctionOptions: { languageOptions: this.language } };
  }

  /** Adds a table the warehouse creates at run time (staging), from the BigQuery schema it sent. */
  addTable(name: string, fields: { name: string; type: string }[]): void {
    const kind = (t: string) => PARAM_KIND[BQ_ALIASES[t] ?? t] ?? (() => { throw new Error(`no ZetaSQL type for BigQuery column type ${t}`); })();
    this.tables.push({ name: `${this.prefix}${name}`, column: fields.map((f) => ({ name: f.name, type: { typeKind: kind(f.type) } })) });
    this.catalogId = null;
  }

  /** Adds a view to the catalog, typed by its analysed SELECT; the catalog is registered afresh. */
  async addView(name: string, selectSql: string): Promise<Finding[]> {
    const res = await this.analyzeOne(selectSql, undefined, []);
    if ('error' in res) return [{ kind: 'analysis', message: `view ${name}: ${res.error}` }];
    const stmt = res.ast.resolvedQueryStmtNode as { outputColumnList: { name: string; column: { type: ZType } }[] };
    this.tables.push({ name: `${this.prefix}${name}`, column: stmt.outputColumnList.map((c) => ({ name: c.name, type: c.column.type })) });
    this.catalogId = null;
    return [];
  }

  private async catalogRef(): Promise<Record<string, unknown>> {
    if (this.catalogId === null) {
      const reg = await this.z.call<{ registeredId: string }>('registerCatalog', { simpleCatalog: this.catalog() });
      this.catalogId = reg.registeredId;
    }
    return { registeredCatalogId: this.catalogId };
  }

  private options(mode: 'NAMED' | 'POSITIONAL' | undefined, params: BqParam[]): Record<string, unknown> {
    const o: Record<string, unknown> = { languageOptions: this.language, errorMessageMode: 'ERROR_MESSAGE_ONE_LINE' };
    if (mode === 'POSITIONAL') {
      o.parameterMode = 'PARAMETER_POSITIONAL';
      o.positionalQueryParameters = params.map((p) => paramType(p.parameterType));
    } else {
      o.parameterMode = 'PARAMETER_NAMED';
      o.queryParameters = params.map((p) => ({ name: p.name, type: paramType(p.parameterType) }));
    }
    return o;
  }

  private async analyzeOne(sql: string, mode: 'NAMED' | 'POSITIONAL' | undefined, params: BqParam[]): Promise<{ ast: AstNode } | { error: string }> {
    try {
      const r = await this.z.call<{ resolvedStatement: AstNode }>('analyze', { ...(await this.catalogRef()), sqlStatement: sql, options: this.options(mode, params) });
      return { ast: r.resolvedStatement };
    } catch (err) {
      return { error: (err as Error).message };
    }
  }

  /**
   * Analyses one job's SQL (a script: each statement in turn) and checks its partition filters.
   * Returns what is wrong, empty when BigQuery's grammar and the partition rule both accept it.
   */
  async check(sql: string, mode: 'NAMED' | 'POSITIONAL' | undefined, params: BqParam[]): Promise<Finding[]> {
    const findings: Finding[] = [];
    const options = this.options(mode, params);
    const bytes = Buffer.from(sql, 'utf8');
    let position = 0;
    while (bytes.subarray(position).toString('utf8').trim() !== '') {
      let r: { resolvedStatement: AstNode; resumeBytePosition: number };
      try {
        r = await this.z.call('analyze', { ...(await this.catalogRef()), parseResumeLocation: { input: sql, bytePosition: position }, options });
      } catch (err) {
        findings.push({ kind: 'analysis', message: (err as Error).message });
        break;
      }
      findings.push(...partitionFindings(r.resolvedStatement, this.prefix));
      if (r.resumeBytePosition <= position) break;
      position = r.resumeBytePosition;
    }
    return findings;
  }
}

// ---------------------------------------------------------------------------------------------
// The resolved-AST walk

const PARTITIONED = new Set<string>(FACT_TABLES.map((t) => t.name));
const COMPARISONS = new Set(['$equal', '$less', '$less_or_equal', '$greater', '$greater_or_equal', '$between', '$in', '$in_array']);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null;

/** Every object in the tree, depth first. */
function* walk(node: unknown): Generator<Obj> {
  if (Array.isArray(node)) for (const n of node) yield* walk(n);
  else if (isObj(node)) {
    yield node;
    for (const v of Object.values(node)) yield* walk(v);
  }
}

interface TableScan {
  node: Obj;
  table: string;
  columns: { columnId: string; name: string }[];
}

function asTableScan(o: Obj): TableScan | null {
  const table = o.table as { name?: string } | undefined;
  if (!isObj(table) || typeof table.name !== 'string' || !Array.isArray(o.columnIndexList)) return null;
  const columns = ((o.parent as Obj | undefined)?.columnList ?? []) as { columnId: string; name: string }[];
  return { node: o, table: table.name, columns };
}

/** The function name and arguments of a function call expression, or null for anything else. */
function call(expr: unknown): { name: string; args: unknown[] } | null {
  const base = isObj(expr) ? (expr.resolvedFunctionCallBaseNode as Obj | undefined) : undefined;
  const fn = base && isObj(base.resolvedFunctionCallNode) ? (base.resolvedFunctionCallNode.parent as Obj) : undefined;
  if (!fn) return null;
  const name = String((fn.function as { name?: string } | undefined)?.name ?? '').replace(/^ZetaSQL:/, '');
  return { name, args: (fn.argumentList as unknown[]) ?? [] };
}

function columnRefId(expr: unknown): string | null {
  const ref = isObj(expr) ? (expr.resolvedColumnRefNode as { column?: { columnId?: string } } | undefined) : undefined;
  return ref?.column?.columnId ?? null;
}

function conjuncts(expr: unknown): unknown[] {
  const c = call(expr);
  return c?.name === '$and' ? c.args.flatMap(conjuncts) : [expr];
}

/** Filters and the subtree they apply to: WHERE over its input, JOIN ON over both sides, a DML WHERE over its target. */
function filters(root: unknown): { expr: unknown; scope: unknown }[] {
  const out: { expr: unknown; scope: unknown }[] = [];
  for (const o of walk(root)) {
    if ('filterExpr' in o && 'inputScan' in o) out.push({ expr: o.filterExpr, scope: o.inputScan });
    if ('joinExpr' in o) out.push({ expr: o.joinExpr, scope: o });
    if ('whereExpr' in o && 'tableScan' in o) out.push({ expr: o.whereExpr, scope: o.tableScan });
  }
  return out;
}

function contains(scope: unknown, target: Obj): boolean {
  for (const o of walk(scope)) if (o === target) return true;
  return false;
}

/** How many fact/totals scans each table had, over every statement checked (proves the walk saw them). */
export const scansChecked = new Map<string, number>();

/** Each fact or totals table scan that no filter prunes by its own activity_date. */
export function partitionFindings(ast: AstNode, prefix: string): Finding[] {
  const findings: Finding[] = [];
  const all = filters(ast);
  // An INSERT's target is written, not scanned: BigQuery asks no partition filter of it.
  const insertTargets = new Set<unknown>();
  for (const o of walk(ast)) if ('insertColumnList' in o && isObj(o.tableScan)) insertTargets.add(o.tableScan);
  for (const o of walk(ast)) {
    const scan = asTableScan(o);
    if (!scan || insertTargets.has(o) || !scan.table.startsWith(prefix) || !PARTITIONED.has(scan.table.slice(prefix.length))) continue;
    scansChecked.set(scan.table.slice(prefix.length), (scansChecked.get(scan.table.slice(prefix.length)) ?? 0) + 1);
    const dateId = scan.columns.find((c) => c.name === PARTITION_COLUMN)?.columnId;
    const pruned =
      dateId !== undefined &&
      all.some(
        (f) =>
          contains(f.scope, scan.node) &&
          conjuncts(f.expr).some((term) => {
            const c = call(term);
            return c !== null && COMPARISONS.has(c.name) && c.args.some((a) => columnRefId(a) === dateId);
          }),
      );
    if (!pruned) findings.push({ kind: 'partition', message: `scan of ${scan.table.slice(prefix.length)} has no filter on its ${PARTITION_COLUMN}` });
  }
  return findings;
}
