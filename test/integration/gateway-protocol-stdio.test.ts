// Both protocol eras over stdio, from a child process of the real CLI (`finops-tag-compliance
// stdio`), through the SDK v2 client: pinned to 2026-07-28 (server/discover, no initialize) and
// pinned to 2025-11-25 (initialize). The same tool answers, structured content, correlation ids and
// audit rows in both; a malformed call is refused with -32602 and audited in both.
import path from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../worker/temporal-cli.js';
import { startGatewayStack, type GatewayStack } from '../support/http-gateway.js';

const MODERN = '2026-07-28';
const LEGACY = '2025-11-25';

describe('gateway protocol eras (stdio)', () => {
  let stack: GatewayStack;

  beforeAll(async () => {
    stack = await startGatewayStack('gateway-protocol-stdio');
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  async function connect(era: 'modern' | 'legacy'): Promise<Client> {
    const { config } = stack.deps;
    const client = new Client({ name: `stdio-${era}`, version: '1.0.0' }, era === 'modern'
      ? { versionNegotiation: { mode: { pin: MODERN } } }
      : { supportedProtocolVersions: [LEGACY] });
    await client.connect(new StdioClientTransport({
      command: process.execPath,
      args: [path.join(REPO_ROOT, 'bin', 'finops-tag-compliance.mjs'), 'stdio'],
      env: {
        ...process.env as Record<string, string>,
        TEMPORAL_ADDRESS: config.temporal.address ?? '',
        TEMPORAL_TASK_QUEUE: config.temporal.taskQueue ?? '',
        DATABASE_URL: config.database.url ?? '',
        POLICY_PATH: config.policy.path,
        LOG_LEVEL: 'warn',
      },
      stderr: 'pipe',
    }));
    return client;
  }

  it.each(['modern', 'legacy'] as const)('serves tools, structured results and audit rows to a %s client', async (era) => {
    const client = await connect(era);
    let correlationId = '';
    let refusedId = '';
    try {
      expect(client.getProtocolEra()).toBe(era);
      const { tools } = await client.listTools();
      expect(tools.find((t) => t.name === 'check_tag_compliance')?.annotations).toMatchObject({ readOnlyHint: true });
      const result = await client.callTool({ name: 'get_tagging_policy', arguments: {} });
      expect(result.isError).toBeFalsy();
      expect((result.structuredContent as { policy: { version: string } }).policy.version).toBe('http-gateway-test-1');
      correlationId = result._meta?.correlation_id as string;
      expect(correlationId).toMatch(/^[0-9a-f-]{36}$/);

      // A malformed call (arguments that are not an object) never reaches a tool: -32602, audited.
      const refused = await client.request({ method: 'tools/call', params: { name: 'list_scans', arguments: 'all' } } as never)
        .then(() => undefined, (err: unknown) => err as Error & { code?: number });
      expect(refused?.code).toBe(-32602);
      expect(refused?.message).toMatch(/params\.arguments must be an object.*not a string \(correlation id [0-9a-f-]{36}\)/);
      refusedId = /correlation id ([0-9a-f-]{36})/.exec(refused!.message)![1]!;
    } finally {
      await client.close();
    }
    // The child writes its audit rows in batches and flushes them when stdin closes.
    const deadline = Date.now() + 10_000;
    let rows = await stack.deps.store.listAudit({ limit: 200 });
    while (!rows.some((r) => r.correlationId === refusedId) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      rows = await stack.deps.store.listAudit({ limit: 200 });
    }
    expect(rows.find((r) => r.correlationId === correlationId)).toMatchObject({ tool: 'get_tagging_policy', outcome: 'ok', actor: 'stdio' });
    expect(rows.find((r) => r.correlationId === correlationId)?.sessionId).toMatch(/^stdio-/);
    expect(rows.find((r) => r.correlationId === refusedId)).toMatchObject({ tool: 'list_scans', outcome: 'invalid' });
  });
});
