// Prometheus metrics on real components: the HTTP gateway in process (its own registry), the worker
// as its own process (`finops-tag-compliance worker` with METRICS_WORKER_PORT and the Temporal SDK's
// exporter), moto behind the fault proxy, a Temporal dev server and PostgreSQL. Tools are called
// through a real MCP client, a scan runs, and both /metrics are scraped and parsed: the counters
// moved by the amounts the calls and the stored scan say, with bounded labels only.
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type StoreHandle } from '../../cli/runtime.js';
import { createLogger } from '../../config/logger.js';
import { totalCalls } from '../../core/cloud-calls.js';
import { createHttpGateway } from '../../mcp-gateway/http.js';
import { startMotoStack, type MotoStack } from '../support/moto-stack.js';
import { raw } from '../support/http-gateway.js';
import { freePort } from '../../worker/dev-server.js';
import { waitFor } from '../support/wait.js';

interface Sample { name: string; labels: Record<string, string>; value: number }

/** The samples of a Prometheus text exposition (comments skipped). */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** The value of one sample (0 when absent), matching every label given. */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

const UNKNOWN_TOOL = 'no_such_tool_from_a_caller';

describe('Prometheus metrics of the gateway and the worker', () => {
  let stack: MotoStack;
  let store: StoreHandle;
  let temporal: Client;
  let app: FastifyInstance;
  let baseUrl: string;
  let workerMetricsUrl: string;

  beforeAll(async () => {
    const [workerPort, sdkPort] = [await freePort(), await freePort()];
    workerMetricsUrl = `http://127.0.0.1:${workerPort}/metrics`;
    // One SDK attempt per call: an injected throttle fails the attempt, where the worker counts it.
    stack = await startMotoStack({
      name: 'metrics',
      workerEnv: { AWS_SDK_MAX_ATTEMPTS: '1', METRICS_WORKER_PORT: String(workerPort), TEMPORAL_SDK_METRICS_PORT: String(sdkPort) },
    });
    const logger = createLogger('silent');
    store = await openStore(stack.config, logger);
    temporal = new Client({ connection: await Connection.connect({ address: stack.temporalServer.address }) });
    app = await createHttpGateway({ config: stack.config, store: store.store, temporal, logger }, { dbKind: store.db.kind });
    baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await app?.close();
    await temporal?.connection.close();
    await store?.close();
    await stack?.stop();
  });

  const scrape = async (url: string): Promise<{ samples: Sample[]; text: string; contentType: string }> => {
    const reply = await raw(url);
    expect(reply.status, reply.body).toBe(200);
    return { samples: parseExposition(reply.body), text: reply.body, contentType: String(reply.headers['content-type']) };
  };

  async function withClient<T>(fn: (client: McpClient) => Promise<T>): Promise<T> {
    const client = new McpClient({ name: 'metrics-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`)));
    try {
      return await fn(client);
    } finally {
      await client.close();
    }
  }

  it('counts tool calls by tool and outcome, unknown tool names as `unknown`', async () => {
    const before = (await scrape(`${baseUrl}/metrics`)).samples;
    await withClient(async (client) => {
      expect((await client.callTool({ name: 'get_tagging_policy', arguments: {} })).isError).toBeFalsy();
      expect((await client.callTool({ name: 'get_tagging_policy', arguments: {} })).isError).toBeFalsy();
      expect((await client.callTool({ name: 'get_tagging_policy', arguments: { bogus: 1 } })).isError).toBe(true);
      expect((await client.callTool({ name: UNKNOWN_TOOL, arguments: {} })).isError).toBe(true);
    });
    const { samples, text, contentType } = await scrape(`${baseUrl}/metrics`);
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const delta = (labels: Record<string, string>) => valueOf(samples, 'finops_tool_calls_total', labels) - valueOf(before, 'finops_tool_calls_total', labels);
    expect(delta({ tool: 'get_tagging_policy', outcome: 'ok' })).toBe(2);
    expect(delta({ tool: 'get_tagging_policy', outcome: 'invalid' })).toBe(1);
    expect(delta({ tool: 'unknown', outcome: 'invalid' })).toBe(1);
    // The latency histogram saw the same calls.
    expect(valueOf(samples, 'finops_tool_call_duration_seconds_count', { tool: 'get_tagging_policy', outcome: 'ok' })
      - valueOf(before, 'finops_tool_call_duration_seconds_count', { tool: 'get_tagging_policy', outcome: 'ok' })).toBe(2);
    expect(valueOf(samples, 'finops_tool_call_duration_seconds_bucket', { tool: 'get_tagging_policy', outcome: 'ok', le: '+Inf' })).toBeGreaterThanOrEqual(2);
    expect(samples.some((s) => s.name === 'finops_audit_writes_failed_total')).toBe(true);
    expect(valueOf(samples, 'finops_audit_writes_failed_total')).toBe(store.store.auditFailures().failedWrites);
    expect(text).not.toContain(UNKNOWN_TOOL);
  });

  it('counts a scan, its shards, resources and cloud calls on the worker, and exports the SDK\'s own metrics', async () => {
    const [account] = stack.org.accounts;
    const [region] = stack.org.regions;
    const reply = await withClient((client) => client.callTool({
      name: 'check_tag_compliance',
      arguments: { accounts: [account], regions: [region], resource_types: ['s3:bucket', 'ec2:instance'], force_refresh: true, wait_seconds: 120 },
    }));
    expect(reply.isError, JSON.stringify(reply.content)).toBeFalsy();
    const scanId = (reply.structuredContent as { scan_id: string }).scan_id;
    // The tool's scan_id is the workflow id; the row is found by it.
    const scan = (await store.store.listScans({ limit: 20 })).find((row) => row.workflowId === scanId);
    expect(scan?.status).toBe('completed');

    const { samples, text } = await waitFor(async () => {
      const s = await scrape(workerMetricsUrl);
      return valueOf(s.samples, 'finops_scans_total', { status: 'completed', trigger: 'adhoc' }) >= 1 ? s : undefined;
    }, 30_000, 'the scan counted on the worker', { intervalMs: 300, ignoreErrors: true });
    expect(valueOf(samples, 'finops_scans_total', { status: 'completed', trigger: 'adhoc' })).toBe(1);
    expect(valueOf(samples, 'finops_resources_scanned_total', { cloud: 'aws' })).toBe(scan!.totals!.total);
    expect(valueOf(samples, 'finops_shard_duration_seconds_count', { cloud: 'aws', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    // Every call the scan stored (planning and shards, per API) is on the worker's counter, and nothing else.
    const stored = scan!.cloudCalls ?? {};
    expect(totalCalls(stored)).toBeGreaterThan(0);
    for (const [api, n] of Object.entries(stored)) expect(valueOf(samples, 'finops_cloud_api_calls_total', { cloud: 'aws', api }), api).toBe(n);
    expect(valueOf(samples, 'finops_cloud_api_calls_total', { cloud: 'aws' })).toBe(totalCalls(stored));
    // The Temporal SDK's worker metrics, from its own exporter, on the same endpoint.
    expect(text).toMatch(/^temporal_\w+/m);
    expect(text).toMatch(/^temporal_\w*poll\w*/m);
    // Labels never carry scope values (account ids, regions) or the scan id.
    const labelValues = samples.flatMap((s) => Object.values(s.labels)).filter((v) => v && !/^temporal/.test(v));
    for (const v of labelValues) {
      expect(v).not.toContain(account!);
      expect(v).not.toContain(scanId);
    }
  }, 180_000);

  it('counts throttled shard attempts by cloud and activity', async () => {
    const [, account] = stack.org.accounts;
    const [region] = stack.org.regions;
    const before = parseExposition((await raw(workerMetricsUrl)).body);
    stack.proxy.setRules([{ name: 's3-throttled', service: 's3', fault: { kind: 'throttle', every: 1 } }]);
    try {
      await withClient((client) => client.callTool({
        name: 'check_tag_compliance',
        arguments: { accounts: [account], regions: [region], resource_types: ['s3:bucket'], force_refresh: true, wait_seconds: 0 },
      }));
      const samples = await waitFor(async () => {
        const s = parseExposition((await raw(workerMetricsUrl)).body);
        return valueOf(s, 'finops_cloud_throttles_total', { cloud: 'aws' }) > valueOf(before, 'finops_cloud_throttles_total', { cloud: 'aws' }) ? s : undefined;
      }, 60_000, 'a throttled attempt counted', { intervalMs: 300, ignoreErrors: true });
      expect(valueOf(samples, 'finops_cloud_errors_total', { cloud: 'aws', type: 'Throttled' }))
        .toBeGreaterThan(valueOf(before, 'finops_cloud_errors_total', { cloud: 'aws', type: 'Throttled' }));
      expect(valueOf(samples, 'finops_shard_duration_seconds_count', { cloud: 'aws', outcome: 'failed' })).toBeGreaterThanOrEqual(1);
      // The throttled requests were sent, so they count as calls too.
      expect(valueOf(samples, 'finops_cloud_api_calls_total', { cloud: 'aws', api: 's3:ListBuckets' }))
        .toBeGreaterThan(valueOf(before, 'finops_cloud_api_calls_total', { cloud: 'aws', api: 's3:ListBuckets' }));
    } finally {
      stack.proxy.setRules([]);
    }
  }, 120_000);

  it('asks for an API key on /metrics when keys are configured, unless metrics.requireAuth is false', async () => {
    const key = 'metrics-test-key';
    const hash = (await import('node:crypto')).createHash('sha256').update(key).digest('hex');
    const logger = createLogger('silent');
    const build = async (requireAuth: boolean) => {
      const config = { ...stack.config, http: { ...stack.config.http, apiKeyHashes: [hash] }, metrics: { ...stack.config.metrics, requireAuth } };
      const gateway = await createHttpGateway({ config, store: store.store, temporal, logger }, { dbKind: store.db.kind });
      return { gateway, url: await gateway.listen({ host: '127.0.0.1', port: 0 }) };
    };
    const locked = await build(true);
    const open = await build(false);
    try {
      expect((await raw(`${locked.url}/metrics`)).status).toBe(401);
      expect((await raw(`${locked.url}/metrics`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
      expect((await raw(`${open.url}/metrics`)).status).toBe(200);
      // The Host guard stands in front of /metrics like every route.
      expect((await raw(`${open.url}/metrics`, { headers: { host: 'evil.example' } })).status).toBe(403);
    } finally {
      await locked.gateway.close();
      await open.gateway.close();
    }
  });
});
