// The audit trail through a real MCP client, against a real Temporal dev server and PostgreSQL:
// every call leaves a row (NUL in the input, SDK refusals, malformed tools/call requests, task
// calls on tools without task support), values are redacted, and a call that changes state is
// not run when its audit row cannot be written.
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { CallToolResultSchema, CreateTaskResultSchema, ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configSchema } from '../../config/index.js';
import { createLogger } from '../../config/logger.js';
import { defineTool, type GatewayDeps, type ToolDefinition } from '../../mcp-gateway/context.js';
import { checkHealth } from '../../mcp-gateway/health.js';
import { createHttpGateway } from '../../mcp-gateway/http.js';
import { createMcpServer } from '../../mcp-gateway/server.js';
import { TOOLS } from '../../mcp-gateway/tools/index.js';
import { createStore, migrate, openDb, type AuditRecord, type Db } from '../../store/index.js';
import type { DevServer } from '../../worker/dev-server.js';
import { REPO_ROOT } from '../../worker/temporal-cli.js';
import { SCAN_POLICY_PATH } from '../support/aws-seed.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { startTestTemporal } from '../support/temporal.js';

const SCAN_ID = 'scan-adhoc-1a2b3c4d5e6f-20261125T0215Z';
const CORRELATION = /correlation id ([0-9a-f-]{36})/;

/** A tool that changes state (not readOnlyHint) and says whether it ran: the fail-closed probe. */
const ran: string[] = [];
const mutatingProbe = defineTool({
  name: 'probe_mutation', title: 'Probe', description: 'test only',
  inputSchema: z.object({ note: z.string() }).strict(), outputSchema: z.object({ done: z.boolean() }),
  annotations: { readOnlyHint: false },
  async handler(_ctx, input) {
    ran.push(input.note);
    return { structured: { done: true }, text: 'done' };
  },
});

interface Stack { db: Db; deps: GatewayDeps; client: McpClient; close(): Promise<void> }

async function openStack(databaseUrl: string, temporal: TemporalClient): Promise<Stack> {
  const db = await openDb({ databaseUrl, poolMax: 2 });
  await migrate(db);
  const config = configSchema.parse({ policy: { path: path.join(REPO_ROOT, SCAN_POLICY_PATH) }, database: { url: databaseUrl }, logLevel: 'silent' });
  const deps: GatewayDeps = { config, store: createStore(db), temporal, logger: createLogger('silent') };
  const server = createMcpServer(deps, { sessionId: 'audit-test', actor: 'auditor' }, [...TOOLS, mutatingProbe as unknown as ToolDefinition]);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new McpClient({ name: 'audit-test', version: '1.0.0' });
  await client.connect(clientSide);
  return { db, deps, client, close: async () => { await client.close(); await db.close(); } };
}

function correlationOf(reply: CallToolResult | Error): string {
  const text = reply instanceof Error ? reply.message : JSON.stringify(reply.content);
  const id = CORRELATION.exec(text)?.[1];
  expect(id, text).toBeDefined();
  return id!;
}

describe('gateway audit trail', () => {
  let temporalServer: DevServer;
  let temporal: TemporalClient;
  const databases: TestDatabase[] = [];
  let stack: Stack;

  async function rowsOf(correlationId: string): Promise<AuditRecord[]> {
    await stack.deps.store.flushAudit();
    return (await stack.deps.store.listAudit({ limit: 1000 })).filter((r) => r.correlationId === correlationId).reverse();
  }

  /** A raw tools/call request, as a hostile or buggy client may send it; resolves to its JSON-RPC error. */
  async function rawCall(params: unknown, schema: typeof CallToolResultSchema | typeof CreateTaskResultSchema = CallToolResultSchema,
    task?: { ttl: number }): Promise<McpError> {
    const err = await stack.client.request({ method: 'tools/call', params } as never, schema, task ? { task } : {})
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(McpError);
    return err as McpError;
  }

  beforeAll(async () => {
    temporalServer = await startTestTemporal();
    temporal = new TemporalClient({ connection: await Connection.connect({ address: temporalServer.address }) });
    databases.push(await createTestDatabase());
    stack = await openStack(databases[0]!.url, temporal);
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
    await temporal?.connection.close();
    await temporalServer?.stop();
    for (const d of databases) await d.drop();
  });

  it('audits a call with NUL in its input, before and after it runs, with the NUL escaped', async () => {
    const reply = await stack.client.callTool({ name: 'cancel_scan', arguments: { scan_id: SCAN_ID, reason: 'cleanup\u0000' } }) as CallToolResult;
    expect(reply.isError).toBe(true); // no such scan: refused by the tool, after the row was written
    const rows = await rowsOf(correlationOf(reply));
    expect(rows.map((r) => r.outcome)).toEqual(['started', 'refused']);
    expect(rows[1]).toMatchObject({ tool: 'cancel_scan', actor: 'auditor', params: { scan_id: SCAN_ID, reason: 'cleanup\\u0000' } });
  });

  it('audits input-schema refusals and unknown tools, NUL and credentials included, values redacted', async () => {
    const refused = await stack.client.callTool({ name: 'get_tagging_policy', arguments: {
      'bad\u0000key': 'x\u0000', conn: 'postgres://admin:hunter2@db.internal:5432/prod', aws: 'AKIAIOSFODNN7EXAMPLE',
    } }) as CallToolResult;
    expect(refused.isError).toBe(true);
    const [row] = await rowsOf(correlationOf(refused));
    expect(row).toMatchObject({ tool: 'get_tagging_policy', outcome: 'invalid' });
    expect(row!.params).toEqual({ 'bad\\u0000key': 'x\\u0000', conn: 'postgres://[redacted]@db.internal:5432/prod', aws: '[redacted]' });
    expect(JSON.stringify(row)).not.toMatch(/hunter2|AKIAIOSFODNN7EXAMPLE/);

    const unknown = await stack.client.callTool({ name: 'no_such_tool\u0000', arguments: {} }) as CallToolResult;
    expect(unknown.isError).toBe(true);
    expect((await rowsOf(correlationOf(unknown)))[0]).toMatchObject({ tool: 'no_such_tool\\u0000', outcome: 'invalid' });
  });

  it.each([
    ['arguments that are a string', { name: 'list_scans', arguments: 'all of them' }, 'list_scans', /params\.arguments must be an object of the tool's named arguments, not a string/],
    ['arguments that are an array', { name: 'list_scans', arguments: [1, 2] }, 'list_scans', /params\.arguments must be an object.*not an array/],
    ['no tool name', { arguments: { limit: 1 } }, '(no tool name)', /needs params\.name, the name of a tool from tools\/list \(a string\) \(correlation/],
    ['a tool name that is a number', { name: 42 }, '(no tool name)', /needs params\.name.*, not a number/],
    ['no params at all', undefined, '(no tool name)', /tools\/call needs params, an object with the tool's name and arguments \(correlation/],
    ['a malformed task field', { name: 'list_scans', arguments: {}, task: 'soon' }, 'list_scans', /params\.task is not valid: /],
  ])('answers a tools/call with %s with -32602, one sentence, and an audit row', async (_what, params, tool, message) => {
    const err = await rawCall(params);
    expect(err.code).toBe(ErrorCode.InvalidParams);
    expect(err.message).toMatch(message);
    expect(err.message).not.toMatch(/[[{]\s*"(code|expected|path)"/); // no zod issue dump
    expect(err.message).toMatch(/^MCP error -32602: tools\/call [^\n]+ \(correlation id [0-9a-f-]{36}\)$/); // one sentence, one prefix
    const [row] = await rowsOf(correlationOf(err));
    expect(row).toMatchObject({ tool, outcome: 'invalid' });
  });

  it('refuses a task-augmented call on a tool without task support, before it runs, and audits it as refused', async () => {
    const err = await rawCall({ name: 'probe_mutation', arguments: { note: 'as-task' } }, CreateTaskResultSchema, { ttl: 60_000 });
    expect(err.code).toBe(ErrorCode.InvalidParams);
    expect(err.message).toMatch(/^MCP error -32602: probe_mutation cannot run as a task: call it without params\.task \(tools that can run as a task: check_tag_compliance\)/);
    expect(ran).not.toContain('as-task');
    const [row] = await rowsOf(correlationOf(err));
    expect(row).toMatchObject({ tool: 'probe_mutation', outcome: 'refused', params: { note: 'as-task' } });

    const listed = await rawCall({ name: 'list_scans', arguments: {} }, CreateTaskResultSchema, { ttl: 60_000 });
    expect(listed.message).toMatch(/list_scans cannot run as a task/);
    expect((await rowsOf(correlationOf(listed)))[0]).toMatchObject({ tool: 'list_scans', outcome: 'refused' });

    const unknown = await rawCall({ name: 'no_such_tool', arguments: {} }, CreateTaskResultSchema, { ttl: 60_000 });
    expect(unknown.code).toBe(ErrorCode.InvalidParams);
    expect((await rowsOf(correlationOf(unknown)))[0]).toMatchObject({ tool: 'no_such_tool', outcome: 'invalid' });
  });

  it('does the same over Streamable HTTP: NUL in a mutating call, and arguments that are not an object', async () => {
    const app = await createHttpGateway(stack.deps, { dbKind: 'postgres' });
    const http = new McpClient({ name: 'audit-http', version: '1.0.0' });
    try {
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      await http.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
      const reply = await http.callTool({ name: 'cancel_scan', arguments: { scan_id: SCAN_ID, reason: 'over http\u0000' } }) as CallToolResult;
      const rows = await rowsOf(correlationOf(reply));
      expect(rows.map((r) => [r.outcome, (r.params as { reason: string }).reason])).toEqual([['started', 'over http\\u0000'], ['refused', 'over http\\u0000']]);
      const err = await http.request({ method: 'tools/call', params: { name: 'list_scans', arguments: 7 } } as never, CallToolResultSchema)
        .then(() => undefined, (e: unknown) => e as McpError);
      expect(err?.code).toBe(ErrorCode.InvalidParams);
      expect((await rowsOf(correlationOf(err!)))[0]).toMatchObject({ tool: 'list_scans', outcome: 'invalid', params: 7 });
    } finally {
      await http.close();
      await app.close();
    }
  });

  it('does not run a call that changes state when its audit row cannot be written; read-only calls run and the loss shows in /health', async () => {
    databases.push(await createTestDatabase());
    const broken = await openStack(databases[1]!.url, temporal);
    try {
      expect((await checkHealth(broken.deps, 'postgres')).audit).toEqual({ ok: true, failedWrites: 0, lastFailureAt: null });
      // Every audit INSERT now fails in PostgreSQL itself, as it would on a full disk or a revoked grant.
      await broken.db.query('alter table audit_log add constraint audit_closed check (false) not valid');

      const mutation = await broken.client.callTool({ name: 'probe_mutation', arguments: { note: 'unaudited' } }) as CallToolResult;
      expect(mutation.isError).toBe(true);
      expect(JSON.stringify(mutation.content)).toMatch(/probe_mutation was not run: the audit log cannot be written/);
      expect(ran).not.toContain('unaudited');

      const read = await broken.client.callTool({ name: 'get_tagging_policy', arguments: {} }) as CallToolResult;
      expect(read.isError).toBeFalsy();

      const health = await checkHealth(broken.deps, 'postgres');
      expect(health.status).toBe('degraded');
      expect(health.audit.ok).toBe(false);
      expect(health.audit.failedWrites).toBeGreaterThanOrEqual(3); // started + refused rows, and the read's row
      expect(Date.parse(health.audit.lastFailureAt!)).not.toBeNaN();

      // Once rows can be written again, the same call runs.
      await broken.db.query('alter table audit_log drop constraint audit_closed');
      const retried = await broken.client.callTool({ name: 'probe_mutation', arguments: { note: 'audited' } }) as CallToolResult;
      expect(retried.isError).toBeFalsy();
      expect(ran).toContain('audited');
    } finally {
      await broken.close();
    }
  });
});
