/** GET /v1/organizations/cost_report */
import { bucketJson, bucketPage, coverageOf } from './buckets.js';
import { type CostDescriptor, type CostLine, formatNano } from './costs.js';
import { addUnknownFields, reportResults, type Endpoint, type JsonObject } from './endpoint.js';
import { arrayParam, invalid } from './params.js';

const DAY_MS = 86_400_000;
const GROUPS = new Set(['workspace_id', 'description']);
// Every result carries every field; ungrouped ones are null.
const NULL_DESCRIPTION: Record<keyof CostDescriptor, null> = {
  description: null, cost_type: null, model: null, service_tier: null, token_type: null, context_window: null, inference_geo: null,
};

export const costReport: Endpoint = {
  key: 'cost_report',
  path: '/v1/organizations/cost_report',

  prepare(q, { model, tokens }) {
    const width = q.get('bucket_width') ?? '1d';
    if (width !== '1d') throw invalid(`bucket_width: only "1d" is supported for the cost report, got "${width}"`);
    const groupBy = arrayParam(q, 'group_by');
    for (const g of groupBy) if (!GROUPS.has(g)) throw invalid(`group_by[]: "${g}" is not one of workspace_id, description`);
    const byWs = groupBy.includes('workspace_id');
    const byDesc = groupBy.includes('description');
    const page = bucketPage(q, model, tokens, 'cost_report', DAY_MS, { def: 7, max: 31 });
    const wsId = (ws: number) => (ws < 0 ? null : model.org.workspaces[ws]!.id);

    return {
      coverage: coverageOf(page),
      body() {
        const data = page.starts.map((start) => {
          const day = new Date(start).toISOString().slice(0, 10);
          return bucketJson(start, DAY_MS, group(model.costLines(day), byWs, byDesc).map((g) => ({
            currency: 'USD',
            amount: formatNano(g.nano),
            workspace_id: byWs ? wsId(g.ws) : null,
            ...(byDesc ? g.desc : NULL_DESCRIPTION),
          })));
        });
        return { data, has_more: page.nextPage !== null, next_page: page.nextPage };
      },
    };
  },

  addExtraFields(body) {
    for (const bucket of addUnknownFields(body)) {
      const results = bucket.results as JsonObject[];
      results.forEach((r) => (r.future_result_field = 0));
      const typed = results.find((r) => r.cost_type !== null);
      if (typed) typed.cost_type = 'new_cost';
    }
  },

  addDrift(body) {
    // The successor API's list price: a decimal string, kept in extra (not a measure of this table).
    for (const r of reportResults(body)) r.list_amount = String(r.amount);
  },
};

/** Regroups the day's finest-grain lines; BigInt sums keep every grouping exactly equal to the total. */
function group(lines: CostLine[], byWs: boolean, byDesc: boolean): CostLine[] {
  const out = new Map<string, CostLine>();
  const descIds = new Map<CostDescriptor, number>();
  for (const l of lines) {
    let d = descIds.get(l.desc);
    if (d === undefined) descIds.set(l.desc, (d = descIds.size));
    const key = `${byWs ? l.ws : ''}|${byDesc ? d : ''}`;
    const g = out.get(key);
    if (g) g.nano += l.nano;
    else out.set(key, { ...l });
  }
  return [...out.values()];
}
