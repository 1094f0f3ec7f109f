/**
 * Every metric family claude-ingest publishes, in the order they are exposed. Adding one is one entry
 * here: a FamilyDef (names, unit, labels) and a collect() over the CollectContext; the Prometheus
 * endpoint, the OTLP push and docs/metrics.md's test all read this list.
 *
 * Not here yet, and where they will come from: spend-limit usage ratios and rate-limit headroom
 * (issue #28), cost by team or other allocation dimension (issue #25).
 */
import { warehouseOrganizations } from '../reports/organizations.js';
import type { CollectContext } from './context.js';
import { budgetAmount, budgetUsage, dataFreshness, failedWindows, lastSuccess, validateChecks } from './health-families.js';
import type { FamilyDef, Sample } from './model.js';
import { billedCost, billedCostByApiKey, billedCostByModel, billedCostByProduct, billedCostByUser, billedCostByWorkspace, tokens, tokensByApiKey } from './spend-families.js';

export interface Family {
  def: FamilyDef;
  collect(ctx: CollectContext): Promise<Sample[]>;
}

const organizationInfo: Family = {
  def: {
    name: 'claude_ingest_organization_info',
    otelName: 'claude_ingest.organization.info',
    otelUnit: '1',
    help: 'Always 1: the name of each organization id used in the organization label (join on it for names in dashboards).',
    labels: ['organization', 'organization_name'],
  },
  async collect(ctx) {
    const names = new Map((await warehouseOrganizations(ctx.wh)).map((o) => [o.id, o.name]));
    return ctx.scopes.map((s) => ({ labels: { organization: s.organization, organization_name: names.get(s.organization) ?? s.organization }, value: 1 }));
  },
};

export const FAMILIES: readonly Family[] = [
  billedCost,
  billedCostByWorkspace,
  billedCostByModel,
  billedCostByProduct,
  billedCostByApiKey,
  billedCostByUser,
  tokens,
  tokensByApiKey,
  budgetUsage,
  budgetAmount,
  dataFreshness,
  lastSuccess,
  failedWindows,
  validateChecks,
  organizationInfo,
];
