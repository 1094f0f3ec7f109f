/**
 * Reports on Usage and Cost Analytics API data: billed cost per API key (beside its tokens), per
 * person across products (beside the Claude Code estimate, labelled as such), and per product.
 *
 * One cost table per figure, never two added together: per-key cost comes only from
 * claude_cost_by_key, per-person and per-product cost only from claude_cost_by_actor (two groupings of
 * the same spend), and neither is ever added to claude_costs. They cover the days the Analytics API
 * serves (from 2026-01-01); cost_report has no key, person or product dimension to fall back on.
 */
import type { SqlDialect } from '../warehouse/warehouse.js';
import { CONSOLE_KEY, filterWhere, type ReportFilter } from './filter.js';
import { INPUT_TOKEN_COLUMNS, keyWorkspace, keyWorkspaceJoin, TOKEN_COLUMNS, type ColumnKind, type ReportColumn, type ReportQuery } from './queries.js';

const col = (name: string, header: string, kind: ColumnKind): ReportColumn => ({ name, header, kind });
const DIMS = { workspace: true, model: true };

// No comma: CSV would quote the header.
export const ESTIMATE_BESIDE_HEADER = 'claude_code_estimate_usd (estimate: not billing data)';
/** What a NULL product (code execution, per the contract) is called in reports. */
export const CODE_EXECUTION = '(code execution)';

/** `report --by api_key`: billed and list cost per key (Analytics API) beside its tokens (usage report). */
export function apiKeyCostQuery(d: SqlDialect, f: ReportFilter): ReportQuery {
  const i = (n: string) => d.ident(n);
  const wu = filterWhere(d, f, 'u', DIMS, 'claude_usage_keys');
  const wc = filterWhere(d, f, 'c', DIMS, 'claude_cost_by_key');
  const key = `COALESCE(t.${i('api_key_id')}, c.${i('api_key_id')})`;
  const tok = (n: string) => `COALESCE(t.${i(n)}, 0)`;
  const allInput = INPUT_TOKEN_COLUMNS.map(tok).join(' + ');
  return {
    sql: `SELECT ${key} AS ${i('api_key_id')},
                 CASE WHEN ${key} IS NULL THEN ? ELSE COALESCE(k.${i('name')}, ${key}) END AS ${i('name')},
                 ${keyWorkspace(d)} AS ${i('workspace')},
                 COALESCE(c.${i('billed')}, 0) AS ${i('billed_cost_usd')},
                 COALESCE(c.${i('list')}, 0) AS ${i('list_cost_usd')},
                 ${TOKEN_COLUMNS.map((n) => `${tok(n)} AS ${i(n)}`).join(', ')},
                 ${allInput} AS ${i('all_input_tokens')},
                 CASE WHEN ${allInput} = 0 THEN NULL ELSE ${tok('cache_read_input_tokens')} / (${allInput}) END AS ${i('cache_hit_rate')}
            FROM (SELECT u.${i('api_key_id')} AS ${i('api_key_id')}, ${TOKEN_COLUMNS.map((n) => `SUM(u.${i(n)}) AS ${i(n)}`).join(', ')}
                    FROM ${d.table('claude_usage_keys')} u WHERE ${wu.sql} GROUP BY 1) t
            FULL OUTER JOIN
                 (SELECT c.${i('api_key_id')} AS ${i('api_key_id')}, ${d.sumExact(`c.${i('amount_usd')}`)} AS ${i('billed')}, ${d.sumExact(`c.${i('list_amount_usd')}`)} AS ${i('list')}
                    FROM ${d.table('claude_cost_by_key')} c WHERE ${wc.sql} GROUP BY 1) c
              ON c.${i('api_key_id')} IS NOT DISTINCT FROM t.${i('api_key_id')}
            LEFT JOIN ${d.table('claude_api_keys')} k ON k.${i('id')} = ${key}
            ${keyWorkspaceJoin(d)}
           ORDER BY ${allInput} + ${tok('output_tokens')} DESC, 4 DESC, 2`,
    params: [CONSOLE_KEY, ...wu.params, ...wc.params],
    columns: [
      col('api_key_id', 'api_key_id', 'text'),
      col('name', 'name', 'text'),
      col('workspace', 'workspace', 'text'),
      col('billed_cost_usd', 'billed_cost_usd', 'usd'),
      col('list_cost_usd', 'list_cost_usd', 'usd'),
      ...TOKEN_COLUMNS.map((n) => col(n, n, 'int')),
      col('all_input_tokens', 'all_input_tokens', 'int'),
      col('cache_hit_rate', 'cache_hit_rate', 'ratio'),
    ],
  };
}

/**
 * `report --by user`: billed cost per person (any actor: user, service account, federated identity,
 * key) across products, its Claude Code part, and beside it the Claude Code report's ESTIMATE for the
 * same actor, which is never added to anything.
 */
export function userCostQuery(d: SqlDialect, f: ReportFilter): ReportQuery {
  const i = (n: string) => d.ident(n);
  const wb = filterWhere(d, f, 'b', DIMS, 'claude_cost_by_actor');
  const we = filterWhere(d, f, 'm', { workspace: false, model: true }, 'Claude Code estimates');
  const actorType = `x.${i('actor_type')}`;
  const actor = `x.${i('actor_id')}`;
  const onlyFor = (type: string) => `CASE WHEN ${actorType} = '${type}' THEN ${actor} END`;
  const usd = (n: string) => d.sumExact(n);
  // Cents → dollars exactly (see claudeCodeByUserQuery: a bare 0.01 would be a FLOAT64 in BigQuery).
  const estimate = `COALESCE(x.${i('cents')}, 0) * CAST('0.01' AS DECIMAL(3, 2))`;
  // People are keyed by user_id; their email and name are attributes, taken from the newest answer
  // (the latest ingest, then the latest bucket) in the same scan as the sums (newestOf). The Claude
  // Code report still names users by email, so its estimate joins on that newest email. The name
  // tables are joined on a key that is NULL where the actor type cannot match (onlyFor): an
  // equi-join DuckDB hashes, not a nested loop (docs/performance.md, Round 12).
  return {
    sql: `SELECT ${actorType} AS ${i('actor_type')},
                 CASE WHEN ${actorType} IS NULL THEN ? ELSE ${actor} END AS ${i('actor')},
                 CASE WHEN ${actorType} IS NULL THEN ? ELSE COALESCE(x.${i('name')}, us.${i('name')}, ue.${i('name')}, sa.${i('name')}, ${actor}) END AS ${i('name')},
                 COALESCE(x.${i('email')}, us.${i('email')}, ue.${i('email')}) AS ${i('email')},
                 COALESCE(x.${i('billed')}, 0) AS ${i('billed_cost_usd')},
                 COALESCE(x.${i('code')}, 0) AS ${i('claude_code_billed_usd')},
                 COALESCE(x.${i('list')}, 0) AS ${i('list_cost_usd')},
                 ${estimate} AS ${i('claude_code_estimate_usd')}
            FROM (SELECT COALESCE(b.${i('actor_type')}, e.${i('actor_type')}) AS ${i('actor_type')}, COALESCE(b.${i('actor_id')}, e.${i('actor_id')}) AS ${i('actor_id')},
                         b.${i('name')} AS ${i('name')}, b.${i('email')} AS ${i('email')}, b.${i('billed')} AS ${i('billed')}, b.${i('code')} AS ${i('code')}, b.${i('list')} AS ${i('list')}, e.${i('cents')} AS ${i('cents')}
            FROM (SELECT s.${i('actor_type')} AS ${i('actor_type')}, s.${i('actor_id')} AS ${i('actor_id')}, s.${i('billed')} AS ${i('billed')}, s.${i('code')} AS ${i('code')}, s.${i('list')} AS ${i('list')},
                         s.${i('n')}.${i('name')} AS ${i('name')}, s.${i('n')}.${i('email')} AS ${i('email')},
                         COALESCE(CASE WHEN s.${i('actor_type')} = 'user_actor' THEN s.${i('n')}.${i('email')} END, s.${i('actor_id')}) AS ${i('join_id')}
                    FROM (SELECT b.${i('actor_type')} AS ${i('actor_type')}, b.${i('actor_id')} AS ${i('actor_id')},
                                 ${usd(`b.${i('amount_usd')}`)} AS ${i('billed')},
                                 ${usd(`CASE WHEN b.${i('product')} = 'claude_code' THEN b.${i('amount_usd')} END`)} AS ${i('code')},
                                 ${usd(`b.${i('list_amount_usd')}`)} AS ${i('list')},
                                 ${d.newestOf([['email', `b.${i('actor_email')}`], ['name', `b.${i('actor_name')}`]], [`b.${i('ingested_at')}`, `b.${i('bucket_start')}`])} AS ${i('n')}
                            FROM ${d.table('claude_cost_by_actor')} b WHERE ${wb.sql} GROUP BY 1, 2) s) b
            FULL OUTER JOIN
                 (SELECT m.${i('actor_type')} AS ${i('actor_type')}, m.${i('actor_id')} AS ${i('actor_id')}, ${usd(`m.${i('estimated_cost_cents')}`)} AS ${i('cents')}
                    FROM ${d.table('claude_code_model_usage')} m WHERE ${we.sql} GROUP BY 1, 2) e
              ON e.${i('actor_type')} = b.${i('actor_type')} AND e.${i('actor_id')} = b.${i('join_id')}) x
            LEFT JOIN ${d.table('claude_users')} us ON us.${i('id')} = ${onlyFor('user_actor')}
            LEFT JOIN ${d.table('claude_users')} ue ON ue.${i('email')} = ${onlyFor('user_actor')}
            LEFT JOIN ${d.table('claude_service_accounts')} sa ON sa.${i('id')} = ${onlyFor('service_account_actor')}
           ORDER BY 5 DESC, 8 DESC, 2`,
    params: [HIDDEN_ACTOR_REASON, HIDDEN_ACTOR, ...wb.params, ...we.params],
    columns: [
      col('actor_type', 'actor_type', 'text'),
      col('actor', 'actor', 'text'),
      col('name', 'name', 'text'),
      col('email', 'email', 'text'),
      col('billed_cost_usd', 'billed_cost_usd', 'usd'),
      col('claude_code_billed_usd', 'claude_code_billed_usd', 'usd'),
      col('list_cost_usd', 'list_cost_usd', 'usd'),
      col('claude_code_estimate_usd', ESTIMATE_BESIDE_HEADER, 'usd'),
    ],
  };
}

/** How reports name rows whose actor the API sent as null: never as one merged person. */
export const HIDDEN_ACTOR = '(identity not visible to this key)';
export const HIDDEN_ACTOR_REASON = 'actor null: usage with no attributable identity, or identities this key cannot see (it reads only some workspaces)';

/** `report --by product`: billed and list cost per product (Messages API, Claude Code, chat, Cowork, …). */
export function productCostQuery(d: SqlDialect, f: ReportFilter): ReportQuery {
  const i = (n: string) => d.ident(n);
  const w = filterWhere(d, f, 'b', DIMS, 'claude_cost_by_actor');
  return {
    sql: `SELECT COALESCE(b.${i('product')}, ?) AS ${i('product')},
                 ${d.sumExact(`b.${i('amount_usd')}`)} AS ${i('billed_cost_usd')},
                 ${d.sumExact(`b.${i('list_amount_usd')}`)} AS ${i('list_cost_usd')},
                 COUNT(DISTINCT b.${i('activity_date')}) AS ${i('days')}
            FROM ${d.table('claude_cost_by_actor')} b WHERE ${w.sql}
           GROUP BY 1 ORDER BY 2 DESC, 1`,
    params: [CODE_EXECUTION, ...w.params],
    columns: [col('product', 'product', 'text'), col('billed_cost_usd', 'billed_cost_usd', 'usd'), col('list_cost_usd', 'list_cost_usd', 'usd'), col('days', 'days', 'int')],
  };
}
