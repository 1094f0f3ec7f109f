/**
 * One ingest run (backfill, daily run or retry): records the run, plans its windows from the ledger,
 * executes them and closes the run with its outcome. The three commands differ only in the plan.
 */
import { randomBytes } from 'node:crypto';
import type { AdminApiClient } from '../source/http-client.js';
import { redactKey } from '../source/base-url.js';
import { SourceError } from '../source/errors.js';
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
  const organization = await readOrganization(env);
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
  const { tasks, skippedDays, from, to } = plan(await env.warehouse.listWindows());
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
  return { ...result, runId, windows: tasks.length };
}

/**
 * GET /v1/organizations/me, once per run: which organization this key reads, for the ledger, the
 * claude_organization snapshot and the name shown by status, report and the dashboard. Never a reason
 * to stop: a failure that will stop every window anyway (a rejected key) is left to them to report;
 * any other is one warning and the run goes on without the name.
 */
async function readOrganization(env: IngestEnvironment): Promise<Organization | null> {
  try {
    return await fetchOrganization(env.client, newRequestStats());
  } catch (err) {
    if (!(err instanceof SourceError && err.fatal)) {
      const why = redactKey(err instanceof Error ? err.message : String(err), env.apiKey);
      env.emit({ type: 'warning', message: `could not read the organization (GET /v1/organizations/me): ${why}; the run goes on without its name` });
    }
    return null;
  }
}
