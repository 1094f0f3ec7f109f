/**
 * The documented Admin API shapes, end to end: hand-written responses (test/fixtures/admin-api/documented)
 * replayed over loopback to the real CLI, into a real DuckDB file, read back with DuckDB and compared
 * with exact rows written out here.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir, type CliResult } from '../helpers/cli.js';
import { checks, parsed, sql } from '../helpers/fixture-reads.js';
import { loadFixtures, startReplayServer, type ReplayServer } from '../helpers/replay-server.js';

const KEY = 'sk-ant-admin01-fixture-replay-key';
const TODAY = '2025-08-20';
const ORG = '12345678-1234-5678-1234-567812345678';

let server: ReplayServer;
let file: string;
let backfill: CliResult;

const env = () => ({ ANTHROPIC_ADMIN_KEY: KEY, ANTHROPIC_BASE_URL: server.url, CLAUDE_INGEST_TODAY: TODAY, CLAUDE_INGEST_RETRY_BASE_MS: '5', CLAUDE_INGEST_RETRY_MAX_MS: '50' });

beforeAll(async () => {
  server = await startReplayServer(loadFixtures('documented'));
  file = join(tempDir(), 'documented.duckdb');
  backfill = await runCli(['backfill', '--from', '2025-08-08', '--to', '2025-08-09', '--warehouse', `duckdb:${file}`], env());
});
afterAll(async () => server?.close());

describe('documented shapes of every endpoint', () => {
  it('ingest without a failed window, each endpoint answered from its fixture', () => {
    expect(backfill.stderr).not.toContain('"severity":"ERROR"');
    expect(backfill.code, backfill.stderr).toBe(0);
    expect(server.unmatched()).toEqual([]);
    const served = new Set(server.requests.map((r) => r.fixture));
    expect([...served].sort()).toEqual([
      'documented/api-keys.json',
      'documented/claude-code.json',
      'documented/cost-report.json',
      'documented/limits.json',
      'documented/organizations-me.json',
      'documented/rbac-groups.json',
      'documented/service-accounts.json',
      'documented/usage-messages.json',
      'documented/users.json',
      'documented/workspaces.json',
    ]);
    // The documented next_page cursor was followed, and each list's after_id.
    expect(server.requests.filter((r) => r.path.endsWith('/claude_code')).map((r) => new URLSearchParams(r.query).get('page'))).toEqual([
      null,
      'page_MjAyNS0wNS0xNFQwMDowMDowMFo=',
      null,
    ]);
    expect(server.requests.filter((r) => r.path.endsWith('/api_keys')).map((r) => new URLSearchParams(r.query).get('after_id'))).toEqual([null, 'apikey_01Rj2N8SVvo6BePZj99NhmiT']);
  });

  it('cost_report: every line with its exact cents and dollars, and the API total', async () => {
    const rows = await sql(
      file,
      `SELECT CAST(activity_date AS VARCHAR) AS day, workspace_id, description, cost_type, model, service_tier, token_type, context_window, inference_geo, currency,
              CAST(amount_cents AS VARCHAR) AS cents, CAST(amount_usd AS VARCHAR) AS usd, extra
         FROM claude_costs ORDER BY amount_cents`,
    );
    const line = (o: Record<string, unknown>) => ({ day: '2025-08-08', currency: 'USD', extra: null, ...o });
    const none = { model: null, service_tier: null, token_type: null, context_window: null, inference_geo: null };
    expect(rows).toEqual([
      line({ workspace_id: null, description: 'Code Execution', cost_type: 'code_execution', ...none, cents: '5.000000100000', usd: '0.05000000100000' }),
      line({
        workspace_id: 'wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ',
        description: 'Claude Sonnet 4 Usage - Input Tokens (1h cache write)',
        cost_type: 'tokens',
        model: 'claude-sonnet-4-20250514',
        service_tier: 'standard',
        token_type: 'cache_creation.ephemeral_1h_input_tokens',
        context_window: '200k-1M',
        inference_geo: 'not_available',
        cents: '12.750000000000',
        usd: '0.12750000000000',
      }),
      line({
        workspace_id: null,
        description: 'Claude Sonnet 4 Usage - Output Tokens',
        cost_type: 'tokens',
        model: 'claude-sonnet-4-20250514',
        service_tier: 'batch',
        token_type: 'output_tokens',
        context_window: '0-200k',
        inference_geo: 'us',
        cents: '40.500000000000',
        usd: '0.40500000000000',
      }),
      line({
        workspace_id: 'wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ',
        description: 'Claude Sonnet 4 Usage - Input Tokens',
        cost_type: 'tokens',
        model: 'claude-sonnet-4-20250514',
        service_tier: 'standard',
        token_type: 'uncached_input_tokens',
        context_window: '0-200k',
        inference_geo: 'global',
        cents: '123.789120000000',
        usd: '1.23789120000000',
      }),
      line({ workspace_id: 'wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ', description: 'Web Search', cost_type: 'web_search', ...none, cents: '1000.000000000000', usd: '10.00000000000000' }),
    ]);
    expect(await sql(file, 'SELECT CAST(activity_date AS VARCHAR) AS day, currency, CAST(amount_cents AS VARCHAR) AS cents, CAST(amount_usd AS VARCHAR) AS usd, extra FROM claude_cost_daily_totals')).toEqual([
      { day: '2025-08-08', currency: 'USD', cents: '1182.039120100000', usd: '11.82039120100000', extra: null },
    ]);
  });

  it('usage_report/messages: one row per grouped result, Console usage with a null key, and the API totals', async () => {
    const tokens = 'uncached_input_tokens AS uncached, cache_read_input_tokens AS cache_read, cache_creation_5m_input_tokens AS cc5m, cache_creation_1h_input_tokens AS cc1h, output_tokens AS output, web_search_requests AS web';
    expect(
      await sql(file, `SELECT CAST(activity_date AS VARCHAR) AS day, CAST(bucket_start AS VARCHAR) AS bucket, api_key_id, workspace_id, model, service_tier, context_window, ${tokens}, extra FROM claude_usage_keys ORDER BY output_tokens`),
    ).toEqual([
      { day: '2025-08-08', bucket: '2025-08-08 00:00:00', api_key_id: null, workspace_id: null, model: 'claude-3-5-haiku-20241022', service_tier: 'priority', context_window: '0-200k', uncached: 100, cache_read: 0, cc5m: 0, cc1h: 50, output: 20, web: 0, extra: null },
      {
        day: '2025-08-08',
        bucket: '2025-08-08 00:00:00',
        api_key_id: 'apikey_01Rj2N8SVvo6BePZj99NhmiT',
        workspace_id: 'wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ',
        model: 'claude-sonnet-4-20250514',
        service_tier: 'standard',
        context_window: '0-200k',
        uncached: 45230,
        cache_read: 8790,
        cc5m: 2340,
        cc1h: 0,
        output: 12450,
        web: 3,
        extra: null,
      },
    ]);
    expect(await sql(file, `SELECT CAST(activity_date AS VARCHAR) AS day, ${tokens}, extra FROM claude_usage_daily_totals`)).toEqual([
      { day: '2025-08-08', uncached: 45330, cache_read: 8790, cc5m: 2340, cc1h: 50, output: 12470, web: 3, extra: null },
    ]);
  });

  it('the documented Claude Code example: one productivity row per record, one model row per breakdown entry, with and without subscription_type', async () => {
    const documented = {
      actor_type: 'user_actor',
      actor_id: 'user@emaildomain.com',
      organization_id: ORG,
      customer_type: 'api',
      terminal_type: 'iTerm.app',
      num_sessions: 15,
      lines_added: 342,
      lines_removed: 128,
      commits: 8,
      pull_requests: 2,
      edit_tool_accepted: 25,
      edit_tool_rejected: 3,
      multi_edit_tool_accepted: 12,
      multi_edit_tool_rejected: 1,
      write_tool_accepted: 8,
      write_tool_rejected: 0,
      notebook_edit_tool_accepted: 5,
      notebook_edit_tool_rejected: 2,
      tool_actions: {
        edit_tool: { accepted: 25, rejected: 3 },
        multi_edit_tool: { accepted: 12, rejected: 1 },
        notebook_edit_tool: { accepted: 5, rejected: 2 },
        write_tool: { accepted: 8, rejected: 0 },
      },
      extra: null,
    };
    const rows = parsed(
      await sql(
        file,
        `SELECT CAST(activity_date AS VARCHAR) AS day, actor_type, actor_id, organization_id, customer_type, subscription_type, terminal_type, num_sessions, lines_added, lines_removed, commits, pull_requests,
                edit_tool_accepted, edit_tool_rejected, multi_edit_tool_accepted, multi_edit_tool_rejected, write_tool_accepted, write_tool_rejected, notebook_edit_tool_accepted, notebook_edit_tool_rejected,
                tool_actions, extra
           FROM claude_code_productivity ORDER BY activity_date, actor_type`,
      ),
      'tool_actions',
      'extra',
    );
    expect(rows).toEqual([
      {
        day: '2025-08-08',
        actor_type: 'api_actor',
        actor_id: 'ci-pipeline',
        organization_id: ORG,
        customer_type: 'api',
        subscription_type: null,
        terminal_type: 'tmux',
        num_sessions: 2,
        lines_added: 10,
        lines_removed: 4,
        commits: 1,
        pull_requests: 0,
        edit_tool_accepted: 1,
        edit_tool_rejected: 0,
        multi_edit_tool_accepted: 0,
        multi_edit_tool_rejected: 0,
        write_tool_accepted: 2,
        write_tool_rejected: 1,
        notebook_edit_tool_accepted: 0,
        notebook_edit_tool_rejected: 0,
        tool_actions: { edit_tool: { accepted: 1, rejected: 0 }, multi_edit_tool: { accepted: 0, rejected: 0 }, notebook_edit_tool: { accepted: 0, rejected: 0 }, write_tool: { accepted: 2, rejected: 1 } },
        extra: null,
      },
      { day: '2025-08-08', ...documented, subscription_type: null },
      { day: '2025-08-09', ...documented, subscription_type: 'enterprise' },
    ]);

    const models = await sql(
      file,
      `SELECT CAST(activity_date AS VARCHAR) AS day, actor_type, actor_id, model, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens,
              estimated_cost_currency AS currency, CAST(estimated_cost_cents AS VARCHAR) AS cents, extra
         FROM claude_code_model_usage ORDER BY activity_date, actor_type, model`,
    );
    const sonnet = { model: 'claude-sonnet-4-20250514', input_tokens: 45230, output_tokens: 12450, cache_read_tokens: 8790, cache_creation_tokens: 2340, currency: 'USD', cents: '186.000000000000', extra: null };
    const haiku = { model: 'claude-3-5-haiku-20241022', input_tokens: 23100, output_tokens: 5680, cache_read_tokens: 3420, cache_creation_tokens: 890, currency: 'USD', cents: '42.000000000000', extra: null };
    const user = { actor_type: 'user_actor', actor_id: 'user@emaildomain.com' };
    expect(models).toEqual([
      { day: '2025-08-08', actor_type: 'api_actor', actor_id: 'ci-pipeline', model: 'claude-sonnet-4-20250514', input_tokens: 2000, output_tokens: 300, cache_read_tokens: 100, cache_creation_tokens: 0, currency: 'USD', cents: '7.000000000000', extra: null },
      { day: '2025-08-08', ...user, ...haiku },
      { day: '2025-08-08', ...user, ...sonnet },
      { day: '2025-08-09', ...user, ...haiku },
      { day: '2025-08-09', ...user, ...sonnet },
    ]);
  });

  it('api_keys, workspaces, users and organizations/me: every documented field in its column', async () => {
    expect(
      await sql(
        file,
        `SELECT id, name, workspace_id, scope_type, scope_workspace_id, principal_type, principal_id, status, CAST(created_at AS VARCHAR) AS created_at,
                created_by_id, created_by_type, partial_key_hint, CAST(expires_at AS VARCHAR) AS expires_at, extra
           FROM claude_api_keys ORDER BY id`,
      ),
    ).toEqual([
      {
        id: 'apikey_01Rj2N8SVvo6BePZj99NhmiT',
        name: 'Developer Key',
        workspace_id: 'wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ',
        scope_type: null,
        scope_workspace_id: null,
        principal_type: null,
        principal_id: null,
        status: 'active',
        created_at: '2024-10-30 23:58:27.427722',
        created_by_id: 'user_01WCz1FkmYMm4gnmykNKUu3Q',
        created_by_type: 'user',
        partial_key_hint: 'sk-ant-api03-R2D...igAA',
        expires_at: null,
        extra: null,
      },
      {
        id: 'apikey_02DefaultWorkspaceKey',
        name: 'ci-pipeline',
        workspace_id: null,
        scope_type: null,
        scope_workspace_id: null,
        principal_type: null,
        principal_id: null,
        status: 'archived',
        created_at: '2025-01-15 08:00:00',
        created_by_id: 'user_01WCz1FkmYMm4gnmykNKUu3Q',
        created_by_type: 'user',
        partial_key_hint: 'sk-ant-api03-Xy9...Qw00',
        expires_at: '2026-01-15 08:00:00',
        extra: null,
      },
    ]);
    expect(await sql(file, 'SELECT id, name, display_color, CAST(created_at AS VARCHAR) AS created_at, CAST(archived_at AS VARCHAR) AS archived_at, extra FROM claude_workspaces ORDER BY id')).toEqual([
      { id: 'wrkspc_01Archived0000000000', name: 'Old Experiments', display_color: '#CC785C', created_at: '2024-02-01 10:00:00', archived_at: '2025-03-01 12:30:00', extra: null },
      { id: 'wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ', name: 'Workspace Name', display_color: '#6C5BB9', created_at: '2024-10-30 23:58:27.427722', archived_at: null, extra: null },
    ]);
    expect(await sql(file, 'SELECT id, email, name, role, CAST(added_at AS VARCHAR) AS added_at, extra FROM claude_users')).toEqual([
      { id: 'user_01WCz1FkmYMm4gnmykNKUu3Q', email: 'user@emaildomain.com', name: 'Jane Doe', role: 'user', added_at: '2024-10-30 23:58:27.427722', extra: null },
    ]);
    expect(await sql(file, 'SELECT id, name, type, extra FROM claude_organization')).toEqual([{ id: ORG, name: 'Acme Research', type: 'organization', extra: null }]);
  });

  it('the ledger: every window ok with nothing rounded or unknown, and the run names the organization', async () => {
    expect(
      await sql(file, `SELECT stream, CAST(window_start AS VARCHAR) AS from_day, CAST(window_end AS VARCHAR) AS to_day, status, complete, "rows", rounded_values, unknown_measures, error FROM ingest_windows ORDER BY stream`),
    ).toEqual([
      { stream: 'claude_code', from_day: '2025-08-08', to_day: '2025-08-09', status: 'ok', complete: true, rows: 8, rounded_values: 0, unknown_measures: null, error: null },
      { stream: 'cost', from_day: '2025-08-08', to_day: '2025-08-09', status: 'ok', complete: true, rows: 6, rounded_values: 0, unknown_measures: null, error: null },
      // Snapshots of today are never complete: 3 spend limits, 4 organization limiters and 1 workspace override.
      { stream: 'limits', from_day: TODAY, to_day: TODAY, status: 'ok', complete: false, rows: 8, rounded_values: 0, unknown_measures: null, error: null },
      { stream: 'org', from_day: TODAY, to_day: TODAY, status: 'ok', complete: false, rows: 8, rounded_values: 0, unknown_measures: null, error: null },
      { stream: 'usage', from_day: '2025-08-08', to_day: '2025-08-09', status: 'ok', complete: true, rows: 3, rounded_values: 0, unknown_measures: null, error: null },
    ]);
    expect(await sql(file, 'SELECT command, status, organization_id, organization_name, windows_ok, windows_failed FROM ingest_runs')).toEqual([
      { command: 'backfill', status: 'ok', organization_id: ORG, organization_name: 'Acme Research', windows_ok: 5, windows_failed: 0 },
    ]);
  });

  it('limits: every spend limit (the usage-tier cap included) and every limiter, the workspace override beside its organization value', async () => {
    expect(
      await sql(file, 'SELECT id, scope_type, scope_id, CAST(amount_cents AS VARCHAR) AS cents, currency, is_enabled, period FROM claude_spend_limits ORDER BY id'),
    ).toEqual([
      { id: 'spl_01Organization', scope_type: 'organization', scope_id: null, cents: '250000.000000000000', currency: 'USD', is_enabled: true, period: 'monthly' },
      { id: 'spl_01UsageTier', scope_type: 'usage_tier', scope_id: null, cents: '500000.000000000000', currency: 'USD', is_enabled: true, period: 'monthly' },
      { id: 'spl_01Workspace', scope_type: 'workspace', scope_id: 'wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ', cents: null, currency: 'USD', is_enabled: false, period: 'weekly' },
    ]);
    expect(
      await sql(file, 'SELECT scope, workspace_id, group_type, group_name, limiter, "value", org_limit FROM claude_rate_limits ORDER BY scope, group_type, limiter'),
    ).toEqual([
      { scope: 'organization', workspace_id: null, group_type: 'batch', group_name: null, limiter: 'requests_per_minute', value: 4000, org_limit: null },
      { scope: 'organization', workspace_id: null, group_type: 'model_group', group_name: 'Claude Sonnet 4', limiter: 'input_tokens_per_minute_cache_aware', value: 2000000, org_limit: null },
      { scope: 'organization', workspace_id: null, group_type: 'model_group', group_name: 'Claude Sonnet 4', limiter: 'output_tokens_per_minute', value: 400000, org_limit: null },
      { scope: 'organization', workspace_id: null, group_type: 'model_group', group_name: 'Claude Sonnet 4', limiter: 'requests_per_minute', value: 4000, org_limit: null },
      { scope: 'workspace', workspace_id: 'wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ', group_type: 'model_group', group_name: 'Claude Sonnet 4', limiter: 'output_tokens_per_minute', value: 100000, org_limit: 400000 },
    ]);
  });

  it('validate: the totals prove completeness; nothing rounded, no unknown measure, no duplicate', async () => {
    const res = await runCli(['validate', '--json', '--warehouse', `duckdb:${file}`], env());
    const r = checks(res);
    for (const id of ['completeness', 'cents', 'failed-windows', 'no-double-count', 'rounded-values', 'unknown-measures', 'duplicates']) {
      expect(r.get(id)?.status, `${id}: ${r.get(id)?.detail}`).toBe('PASS');
    }
    expect(r.get('rounded-values')!.figure).toBe('0 rounded');
    expect(r.get('unknown-measures')!.figure).toBe('0 unknown');
  });
});
