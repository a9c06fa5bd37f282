// MCP tasks (experimental in the SDK) for check_tag_compliance, end to end on the moto-backed
// stack: a task created through one gateway is polled, read and listed through a second gateway
// with its own McpServer, store handle and Temporal connection, after the first one has closed.
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, CreateTaskResultSchema, ErrorCode, McpError, type CallToolResult, type Task } from '@modelcontextprotocol/sdk/types.js';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../config/index.js';
import { createLogger } from '../../config/logger.js';
import { connectTemporal, openStore, type StoreHandle, type TemporalHandle } from '../../cli/runtime.js';
import { createHttpGateway } from '../../mcp-gateway/http.js';
import { expectedTotals, SEEDED_TYPES, type SeededOrg } from '../support/aws-seed.js';
import type { FaultProxy } from '../support/fault-proxy.js';
import { startMotoStack, type MotoStack } from '../support/moto-stack.js';

interface ScanView { scan_id: string; cached?: boolean; total_resources: number; compliant_resources: number; non_compliant_resources: number;
  by_account: Record<string, unknown>; by_resource_type: Record<string, unknown>; data_quality: { status: string } }
interface CheckOutput { status: string; scan_id: string; scan: ScanView; violations: unknown[]; next_cursor: string | null }

/** A gateway with its own store handle, Temporal connection and McpServers: another replica. */
interface Gateway { app: FastifyInstance; url: string; store: StoreHandle; temporal: TemporalHandle; clients: McpClient[] }

describe('MCP tasks backed by scan workflows', () => {
  let stack: MotoStack;
  let proxy: FaultProxy;
  let org: SeededOrg;
  let config: Config;
  const gateways: Gateway[] = [];

  beforeAll(async () => {
    stack = await startMotoStack({ name: 'tasks', config: { gateway: { sessionCallBudget: 1000, maxIdenticalCalls: 50 } } });
    ({ proxy, org, config } = stack);
  });

  afterEach(() => proxy.setRules([]));

  afterAll(async () => {
    await Promise.allSettled(gateways.map(close));
    await stack?.stop();
  });

  async function gateway(): Promise<Gateway> {
    const logger = createLogger('silent');
    const temporal = await connectTemporal(config, logger, false);
    const store = await openStore(config, logger);
    const app = await createHttpGateway({ config, store: store.store, temporal: temporal.client, logger }, { dbKind: store.db.kind });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const gw = { app, url, store, temporal, clients: [] };
    gateways.push(gw);
    return gw;
  }

  async function close(gw: Gateway): Promise<void> {
    await Promise.allSettled(gw.clients.map((c) => c.close()));
    await gw.app.close();
    await gw.store.close();
    await gw.temporal.close();
  }

  async function client(gw: Gateway): Promise<McpClient> {
    const c = new McpClient({ name: 'tasks-e2e', version: '1.0.0' });
    await c.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`)));
    gw.clients.push(c);
    return c;
  }

  const fullScope = () => ({ accounts: org.accounts, regions: org.regions, resource_types: [...SEEDED_TYPES] });

  async function createTask(c: McpClient, args: Record<string, unknown>): Promise<Task> {
    const created = await c.request({ method: 'tools/call', params: { name: 'check_tag_compliance', arguments: args } },
      CreateTaskResultSchema, { task: { ttl: 600_000 }, timeout: 30_000 });
    return created.task;
  }

  async function untilTerminal(c: McpClient, taskId: string, seen: string[] = []): Promise<Task> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const task = await c.experimental.tasks.getTask(taskId);
      seen.push(task.status);
      if (['completed', 'failed', 'cancelled'].includes(task.status)) return task;
      if (Date.now() > deadline) throw new Error(`task ${taskId} still ${task.status}`);
      await new Promise((r) => setTimeout(r, task.pollInterval ?? 500));
    }
  }

  it('advertises task support for check_tag_compliance only, and keeps plain calls as they were', async () => {
    const gw = await gateway();
    const c = await client(gw);
    expect(c.getServerCapabilities()?.tasks).toMatchObject({ list: {}, cancel: {}, requests: { tools: { call: {} } } });
    const { tools } = await c.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    expect(byName.get('check_tag_compliance')!.execution).toEqual({ taskSupport: 'optional' });
    expect(byName.get('get_scan_status')!.execution?.taskSupport ?? 'forbidden').toBe('forbidden');
    // A refused task call is a JSON-RPC error with the tool's message and correlation id.
    const refused = await createTask(c, { resource_types: ['ec2:instance'], limit: 0 }).then(() => undefined, (err: unknown) => err as McpError);
    expect(refused?.code).toBe(ErrorCode.InvalidParams);
    expect(refused?.message).toMatch(/limit.*correlation id/);
    const correlationId = (refused?.data as { correlation_id: string }).correlation_id;
    const row = (await gw.store.store.listAudit({ limit: 50 })).find((a) => a.correlationId === correlationId);
    expect(row).toMatchObject({ tool: 'check_tag_compliance', outcome: 'invalid' });
    await expect(createTask(c, { resource_types: ['not a type'] })).rejects.toThrow(/resource_types.*service:kind/);
    // A plain call still waits and answers with the result (or a running handle), not a task.
    const plain = await c.callTool({ name: 'check_tag_compliance', arguments: { resource_types: ['lambda:function'], wait_seconds: 60 } },
      undefined, { timeout: 120_000 }) as CallToolResult;
    expect(plain.isError, JSON.stringify(plain.content)).toBeFalsy();
    expect((plain.structuredContent as { status: string }).status).toBe('completed');
  });

  it('creates a task on one gateway and completes, lists and reads it on another after the first has gone', async () => {
    proxy.setRules([{ name: 'slow', fault: { kind: 'delay', ms: 400 } }]);
    const first = await gateway();
    const task = await createTask(await client(first), { ...fullScope(), force_refresh: true, limit: 20 });
    expect(task.status).toBe('working');
    expect(task.taskId).toMatch(/^scan-adhoc-[0-9a-f]{12}-\d{8}T\d{4}Z-r\d{6}~/);
    await close(first);

    const second = await client(await gateway());
    const statuses: string[] = [];
    const done = await untilTerminal(second, task.taskId, statuses);
    expect(done.status, JSON.stringify(done)).toBe('completed');
    expect(statuses[0]).toBe('working');
    const listed = await second.experimental.tasks.listTasks();
    expect(listed.tasks.map((t) => t.taskId)).toContain(task.taskId.split('~')[0]);

    const result = await second.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema) as CallToolResult;
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    const s = result.structuredContent as unknown as CheckOutput;
    const expected = expectedTotals(org);
    expect(s.status).toBe('completed');
    expect(s.scan).toMatchObject({ cached: false, total_resources: expected.total, compliant_resources: expected.compliant,
      non_compliant_resources: expected.nonCompliant, by_account: expected.byAccount, by_resource_type: expected.byResourceType,
      data_quality: { status: 'complete' } });
    expect(s.violations.length).toBe(Math.min(20, org.resources.reduce((n, r) => n + r.expectedKinds.length, 0)));
    expect(s.scan_id).toBe(task.taskId.split('~')[0]);

    // The same scope again: a fresh stored result completes the task at once.
    const cached = await createTask(second, { ...fullScope(), limit: 5 });
    expect(cached.status).toBe('completed');
    const fromCache = (await second.experimental.tasks.getTaskResult(cached.taskId, CallToolResultSchema)).structuredContent as unknown as CheckOutput;
    expect(fromCache.scan).toMatchObject({ cached: true, total_resources: expected.total });
    expect(fromCache.violations.length).toBe(5);
  });

  it('cancels a task: the scan stops and the task ends cancelled with its partial data', async () => {
    proxy.setRules([{ name: 'slow', fault: { kind: 'delay', ms: 1000 } }]);
    const c = await client(await gateway());
    const task = await createTask(c, { ...fullScope(), force_refresh: true });
    expect(task.status).toBe('working');
    // Cancel once shards are running, not while the scan is still planning.
    for (let t = await c.experimental.tasks.getTask(task.taskId); !/^scanning/.test(t.statusMessage ?? '');
      t = await c.experimental.tasks.getTask(task.taskId)) {
      expect(t.status).toBe('working');
      await new Promise((r) => setTimeout(r, 200));
    }
    // tasks/cancel signals the workflow and waits a little for it to close, so the reply already says cancelled.
    const cancelled = await c.experimental.tasks.cancelTask(task.taskId);
    expect(cancelled.status).toBe('cancelled');
    const done = await untilTerminal(await client(await gateway()), task.taskId);
    expect(done.status).toBe('cancelled');
    const result = await c.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema);
    const s = result.structuredContent as unknown as CheckOutput;
    expect(s.status).toBe('cancelled');
    expect(s.scan.data_quality.status).toBe('partial');
    await expect(c.experimental.tasks.cancelTask(task.taskId)).rejects.toThrow(/terminal/);
    await expect(c.experimental.tasks.getTask('scan-adhoc-000000000000-20200101T0000Z')).rejects.toThrow(/not found/i);
  });
});
