/**
 * Shared set-up for test files that drive the BigQuery warehouse against the local stand-in: no
 * credential lookup can reach the network, every outbound connection is recorded, and the file
 * fails if anything but the stand-in on 127.0.0.1 was contacted.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, expect } from 'vitest';
import { openBigQueryWarehouse, type BigQueryWarehouse, type JobStats, type OpenBigQueryOptions } from '../../src/warehouse/bigquery/bigquery-warehouse.js';
import { BigQueryStandIn } from './stand-in.js';

export const PROJECT = 'test-project';
export const DATASET = 'claude_usage';

// Any credential lookup (ADC file, metadata server) must fail loudly rather than reach the network.
process.env.GOOGLE_APPLICATION_CREDENTIALS = '/nonexistent/claude-ingest-test-credentials.json';
process.env.METADATA_SERVER_DETECTION = 'none';
delete process.env.BIGQUERY_EMULATOR_HOST;
delete process.env.GOOGLE_CLOUD_PROJECT;

/** The static token the stand-in demands, handed over the way a user would (auth=token). */
export const TOKEN = 'stand-in-token';

export interface StandInHarness {
  standIn: BigQueryStandIn;
  stats: JobStats[];
  open(opts?: Partial<OpenBigQueryOptions>): Promise<BigQueryWarehouse>;
  /** http://127.0.0.1:<port> once the stand-in runs. */
  endpoint(): string;
}

/**
 * Registers the stand-in's start/stop and the no-other-connection assertion for the calling file.
 * `otherLoopbackPorts` names further local servers the file may contact (e.g. the Admin API emulator).
 */
export function useStandIn(otherLoopbackPorts: () => number[] = () => []): StandInHarness {
  const standIn = new BigQueryStandIn();
  const connections: string[] = [];
  const onSocket = (msg: unknown) => {
    const socket = (msg as { socket: Socket }).socket;
    socket.once('connectionAttempt', (ip: string, port: number) => connections.push(`${ip}:${port}`));
    socket.once('connect', () => connections.push(`${socket.remoteAddress}:${socket.remotePort}`));
  };
  let endpoint = '';
  const h: StandInHarness = {
    standIn,
    stats: [],
    endpoint: () => endpoint,
    open: (opts = {}) =>
      openBigQueryWarehouse(
        { kind: 'bigquery', project: PROJECT, dataset: DATASET, location: 'US', endpoint, auth: 'token' },
        {
          onJobStats: (s) => h.stats.push(s),
          env: { CLAUDE_INGEST_BIGQUERY_TOKEN: TOKEN },
          bigQueryOptions: { autoRetry: false },
          conflictRetryMinMs: 10,
          ...opts,
        },
      ),
  };
  beforeAll(async () => {
    subscribe('net.client.socket', onSocket);
    endpoint = await standIn.start();
  });
  afterAll(async () => {
    unsubscribe('net.client.socket', onSocket);
    await standIn.stop();
    expect(connections.length).toBeGreaterThan(0);
    const allowed = [standIn.port, ...otherLoopbackPorts()].map((p) => `127.0.0.1:${p}`);
    expect([...new Set(connections)].filter((c) => !allowed.includes(c))).toEqual([]);
    expect(connections).toContain(`127.0.0.1:${standIn.port}`);
  });
  return h;
}
