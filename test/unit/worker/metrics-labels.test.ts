// The worker's and the gateway's metric labels stay bounded whatever names reach them: API names
// without the counters' shape, Azure path segments that are resource names, unknown clouds,
// statuses and tools all collapse to `other` / `unknown`, and the API set per cloud is capped.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { GatewayMetrics } from '../../../mcp-gateway/metrics.js';
import { MAX_APIS, WorkerMetrics } from '../../../worker/metrics.js';

async function labelsOf(registry: Registry, name: string): Promise<Record<string, string | number>[]> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? []).map((v) => ({ ...v.labels, value: v.value }));
}

describe('worker metric labels', () => {
  it('keeps API names of the counters\' shape and collapses the rest to `other`', async () => {
    const registry = new Registry();
    const metrics = new WorkerMetrics(registry);
    metrics.cloudCalls('aws', { 's3:ListBuckets': 2, 'tagging:GetResources': 1, 'evil"label\n': 5, 'arn:aws:s3:::my-bucket': 1 });
    metrics.cloudCalls('azure', { 'arm:resources': 3, 'arm:my-private-rg': 1, 'arm:prodvm01': 1 });
    metrics.cloudCalls('somecloud', { 's3:ListBuckets': 1 });
    const rows = await labelsOf(registry, 'finops_cloud_api_calls_total');
    expect(rows).toEqual(expect.arrayContaining([
      { cloud: 'aws', api: 's3:ListBuckets', value: 2 },
      { cloud: 'aws', api: 'tagging:GetResources', value: 1 },
      { cloud: 'aws', api: 'other', value: 6 },
      { cloud: 'azure', api: 'arm:resources', value: 3 },
      { cloud: 'azure', api: 'other', value: 2 },
      { cloud: 'other', api: 's3:ListBuckets', value: 1 },
    ]));
    expect(rows).toHaveLength(6);
  });

  it('caps the distinct APIs of a cloud at MAX_APIS', async () => {
    const registry = new Registry();
    const metrics = new WorkerMetrics(registry);
    metrics.cloudCalls('aws', Object.fromEntries(Array.from({ length: MAX_APIS + 20 }, (_, i) => [`svc:Op${i}`, 1])));
    const rows = await labelsOf(registry, 'finops_cloud_api_calls_total');
    expect(rows).toHaveLength(MAX_APIS + 1);
    expect(rows.find((r) => r.api === 'other')?.value).toBe(20);
  });

  it('counts scans and failures under known statuses, triggers and types only', async () => {
    const registry = new Registry();
    const metrics = new WorkerMetrics(registry);
    metrics.scanClosed('completed', 'scheduled');
    metrics.scanClosed('weird', 'adhoc');
    metrics.cloudFailure('aws', 'scanShard', 'Throttled');
    metrics.cloudFailure('aws', 'scanShard', 'SomeNewError');
    expect(await labelsOf(registry, 'finops_scans_total')).toEqual(expect.arrayContaining([
      { status: 'completed', trigger: 'scheduled', value: 1 }, { status: 'other', trigger: 'adhoc', value: 1 },
    ]));
    expect(await labelsOf(registry, 'finops_cloud_throttles_total')).toEqual([{ cloud: 'aws', activity: 'scanShard', value: 1 }]);
    expect(await labelsOf(registry, 'finops_cloud_errors_total')).toEqual(expect.arrayContaining([
      { cloud: 'aws', activity: 'scanShard', type: 'Throttled', value: 1 }, { cloud: 'aws', activity: 'scanShard', type: 'other', value: 1 },
    ]));
  });
});

describe('gateway metric labels', () => {
  it('labels unregistered tool names `unknown` and unknown outcomes `error`, and reads audit losses at scrape time', async () => {
    const registry = new Registry();
    let lost = 0;
    const metrics = new GatewayMetrics(registry, { tools: ['get_tagging_policy'], auditFailures: () => lost });
    metrics.recordToolCall('get_tagging_policy', 'ok', 0.01);
    metrics.recordToolCall('<script>', 'invalid', 0);
    metrics.recordToolCall('get_tagging_policy', 'exploded', 0.2);
    lost = 3;
    const text = await metrics.exposition();
    expect(text).toContain('finops_tool_calls_total{tool="get_tagging_policy",outcome="ok"} 1');
    expect(text).toContain('finops_tool_calls_total{tool="unknown",outcome="invalid"} 1');
    expect(text).toContain('finops_tool_calls_total{tool="get_tagging_policy",outcome="error"} 1');
    expect(text).toContain('finops_audit_writes_failed_total 3');
    expect(text).not.toContain('script');
  });
});
