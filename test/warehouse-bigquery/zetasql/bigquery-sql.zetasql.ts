/**
 * `npm run test:bigquery-sql`: every statement the BigQuery warehouse sends, analysed by ZetaSQL
 * (GoogleSQL's own front end) with BigQuery's types and the statement's typed parameters, and every
 * fact/totals scan checked for an activity_date filter on the resolved AST. The statements come
 * from running the real code paths against the recording stand-in (collect.ts), so a new query is
 * checked the day it is written. Negative cases prove the check rejects what BigQuery would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bigQueryDialect } from '../../../src/warehouse/bigquery/bigquery-sql.js';
import { FACT_TABLES, TABLES } from '../../../src/warehouse/tables.js';
import { VIEWS } from '../../../src/warehouse/views/index.js';
import { DATASET, PROJECT, useStandIn } from '../harness.js';
import { BigQueryAnalyzer, scansChecked, type Finding } from './analyze.js';
import { collectStatements, type BqParam, type Statement } from './collect.js';
import { ZetaSql } from './zetasql.js';

const PREFIX = `${PROJECT}.${DATASET}.`;
// Loopback only: the stand-in, the Admin API emulator collect.ts starts, and the ZetaSQL server.
let emulatorPort = 0;
const h = useStandIn(() => [emulatorPort, z?.port ?? 0]);

let z: ZetaSql | undefined;
let analyzer: BigQueryAnalyzer;
let statements: Statement[] = [];

beforeAll(async () => {
  z = await ZetaSql.start();
  analyzer = await BigQueryAnalyzer.create(z, PREFIX);
  const collected = await collectStatements(h, (port) => (emulatorPort = port));
  statements = collected.statements;
  for (const t of collected.stagingTables) analyzer.addTable(t.name, t.fields);
  // Views before the statements: their SQL types the catalog entry later statements read.
  const d = bigQueryDialect(PROJECT, DATASET);
  for (const v of VIEWS) expect(await analyzer.addView(v.name, v.sql(d))).toEqual([]);
}, 300_000);

afterAll(async () => {
  await z?.stop();
});

/** Distinct statements: the same SQL with the same parameter types is analysed once. */
function distinct(list: Statement[]): Statement[] {
  const seen = new Map<string, Statement>();
  for (const s of list) {
    const key = `${s.mode ?? ''}|${JSON.stringify(s.params.map((p) => [p.name, p.parameterType]))}|${s.sql}`;
    if (!seen.has(key)) seen.set(key, s);
  }
  return [...seen.values()];
}

const named = (name: string, type: string): BqParam => ({ name, parameterType: { type }, parameterValue: {} });
const positional = (type: string): BqParam => ({ parameterType: { type }, parameterValue: {} });

describe('every statement the BigQuery warehouse sends passes ZetaSQL with BigQuery types', () => {
  it('covers every code path: schema, migrations, ingest, ledger, reads, exports, dashboard, alerts', () => {
    const sources = new Set(statements.map((s) => s.source.split(' ')[0]));
    for (const s of ['init', 'backfill', 'daily', 'retry', 'status', 'validate', 'report', 'export', 'dashboard', 'demo', 'alerts', 'change', 'list']) {
      expect(sources, s).toContain(s);
    }
    const all = statements.map((s) => s.sql).join('\n');
    // Every table is written or read, every fact/totals table is scanned, and each kind of statement is present.
    for (const t of Object.keys(TABLES)) expect(all, t).toContain(`\`${PREFIX}${t}\``);
    for (const kind of ['BEGIN TRANSACTION;', 'DELETE FROM', 'INSERT INTO', 'MERGE ', 'ALTER TABLE', 'DROP COLUMN', 'ADD COLUMN', 'CREATE OR REPLACE VIEW', 'ROW_NUMBER()']) {
      expect(all, kind).toContain(kind);
    }
    expect(statements.some((s) => s.mode === 'POSITIONAL' && s.params.length > 0)).toBe(true);
    expect(statements.some((s) => s.mode === 'NAMED' && s.params.length > 0)).toBe(true);
    expect(distinct(statements).length).toBeGreaterThan(80);
  });

  it('parses and analyses every statement, and every fact/totals scan filters on activity_date', async () => {
    const failures: { source: string; sql: string; findings: Finding[] }[] = [];
    let analysed = 0;
    for (const s of distinct(statements)) {
      const findings = await analyzer.check(s.sql, s.mode, s.params);
      analysed++;
      if (findings.length) failures.push({ source: s.source, sql: s.sql.slice(0, 400), findings });
    }
    console.log(`ZetaSQL analysed ${analysed} distinct statements (${statements.length} sent) from ${new Set(statements.map((s) => s.source)).size} code paths`);
    expect(failures).toEqual([]);
    // The walk found real scans of every fact and totals table in what was sent (not a vacuous pass).
    for (const t of FACT_TABLES) expect(scansChecked.get(t.name) ?? 0, t.name).toBeGreaterThan(2);
    console.log(`fact/totals scans checked: ${JSON.stringify(Object.fromEntries(scansChecked))}`);
  }, 300_000);
});

describe('the check catches what BigQuery would reject', () => {
  const costs = `\`${PREFIX}claude_costs\``;
  const usage = `\`${PREFIX}claude_usage_keys\``;

  it('a DuckDB :: cast', async () => {
    const f = await analyzer.check(`SELECT amount_cents::VARCHAR FROM ${costs} WHERE activity_date = ?`, 'POSITIONAL', [positional('DATE')]);
    expect(f).toEqual([{ kind: 'analysis', message: expect.stringMatching(/Syntax error/) as unknown as string }]);
  });

  it('a fact scan without a partition filter, or with one that cannot prune', async () => {
    expect(await analyzer.check(`SELECT SUM(amount_cents) AS c FROM ${costs}`, undefined, [])).toEqual([
      { kind: 'partition', message: 'scan of claude_costs has no filter on its activity_date' },
    ]);
    // A filter on another column, or an activity_date term inside an OR, does not prune.
    expect(await analyzer.check(`SELECT 1 AS x FROM ${costs} WHERE model = @m`, 'NAMED', [named('m', 'STRING')])).toHaveLength(1);
    expect(
      await analyzer.check(`SELECT 1 AS x FROM ${costs} WHERE activity_date >= @d OR model = 'x'`, 'NAMED', [named('d', 'DATE')]),
    ).toHaveLength(1);
    // In a join, each side needs its own: the costs side is filtered, the usage side is not.
    const join = `SELECT c.model FROM ${costs} c JOIN ${usage} u ON u.model = c.model WHERE c.activity_date BETWEEN @a AND @b`;
    expect(await analyzer.check(join, 'NAMED', [named('a', 'DATE'), named('b', 'DATE')])).toEqual([
      { kind: 'partition', message: 'scan of claude_usage_keys has no filter on its activity_date' },
    ]);
    // A DELETE without the day bound; a script reports the bad statement among good ones.
    const script = `BEGIN TRANSACTION;\nDELETE FROM ${costs} WHERE model = @m;\nCOMMIT TRANSACTION;`;
    expect(await analyzer.check(script, 'NAMED', [named('m', 'STRING')])).toEqual([
      { kind: 'partition', message: 'scan of claude_costs has no filter on its activity_date' },
    ]);
    // Every fact and totals table is held to it.
    for (const t of FACT_TABLES) {
      expect(await analyzer.check(`SELECT COUNT(*) AS n FROM \`${PREFIX}${t.name}\``, undefined, []), t.name).toHaveLength(1);
      expect(await analyzer.check(`SELECT COUNT(*) AS n FROM \`${PREFIX}${t.name}\` WHERE activity_date = @d`, 'NAMED', [named('d', 'DATE')]), t.name).toEqual([]);
    }
  });

  it('unknown columns, wrong parameter types, DuckDB functions and a missing parameter', async () => {
    const bad = [
      [`SELECT no_such_column FROM ${costs} WHERE activity_date = @d`, [named('d', 'DATE')], /Unrecognized name: no_such_column/],
      // A date compared with an INT64 parameter: BigQuery has no such coercion.
      [`SELECT 1 AS x FROM ${costs} WHERE activity_date = @d`, [named('d', 'INT64')], /No matching signature for operator =/],
      [`SELECT strftime(activity_date, '%Y') AS y FROM ${costs} WHERE activity_date = @d`, [named('d', 'DATE')], /Function not found: strftime/],
      [`SELECT 1 AS x FROM ${costs} WHERE activity_date = @d`, [], /Query parameter 'd' not found/],
      [`SELECT "x" FROM ${costs} AS c WHERE c."activity_date" = @d`, [named('d', 'DATE')], /Syntax error/],
    ] as const;
    for (const [sql, params, message] of bad) {
      const f = await analyzer.check(sql, 'NAMED', [...params]);
      expect(f.map((x) => x.kind), sql).toEqual(['analysis']);
      expect(f[0]!.message, sql).toMatch(message);
    }
  });
});
