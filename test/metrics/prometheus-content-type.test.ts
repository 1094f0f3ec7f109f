/** The content type written without loading prom-client at start is prom-client's own. */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { PROMETHEUS_CONTENT_TYPE } from '../../src/metrics/prometheus.js';

describe('PROMETHEUS_CONTENT_TYPE', () => {
  it("is prom-client's Registry.PROMETHEUS_CONTENT_TYPE", () => {
    expect(PROMETHEUS_CONTENT_TYPE).toBe(Registry.PROMETHEUS_CONTENT_TYPE);
  });
});
