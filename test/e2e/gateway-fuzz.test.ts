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
import { startTestTemporal } from '../support/temporal.js';

const CALLS = Number(process.env.FUZZ_CALLS ?? 3000);
const CALLS_PER_SESSION = 1000;
const SECRET = 'AKIAIOSFODNN7EXAMPLE';

const NASTY_STRINGS = [
  '', ' ', '../../../../etc/passwd', '..\\..\\windows\\win.ini', '/etc/shadow', 'file:///etc/passwd', '%2e%2e%2f%2e%2e%2f',
  "'; drop table scans; --", '" or 1=1 --', '<script>alert(1)</script>', '{{7*7}}', '${process.env}', '\u0000', '\uffff\ud800',
  'arn:aws:iam::123456789012:role/OrganizationAccountAccessRole', `${SECRET}`, 'a'.repeat(5000), 'ec2:instance', 'all', 's3:bucket',
  'arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0', 'scan-adhoc-000000000000-20200101T0000Z', '__proto__', 'constructor',
  'us-east-1', '123456789012', '=cmd|" /C calc"!A0', 'é😀', '\n\r\t', 'null', 'NaN',
];

function rng(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

type Schema = { type?: string | string[]; properties?: Record<string, Schema>; items?: Schema; enum?: unknown[]; required?: string[] };

/** A value that sometimes fits the schema and often does not. */
function fuzzValue(schema: Schema | undefined, random: () => number, depth = 0): unknown {
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
  const wild = (): unknown => pick<unknown>([
    pick(NASTY_STRINGS), -1, 0, 1e308, -0.5, 2 ** 53 + 1, true, false, null, [], {}, [pick(NASTY_STRINGS)],
    { __proto__: { polluted: true } }, { constructor: { prototype: { polluted: true } } }, Array.from({ length: 300 }, () => 'ec2:instance'),
  ]);
  if (!schema || depth > 4 || random() < 0.25) return wild();
  if (schema.enum) return random() < 0.8 ? pick(schema.enum) : wild();
  const type = Array.isArray(schema.type) ? pick(schema.type) : schema.type;
  switch (type) {
    case 'string': return pick(NASTY_STRINGS);
    case 'number': case 'integer': return pick([0, 1, 5, 50, 90, 101, -3, 1.5, 1e9]);
    case 'boolean': return random() < 0.5;
    case 'array': return Array.from({ length: Math.floor(random() * 4) }, () => fuzzValue(schema.items, random, depth + 1));
    case 'object': return fuzzObject(schema, random, depth + 1);
    default: return wild();
  }
}

function fuzzObject(schema: Schema, random: () => number, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if (random() < 0.7) out[key] = fuzzValue(prop, random, depth);
  }
  if (random() < 0.1) out[`unexpected_${Math.floor(random() * 100)}`] = 'x';
  // Never wait for scans: a fuzz call must answer at once (no worker serves this task queue).
  if ('wait_seconds' in out) out.wait_seconds = 0;
  return out;
}

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
      gateway: { sessionCallBudget: 100_000, maxIdenticalCalls: 1000, defaultWaitSeconds: 0 },
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
    const LEAK = /\n\s+at |postgres(ql)?:\/\/|AKIA[A-Z0-9]{16}|fuzz-secret-key|assumed-role|node_modules/;
    for (let i = 0; i < CALLS; i++) {
      if (i > 0 && i % CALLS_PER_SESSION === 0) session = await connect();
      const tool: Tool = tools[Math.floor(random() * tools.length)]!;
      const args = random() < 0.05 ? fuzzValue(undefined, random) : fuzzObject(tool.inputSchema as Schema, random);
      try {
        const result = await session.callTool({ name: tool.name, arguments: args as Record<string, unknown> }, undefined, { timeout: 30_000 });
        if (result.isError) outcomes.toolError++; else outcomes.ok++;
        const text = JSON.stringify(result);
        if (LEAK.test(text)) leaks.push(`${tool.name}: ${text.slice(0, 300)}`);
      } catch (err) {
        // A JSON-RPC error reply (invalid params; a 4xx for a body the HTTP layer refuses, such as a
        // __proto__ key) is fine; a transport failure or an internal error (5xx, -32603) is not.
        const message = (err as Error).message;
        const where = `${tool.name} ${JSON.stringify(args).slice(0, 200)}`;
        expect(message, where).toMatch(/^MCP error -3\d{4}|"code":-3\d{4}/);
        // Arguments that are not an object break the MCP request schema itself; the SDK answers those
        // with -32603 before any tool runs. For object arguments an internal error is a bug of ours.
        if (args && typeof args === 'object' && !Array.isArray(args)) expect(message, where).not.toMatch(/-32603/);
        if (LEAK.test(message)) leaks.push(`${tool.name}: ${message.slice(0, 300)}`);
        outcomes.protocolError++;
      }
    }
    expect(leaks).toEqual([]);
    expect(outcomes.ok + outcomes.toolError + outcomes.protocolError).toBe(CALLS);
    expect(outcomes.toolError).toBeGreaterThan(0);
    // The server is still healthy and serving.
    expect((await session.callTool({ name: 'get_tagging_policy', arguments: {} })).isError).toBeFalsy();
    expect((await fetch(`${baseUrl}/health`)).status).toBeLessThan(500);
  }, 600_000);
});
