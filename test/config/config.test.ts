/** The config file: YAML and JSON, ${ENV} references, one readable line per problem (exit 2), the published JSON Schema. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, CONFIG_SCHEMA_PATH } from '../../src/config/json-schema.js';
import { ConfigFileError, loadConfig } from '../../src/config/load.js';
import { runCli, tempDir } from '../helpers/cli.js';

const dir = tempDir('ci-config-');
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const problems = (path: string, env: Record<string, string> = {}) => {
  try {
    loadConfig(path, env);
  } catch (err) {
    if (err instanceof ConfigFileError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigFileError');
};

describe('config file', () => {
  it('the committed docs/config.schema.json is generated from the zod schema (npx tsx src/config/json-schema.ts)', () => {
    expect(readFileSync(CONFIG_SCHEMA_PATH, 'utf8')).toBe(configJsonSchema());
  });

  it('reads YAML and JSON alike, fills defaults and resolves ${ENV} without keeping the reference', () => {
    const yaml = write('a.yaml', 'alerts:\n  budgets:\n    - { name: Org, monthly_usd: 20000 }\n  notify:\n    - webhook: { url: "${HOOK}", secret: "${SECRET}" }\n');
    const json = write('a.json', JSON.stringify({ alerts: { budgets: [{ name: 'Org', monthly_usd: 20000 }], notify: [{ webhook: { url: '${HOOK}', secret: '${SECRET}' } }] } }));
    const env = { HOOK: 'https://hooks.example.com/T0/abc', SECRET: 'hmac-key-123' };
    const a = loadConfig(yaml, env);
    const b = loadConfig(json, env);
    expect(a.config).toEqual(b.config);
    expect(a.config.alerts!.budgets[0]!.thresholds_pct).toEqual([50, 80, 100]);
    expect(a.config.alerts!.notify[0]!.webhook).toEqual({ url: env.HOOK, secret: env.SECRET, allow_private_network: false });
    expect(a.secrets.sort()).toEqual([env.HOOK, env.SECRET].sort());
  });

  it('CLAUDE_INGEST_CONFIG names the file; organizations (issue 14) are validated already', () => {
    const path = write('orgs.yml', 'organizations:\n  - name: Production\n    admin_key: "${KEY_PROD}"\n  - admin_key_file: /var/secrets/research\n');
    const loaded = loadConfig(undefined, { CLAUDE_INGEST_CONFIG: path, KEY_PROD: 'sk-ant-admin01-x' });
    expect(loaded.config.organizations).toHaveLength(2);
    expect(problems(write('orgs-bad.yml', 'organizations:\n  - name: Both\n    admin_key: a\n    admin_key_file: b\n'))).toEqual([
      expect.stringMatching(/orgs-bad\.yml:2: organizations\[0\]: expected exactly one of admin_key, admin_key_file$/),
    ]);
  });

  it.each([
    ['unknown key', 'alerts:\n  budget: []\n', /x\.yaml:2: alerts: unknown key "budget": check the spelling/],
    ['wrong type', 'alerts:\n  budgets:\n    - name: Org\n      monthly_usd: lots\n', /x\.yaml:4: alerts\.budgets\[0\]\.monthly_usd: expected a positive amount of dollars/],
    ['zero budget', 'alerts:\n  budgets:\n    - { name: Org, monthly_usd: 0 }\n', /alerts\.budgets\[0\]\.monthly_usd: .*expected number to be >0/],
    ['missing name', 'alerts:\n  budgets:\n    - monthly_usd: 10\n', /x\.yaml:3: alerts\.budgets\[0\]\.name: expected string, got nothing/],
    ['bad threshold', 'alerts:\n  budgets:\n    - { name: a, monthly_usd: 1, thresholds_pct: [50, 2000] }\n', /alerts\.budgets\[0\]\.thresholds_pct\[1\]: .*<=1000/],
    ['two channels in one item', 'alerts:\n  notify:\n    - { slack: { webhook_url: "https://a.example/x" }, webhook: { url: "https://b.example/y" } }\n', /alerts\.notify\[0\]: expected exactly one of slack, webhook, email/],
    ['bad email', 'alerts:\n  notify:\n    - email: { smtp_url: "smtp://h:25", from: nobody, to: [a@example.com] }\n', /alerts\.notify\[0\]\.email\.from: expected an email address/],
    ['bad sensitivity', 'alerts:\n  anomalies:\n    daily_spend: { sensitivity: -1 }\n', /alerts\.anomalies\.daily_spend\.sensitivity: .*>0/],
    ['unknown time zone', 'timezone: America/Springfield\n', /x\.yaml:1: timezone: "America\/Springfield" is not an IANA time zone: use a name such as America\/Los_Angeles/],
    ['fiscal month 13', 'fiscal_year_start_month: 13\n', /x\.yaml:1: fiscal_year_start_month: .*<=12/],
    ['week_start', 'week_start: friday\n', /x\.yaml:1: week_start: /],
    ['not YAML', 'alerts: [\n', /x\.yaml:\d+: not valid YAML/],
  ])('%s: one line naming the file, line and key path', (_name, text, expected) => {
    const lines = problems(write('x.yaml', text));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[0]).toMatch(expected);
    for (const l of lines) expect(l).not.toContain('\n');
  });

  it('a missing variable names the variable; secret values are never printed, even when invalid', async () => {
    const path = write('env.yaml', 'alerts:\n  notify:\n    - slack: { webhook_url: "${SLACK_HOOK}" }\n    - webhook: { url: "${BAD_URL}" }\n');
    const secret = 'not a url but secret-value-987';
    const missing = await runCli(['alerts', '--config', path, '--warehouse', `duckdb:${join(dir, 'none.duckdb')}`], { BAD_URL: secret, PATH: '' });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/env\.yaml:3: alerts\.notify\[0\]\.slack\.webhook_url: the environment variable SLACK_HOOK is not set/);
    const invalid = await runCli(['alerts', '--config', path, '--warehouse', `duckdb:${join(dir, 'none.duckdb')}`], { SLACK_HOOK: 'https://hooks.example.com/x', BAD_URL: secret });
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/alerts\.notify\[1\]\.webhook\.url: expected a URL/);
    for (const r of [missing, invalid]) expect(r.stdout + r.stderr).not.toContain('secret-value-987');
    expect(invalid.stdout + invalid.stderr).not.toContain('hooks.example.com/x');
  });

  it('a config file that does not exist, or has the wrong extension, is exit 2 with one line', async () => {
    const r = await runCli(['alerts', '--config', join(dir, 'nope.yaml')], {});
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/the config file .*nope\.yaml does not exist/);
    expect(problems(write('c.toml', 'x = 1'))[0]).toMatch(/must end in \.yaml, \.yml or \.json/);
  });
});

describe('the config schema is loaded only when a file is read', () => {
  it('no file: the same config the schema gives an empty file, and --config / CLAUDE_INGEST_CONFIG / a default name say a file may be read', async () => {
    const { configSchema } = await import('../../src/config/schema.js');
    const { mayReadConfigFile } = await import('../../src/config/load.js');
    const dir = tempDir();
    const none = loadConfig(undefined, {}, dir);
    expect(none.path).toBeNull();
    expect(none.config).toEqual(configSchema.parse({}));
    expect(mayReadConfigFile(['validate'], {}, dir)).toBe(false);
    expect(mayReadConfigFile(['validate', '--config', 'x.yaml'], {}, dir)).toBe(true);
    expect(mayReadConfigFile(['validate', '--config=x.yaml'], {}, dir)).toBe(true);
    expect(mayReadConfigFile(['validate'], { CLAUDE_INGEST_CONFIG: 'x.yaml' }, dir)).toBe(true);
    writeFileSync(join(dir, 'claude-ingest.yaml'), 'timezone: UTC\n');
    expect(mayReadConfigFile(['validate'], {}, dir)).toBe(true);
    expect(loadConfig(undefined, {}, dir).config).toEqual({ timezone: 'UTC' });
  });
});
