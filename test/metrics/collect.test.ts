/**
 * What the families hold, read straight from collectMetrics on real warehouses: exact decimal text
 * until the exposition edge, bounded cardinality with `other` adding up exactly, per-organization
 * series in a warehouse of two organizations, and freshness from the ledger.
 */
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastCompleteDay } from '../../src/ledger/queries.js';
import { collectMetrics } from '../../src/metrics/collect.js';
import { sampleValue, type MetricsSnapshot, type Sample } from '../../src/metrics/model.js';
import { prometheusText } from '../../src/metrics/prometheus.js';
import { totalSpend } from '../../src/reports/queries.js';
import { addDays, dayStartMs } from '../../src/util/dates.js';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';
import type { Warehouse } from '../../src/warehouse/warehouse.js';
import { fillWarehouse, type FilledWarehouse } from '../helpers/fill-warehouse.js';
import { twoOrganizations, type TwoOrganizations } from '../helpers/two-organizations.js';

const TODAY = '2026-03-15';
let w: FilledWarehouse;
let two: TwoOrganizations;

beforeAll(async () => {
  w = await fillWarehouse({ today: TODAY, from: '2026-02-25', seed: 5, org: 'medium', name: 'collect.duckdb' });
  two = await twoOrganizations({ today: TODAY, from: '2026-03-01' });
}, 180_000);
afterAll(async () => {
  await w?.close();
  await two?.close();
});

async function withWarehouse<T>(file: string, fn: (wh: Warehouse) => Promise<T>): Promise<T> {
  const wh = await openWarehouse(`duckdb:${file}`, { readOnly: true });
  try {
    await wh.init();
    return await fn(wh);
  } finally {
    await wh.close();
  }
}

const family = (s: MetricsSnapshot, name: string): Sample[] => s.families.find((f) => f.def.name === name)!.samples;
const exactSum = (xs: Sample[]) => xs.reduce((a, s) => a.plus(s.value as string), new Decimal(0)).toFixed();

describe('cardinality: --top N keeps N series and one "other" per period, and they add up exactly', () => {
  it('API keys and workspaces with top 2', async () => {
    const snap = await withWarehouse(w.file, (wh) => collectMetrics(wh, { today: TODAY, top: 2 }));
    const all = await withWarehouse(w.file, (wh) => collectMetrics(wh, { today: TODAY, top: 10_000 }));
    for (const name of ['claude_ingest_billed_cost_by_api_key_usd', 'claude_ingest_billed_cost_by_workspace_usd', 'claude_ingest_billed_cost_by_model_usd']) {
      for (const period of ['today', 'yesterday', 'month_to_date']) {
        const kept = family(snap, name).filter((s) => s.labels.period === period);
        const every = family(all, name).filter((s) => s.labels.period === period);
        expect(every.length, `${name} ${period}`).toBeGreaterThan(3);
        expect(kept.length, `${name} ${period}`).toBe(3);
        expect(kept.filter((s) => Object.values(s.labels).includes('other')).length).toBe(1);
        // Exact decimal text until the edge, and the bounded set adds up to the unbounded one exactly.
        for (const s of kept) expect(typeof s.value).toBe('string');
        expect(exactSum(kept), `${name} ${period}`).toBe(exactSum(every));
      }
    }
    // The kept keys are the largest month-to-date spenders.
    const mtd = family(all, 'claude_ingest_billed_cost_by_api_key_usd').filter((s) => s.labels.period === 'month_to_date' && s.labels.api_key !== 'other');
    const top2 = [...mtd].sort((a, b) => new Decimal(b.value as string).comparedTo(a.value as string)).slice(0, 2).map((s) => s.labels.api_key).sort();
    const keptKeys = family(snap, 'claude_ingest_billed_cost_by_api_key_usd').filter((s) => s.labels.period === 'month_to_date' && s.labels.api_key !== 'other').map((s) => s.labels.api_key).sort();
    expect(keptKeys).toEqual(top2);
    // Tokens by key keep the same keys, with other.
    const tokenKeys = new Set(family(snap, 'claude_ingest_tokens_by_api_key').map((s) => s.labels.api_key));
    expect([...tokenKeys].sort()).toEqual([...top2, 'other'].sort());
    // Workspaces add up to the organization's total exactly.
    const total = await withWarehouse(w.file, (wh) => totalSpend(wh, { from: '2026-03-01', to: TODAY }));
    expect(exactSum(family(snap, 'claude_ingest_billed_cost_by_workspace_usd').filter((s) => s.labels.period === 'month_to_date'))).toBe(total.usd);
    expect(family(snap, 'claude_ingest_billed_cost_usd').find((s) => s.labels.period === 'month_to_date')!.value).toBe(total.usd);
  });

  it('the Prometheus text carries the amount itself where a float can hold it', async () => {
    const snap = await withWarehouse(w.file, (wh) => collectMetrics(wh, { today: TODAY }));
    const text = await prometheusText(snap);
    const mtd = family(snap, 'claude_ingest_billed_cost_usd').find((s) => s.labels.period === 'month_to_date')!.value as string;
    expect(mtd.replace(/\D/g, '').length).toBeLessThanOrEqual(15);
    expect(text).toMatch(new RegExp(`claude_ingest_billed_cost_usd\\{[^}]*period="month_to_date"[^}]*\\} ${mtd.replace('.', '\\.')}\\n`));
  });
});

describe('organizations', () => {
  it('two organizations: each has its own series, named by organization_info, and each total is its own', async () => {
    const snap = await withWarehouse(two.file, (wh) => collectMetrics(wh, { today: TODAY }));
    const billed = family(snap, 'claude_ingest_billed_cost_usd').filter((s) => s.labels.period === 'month_to_date');
    expect(billed.map((s) => s.labels.organization).sort()).toEqual([two.a, two.b].sort());
    for (const org of [two.a, two.b]) {
      const own = await withWarehouse(two.file, (wh) => totalSpend(wh, { from: '2026-03-01', to: TODAY, organizationIds: [org] }));
      expect(billed.find((s) => s.labels.organization === org)!.value).toBe(own.usd);
      const ws = family(snap, 'claude_ingest_billed_cost_by_workspace_usd').filter((s) => s.labels.organization === org && s.labels.period === 'month_to_date');
      expect(exactSum(ws)).toBe(own.usd);
    }
    const info = family(snap, 'claude_ingest_organization_info');
    expect(new Map(info.map((s) => [s.labels.organization, s.labels.organization_name]))).toEqual(new Map([[two.a, two.nameA], [two.b, two.nameB]]));
    const checks = family(snap, 'claude_ingest_validate_check_status');
    expect(new Set(checks.map((s) => s.labels.organization))).toEqual(new Set([two.a, two.b, 'warehouse']));
  });
});

describe('freshness', () => {
  it('is measured from the end of each stream\'s newest complete day, at the moment it is read', async () => {
    const { snap, ledger } = await withWarehouse(w.file, async (wh) => ({ snap: await collectMetrics(wh, { today: TODAY }), ledger: await wh.listWindows() }));
    const fresh = family(snap, 'claude_ingest_data_freshness_seconds');
    expect(fresh.length).toBe(5);
    for (const s of fresh) {
      const end = dayStartMs(addDays(lastCompleteDay(ledger, s.labels.stream!)!, 1));
      // Three days after that day ended, it is three days old; the kept snapshot ages with the clock.
      expect(sampleValue(s.value, end + 3 * 86_400_000)).toBe(3 * 86_400);
      expect(sampleValue(s.value, end + 60_000)).toBe(60);
    }
  });
});

describe('an empty warehouse', () => {
  it('publishes zero spend and no ages or checks, rather than failing', async () => {
    const file = `${w.dir}/empty.duckdb`;
    const wh = await openWarehouse(`duckdb:${file}`);
    await wh.init();
    await wh.close();
    const snap = await withWarehouse(file, (r) => collectMetrics(r, { today: TODAY }));
    const billed = family(snap, 'claude_ingest_billed_cost_usd');
    expect(billed.map((s) => [s.labels.organization, s.labels.period, s.value])).toEqual([
      ['unattributed', 'today', '0'],
      ['unattributed', 'yesterday', '0'],
      ['unattributed', 'month_to_date', '0'],
    ]);
    expect(family(snap, 'claude_ingest_data_freshness_seconds')).toEqual([]);
    expect(family(snap, 'claude_ingest_validate_check_status')).toEqual([]);
    expect(family(snap, 'claude_ingest_last_success_timestamp_seconds')).toEqual([]);
    expect(await prometheusText(snap)).toContain('claude_ingest_billed_cost_usd{organization="unattributed",period="today",source="provider"} 0');
  });
});
