// The scan tools end to end, through real MCP clients over Streamable HTTP and stdio, against
// the moto-backed stack: Temporal dev server, PostgreSQL, a worker process, and the gateway.
// Numbers are checked against what the seeder created.
import path from 'node:path';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../config/logger.js';
import { connectTemporal, openStore, type StoreHandle, type TemporalHandle } from '../../cli/runtime.js';
import { createHttpGateway } from '../../mcp-gateway/http.js';
import { REPO_ROOT } from '../../worker/temporal-cli.js';
import { expectedTotals, SEEDED_TYPES, type SeededOrg } from '../support/aws-seed.js';
import type { FaultProxy } from '../support/fault-proxy.js';
import { startMotoStack, type MotoStack } from '../support/moto-stack.js';

type Structured = Record<string, unknown>;
interface ScanView { scan_id: string; cached?: boolean; total_resources: number; compliant_resources: number; non_compliant_resources: number;
  compliance_score: number; by_account: Record<string, unknown>; by_resource_type: Record<string, unknown>; data_quality: { status: string } }

describe('MCP gateway scan tools on the moto-backed stack', () => {
  let stack: MotoStack;
  let proxy: FaultProxy;
  let org: SeededOrg;
  let temporal: TemporalHandle;
  let store: StoreHandle;
  let app: FastifyInstance;
  let baseUrl: string;
  let env: Record<string, string>;
  const clients: McpClient[] = [];

  beforeAll(async () => {
    stack = await startMotoStack({ name: 'gw', config: { gateway: { sessionCallBudget: 1000, maxIdenticalCalls: 50 } } });
    ({ proxy, org, env } = stack);
    const logger = createLogger('silent');
    temporal = await connectTemporal(stack.config, logger, false);
    store = await openStore(stack.config, logger);
    app = await createHttpGateway({ config: stack.config, store: store.store, temporal: temporal.client, logger }, { dbKind: store.db.kind });
    baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  });

  afterEach(() => proxy.setRules([]));

  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await app?.close();
    await store?.close();
    await temporal?.close();
    await stack?.stop();
  });

  async function http(): Promise<McpClient> {
    const client = new McpClient({ name: 'gateway-e2e', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`)));
    clients.push(client);
    return client;
  }

  async function call(client: McpClient, name: string, args: Structured, onprogress?: (p: { progress: number; total?: number; message?: string }) => void) {
    const result = await client.callTool({ name, arguments: args }, undefined, onprogress ? { onprogress, timeout: 120_000 } : { timeout: 120_000 }) as CallToolResult;
    return result;
  }

  const fullScope = () => ({ accounts: org.accounts, regions: org.regions, resource_types: [...SEEDED_TYPES] });
  const expectedViolations = () => org.resources.reduce((n, r) => n + r.expectedKinds.length, 0);

  it('lists every scan tool with input and output schemas and annotations', async () => {
    const { tools } = await (await http()).listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    for (const name of ['check_tag_compliance', 'get_tagging_policy', 'start_compliance_scan', 'get_scan_status', 'list_scans', 'cancel_scan']) {
      const tool = byName.get(name);
      expect(tool, name).toBeDefined();
      expect(tool!.outputSchema, name).toBeDefined();
      expect(typeof tool!.annotations?.readOnlyHint, name).toBe('boolean');
    }
    expect(byName.get('check_tag_compliance')!.inputSchema.properties).toHaveProperty('wait_seconds');
    expect(byName.get('check_tag_compliance')!.inputSchema.properties).toHaveProperty('resource_types');
  });

  it('check_tag_compliance scans, pages every violation, then serves the same scope from cache', async () => {
    const client = await http();
    const expected = expectedTotals(org);
    const first = await call(client, 'check_tag_compliance', { ...fullScope(), wait_seconds: 120, limit: 20 });
    expect(first.isError, JSON.stringify(first.content)).toBeFalsy();
    const s = first.structuredContent as { status: string; scan: ScanView; violations: unknown[]; next_cursor: string | null };
    expect(s.status).toBe('completed');
    expect(s.scan).toMatchObject({ cached: false, total_resources: expected.total, compliant_resources: expected.compliant,
      non_compliant_resources: expected.nonCompliant, by_account: expected.byAccount, by_resource_type: expected.byResourceType,
      data_quality: { status: 'complete' } });
    expect(s.scan.compliance_score).toBeCloseTo(expected.compliant / expected.total, 6);

    // Page through all violations with the cursor: each finding exactly once.
    const seen: string[] = [];
    let page = s;
    for (;;) {
      expect(page.violations.length).toBeLessThanOrEqual(20);
      seen.push(...(page.violations as { resource_id: string; kind: string; tag: string }[]).map((v) => `${v.resource_id}|${v.kind}|${v.tag}`));
      if (!page.next_cursor) break;
      const next = await call(client, 'check_tag_compliance', { ...fullScope(), limit: 20, cursor: page.next_cursor });
      page = next.structuredContent as typeof s;
    }
    expect(seen.length).toBe(expectedViolations());
    expect(new Set(seen).size).toBe(seen.length);

    const started = performance.now();
    const second = await call(client, 'check_tag_compliance', { ...fullScope(), resource_types: [...SEEDED_TYPES].reverse() });
    const cached = second.structuredContent as { scan: ScanView };
    expect(cached.scan.cached).toBe(true);
    expect(cached.scan.scan_id).toBe(s.scan.scan_id);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(second._meta?.correlation_id).toMatch(/^[0-9a-f-]{36}$/);

    const audit = await store.store.listAudit({ limit: 50 });
    expect(audit.filter((a) => a.tool === 'check_tag_compliance').length).toBeGreaterThanOrEqual(2);
  });

  it('reports untagged resources, a report and history that agree with the seeded inventory', async () => {
    const client = await http();
    const expected = expectedTotals(org);
    const untagged = (await call(client, 'find_untagged_resources', { ...fullScope(), limit: 1000 })).structuredContent as {
      status: string; cached: boolean; total_untagged: number; never_tagged: number; resources_scanned: number; resources: { arn: string }[] };
    const missing = org.resources.filter((r) => r.expectedKinds.includes('missing_required_tag'));
    expect(untagged).toMatchObject({ status: 'completed', cached: true, resources_scanned: expected.total, total_untagged: missing.length,
      never_tagged: org.resources.filter((r) => r.variant === 'never_tagged').length });
    expect(untagged.resources.map((r) => r.arn).sort()).toEqual(missing.map((r) => r.arn).sort());

    const report = (await call(client, 'generate_compliance_report', { ...fullScope(), format: 'markdown' })).structuredContent as { report: string };
    expect(report.report).toContain(`${expected.compliant}`);
    expect(report.report).toContain(`${expected.total}`);

    const snapshot = await call(client, 'check_tag_compliance', { ...fullScope(), store_snapshot: true, wait_seconds: 120 });
    expect((snapshot.structuredContent as { scan: ScanView }).scan.cached).toBe(false);
    const history = (await call(client, 'get_violation_history', { days_back: 1 })).structuredContent as {
      points: { total: number; compliant: number }[]; snapshots: number };
    expect(history.snapshots).toBe(1);
    expect(history.points).toMatchObject([{ total: expected.total, compliant: expected.compliant }]);
  });

  it('returns a handle with progress when a scan outlasts wait_seconds, and get_scan_status later returns the result', async () => {
    proxy.setRules([{ name: 'slow', fault: { kind: 'delay', ms: 1000 } }]);
    const client = await http();
    const progress: { progress: number; total?: number; message?: string }[] = [];
    const started = performance.now();
    let firstProgressAt: number | undefined;
    const reply = await call(client, 'check_tag_compliance', { ...fullScope(), force_refresh: true, wait_seconds: 3 }, (p) => {
      firstProgressAt ??= performance.now() - started;
      progress.push(p);
    });
    const s = reply.structuredContent as { status: string; scan_id: string; next_step: string };
    expect(s.status).toBe('running');
    expect(s.next_step).toMatch(/get_scan_status/);
    expect(progress.length).toBeGreaterThan(0);
    expect(firstProgressAt).toBeLessThan(2000);
    expect(progress.at(-1)!.message).toMatch(/shards/);

    proxy.setRules([]);
    const status = await call(client, 'get_scan_status', { scan_id: s.scan_id, wait_seconds: 120 });
    const done = status.structuredContent as { status: string; scan: ScanView };
    expect(done.status).toBe('completed');
    expect(done.scan.total_resources).toBe(expectedTotals(org).total);
    expect(done.scan.scan_id).toBe(s.scan_id);
  });

  it('joins one workflow for two concurrent identical start_compliance_scan calls', async () => {
    const [a, b] = await Promise.all([http(), http()]);
    const scope = { accounts: [org.accounts[0]!], regions: [org.regions[1]!], resource_types: ['lambda:function'] };
    const [ra, rb] = await Promise.all([call(a, 'start_compliance_scan', scope), call(b, 'start_compliance_scan', scope)]);
    const sa = ra.structuredContent as { scan_id: string; workflow_run_id: string };
    const sb = rb.structuredContent as { scan_id: string; workflow_run_id: string };
    expect(sa.scan_id).toBe(sb.scan_id);
    expect(sa.workflow_run_id).toBe(sb.workflow_run_id);
    const done = (await call(a, 'get_scan_status', { scan_id: sa.scan_id, wait_seconds: 60 })).structuredContent as { scan: ScanView };
    expect(done.scan.total_resources).toBe(org.resources.filter((r) => r.account === org.accounts[0] && r.region === org.regions[1] && r.type === 'lambda:function').length);

    const listed = (await call(a, 'list_scans', { limit: 10 })).structuredContent as { scans: { scan_id: string }[] };
    expect(listed.scans.map((x) => x.scan_id)).toContain(sa.scan_id);
  });

  it('cancels a running scan', async () => {
    proxy.setRules([{ name: 'slow', fault: { kind: 'delay', ms: 1000 } }]);
    const client = await http();
    const started = (await call(client, 'start_compliance_scan', { ...fullScope(), force_refresh: true })).structuredContent as { scan_id: string };
    const cancelled = await call(client, 'cancel_scan', { scan_id: started.scan_id, reason: 'test' });
    expect(cancelled.isError, JSON.stringify(cancelled.content)).toBeFalsy();
    const status = (await call(client, 'get_scan_status', { scan_id: started.scan_id, wait_seconds: 60 })).structuredContent as { status: string; scan: ScanView };
    expect(status.status).toBe('cancelled');
    expect(status.scan.data_quality.status).toBe('partial');
    const again = await call(client, 'cancel_scan', { scan_id: started.scan_id });
    expect(again.isError).toBe(true);
    expect(JSON.stringify(again.content)).toMatch(/not running/);
  });

  it('refuses bad input, naming the field', async () => {
    const client = await http();
    const badType = await call(client, 'check_tag_compliance', { resource_types: ['not a type'] });
    expect(badType.isError).toBe(true);
    expect(JSON.stringify(badType.content)).toMatch(/resource_types.*service:kind/);
    // Refused by the SDK's schema check before any handler ran: still a correlation id and an audit row.
    const badLimit = await call(client, 'check_tag_compliance', { resource_types: ['ec2:instance'], limit: 0 });
    expect(badLimit.isError).toBe(true);
    expect(JSON.stringify(badLimit.content)).toMatch(/limit/);
    const correlationId = badLimit._meta?.correlation_id as string;
    expect(correlationId).toMatch(/^[0-9a-f-]{36}$/);
    const row = (await store.store.listAudit({ limit: 50 })).find((a) => a.correlationId === correlationId);
    expect(row).toMatchObject({ tool: 'check_tag_compliance', outcome: 'invalid' });
    const badScan = await call(client, 'get_scan_status', { scan_id: '../../etc/passwd' });
    expect(badScan.isError).toBe(true);
    expect(JSON.stringify(badScan.content)).toMatch(/scan_id/);
    const unknown = await call(client, 'get_scan_status', { scan_id: 'scan-adhoc-000000000000-20200101T0000Z' });
    expect(unknown.isError).toBe(true);
    expect(JSON.stringify(unknown.content)).toMatch(/no scan with id/);
  });

  it('over stdio: serves the cached result, and enforces loop detection and the session budget', async () => {
    const client = new McpClient({ name: 'gateway-e2e-stdio', version: '1.0.0' });
    await client.connect(new StdioClientTransport({
      command: process.execPath,
      args: [path.join(REPO_ROOT, 'bin', 'finops-tag-compliance.mjs'), 'stdio'],
      env: { ...process.env as Record<string, string>, ...env, LOG_LEVEL: 'warn', MAX_IDENTICAL_CALLS: '3', SESSION_CALL_BUDGET: '6' },
      stderr: 'pipe',
    }));
    clients.push(client);
    const cached = await call(client, 'check_tag_compliance', fullScope());
    expect((cached.structuredContent as { scan: ScanView }).scan).toMatchObject({ cached: true, total_resources: expectedTotals(org).total });

    for (let i = 0; i < 3; i++) expect((await call(client, 'get_tagging_policy', {})).isError).toBeFalsy();
    const loop = await call(client, 'get_tagging_policy', {});
    expect(loop.isError).toBe(true);
    expect(JSON.stringify(loop.content)).toMatch(/loop detected/);

    expect((await call(client, 'list_scans', { limit: 1 })).isError).toBeFalsy();
    expect((await call(client, 'list_scans', { limit: 2 })).isError).toBeFalsy();
    const over = await call(client, 'list_scans', { limit: 3 });
    expect(over.isError).toBe(true);
    expect(JSON.stringify(over.content)).toMatch(/session budget exhausted: 6 tool calls/);
    const refused = (await store.store.listAudit({ limit: 20 })).filter((a) => a.outcome === 'refused');
    expect(refused.length).toBeGreaterThanOrEqual(2);
  });
});
