// What the client is told about a scan, on real components (Temporal dev server, PostgreSQL, moto
// behind the fault proxy, the worker as its own process): the scan id in the first progress
// notification, a repeated force_refresh joining the forced run, shards being retried, a slow page
// kept alive by heartbeats, a partial result's short cache life, and an unreachable Temporal
// answered as "status unknown", never as a scan that ended. The Temporal test runs last: it kills
// the server.
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { cancelSignal } from '../../workflows/contract.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../config/index.js';
import { createLogger } from '../../config/logger.js';
import { openStore, type StoreHandle } from '../../cli/runtime.js';
import type { ToolContext, ToolDefinition } from '../../mcp-gateway/context.js';
import { createMcpServer } from '../../mcp-gateway/server.js';
import { checkTagCompliance } from '../../mcp-gateway/tools/check-tag-compliance.js';
import { getScanStatus } from '../../mcp-gateway/tools/get-scan-status.js';
import { scanIdParam } from '../../mcp-gateway/scans/params.js';
import { startMotoStack, type MotoStack } from '../support/moto-stack.js';
import { waitFor } from '../support/wait.js';

type Check = Parameters<typeof checkTagCompliance.handler>[1];
type Structured = { status: string; scan_id: string; progress?: { retrying?: { attempt: number; last_error: string; account: string }[] };
  scan?: { cached?: boolean; status: string; data_quality: { status: string } } };

describe('what the client is told about a scan', () => {
  let stack: MotoStack;
  let temporal: Client;
  let store: StoreHandle;
  let outage: Client | undefined;
  let A0: string, A1: string, R0: string, R1: string;

  beforeAll(async () => {
    // One SDK attempt: injected throttling is retried by Temporal, where the gateway can see it.
    stack = await startMotoStack({ name: 'scan-status', workerEnv: { AWS_SDK_MAX_ATTEMPTS: '1' } });
    store = await openStore(stack.config, createLogger('silent'));
    temporal = new Client({ connection: await Connection.connect({ address: stack.temporalServer.address }) });
    [A0, A1] = stack.org.accounts as [string, string];
    [R0, R1] = stack.org.regions as [string, string];
  });

  afterAll(async () => {
    await temporal?.connection.close();
    await store?.close();
    await stack?.stop();
    await outage?.connection.close();
  });

  afterEach(() => stack.proxy.setRules([]));

  function configWith(over: { gateway?: Partial<Config['gateway']>; aws?: Partial<Config['clouds']['aws']> } = {}): Config {
    const c = stack.config;
    return { ...c, gateway: { ...c.gateway, ...over.gateway }, clouds: { ...c.clouds, aws: { ...c.clouds.aws, ...over.aws } } };
  }

  function ctxOf(config = stack.config, notes: string[] = []): ToolContext {
    return {
      config, store: store.store, temporal, logger: createLogger('silent'), correlationId: 'test',
      progress: async (_p, _t, message) => { notes.push(message); },
    };
  }

  const check = (ctx: ToolContext, input: Partial<Check> & Pick<Check, 'resource_types'>) =>
    checkTagCompliance.handler(ctx, checkTagCompliance.inputSchema.parse(input));
  const status = (ctx: ToolContext, scanId: string, waitSeconds = 0) =>
    getScanStatus.handler(ctx, getScanStatus.inputSchema.parse({ scan_id: scanId, wait_seconds: waitSeconds }));
  const cancel = (scanId: string) => temporal.workflow.getHandle(scanId).signal(cancelSignal, 'test done');

  it('names the scan id in the first progress notification, and a repeated forced call joins the forced run', async () => {
    stack.proxy.setRules([{ name: 'slow', fault: { kind: 'delay', ms: 2000 } }]);
    const server = createMcpServer({ config: stack.config, store: store.store, temporal, logger: createLogger('silent') },
      { sessionId: 'progress' }, [checkTagCompliance, getScanStatus] as unknown as ToolDefinition[]);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const client = new McpClient({ name: 'scan-status-test', version: '1.0.0' });
    await server.connect(serverSide);
    await client.connect(clientSide);
    const messages: string[] = [];
    const args = { accounts: [A0], regions: [R0], resource_types: ['ec2:instance'], force_refresh: true, wait_seconds: 1 };
    const first = await client.callTool({ name: 'check_tag_compliance', arguments: args }, undefined,
      { onprogress: (p) => { messages.push(p.message ?? ''); } });
    const scanId = (first.structuredContent as Structured).scan_id;
    expect((first.structuredContent as Structured).status).toBe('running');
    expect(messages[0]).toContain(scanId);
    expect(scanIdParam.safeParse(scanId).success).toBe(true);

    // A different second: the old per-second forced id would start a second full scan here.
    await new Promise((r) => setTimeout(r, 1100));
    const again = await client.callTool({ name: 'check_tag_compliance', arguments: { ...args, wait_seconds: 0 } });
    expect((again.structuredContent as Structured).scan_id).toBe(scanId);
    await client.close();
    await cancel(scanId);
  });

  it('shows a shard being retried, with its attempt and a short error, while failures is still 0', async () => {
    stack.proxy.setRules([{ name: 'rds-throttled', service: 'rds', fault: { kind: 'throttle', every: 1 } }]);
    const ctx = ctxOf();
    const started = await check(ctx, { accounts: [A1], regions: [R0], resource_types: ['rds:db'], wait_seconds: 0 });
    const scanId = started.structured.scan_id;
    const retrying = await waitFor(async () => {
      const reply = await status(ctx, scanId);
      const list = (reply.structured as Structured).progress?.retrying;
      return list?.some((r) => r.attempt >= 2) ? { list, reply } : undefined;
    }, 60_000, 'a retrying shard in get_scan_status');
    expect(retrying.list[0]).toMatchObject({ account: A1, region: R0, resource_type: 'rds:db' });
    expect(retrying.list[0]!.last_error).toMatch(/Throttl/);
    expect(JSON.stringify(retrying.list)).not.toMatch(/127\.0\.0\.1|localhost|:\d{4,5}\b/);
    expect((retrying.reply.structured as { progress: { failures: number } }).progress.failures).toBe(0);
    expect(retrying.reply.text).toMatch(/shard\(s\) retrying/);
    await cancel(scanId);
  });

  it('keeps a shard alive through a page call slower than its heartbeat timeout (aws.shardHeartbeatSeconds)', async () => {
    // ListTables takes 4.5 s; the heartbeat timeout is 3 s: without heartbeats during the call, every attempt times out.
    stack.proxy.setRules([{ name: 'slow-list', service: 'dynamodb', target: 'ListTables', fault: { kind: 'delay', ms: 4500 } }]);
    const ctx = ctxOf(configWith({ aws: { shardHeartbeatSeconds: 3 } }));
    const reply = await check(ctx, { accounts: [A0], regions: [R1], resource_types: ['dynamodb:table'], wait_seconds: 90 });
    const s = reply.structured as Structured;
    expect(s.status).toBe('completed');
    expect(s.scan!.data_quality.status).toBe('complete');
    expect(stack.proxy.stats.injected['slow-list']).toBeGreaterThan(0);
  });

  let partialScanId = '';

  it('serves a partial result from cache flagged first, and only for partialCacheTtlSeconds', async () => {
    stack.proxy.setRules([{ name: 'ec2-denied', service: 'ec2', region: R1, fault: { kind: 'deny' } }]);
    const scope = { accounts: [A1], regions: [R1], resource_types: ['ec2:volume'] };
    const ctx = ctxOf(configWith({ gateway: { partialCacheTtlSeconds: 300 } }));
    const first = await check(ctx, { ...scope, wait_seconds: 60 });
    expect((first.structured as Structured).scan!.data_quality.status).toBe('partial');
    partialScanId = first.structured.scan_id;

    const cached = await check(ctx, scope);
    expect((cached.structured as Structured).scan!.cached).toBe(true);
    expect(cached.text).toMatch(/^PARTIAL DATA: .*force_refresh: true/);

    stack.proxy.setRules([]);
    const expired = await check(ctxOf(configWith({ gateway: { partialCacheTtlSeconds: 0 } })), { ...scope, wait_seconds: 60 });
    const s = expired.structured as Structured;
    expect(s.scan!.cached).toBe(false);
    expect(s.scan!.data_quality.status).toBe('complete');
  });

  it('answers "status unknown: Temporal is unavailable" for a running scan once Temporal is gone, never "ended"', async () => {
    stack.proxy.setRules([{ name: 'slow', fault: { kind: 'delay', ms: 500 } }]);
    // Its own connection, whose client-side retries of an unreachable server end within a second:
    // the SDK's retry timers outlive a deadline, and would fire on a closed connection otherwise.
    outage = new Client({ connection: await Connection.connect({
      address: stack.temporalServer.address, interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 3 }))],
    }) });
    const ctx = { ...ctxOf(), temporal: outage };
    const started = await check(ctx, { accounts: [A0, A1], resource_types: ['ec2:instance', 'rds:db'], wait_seconds: 0 });
    expect(started.structured.status).toBe('running');
    stack.temporalServer.process.kill('SIGKILL');

    const unknown = await status(ctx, started.structured.scan_id).then(() => 'answered', (err: Error) => err.message);
    expect(unknown).toMatch(/^status unknown: Temporal is unavailable/);
    expect(unknown).toContain('may still be running');
    expect(unknown).not.toMatch(/ended|127\.0\.0\.1/);

    // A scan the store holds as completed still answers, from the store.
    const stored = await status(ctx, partialScanId);
    expect(stored.structured.status).toBe('completed');

    const forced = await check(ctx, { accounts: [A0], resource_types: ['s3:bucket'], force_refresh: true })
      .then(() => 'answered', (err: Error) => err.message);
    expect(forced).toMatch(/Temporal is unavailable .*could not be started/);
  });
});
