/**
 * One ingest run (backfill, daily run or retry): records the run, plans its windows from the ledger,
 * executes them and closes the run with its outcome. The three commands differ only in the plan.
 */
import { randomBytes } from 'node:crypto';
import type { AdminApiClient } from '../source/http-client.js';
import { redactKey } from '../source/base-url.js';
import { ConfigError, SourceError } from '../source/errors.js';
import { fetchOrganization } from '../source/organization.js';
import type { Organization } from '../source/schemas.js';
import { newRequestStats } from '../source/types.js';
import type { StreamOptions } from '../streams/stream.js';
import type { IsoDay } from '../util/dates.js';
import type { RunRecord, Warehouse, WindowRecord } from '../warehouse/warehouse.js';
import type { EmitEvent } from './events.js';
import { executeWindows, type ExecutionResult } from './execute-windows.js';
import type { WindowTask } from './windows.js';

export interface IngestEnvironment {
  warehouse: Warehouse;
  client: AdminApiClient;
  apiKey: string;
  emit: EmitEvent;
  concurrency: number;
  options: StreamOptions;
  today: IsoDay;
  toolVersion: string;
  /** This invocation ingests one organization only: rows from before organization ids may be given to it. */
  soleOrganization: boolean;
}

export interface Plan {
  tasks: WindowTask[];
  skippedDays: number;
  from: IsoDay;
  to: IsoDay;
}

export interface IngestOutcome extends ExecutionResult {
  runId: string;
  windows: number;
  /** null when GET /v1/organizations/me could not be read (then `fatal` says why). */
  organization: Organization | null;
}

export function newRunId(command: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${command}-${stamp}-${randomBytes(3).toString('hex')}`;
}

export async function runIngest(
  env: IngestEnvironment,
  command: string,
  args: Record<string, unknown>,
  plan: (ledger: WindowRecord[]) => Plan,
): Promise<IngestOutcome> {
  const runId = newRunId(command);
  const read = await readOrganization(env);
  const organization = 'organization' in read ? read.organization : null;
  const run: RunRecord = {
    runId,
    command,
    args,
    toolVersion: env.toolVersion,
    status: 'running',
    organizationId: organization?.id ?? null,
    organizationName: organization?.name ?? null,
    windowsOk: 0,
    windowsFailed: 0,
    startedAt: new Date().toISOString(),
    finishedAt: null,
  };
  await env.warehouse.recordRun(run);
  if (!organization) {
    // Rows without their organization cannot be placed in a shared warehouse: nothing is fetched.
    await env.warehouse.recordRun({ ...run, status: 'failed', finishedAt: new Date().toISOString() });
    const failure = 'failure' in read ? read.failure : { message: 'no organization', config: false };
    return { ok: 0, failed: 0, rows: 0, factRows: 0, requests: 1, rateLimited: 0, fatal: failure, refused: new Map(), runId, windows: 0, organization: null };
  }
  const attribution = await env.warehouse.attributeOrganization(env.soleOrganization ? organization.id : null);
  if (attribution.attributed > 0) {
    env.emit({ type: 'info', message: `${attribution.attributed.toLocaleString('en-US')} rows written before organization ids existed now belong to ${organization.name ?? organization.id}` });
  }
  if (attribution.unattributed > 0) {
    env.emit({
      type: 'warning',
      message: `${attribution.unattributed.toLocaleString('en-US')} rows from before organization ids existed have none: run once with the key that wrote them alone (--org NAME), so they are attributed to it`,
    });
  }
  const mine = (await env.warehouse.listWindows()).filter((w) => w.organizationId === organization.id);
  const { tasks, skippedDays, from, to } = plan(mine);
  env.emit({ type: 'plan', windows: tasks.length, skippedDays, streams: [...new Set(tasks.map((t) => t.stream.name))], from, to });
  let result: ExecutionResult;
  try {
    result = await executeWindows(
      {
        warehouse: env.warehouse,
        client: env.client,
        runId,
        options: env.options,
        concurrency: env.concurrency,
        today: env.today,
        emit: env.emit,
        apiKey: env.apiKey,
        organization,
      },
      tasks,
    );
  } catch (err) {
    await env.warehouse.recordRun({ ...run, status: 'failed', finishedAt: new Date().toISOString() });
    throw err;
  }
  await env.warehouse.recordRun({
    ...run,
    status: result.failed > 0 || result.fatal ? 'failed' : 'ok',
    windowsOk: result.ok,
    windowsFailed: result.failed,
    finishedAt: new Date().toISOString(),
  });
  const factWindows = tasks.filter((t) => t.stream.writeMode === 'replace-days').length;
  // factRows, not rows: the org name lists are never empty, so counting them would hide an empty range.
  if (result.failed === 0 && factWindows > 0 && result.factRows === 0) {
    env.emit({ type: 'warning', message: `the API returned no usage, cost or Claude Code data at all for ${from}..${to}: check the dates and that the key belongs to the right organization` });
  }
  return { ...result, runId, windows: tasks.length, organization };
}

/**
 * GET /v1/organizations/me, once per run: which organization this key reads. Every row and window
 * is stored under its id, so a run that cannot read it fetches nothing and says why.
 */
async function readOrganization(env: IngestEnvironment): Promise<{ organization: Organization } | { failure: { message: string; config: boolean } }> {
  try {
    return { organization: await fetchOrganization(env.client, newRequestStats()) };
  } catch (err) {
    const text = redactKey(err instanceof Error ? err.message : String(err), env.apiKey).replace(/\s+/g, ' ').trim();
    // A rejected key or an unreachable API already says everything in its own words.
    const message = err instanceof SourceError && err.fatal ? text : `could not read the organization (GET /v1/organizations/me): ${text}`;
    return { failure: { message, config: err instanceof ConfigError } };
  }
}
