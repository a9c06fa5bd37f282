// Fuzzes every tool the gateway lists, through a real MCP client over Streamable HTTP: thousands
// of random and malicious arguments. The server must stay up, answer every call without a 5xx
// or transport failure, and never show a stack trace, a connection string or a credential.
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { FastifyInstance } from 'fastify';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../config/index.js';
import { createLogger } from '../../config/logger.js';
import { connectTemporal, openStore, type StoreHandle, type TemporalHandle } from '../../cli/runtime.js';
import { createHttpGateway } from '../../mcp-gateway/http.js';
import type { DevServer } from '../../worker/dev-server.js';
import { REPO_ROOT } from '../../worker/temporal-cli.js';
import { SCAN_POLICY_PATH } from '../support/aws-seed.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { correlationIdOf, fuzzArguments, FUZZ_SECRET, LEAK, rng, type FuzzSchema } from '../support/fuzz.js';
import { startTestTemporal } from '../support/temporal.js';

const CALLS = Number(process.env.FUZZ_CALLS ?? 3000);
const CALLS_PER_SESSION = 1000;
const SECRET = FUZZ_SECRET;

describe('gateway fuzz', () => {
  let temporalServer: DevServer;
  let database: TestDatabase;
  let temporal: TemporalHandle;
  let store: StoreHandle;
  let app: FastifyInstance;
  let baseUrl: string;
  let client: McpClient | undefined;

  beforeAll(async () => {
    [temporalServer, database] = await Promise.all([startTestTemporal(), createTestDatabase()]);
    const config = configSchema.parse({
      temporal: { address: temporalServer.address, taskQueue: `fuzz-${process.pid}` },
      database: { url: database.url },
      policy: { path: path.join(REPO_ROOT, SCAN_POLICY_PATH) },
      gateway: { sessionCallBudget: 100_000, maxIdenticalCalls: 1000, defaultWaitSeconds: 0, quotas: { callsPerMinute: 0, scansPerDay: 0 } },
      http: { rateLimitPerMinute: 1_000_000 },
      aws: { endpoint: 'http://127.0.0.1:9' }, // nothing listens: live AWS calls fail fast
      logLevel: 'silent',
    });
    process.env.AWS_ACCESS_KEY_ID = SECRET;
    process.env.AWS_SECRET_ACCESS_KEY = 'fuzz-secret-key-should-never-appear';
    const logger = createLogger('silent');
    temporal = await connectTemporal(config, logger, false);
    store = await openStore(config, logger);
    app = await createHttpGateway({ config, store: store.store, temporal: temporal.client, logger }, { dbKind: store.db.kind });
    baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await client?.close();
    await app?.close();
    await store?.close();
    await temporal?.close();
    await temporalServer?.stop();
    await database?.drop();
  });

  it(`answers ${CALLS} random and malicious calls across all tools without a crash, 5xx, stack trace or secret`, async () => {
    const random = rng(20261126);
    // A new session every CALLS_PER_SESSION calls: the SDK's HTTP client transport keeps one abort
    // listener per request on its session signal, and Node warns past 1,500 of them.
    const connect = async () => {
      await client?.close();
      client = new McpClient({ name: 'fuzz', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`)));
      return client;
    };
    let session = await connect();
    const { tools } = await session.listTools();
    expect(tools.length).toBeGreaterThanOrEqual(6);
    const outcomes = { ok: 0, toolError: 0, protocolError: 0 };
    const leaks: string[] = [];
    const correlationIds: string[] = [];
    let withoutId = 0;
    for (let i = 0; i < CALLS; i++) {
      if (i > 0 && i % CALLS_PER_SESSION === 0) session = await connect();
      const tool: Tool = tools[Math.floor(random() * tools.length)]!;
      const args = fuzzArguments(tool.inputSchema as FuzzSchema, random);
      try {
        const result = await session.callTool({ name: tool.name, arguments: args as Record<string, unknown> }, undefined, { timeout: 30_000 });
        if (result.isError) outcomes.toolError++; else outcomes.ok++;
        const id = correlationIdOf(result);
        if (id) correlationIds.push(id); else withoutId++;
        const text = JSON.stringify(result);
        if (LEAK.test(text)) leaks.push(`${tool.name}: ${text.slice(0, 300)}`);
      } catch (err) {
        // A JSON-RPC error reply (invalid params; a 4xx for a body the HTTP layer refuses, such as a
        // __proto__ key) is fine; a transport failure or an internal error (5xx, -32603) is not.
        const message = (err as Error).message;
        const where = `${tool.name} ${JSON.stringify(args).slice(0, 200)}`;
        expect(message, where).toMatch(/^MCP error -3\d{4}|"code":-3\d{4}/);
        // Any argument shape is the caller's mistake, never an internal error of ours.
        expect(message, where).not.toMatch(/-32603/);
        if (LEAK.test(message)) leaks.push(`${tool.name}: ${message.slice(0, 300)}`);
        const id = correlationIdOf(err);
        if (id) correlationIds.push(id); else withoutId++;
        outcomes.protocolError++;
      }
    }
    expect(leaks).toEqual([]);
    // Every kind of answer happens: calls that fit the schema succeed, the rest are refused.
    expect(outcomes.ok).toBeGreaterThan(CALLS / 50);
    expect(outcomes.toolError).toBeGreaterThan(CALLS / 50);
    // Every call, whatever its input, is audited under the correlation id its reply carries.
    expect(withoutId).toBe(0);
    await store.store.flushAudit();
    const audited = new Set((await store.db.query<{ correlation_id: string }>(
      "select correlation_id from audit_log where tool not like 'http:%'")).map((r) => r.correlation_id));
    expect(correlationIds.filter((id) => !audited.has(id))).toEqual([]);
    // The server is still healthy and serving.
    expect((await session.callTool({ name: 'get_tagging_policy', arguments: {} })).isError).toBeFalsy();
    expect((await fetch(`${baseUrl}/health`)).status).toBeLessThan(500);
  }, 600_000);
});
