/**
 * What the API may also send (test/fixtures/admin-api/variants, malformed, split), replayed to the
 * real CLI into DuckDB: actor types this version does not know, float estimates, billed cents with
 * more than 12 decimal places, records without optional fields, unknown fields and enum values, a
 * principal-bound key, a token bucket without a column; bodies that must fail their window; an API
 * split the duplicates check must explain. Plus the README's "kept as sent" promise, tested as worded.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir, type CliResult } from '../helpers/cli.js';
import { checks, parsed, sql } from '../helpers/fixture-reads.js';
import { loadFixtures, startReplayServer, type Fixture, type ReplayServer } from '../helpers/replay-server.js';

const KEY = 'sk-ant-admin01-fixture-replay-key';
const TODAY = '2025-08-20';
const DAY = '2025-08-10';

/** docs/api-fields.md: "#" and 32 hex digits of SHA-256 over the actor object's canonical JSON (keys sorted), written out by hand here. */
const derivedId = (canonical: string) => `#${createHash('sha256').update(canonical).digest('hex').slice(0, 32)}`;

let server: ReplayServer;
let dir: string;
let file: string;
let backfill: CliResult;
const env = () => ({ ANTHROPIC_ADMIN_KEY: KEY, ANTHROPIC_BASE_URL: server.url, CLAUDE_INGEST_TODAY: TODAY, CLAUDE_INGEST_RETRY_BASE_MS: '5', CLAUDE_INGEST_RETRY_MAX_MS: '50' });
const wh = (f: string) => `duckdb:${f}`;

beforeAll(async () => {
  server = await startReplayServer([...loadFixtures('variants'), ...loadFixtures('malformed'), ...loadFixtures('split')]);
  dir = tempDir();
  file = join(dir, 'variants.duckdb');
  backfill = await runCli(['backfill', '--from', DAY, '--to', DAY, '--warehouse', wh(file)], env());
});
afterAll(async () => server?.close());

describe('variants of the documented shapes', () => {
  it('ingest without a failed window', () => {
    expect(backfill.stderr).not.toContain('"severity":"ERROR"');
    expect(backfill.code, backfill.stderr).toBe(0);
    expect(server.unmatched()).toEqual([]);
    // Spend limits not offered (400 organization_type_not_supported): one warning, rate limits still kept.
    expect(backfill.stderr).toMatch(/spend limits are not available to this organization \(400/);
  });

  it('limits: a group type and limiters this version does not know are kept as sent; no spend limit when none is offered', async () => {
    expect(await sql(file, 'SELECT COUNT(*) AS n FROM claude_spend_limits')).toEqual([{ n: 0 }]);
    expect(await sql(file, 'SELECT group_type, group_name, limiter, "value" FROM claude_rate_limits ORDER BY group_type, limiter')).toEqual([
      { group_type: 'model_group', group_name: 'Claude Future 5', limiter: 'input_tokens_per_minute_cache_aware', value: 1000000 },
      { group_type: 'model_group', group_name: 'Claude Future 5', limiter: 'thinking_tokens_per_minute', value: 50000 },
      { group_type: 'voice_minutes', group_name: null, limiter: 'minutes_per_day', value: 600 },
    ]);
  });

  it('billed cents beyond 12 decimal places are rounded half-even; minimal lines get NULLs and USD; unmapped fields land in extra', async () => {
    const rows = parsed(
      await sql(
        file,
        `SELECT workspace_id, description, cost_type, model, service_tier, token_type, context_window, inference_geo, currency,
                CAST(amount_cents AS VARCHAR) AS cents, CAST(amount_usd AS VARCHAR) AS usd, extra
           FROM claude_costs WHERE activity_date = DATE '${DAY}' ORDER BY amount_cents`,
      ),
      'extra',
    );
    const ws = 'wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ';
    const opus = { workspace_id: ws, cost_type: 'tokens', model: 'claude-opus-4-20250514', service_tier: 'standard', context_window: '0-200k', inference_geo: 'global', currency: 'USD' };
    const none = { model: null, service_tier: null, token_type: null, context_window: null, inference_geo: null };
    expect(rows).toEqual([
      // 0.123456789012|34567: below half, down.
      { ...opus, description: 'Claude Opus 4 Usage - Input Tokens', token_type: 'uncached_input_tokens', cents: '0.123456789012', usd: '0.00123456789012', extra: { list_amount: '0.2' } },
      // 1.000000000000|5: a tie, to the even digit (0).
      { ...opus, description: 'Claude Opus 4 Usage - Output Tokens', token_type: 'output_tokens', cents: '1.000000000000', usd: '0.01000000000000', extra: { list_amount: '1.25' } },
      // 2.000000000001|5: a tie, to the even digit (2).
      { ...opus, description: 'Claude Opus 4 Usage - Cache Read', token_type: 'cache_read_input_tokens', cents: '2.000000000002', usd: '0.02000000000002', extra: null },
      { workspace_id: null, description: null, cost_type: null, ...none, currency: 'USD', cents: '3.000000000000', usd: '0.03000000000000', extra: null },
      { workspace_id: null, description: 'Claude Agent Sessions', cost_type: 'agent_session', ...none, currency: 'USD', cents: '4.250000000000', usd: '0.04250000000000', extra: { billing: { sku: 'AGS-1', units: 3 } } },
      // A JSON number where the documentation promises a string: accepted, exactly.
      { workspace_id: null, description: 'Web Search', cost_type: 'web_search', ...none, currency: 'USD', cents: '7.500000000000', usd: '0.07500000000000', extra: null },
    ]);
    expect(parsed(await sql(file, `SELECT CAST(amount_cents AS VARCHAR) AS cents, extra FROM claude_cost_daily_totals WHERE activity_date = DATE '${DAY}'`), 'extra')).toEqual([
      { cents: '17.873456789014', extra: { list_amount: '18.95345678901434567' } },
    ]);
  });

  it('usage: an unknown cache bucket, server tool and request count in extra; an unknown service tier as sent; absent web searches are 0', async () => {
    const tokens = 'uncached_input_tokens AS uncached, cache_read_input_tokens AS cache_read, cache_creation_5m_input_tokens AS cc5m, cache_creation_1h_input_tokens AS cc1h, output_tokens AS output, web_search_requests AS web';
    expect(parsed(await sql(file, `SELECT api_key_id, workspace_id, model, service_tier, context_window, ${tokens}, extra FROM claude_usage_keys ORDER BY output_tokens`), 'extra')).toEqual([
      { api_key_id: null, workspace_id: null, model: 'claude-opus-4-20250514', service_tier: 'standard', context_window: '200k-1M', uncached: 5, cache_read: 0, cc5m: 0, cc1h: 0, output: 6, web: 0, extra: { cache_creation: { ephemeral_30m_input_tokens: 300 } } },
      {
        api_key_id: 'apikey_01Rj2N8SVvo6BePZj99NhmiT',
        workspace_id: 'wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ',
        model: 'claude-opus-4-20250514',
        service_tier: 'flex_turbo',
        context_window: '0-200k',
        uncached: 1000,
        cache_read: 30,
        cc5m: 10,
        cc1h: 20,
        output: 40,
        web: 1,
        extra: { cache_creation: { ephemeral_30m_input_tokens: 700 }, server_tool_use: { web_fetch_requests: 2 }, requests: 12 },
      },
    ]);
    expect(parsed(await sql(file, `SELECT ${tokens}, extra FROM claude_usage_daily_totals`), 'extra')).toEqual([
      { uncached: 1005, cache_read: 30, cc5m: 10, cc1h: 20, output: 46, web: 1, extra: { cache_creation: { ephemeral_30m_input_tokens: 1000 }, server_tool_use: { web_fetch_requests: 2 }, requests: 12 } },
    ]);
  });

  it('Claude Code: every actor type stored as sent, each actor its own id; optional fields NULL when absent', async () => {
    const federatedCi = derivedId('{"provider":{"role_arn":"arn:aws:iam::123456789012:role/ci","type":"aws"},"subject":null,"type":"federated_actor"}');
    const federatedRelease = derivedId('{"provider":{"role_arn":"arn:aws:iam::123456789012:role/release","type":"aws"},"subject":null,"type":"federated_actor"}');
    const agent1 = derivedId('{"agent_id":"agt_01","deployment":"prod","type":"agent_actor"}');
    const agent2 = derivedId('{"agent_id":"agt_02","deployment":"prod","type":"agent_actor"}');
    const row = (actor_type: string, actor_id: string, o: Record<string, unknown>) => ({
      actor_type,
      actor_id,
      customer_type: 'api',
      subscription_type: null,
      lines_added: 0,
      lines_removed: 0,
      commits: 0,
      pull_requests: 0,
      edit_tool_accepted: 0,
      edit_tool_rejected: 0,
      write_tool_accepted: 0,
      write_tool_rejected: 0,
      tool_actions: {},
      extra: null,
      ...o,
    });
    const expected = [
      row('api_actor', 'deploy-bot', { terminal_type: 'vscode', num_sessions: 1, lines_added: 3, lines_removed: 1, edit_tool_accepted: 1, tool_actions: { edit_tool: { accepted: 1, rejected: 0 } } }),
      row('service_account_actor', 'svcacct_01Build', {
        terminal_type: 'github-actions',
        num_sessions: 4,
        lines_added: 40,
        lines_removed: 2,
        commits: 2,
        pull_requests: 1,
        write_tool_accepted: 2,
        write_tool_rejected: 1,
        tool_actions: { write_tool: { accepted: 2, rejected: 1 } },
      }),
      row('federated_actor', 'system:serviceaccount:ci:runner', {
        terminal_type: 'tmux',
        num_sessions: 1,
        lines_added: 1,
        lines_removed: 1,
        extra: { actor: { provider: { type: 'oidc', issuer: 'https://token.actions.githubusercontent.com' } } },
      }),
      row('federated_actor', federatedCi, { terminal_type: 'tmux', num_sessions: 2, extra: { actor: { provider: { type: 'aws', role_arn: 'arn:aws:iam::123456789012:role/ci' } } } }),
      row('federated_actor', federatedRelease, { terminal_type: 'tmux', num_sessions: 3, extra: { actor: { provider: { type: 'aws', role_arn: 'arn:aws:iam::123456789012:role/release' } } } }),
      row('agent_actor', agent1, { terminal_type: 'headless', num_sessions: 5, extra: { actor: { agent_id: 'agt_01', deployment: 'prod' } } }),
      row('agent_actor', agent2, { terminal_type: 'headless', num_sessions: 6, extra: { actor: { agent_id: 'agt_02', deployment: 'prod' } } }),
      row('user_actor', 'user_01Deleted', { customer_type: 'subscription', subscription_type: 'team', terminal_type: 'vscode', num_sessions: 1, extra: { actor: { deleted: true } } }),
      row('user_actor', 'min@example.com', { customer_type: null, terminal_type: null, num_sessions: 1 }),
      row('user_actor', 'dev@example.com', {
        customer_type: 'subscription',
        subscription_type: 'team',
        terminal_type: 'vscode',
        num_sessions: 7,
        lines_added: 70,
        lines_removed: 7,
        commits: 3,
        pull_requests: 1,
        edit_tool_accepted: 9,
        edit_tool_rejected: 1,
        tool_actions: { edit_tool: { accepted: 9, rejected: 1 }, bash_tool: { accepted: 3, rejected: 1 } },
        extra: { ide_name: 'vscode', core_metrics: { future_metric: 4 } },
      }),
    ];
    const byActor = (a: Record<string, unknown>, b: Record<string, unknown>) => `${String(a.actor_type)}|${String(a.actor_id)}`.localeCompare(`${String(b.actor_type)}|${String(b.actor_id)}`);
    const rows = parsed(
      await sql(
        file,
        `SELECT actor_type, actor_id, customer_type, subscription_type, terminal_type, num_sessions, lines_added, lines_removed, commits, pull_requests,
                edit_tool_accepted, edit_tool_rejected, write_tool_accepted, write_tool_rejected, tool_actions, extra
           FROM claude_code_productivity WHERE activity_date = DATE '${DAY}'`,
      ),
      'tool_actions',
      'extra',
    );
    expect(rows.sort(byActor)).toEqual(expected.sort(byActor));
    const [distinct] = await sql(file, 'SELECT COUNT(DISTINCT (actor_type, actor_id)) AS actors, COUNT(*) AS n FROM claude_code_productivity');
    expect(distinct).toEqual({ actors: 10, n: 10 });
    expect(await sql(file, "SELECT COUNT(*) AS n FROM claude_code_productivity WHERE actor_id LIKE '%unknown%' OR actor_id = ''")).toEqual([{ n: 0 }]);
  });

  it('Claude Code model rows: float estimates as their shortest decimal rounded half-even to 12 places; no estimate is NULL; unknown token buckets in extra', async () => {
    const rows = parsed(
      await sql(
        file,
        `SELECT actor_type, actor_id, model, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, estimated_cost_currency AS currency, CAST(estimated_cost_cents AS VARCHAR) AS cents, extra
           FROM claude_code_model_usage ORDER BY actor_type, actor_id, model`,
      ),
      'extra',
    );
    expect(rows).toEqual([
      { actor_type: 'api_actor', actor_id: 'deploy-bot', model: 'claude-sonnet-4-20250514', input_tokens: 100, output_tokens: 10, cache_read_tokens: 0, cache_creation_tokens: 0, currency: 'USD', cents: '0.300000000000', extra: null },
      { actor_type: 'service_account_actor', actor_id: 'svcacct_01Build', model: 'claude-3-5-haiku-20241022', input_tokens: 10, output_tokens: 1, cache_read_tokens: 0, cache_creation_tokens: 0, currency: 'USD', cents: '0.000000100000', extra: null },
      { actor_type: 'service_account_actor', actor_id: 'svcacct_01Build', model: 'claude-sonnet-4-20250514', input_tokens: 2000, output_tokens: 500, cache_read_tokens: 100, cache_creation_tokens: 50, currency: 'USD', cents: '12.345678901235', extra: null },
      { actor_type: 'user_actor', actor_id: 'dev@example.com', model: 'claude-opus-4-20250514', input_tokens: 300, output_tokens: 30, cache_read_tokens: 3, cache_creation_tokens: 0, currency: null, cents: null, extra: { speed: 'fast' } },
      { actor_type: 'user_actor', actor_id: 'dev@example.com', model: 'claude-sonnet-4-20250514', input_tokens: 1, output_tokens: 2, cache_read_tokens: 3, cache_creation_tokens: 4, currency: 'USD', cents: '2.000000000000', extra: { tokens: { cache_creation_1h: 5 } } },
    ]);
  });

  it('service accounts are named; an RBAC groups list the organization is refused (403) leaves its table empty and the snapshot ok', async () => {
    expect(await sql(file, 'SELECT id, name FROM claude_service_accounts')).toEqual([{ id: 'svcacct_01Build', name: 'ci-build' }]);
    expect(await sql(file, 'SELECT COUNT(*) AS n FROM claude_rbac_groups')).toEqual([{ n: 0 }]);
    expect(await sql(file, "SELECT status FROM ingest_windows WHERE stream = 'org'")).toEqual([{ status: 'ok' }]);
  });

  it('API keys: scope and principal in columns, a principal-bound key at organization scope, a scope-only key, null created_by, unknown fields in extra', async () => {
    const rows = parsed(
      await sql(
        file,
        `SELECT id, name, workspace_id, scope_type, scope_workspace_id, principal_type, principal_id, status, created_by_id, created_by_type, partial_key_hint, CAST(expires_at AS VARCHAR) AS expires_at, extra
           FROM claude_api_keys ORDER BY id`,
      ),
      'extra',
    );
    expect(rows).toEqual([
      {
        id: 'apikey_03OrgScoped',
        name: 'svc-key',
        workspace_id: null,
        scope_type: 'organization',
        scope_workspace_id: null,
        principal_type: 'service_account_actor',
        principal_id: 'svcacct_01Build',
        status: 'active',
        created_by_id: 'svcacct_01Admin',
        created_by_type: 'service_account',
        partial_key_hint: 'sk-ant-api03-AAA...BBBB',
        expires_at: null,
        extra: null,
      },
      {
        id: 'apikey_04DefaultScope',
        name: 'default-ws-key',
        workspace_id: null,
        scope_type: 'workspace',
        scope_workspace_id: 'wrkspc_01DefaultReal000000',
        principal_type: 'user_actor',
        principal_id: 'user_01WCz1FkmYMm4gnmykNKUu3Q',
        status: 'expired',
        created_by_id: null,
        created_by_type: null,
        partial_key_hint: null,
        expires_at: '2025-07-02 00:00:00',
        extra: null,
      },
      {
        id: 'apikey_05ScopeOnly',
        name: 'scope-only-key',
        // No top-level workspace_id (the 2026-10-21 shape): the workspace its scope names.
        workspace_id: 'wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ',
        scope_type: 'workspace',
        scope_workspace_id: 'wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ',
        principal_type: null,
        principal_id: null,
        status: 'inactive',
        created_by_id: null,
        created_by_type: null,
        partial_key_hint: 'sk-ant-api03-CCC...DDDD',
        expires_at: null,
        extra: { scope: { role: 'workspace_developer' }, rotation_policy: { days: 90 } },
      },
      {
        id: 'apikey_06Federated',
        name: 'federated-key',
        workspace_id: null,
        scope_type: 'organization',
        scope_workspace_id: null,
        principal_type: 'federated_actor',
        principal_id: 'repo:acme/api',
        status: 'active',
        created_by_id: 'user_01WCz1FkmYMm4gnmykNKUu3Q',
        created_by_type: 'user',
        partial_key_hint: 'sk-ant-api03-EEE...FFFF',
        expires_at: null,
        extra: { principal: { issuer_id: 'fdis_01' } },
      },
    ]);
  });

  it('workspaces, users and the organization: newer fields (data_residency, rbac_groups, billing_type) in extra, minimal items all NULL', async () => {
    expect(parsed(await sql(file, 'SELECT id, name, display_color, CAST(created_at AS VARCHAR) AS created_at, archived_at, extra FROM claude_workspaces ORDER BY id'), 'extra')).toEqual([
      {
        id: 'wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ',
        name: 'Workspace Name',
        display_color: '#6C5BB9',
        created_at: '2024-10-30 23:58:27.427722',
        archived_at: null,
        extra: { compartment_id: 'cmpt_01Example', data_residency: { workspace_geo: 'us', default_inference_geo: 'global', allowed_inference_geos: 'unrestricted' }, tags: { team: 'research' } },
      },
      { id: 'wrkspc_01Minimal000000000', name: null, display_color: null, created_at: null, archived_at: null, extra: null },
    ]);
    expect(parsed(await sql(file, 'SELECT id, email, name, role, added_at, extra FROM claude_users ORDER BY id'), 'extra')).toEqual([
      { id: 'user_01Minimal000000000', email: null, name: null, role: null, added_at: null, extra: null },
      { id: 'user_01WCz1FkmYMm4gnmykNKUu3Q', email: 'user@emaildomain.com', name: 'Jane Doe', role: 'claude_code_user', added_at: '2024-10-30 23:58:27.427722', extra: { rbac_groups: ['rbacgrp_01Eng'] } },
    ]);
    expect(parsed(await sql(file, 'SELECT id, name, type, extra FROM claude_organization'), 'extra')).toEqual([
      { id: '12345678-1234-5678-1234-567812345678', name: 'Acme Research', type: 'organization', extra: { billing_type: 'enterprise' } },
    ]);
    expect(await sql(file, 'SELECT organization_id, organization_name FROM ingest_runs')).toEqual([{ organization_id: '12345678-1234-5678-1234-567812345678', organization_name: 'Acme Research' }]);
  });

  it('the ledger counts rounded values and totals unknown measures per day and table', async () => {
    const rows = parsed(await sql(file, 'SELECT stream, status, rounded_values, unknown_measures FROM ingest_windows ORDER BY stream'), 'unknown_measures');
    expect(rows).toEqual([
      {
        stream: 'claude_code',
        status: 'ok',
        rounded_values: 0,
        unknown_measures: { [DAY]: { 'claude_code_model_usage: tokens.cache_creation_1h': '5', 'claude_code_productivity: core_metrics.future_metric': '4' } },
      },
      // Three lines and the day's total had more than 12 decimal places.
      { stream: 'cost', status: 'ok', rounded_values: 4, unknown_measures: { [DAY]: { 'claude_costs: billing.units': '3' } } },
      { stream: 'limits', status: 'ok', rounded_values: 0, unknown_measures: null },
      { stream: 'org', status: 'ok', rounded_values: 0, unknown_measures: null },
      {
        stream: 'usage',
        status: 'ok',
        rounded_values: 0,
        unknown_measures: {
          [DAY]: {
            'claude_usage_keys: cache_creation.ephemeral_30m_input_tokens': '1000',
            'claude_usage_keys: requests': '12',
            'claude_usage_keys: server_tool_use.web_fetch_requests': '2',
          },
        },
      },
    ]);
  });

  it('validate WARNs the rounded values with their count and each unknown measure with its total; completeness still holds', async () => {
    const r = checks(await runCli(['validate', '--json', '--warehouse', wh(file)], env()));
    const rounded = r.get('rounded-values')!;
    expect(rounded.status).toBe('WARN');
    expect(rounded.figure).toBe('4 rounded values');
    expect(rounded.detail).toContain('4 billed amounts had more than 12 decimal places');
    const unknown = r.get('unknown-measures')!;
    expect(unknown.status).toBe('WARN');
    expect(unknown.figure).toBe('6 unknown measures');
    expect(unknown.detail).toContain('claude_usage_keys: cache_creation.ephemeral_30m_input_tokens = 1000');
    for (const part of ['claude_costs: billing.units = 3', 'claude_usage_keys: requests = 12', 'claude_code_productivity: core_metrics.future_metric = 4', 'claude_code_model_usage: tokens.cache_creation_1h = 5']) {
      expect(unknown.detail).toContain(part);
    }
    for (const id of ['completeness', 'cents', 'duplicates', 'failed-windows']) expect(r.get(id)?.status, `${id}: ${r.get(id)?.detail}`).toBe('PASS');
  });

  it('a second backfill with --refresh leaves the same rows (no row escapes its window\'s delete)', async () => {
    const count = async () =>
      sql(
        file,
        `SELECT (SELECT COUNT(*) FROM claude_costs) AS costs, (SELECT COUNT(*) FROM claude_usage_keys) AS usage, (SELECT COUNT(*) FROM claude_code_productivity) AS productivity,
                (SELECT COUNT(*) FROM claude_code_model_usage) AS models, (SELECT COUNT(*) FROM claude_api_keys) AS keys, (SELECT COUNT(*) FROM claude_organization) AS orgs`,
      );
    const before = await count();
    expect(before).toEqual([{ costs: 6, usage: 2, productivity: 10, models: 5, keys: 4, orgs: 1 }]);
    const again = await runCli(['backfill', '--from', DAY, '--to', DAY, '--refresh', '--warehouse', wh(file)], env());
    expect(again.code, again.stderr).toBe(0);
    expect(await count()).toEqual(before);
  });
});

describe('malformed bodies still fail their window', () => {
  it('no data (cost), a string token count (usage), a string session count (Claude Code): exit 1, no rows, each window failed naming the field', async () => {
    const bad = join(dir, 'malformed.duckdb');
    const res = await runCli(['backfill', '--from', '2025-08-11', '--to', '2025-08-11', '--streams', 'cost,usage,claude_code', '--max-attempts', '1', '--warehouse', wh(bad)], env());
    expect(res.code, res.stderr).toBe(1);
    const [rows] = await sql(
      bad,
      `SELECT (SELECT COUNT(*) FROM claude_costs) + (SELECT COUNT(*) FROM claude_cost_daily_totals) + (SELECT COUNT(*) FROM claude_usage_keys) + (SELECT COUNT(*) FROM claude_usage_daily_totals)
            + (SELECT COUNT(*) FROM claude_code_productivity) + (SELECT COUNT(*) FROM claude_code_model_usage) AS n`,
    );
    expect(rows).toEqual({ n: 0 });
    const ledger = await sql(bad, 'SELECT stream, status, "rows", error FROM ingest_windows ORDER BY stream');
    expect(ledger.map((w) => [w.stream, w.status])).toEqual([
      ['claude_code', 'failed'],
      ['cost', 'failed'],
      ['usage', 'failed'],
    ]);
    const error = (stream: string) => String(ledger.find((w) => w.stream === stream)!.error);
    expect(error('cost')).toMatch(/cost_report.*data/);
    expect(error('usage')).toContain('output_tokens');
    expect(error('claude_code')).toContain('num_sessions');
  });
});

describe('rows the API split on a field this version does not key on', () => {
  it('validate WARNs naming the field, and does not advise --refresh', async () => {
    const split = join(dir, 'split.duckdb');
    const res = await runCli(['backfill', '--from', '2025-08-12', '--to', '2025-08-12', '--streams', 'cost', '--warehouse', wh(split)], env());
    expect(res.code, res.stderr).toBe(0);
    expect(parsed(await sql(split, 'SELECT CAST(amount_cents AS VARCHAR) AS cents, extra FROM claude_costs ORDER BY amount_cents'), 'extra')).toEqual([
      { cents: '300.000000000000', extra: { speed: 'standard' } },
      { cents: '1800.000000000000', extra: { speed: 'fast' } },
    ]);
    const dup = checks(await runCli(['validate', '--json', '--warehouse', wh(split)], env())).get('duplicates')!;
    expect(dup.status).toBe('WARN');
    expect(dup.detail).toContain('claude_costs: 1 extra row');
    expect(dup.detail).toContain('differing only in speed (extra)');
    expect(dup.action).toContain('The API split rows on speed');
    expect(dup.action).not.toMatch(/--refresh --from|backfill --refresh/);
  });
});

describe('README: unknown fields, enum values, actor types and token buckets are kept as sent', () => {
  const README = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');

  it('the README still makes the claim this test proves', () => {
    expect(README).toContain('unknown fields, enum values, actor types and token buckets (kept as sent: enum values in their columns, unmapped fields in each row\'s `extra` JSON column');
  });

  it('enum values this version does not know are in their columns, actor types as sent', async () => {
    expect(await sql(file, "SELECT cost_type FROM claude_costs WHERE cost_type = 'agent_session'")).toEqual([{ cost_type: 'agent_session' }]);
    expect(await sql(file, "SELECT service_tier FROM claude_usage_keys WHERE service_tier = 'flex_turbo'")).toEqual([{ service_tier: 'flex_turbo' }]);
    expect(await sql(file, "SELECT role FROM claude_users WHERE role = 'claude_code_user'")).toEqual([{ role: 'claude_code_user' }]);
    const sent = (loadFixtures('variants').find((f) => f.request.path.endsWith('/claude_code'))!.body as { data: Array<{ actor: { type: string } }> }).data.map((r) => r.actor.type);
    const stored = (await sql(file, 'SELECT DISTINCT actor_type FROM claude_code_productivity')).map((r) => r.actor_type);
    expect(new Set(stored)).toEqual(new Set(sent));
  });

  /**
   * Every field of every sent result is either mapped to a column (listed here from the README's
   * table reference) or in the row's extra with exactly the value sent (nulls carry nothing).
   */
  it('every field no column maps is in extra with the value sent, token buckets included', async () => {
    const fixtures = loadFixtures('variants');
    const results = (path: string, grouped: boolean) => {
      const f = fixtures.find((x: Fixture) => x.request.path.endsWith(path) && (x.request.query?.['group_by[]'] !== null) === grouped)!;
      return (f.body as { data: Array<{ results: Array<Record<string, unknown>> }> }).data.flatMap((b) => b.results);
    };
    const items = (path: string) => (fixtures.find((x) => x.request.path.endsWith(path))!.body as { data: Array<Record<string, unknown>> }).data;
    const leaves = (v: unknown, prefix = ''): Array<[string, unknown]> =>
      prefix === '' && typeof v === 'object' && v !== null && Object.keys(v).length === 0
        ? []
        : typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length > 0
        ? Object.entries(v).flatMap(([k, x]) => leaves(x, prefix ? `${prefix}.${k}` : k))
        : [[prefix, v]];
    const at = (v: unknown, path: string) => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], v);
    const expectKept = (sent: Record<string, unknown>, extraText: unknown, mapped: string[], what: string) => {
      const extra: unknown = extraText === null ? {} : JSON.parse(String(extraText));
      for (const [path, value] of leaves(sent)) {
        if (value === null || mapped.includes(path)) continue;
        expect(at(extra, path), `${what}: ${path}`).toEqual(value);
      }
      // And nothing in extra that was not sent, or that a column maps.
      for (const [path, value] of leaves(extra)) {
        expect(mapped.includes(path), `${what}: ${path} is a column`).toBe(false);
        expect(at(sent, path), `${what}: ${path}`).toEqual(value);
      }
    };
    const costCols = ['amount', 'currency', 'workspace_id', 'description', 'cost_type', 'model', 'service_tier', 'token_type', 'context_window', 'inference_geo'];
    const costRows = await sql(file, 'SELECT description, cost_type, extra FROM claude_costs');
    for (const r of results('/cost_report', true)) {
      const row = costRows.find((x) => x.description === (r.description ?? null) && x.cost_type === (r.cost_type ?? null))!;
      expectKept(r, row.extra, costCols, `cost ${String(r.description)}`);
    }
    const tokenCols = ['uncached_input_tokens', 'cache_read_input_tokens', 'cache_creation.ephemeral_5m_input_tokens', 'cache_creation.ephemeral_1h_input_tokens', 'output_tokens', 'server_tool_use.web_search_requests'];
    const usageCols = [...tokenCols, 'api_key_id', 'workspace_id', 'model', 'service_tier', 'context_window'];
    const usageRows = await sql(file, 'SELECT output_tokens, extra FROM claude_usage_keys');
    for (const r of results('/usage_report/messages', true)) expectKept(r, usageRows.find((x) => x.output_tokens === r.output_tokens)!.extra, usageCols, `usage ${String(r.output_tokens)}`);
    const [total] = await sql(file, 'SELECT extra FROM claude_usage_daily_totals');
    expectKept(results('/usage_report/messages', false)[0]!, total!.extra, tokenCols, 'usage total');

    const keyCols = ['id', 'name', 'workspace_id', 'status', 'created_at', 'created_by.id', 'created_by.type', 'partial_key_hint', 'expires_at', 'scope.type', 'scope.workspace_id', 'principal.type', 'principal.service_account_id', 'principal.user_id', 'principal.subject', 'type'];
    const keyRows = await sql(file, 'SELECT id, extra FROM claude_api_keys');
    for (const k of items('/api_keys')) expectKept(k, keyRows.find((x) => x.id === k.id)!.extra, keyCols, `key ${String(k.id)}`);
    const wsRows = await sql(file, 'SELECT id, extra FROM claude_workspaces');
    for (const w of items('/workspaces')) expectKept(w, wsRows.find((x) => x.id === w.id)!.extra, ['id', 'name', 'display_color', 'created_at', 'archived_at', 'type'], `workspace ${String(w.id)}`);
    const userRows = await sql(file, 'SELECT id, extra FROM claude_users');
    for (const u of items('/users')) expectKept(u, userRows.find((x) => x.id === u.id)!.extra, ['id', 'email', 'name', 'role', 'added_at', 'type'], `user ${String(u.id)}`);
  });
});
