// Tracing end to end in one process, exported to an in-memory span exporter: a tool call over MCP
// (check_tag_compliance of a moto organisation) starts a scan through a Temporal client with the
// OpenTelemetry interceptor; the worker runs with the tracing interceptors and bundled workflow
// modules. The tool's span, the workflow spans and the activity spans share one trace, and each
// carries the call's correlation id.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type StoreHandle } from '../../cli/runtime.js';
import { configSchema, type Config } from '../../config/index.js';
import { createLogger } from '../../config/logger.js';
import { CORRELATION_SPAN_ATTRIBUTE } from '../../core/correlation.js';
import type { ToolDefinition } from '../../mcp-gateway/context.js';
import { createMcpServer } from '../../mcp-gateway/server.js';
import { checkTagCompliance } from '../../mcp-gateway/tools/check-tag-compliance.js';
import type { DevServer } from '../../worker/dev-server.js';
import { REPO_ROOT } from '../../worker/temporal-cli.js';
import { startTracing, tracingClientInterceptors, type Tracing } from '../../worker/tracing.js';
import { createWorker } from '../../worker/worker.js';
import { SCAN_POLICY_PATH, seedOrg, type SeededOrg } from '../support/aws-seed.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { MOTO_CREDENTIALS, startMoto, type MotoServer } from '../support/moto.js';
import { startTestTemporal } from '../support/temporal.js';

describe('tracing from a tool call into the workflow and its activities', () => {
  const exporter = new InMemorySpanExporter();
  const env = { ...process.env };
  let tracing: Tracing;
  let temporalServer: DevServer;
  let database: TestDatabase;
  let moto: MotoServer;
  let org: SeededOrg;
  let store: StoreHandle;
  let temporal: Client;
  let worker: Worker;
  let running: Promise<void>;
  let config: Config;
  let dir: string;

  beforeAll(async () => {
    tracing = startTracing({ serviceName: 'tracing-test', exporter });
    [temporalServer, database, moto] = await Promise.all([startTestTemporal(), createTestDatabase(), startMoto()]);
    org = await seedOrg(moto.endpoint);
    process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    dir = mkdtempSync(path.join(os.tmpdir(), 'tracing-'));
    config = configSchema.parse({
      temporal: { address: temporalServer.address, taskQueue: `tracing-${process.pid}` },
      database: { url: database.url },
      policy: { path: path.join(REPO_ROOT, SCAN_POLICY_PATH) },
      dataDir: dir,
      clouds: { aws: { endpoint: moto.endpoint, accounts: org.accounts, regions: org.regions } },
      tracing: { enabled: true },
      logLevel: 'silent',
    });
    const logger = createLogger('silent');
    store = await openStore(config, logger);
    ({ worker } = await createWorker({ config, address: temporalServer.address, store: store.store, logger, observability: { tracing } }));
    running = worker.run();
    const { Connection } = await import('@temporalio/client');
    temporal = new Client({ connection: await Connection.connect({ address: temporalServer.address }), interceptors: tracingClientInterceptors() });
  }, 240_000);

  afterAll(async () => {
    process.env = env;
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running;
    await temporal?.connection.close();
    await store?.close();
    await Promise.allSettled([temporalServer?.stop(), moto?.stop()]);
    await database?.drop();
    await tracing?.shutdown();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('puts the tool span, the workflow spans and the activity spans in one trace, each with the correlation id', async () => {
    const server = createMcpServer({ config, store: store.store, temporal, logger: createLogger('silent') },
      { sessionId: 'tracing' }, [checkTagCompliance] as unknown as ToolDefinition[]);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const client = new McpClient({ name: 'tracing-test', version: '1.0.0' });
    await server.connect(serverSide);
    await client.connect(clientSide);
    const reply = await client.callTool({
      name: 'check_tag_compliance',
      arguments: { accounts: [org.accounts[0]], regions: [org.regions[0]], resource_types: ['s3:bucket'], force_refresh: true, wait_seconds: 120 },
    }, undefined, { timeout: 150_000 });
    await client.close();
    expect(reply.isError, JSON.stringify(reply.content)).toBeFalsy();
    expect((reply.structuredContent as { status: string }).status).toBe('completed');
    const correlationId = (reply._meta as { correlation_id: string }).correlation_id;

    // Workflow spans arrive through the worker's sink as their workflow tasks complete.
    const byName = (spans: ReadableSpan[], prefix: string) => spans.filter((s) => s.name.startsWith(prefix));
    let spans: ReadableSpan[] = [];
    for (let i = 0; i < 60; i++) {
      spans = exporter.getFinishedSpans();
      if (byName(spans, 'RunWorkflow:complianceScan').length && byName(spans, 'RunActivity:completeScan').length) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const [toolSpan] = byName(spans, 'mcp.tool check_tag_compliance');
    expect(toolSpan, spans.map((s) => s.name).join(', ')).toBeDefined();
    expect(toolSpan!.attributes[CORRELATION_SPAN_ATTRIBUTE]).toBe(correlationId);
    const traceId = toolSpan!.spanContext().traceId;

    const inTrace = spans.filter((s) => s.spanContext().traceId === traceId);
    const workflowSpans = byName(inTrace, 'RunWorkflow:');
    const activitySpans = byName(inTrace, 'RunActivity:');
    expect(byName(inTrace, 'StartWorkflow:complianceScan')).toHaveLength(1);
    expect(workflowSpans.map((s) => s.name)).toEqual(expect.arrayContaining(['RunWorkflow:complianceScan', 'RunWorkflow:targetScan']));
    expect(activitySpans.map((s) => s.name)).toEqual(expect.arrayContaining(['RunActivity:scanShard', 'RunActivity:completeScan']));
    for (const span of [...workflowSpans, ...activitySpans]) {
      expect(span.attributes[CORRELATION_SPAN_ATTRIBUTE], span.name).toBe(correlationId);
    }
  }, 200_000);
});
