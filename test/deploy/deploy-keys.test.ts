/**
 * deploy/ with several admin keys (issue 14): deploy.sh and setup-iam.sh run for real under bash,
 * against a stand-in `gcloud`/`bq` on PATH that records every call (the Google Cloud SDK is not
 * installed here, and nothing may reach Google). The config the job would read is loaded with the
 * same code the job runs (resolveOrganizationKeys), with the keys in the variables Cloud Run sets.
 */
import { execFile } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveOrganizationKeys } from '../../src/config/organization-keys.js';
import { tempDir } from '../helpers/cli.js';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

let dir: string;

/** A gcloud/bq that logs each call (one line, args joined by ' | '), keeps stdin of `versions add`, and knows the secrets in $KNOWN_SECRETS. */
function stubs(): void {
  const gcloud = `#!/usr/bin/env bash
printf '%s\\n' "gcloud $(printf '%s | ' "$@")" >>"$STUB_LOG"
case "$*" in
  "secrets describe "*) [[ " $KNOWN_SECRETS " == *" $3 "* ]] || exit 1 ;;
  "secrets versions add "*) cat >"$STUB_DIR/uploaded-$4.yaml" ;;
  "artifacts docker images describe "*) echo "sha256:0123abcd" ;;
esac
exit 0
`;
  const bq = `#!/usr/bin/env bash
printf '%s\\n' "bq $(printf '%s | ' "$@")" >>"$STUB_LOG"
exit 0
`;
  for (const [name, text] of [['gcloud', gcloud], ['bq', bq]] as const) {
    writeFileSync(join(dir, name), text);
    chmodSync(join(dir, name), 0o755);
  }
}

async function script(name: string, env: Record<string, string>): Promise<{ code: number; stderr: string; calls: string[] }> {
  const log = join(dir, 'calls.log');
  writeFileSync(log, '');
  const base = { PATH: `${dir}:${process.env.PATH}`, HOME: dir, STUB_LOG: log, STUB_DIR: dir, PROJECT_ID: 'my-project-1', TAG: 't1' };
  try {
    const res = await run('bash', [join(ROOT, 'deploy', name)], { env: { ...base, ...env }, cwd: ROOT });
    return { code: 0, stderr: res.stderr, calls: readFileSync(log, 'utf8').trim().split('\n').map((l) => l.trimEnd()) };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr, calls: readFileSync(log, 'utf8').trim().split('\n').map((l) => l.trimEnd()) };
  }
}

/** The value after `flag` in the recorded `gcloud run jobs deploy` call. */
function deployFlag(calls: string[], flag: string): string {
  const call = calls.find((c) => c.startsWith('gcloud run | jobs | deploy'));
  if (!call) throw new Error(`no deploy call in ${calls.join('\n')}`);
  const parts = call.split(' | ');
  return parts[parts.indexOf(flag) + 1]!;
}

beforeEach(() => {
  dir = tempDir('ci-deploy-');
  stubs();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('deploy.sh with ADMIN_KEY_SECRETS', () => {
  it('mounts each key as its own variable and a generated claude-ingest.yaml that reads them', async () => {
    const res = await script('deploy.sh', { ADMIN_KEY_SECRETS: 'Production=prod-key,research-key', KNOWN_SECRETS: 'prod-key research-key' });
    expect(res.code, res.stderr).toBe(0);
    expect(deployFlag(res.calls, '--set-secrets')).toBe(
      'ANTHROPIC_ADMIN_KEY_PROD_KEY=prod-key:latest,ANTHROPIC_ADMIN_KEY_RESEARCH_KEY=research-key:latest,/etc/claude-ingest/claude-ingest.yaml=claude-ingest-config:latest',
    );
    expect(deployFlag(res.calls, '--set-env-vars')).toBe(
      'CLAUDE_INGEST_WAREHOUSE=bigquery://my-project-1/claude_usage?location=US,CLAUDE_INGEST_CONFIG=/etc/claude-ingest/claude-ingest.yaml',
    );
    // The config secret is created (it did not exist) and the job's account may read it.
    expect(res.calls).toContain('gcloud secrets | create | claude-ingest-config | --project | my-project-1 | --replication-policy | automatic |');
    expect(res.calls.some((c) => c.startsWith('gcloud secrets | add-iam-policy-binding | claude-ingest-config |'))).toBe(true);

    // What the job does with it: the uploaded file, read by the job's own code with the variables Cloud Run sets.
    const config = join(dir, 'uploaded-claude-ingest-config.yaml');
    const text = readFileSync(config, 'utf8');
    expect(text).not.toMatch(/sk-ant/);
    const keys = resolveOrganizationKeys(
      { ANTHROPIC_ADMIN_KEY_PROD_KEY: 'sk-ant-admin01-prod-aaaaaaaa', ANTHROPIC_ADMIN_KEY_RESEARCH_KEY: 'sk-ant-admin01-research-bbbbbbbb', CLAUDE_INGEST_CONFIG: config },
      undefined,
    );
    expect(keys.map((k) => [k.name, k.apiKey])).toEqual([
      ['Production', 'sk-ant-admin01-prod-aaaaaaaa'],
      [null, 'sk-ant-admin01-research-bbbbbbbb'],
    ]);
  });

  it('one secret deploys exactly as before: ANTHROPIC_ADMIN_KEY, no config', async () => {
    const res = await script('deploy.sh', { KNOWN_SECRETS: 'anthropic-admin-key' });
    expect(res.code, res.stderr).toBe(0);
    expect(deployFlag(res.calls, '--set-secrets')).toBe('ANTHROPIC_ADMIN_KEY=anthropic-admin-key:latest');
    expect(deployFlag(res.calls, '--set-env-vars')).toBe('CLAUDE_INGEST_WAREHOUSE=bigquery://my-project-1/claude_usage?location=US');
    expect(res.calls.some((c) => c.includes('claude-ingest-config'))).toBe(false);
  });

  it('CONFIG_FILE is uploaded as is (e.g. with alerts:), beside the one key', async () => {
    const own = join(dir, 'mine.yaml');
    writeFileSync(own, 'alerts:\n  channels: []\n');
    const res = await script('deploy.sh', { CONFIG_FILE: own, KNOWN_SECRETS: 'anthropic-admin-key claude-ingest-config' });
    expect(res.code, res.stderr).toBe(0);
    expect(deployFlag(res.calls, '--set-secrets')).toBe('ANTHROPIC_ADMIN_KEY=anthropic-admin-key:latest,/etc/claude-ingest/claude-ingest.yaml=claude-ingest-config:latest');
    expect(readFileSync(join(dir, 'uploaded-claude-ingest-config.yaml'), 'utf8')).toBe(readFileSync(own, 'utf8'));
    expect(res.calls.some((c) => c.startsWith('gcloud secrets | create | claude-ingest-config'))).toBe(false);
  });

  it('refuses a missing secret, a bad name and two secrets sharing a variable before deploying anything', async () => {
    const missing = await script('deploy.sh', { ADMIN_KEY_SECRETS: 'prod-key,research-key', KNOWN_SECRETS: 'prod-key' });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('secret research-key does not exist: store its key with SECRET_NAME=research-key ./deploy/setup-secret.sh');
    const bad = await script('deploy.sh', { ADMIN_KEY_SECRETS: 'prod key!', KNOWN_SECRETS: '' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('is not valid');
    const clash = await script('deploy.sh', { ADMIN_KEY_SECRETS: 'prod-key,prod_key', KNOWN_SECRETS: 'prod-key prod_key' });
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain('map to the same variable ANTHROPIC_ADMIN_KEY_PROD_KEY');
    for (const r of [missing, bad, clash]) expect(r.calls.some((c) => c.startsWith('gcloud run |') || c.startsWith('gcloud builds |'))).toBe(false);
  });
});

describe('deploy.sh with alerts (issue 13)', () => {
  it('ALERTS=1 runs `run --alerts`, and ALERT_SECRETS puts the channel URLs in variables from Secret Manager', async () => {
    const own = join(dir, 'alerts.yaml');
    writeFileSync(own, 'alerts:\n  notify:\n    - slack: { webhook_url: "${SLACK_WEBHOOK_URL}" }\n');
    const res = await script('deploy.sh', { CONFIG_FILE: own, ALERTS: '1', ALERT_SECRETS: 'SLACK_WEBHOOK_URL=slack-webhook,SMTP_URL=smtp-url', KNOWN_SECRETS: 'anthropic-admin-key' });
    expect(res.code, res.stderr).toBe(0);
    expect(deployFlag(res.calls, '--args')).toBe('run,--alerts');
    expect(deployFlag(res.calls, '--set-secrets')).toBe(
      'ANTHROPIC_ADMIN_KEY=anthropic-admin-key:latest,/etc/claude-ingest/claude-ingest.yaml=claude-ingest-config:latest,SLACK_WEBHOOK_URL=slack-webhook:latest,SMTP_URL=smtp-url:latest',
    );
    const iam = await script('setup-iam.sh', { ALERT_SECRETS: 'SLACK_WEBHOOK_URL=slack-webhook', KNOWN_SECRETS: 'anthropic-admin-key slack-webhook' });
    expect(iam.calls.filter((c) => c.startsWith('gcloud secrets | add-iam-policy-binding |')).map((c) => c.split(' | ')[2])).toEqual(['anthropic-admin-key', 'slack-webhook']);
  });

  it('without ALERTS the job runs `run`; ALERTS=1 without a config file or a bad ALERT_SECRETS entry is refused before deploying', async () => {
    const plain = await script('deploy.sh', { KNOWN_SECRETS: 'anthropic-admin-key' });
    expect(deployFlag(plain.calls, '--args')).toBe('run');
    const noConfig = await script('deploy.sh', { ALERTS: '1', KNOWN_SECRETS: 'anthropic-admin-key' });
    expect(noConfig.code).toBe(1);
    expect(noConfig.stderr).toContain('ALERTS=1 needs CONFIG_FILE');
    const bad = await script('deploy.sh', { ALERT_SECRETS: 'slack=https://hooks.example', KNOWN_SECRETS: 'anthropic-admin-key' });
    expect(bad.code).toBe(1);
    for (const r of [noConfig, bad]) expect(r.calls.some((c) => c.startsWith('gcloud run |') || c.startsWith('gcloud builds |'))).toBe(false);
  });
});

describe('setup-iam.sh with ADMIN_KEY_SECRETS', () => {
  it('grants secretAccessor on each key secret only, and says which are missing', async () => {
    const res = await script('setup-iam.sh', { ADMIN_KEY_SECRETS: 'prod-key,research-key', KNOWN_SECRETS: 'prod-key' });
    expect(res.code, res.stderr).toBe(0);
    const grants = res.calls.filter((c) => c.startsWith('gcloud secrets | add-iam-policy-binding |')).map((c) => c.split(' | ')[2]);
    expect(grants).toEqual(['prod-key']);
    expect(res.stderr).toContain('secret research-key does not exist yet: run SECRET_NAME=research-key deploy/setup-secret.sh');
  });
});
