/**
 * Metrics on the BigQuery path: collectMetrics against the BigQuery stand-in (test/warehouse-bigquery/),
 * which records every statement but does not execute SQL. Every statement a collection sends passes
 * the static portability audit (partition filters, no DuckDB-only syntax, qualified tables, parameters),
 * and the families that compute from what the warehouse answers (spend limits, rate-limit headroom)
 * turn the stand-in's answers into the expected samples. Values against `report` to the cent are
 * checked on DuckDB (prometheus.test.ts, otlp.test.ts): the stand-in cannot sum.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { collectMetrics } from '../../src/metrics/collect.js';
import type { MetricsSnapshot } from '../../src/metrics/model.js';
import type { BigQueryWarehouse } from '../../src/warehouse/bigquery/bigquery-warehouse.js';
import { SCHEMA_VERSION } from '../../src/warehouse/tables.js';
import { DATASET, PROJECT, useStandIn } from '../warehouse-bigquery/harness.js';
import { audit, PARTITION_FILTERED, queryJobsSince } from '../warehouse-bigquery/sql-audit.js';

const h = useStandIn();
const { standIn } = h;
const TODAY = '2025-03-20';

let wh: BigQueryWarehouse;
let snapshot: MetricsSnapshot;
let jobs: ReturnType<typeof queryJobsSince>;

beforeAll(async () => {
  wh = await h.open();
  await wh.init();
  standIn.answer = (sql) => {
    if (sql.includes('claude_ingest_meta') && sql.startsWith('SELECT')) return { fields: [{ name: 'value', type: 'STRING' }], rows: [[String(SCHEMA_VERSION)]] };
    if (sql.includes('AS `lo`')) return { fields: [{ name: 'lo', type: 'DATE' }, { name: 'hi', type: 'DATE' }], rows: [['2025-03-01', TODAY]] };
    if (sql.includes(`\`${PROJECT}.${DATASET}.claude_spend_limits\``)) {
      const names = ['organization_id', 'id', 'scope_type', 'scope_id', 'currency', 'is_enabled', 'period', 'amount_cents'];
      const types = ['STRING', 'STRING', 'STRING', 'STRING', 'STRING', 'BOOL', 'STRING', 'STRING'];
      return {
        fields: names.map((name, i) => ({ name, type: types[i]! })),
        rows: [
          [null, 'spl_cap', 'usage_tier', null, 'USD', 'true', 'monthly', '500000'],
          [null, 'spl_off', 'organization', null, 'USD', 'false', 'daily', '100'],
        ],
      };
    }
    if (sql.includes(`\`${PROJECT}.${DATASET}.claude_rate_limit_peaks\``)) {
      const f = (name: string, type: string) => ({ name, type });
      return {
        fields: [f('day', 'DATE'), f('organization_id', 'STRING'), f('group_id', 'STRING'), f('group_name', 'STRING'), f('limiter', 'STRING'), f('peak', 'INT64'), f('peak_minute', 'STRING'), f('limit_value', 'INT64'), f('workspace_id', 'STRING'), f('workspace', 'STRING'), f('note', 'STRING')],
        rows: [
          ['2025-03-18', null, 'mg_sonnet', 'Claude Sonnet', 'output_tokens_per_minute', '600', '2025-03-18 10:01:00+00', '1000', null, null, null],
          ['2025-03-19', null, 'mg_sonnet', 'Claude Sonnet', 'output_tokens_per_minute', '250', '2025-03-19 09:00:00+00', '1000', null, null, null],
          ['2025-03-19', null, 'mg_sonnet', 'Claude Sonnet', 'requests_per_minute', null, null, '50', null, null, null],
        ],
      };
    }
    return undefined;
  };
  const mark = standIn.requests.length;
  snapshot = await collectMetrics(wh, { today: TODAY, top: 5, budgets: [{ name: 'All', monthly_usd: 100, thresholds_pct: [100], forecast: true }] });
  jobs = queryJobsSince(standIn, mark);
}, 120_000);

const samples = (name: string) => snapshot.families.find((f) => f.def.name === name)!.samples;

describe('metrics on BigQuery (stand-in)', () => {
  it('every statement a collection sends is portable and partition-pruned', () => {
    const found = jobs.map((j) => ({ sql: j.sql, problems: audit(j.sql, j.params, j.mode) })).filter((j) => j.problems.length > 0);
    expect(found).toEqual([]);
    const all = jobs.map((j) => j.sql).join('\n');
    // The audit saw the tables the cost, token, limit and headroom families read (it would pass vacuously otherwise).
    for (const t of [...PARTITION_FILTERED.slice(0, 2), 'claude_usage_by_actor', 'claude_cost_by_actor', 'claude_spend_limits', 'claude_rate_limit_peaks']) {
      expect(all, t).toContain(`\`${PROJECT}.${DATASET}.${t}\``);
    }
    expect(jobs.length).toBeGreaterThan(30);
  });

  it('spend limits: the enabled one, its amount in dollars, spent 0 of it (the stand-in sums nothing)', () => {
    expect(samples('claude_ingest_spend_limit_usd')).toEqual([
      { labels: { organization: 'unattributed', spend_limit: 'spl_cap', limit: 'usage-tier cap (monthly)', scope_type: 'usage_tier', scope_id: '(none)', period: 'monthly' }, value: '5000' },
    ]);
    const ratio = samples('claude_ingest_spend_limit_usage_ratio');
    expect(ratio.map((s) => [s.labels.spend_limit, s.labels.kind, s.value])).toEqual([['spl_cap', 'spent', '0']]);
  });

  it('rate-limit headroom: the newest cached day only, peak over limit where both are known', () => {
    expect(samples('claude_ingest_rate_limit_peak_ratio')).toEqual([
      { labels: { organization: 'unattributed', model_group: 'mg_sonnet', model_group_name: 'Claude Sonnet', limiter: 'output_tokens_per_minute' }, value: 0.25 },
    ]);
    expect(samples('claude_ingest_rate_limit_peak_day_timestamp_seconds')).toEqual([{ labels: { organization: 'unattributed' }, value: Date.parse('2025-03-19T00:00:00Z') / 1000 }]);
  });

  it('token breakdowns publish "other" per period and type even with nothing to keep', () => {
    for (const name of ['claude_ingest_tokens_by_workspace', 'claude_ingest_tokens_by_model', 'claude_ingest_tokens_by_product']) {
      const s = samples(name);
      expect(s.length, name).toBe(3 * 5);
      expect(s.every((x) => Object.values(x.labels).includes('other') && x.value === 0), name).toBe(true);
    }
  });
});
