// The foundation end to end on real components: a Temporal dev server, PostgreSQL, a worker,
// the HTTP gateway in process, the stdio gateway as a child process, and real MCP clients.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { WorkflowFailedError } from '@temporalio/client';
import { evaluateInventory } from '../../workflows/contract.js';
import type { FastifyInstance } from 'fastify';
import type { Worker } from '@temporalio/worker';
import { configSchema, type Config } from '../../config/index.js';
import { createLogger } from '../../config/logger.js';
import { connectTemporal, openStore, type StoreHandle, type TemporalHandle } from '../../cli/runtime.js';
import { createHttpGateway } from '../../mcp-gateway/http.js';
import { createWorker } from '../../worker/worker.js';
import type { DevServer } from '../../worker/dev-server.js';
import { REPO_ROOT } from '../../worker/temporal-cli.js';
import { createTestDatabase } from '../support/databases.js';
import { startTestTemporal } from '../support/temporal.js';
import { anAwsResource, writeInventory } from '../support/inventory.js';

// A policy written for this test so the expectations below don't depend on policies/default.json.
const POLICY = {
  version: 'test-1',
  required_tags: [
    { name: 'Owner', description: 'owner email', allowed_values: null, validation_regex: '^[^@\\s]+@[^@\\s]+$', applies_to: ['ec2:instance'] },
    { name: 'Environment', description: 'env', allowed_values: ['production', 'staging'], validation_regex: null, applies_to: [] },
  ],
  optional_tags: [],
  tag_naming_rules: { case_sensitivity: false, allow_special_characters: false, max_key_length: 128, max_value_length: 256 },
};

const INVENTORY = [
  anAwsResource({ type: 'ec2:instance', tags: { Owner: 'a@example.com', Environment: 'production' } }), // compliant
  anAwsResource({ type: 'ec2:instance', tags: { Environment: 'production' } }), // Owner missing
  anAwsResource({ type: 's3:bucket', tags: { Environment: 'staging' } }), // compliant: Owner is ec2-only
  anAwsResource({ type: 's3:bucket', tags: { Environment: 'prod' } }), // value not allowed
  anAwsResource({ type: 'lambda:function', tags: {} }), // Environment missing
];

describe('foundation stack', () => {
  let temporalServer: DevServer;
  let temporal: TemporalHandle;
  let database: { url: string; drop(): Promise<void> };
  let store: StoreHandle;
  let worker: Worker;
  let workerRun: Promise<void>;
  let app: FastifyInstance;
  let baseUrl: string;
  let config: Config;

  beforeAll(async () => {
    [temporalServer, database] = await Promise.all([startTestTemporal(), createTestDatabase()]);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stack-'));
    const policyPath = path.join(dir, 'policy.json');
    writeFileSync(policyPath, JSON.stringify(POLICY));
    config = configSchema.parse({
      temporal: { address: temporalServer.address, taskQueue: `test-${process.pid}` },
      database: { url: database.url },
      policy: { path: policyPath },
      dataDir: dir,
      logLevel: 'silent',
    });
    const logger = createLogger('silent');
    temporal = await connectTemporal(config, logger, false);
    store = await openStore(config, logger);
    ({ worker } = await createWorker({ config, address: temporal.address, store: store.store, logger }));
    workerRun = worker.run();
    app = await createHttpGateway({ config, store: store.store, temporal: temporal.client, logger }, { dbKind: store.db.kind });
    baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await app?.close();
    worker?.shutdown();
    await workerRun;
    await store?.close();
    await temporal?.close();
    await temporalServer?.stop();
    await database?.drop();
  });

  async function connectHttp(): Promise<McpClient> {
    const client = new McpClient({ name: 'stack-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`)));
    return client;
  }

  it('serves get_tagging_policy over Streamable HTTP with schema and annotations', async () => {
    const client = await connectHttp();
    try {
      const { tools } = await client.listTools();
      const tool = tools.find((t) => t.name === 'get_tagging_policy');
      expect(tool?.annotations?.readOnlyHint).toBe(true);
      expect(tool?.outputSchema?.properties).toHaveProperty('version_id');

      const result = await client.callTool({ name: 'get_tagging_policy', arguments: {} });
      expect(result.isError).toBeFalsy();
      const structured = result.structuredContent as Record<string, unknown>;
      expect((structured.policy as typeof POLICY).required_tags.map((r) => r.name)).toEqual(['Owner', 'Environment']);
      expect(structured.source).toBe(`file:${config.policy.path}`);
      expect(structured.applies_to_all_types).toBe(true);
      expect(structured.resource_types).toEqual(['ec2:instance']);
      expect(result._meta?.correlation_id).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await client.close();
    }
  });

  it('serves the same policy version over stdio from a child process', async () => {
    const client = new McpClient({ name: 'stack-test-stdio', version: '1.0.0' });
    await client.connect(new StdioClientTransport({
      command: process.execPath,
      args: [path.join(REPO_ROOT, 'bin', 'finops-tag-compliance.mjs'), 'stdio'],
      env: {
        ...process.env as Record<string, string>,
        TEMPORAL_ADDRESS: temporal.address,
        DATABASE_URL: database.url,
        POLICY_PATH: config.policy.path,
        LOG_LEVEL: 'warn',
      },
      stderr: 'pipe',
    }));
    try {
      const viaStdio = await client.callTool({ name: 'get_tagging_policy', arguments: {} });
      const latest = await store.store.latestPolicyVersion();
      expect(viaStdio.isError).toBeFalsy();
      expect((viaStdio.structuredContent as { version_id: number }).version_id).toBe(latest?.id);
    } finally {
      await client.close();
    }
  });

  it('rejects unknown arguments with a clear error', async () => {
    const client = await connectHttp();
    try {
      const result = await client.callTool({ name: 'get_tagging_policy', arguments: { bogus: 1 } });
      expect(result.isError).toBe(true);
      expect(JSON.stringify(result.content)).toMatch(/bogus/);
    } finally {
      await client.close();
    }
  });

  it('records an evaluateInventory snapshot that a second query reads back', async () => {
    const inventoryPath = writeInventory(INVENTORY);
    const handle = await temporal.client.workflow.start(evaluateInventory, {
      taskQueue: config.temporal.taskQueue,
      workflowId: `inventory-test-${Date.now()}`,
      args: [{ inventoryPath, storeSnapshot: true }],
    });
    const result = await handle.result();
    expect(result.totals).toMatchObject({ total: 5, compliant: 2, nonCompliant: 3, score: 0.4 });
    expect(result.totals.byResourceType).toEqual({
      'ec2:instance': { total: 2, compliant: 1 },
      's3:bucket': { total: 2, compliant: 1 },
      'lambda:function': { total: 1, compliant: 0 },
    });

    const scan = await store.store.getScan(result.scanId);
    expect(scan).toMatchObject({ status: 'completed', storeSnapshot: true, policyVersionId: result.policyVersionId });
    expect(scan?.totals).toMatchObject({ total: 5, compliant: 2 });
    const rows = await store.store.listScanResources(result.scanId, { compliant: false, limit: 10 });
    expect(rows.map((r) => r.resourceId).sort()).toEqual([INVENTORY[1]!.id, INVENTORY[3]!.id, INVENTORY[4]!.id].sort());
  });

  it('fails an invalid inventory without retrying and marks the scan failed', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bad-inventory-'));
    const inventoryPath = path.join(dir, 'bad.json');
    writeFileSync(inventoryPath, JSON.stringify([{ cloud: 'aws', account: '1', region: 'x', type: 'no-colon', id: 'a', tags: {} }]));
    const workflowId = `inventory-bad-${Date.now()}`;
    const handle = await temporal.client.workflow.start(evaluateInventory, {
      taskQueue: config.temporal.taskQueue, workflowId, args: [{ inventoryPath }],
    });
    const failure = await handle.result().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(String(((failure as WorkflowFailedError).cause?.cause as Error | undefined)?.message)).toMatch(/\[0\]\.type: must be service:kind/);
    expect((await store.store.getScan(workflowId))?.status).toBe('failed');
  });

  it('reports health of Temporal, the database and the policy source', async () => {
    const res = await fetch(`${baseUrl}/health`);
    const body = await res.json() as Record<string, { ok: boolean; kind?: string; source?: string }>;
    expect(res.status).toBe(200);
    expect(body.temporal?.ok).toBe(true);
    expect(body.database).toMatchObject({ ok: true, kind: 'postgres' });
    expect(body.policy).toMatchObject({ ok: true, source: `file:${config.policy.path}` });
  });

  it('writes an audit row for every tool call', async () => {
    const audit = await store.store.listAudit({ limit: 50 });
    const tools = audit.map((a) => a.tool);
    expect(tools.filter((t) => t === 'get_tagging_policy').length).toBeGreaterThanOrEqual(2);
    expect(audit.some((a) => a.sessionId?.startsWith('stdio-'))).toBe(true);
    expect(audit.every((a) => a.sessionId)).toBe(true);
    // The call with a bogus argument, refused by the input schema, is audited as invalid.
    expect(audit.filter((a) => a.outcome !== 'ok').map((a) => [a.outcome, a.params])).toEqual([['invalid', { bogus: 1 }]]);
    expect(audit.every((a) => /^[0-9a-f-]{36}$/.test(a.correlationId ?? ''))).toBe(true);
  });
});
