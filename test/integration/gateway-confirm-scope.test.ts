// The scope confirmation through the real gateway and its real tools, over HTTP: with several
// allowed accounts, a scan of every resource type in all of them is asked about first. A 2026-07-28
// client gets `input_required`, its user answers and the same call resumes and starts the scan; a
// 2025-11-25 session is asked by elicitation; a "no" starts nothing; each round is an audit row.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { CallToolResult, ElicitResult } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpGateway } from '../../mcp-gateway/http.js';
import { startGatewayStack, type GatewayStack } from '../support/http-gateway.js';

const ACCOUNTS = ['111111111111', '222222222222', '333333333333'];

describe('scope confirmation through the gateway', () => {
  let stack: GatewayStack;
  let url: string;

  beforeAll(async () => {
    stack = await startGatewayStack('gateway-confirm');
    const config = { ...stack.deps.config, clouds: { ...stack.deps.config.clouds, aws: { ...stack.deps.config.clouds.aws, accounts: ACCOUNTS, regions: ['us-east-1'] } } };
    const app = await createHttpGateway({ ...stack.deps, config }, { dbKind: stack.store.db.kind });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    const close = stack.close;
    stack.close = async () => { await app.close(); await close(); };
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  async function connect(era: 'modern' | 'legacy', answer: ElicitResult) {
    const asked: string[] = [];
    const client = new Client({ name: `confirm-${era}`, version: '1.0.0' }, {
      capabilities: { elicitation: { form: {} } },
      ...(era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : { supportedProtocolVersions: ['2025-11-25'] }),
    });
    client.setRequestHandler('elicitation/create', async (request: { params: { message: string } }) => {
      asked.push(request.params.message);
      return answer;
    });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
    expect(client.getProtocolEra()).toBe(era);
    return { client, asked };
  }

  async function auditOf(tool: string) {
    await stack.deps.store.flushAudit();
    return (await stack.deps.store.listAudit({ limit: 200 })).filter((a) => a.tool === tool).map((a) => a.outcome);
  }

  it.each(['modern', 'legacy'] as const)('a %s client confirms, and the same call starts the scan of every account', async (era) => {
    const before = (await auditOf('start_compliance_scan')).length;
    const { client, asked } = await connect(era, { action: 'accept', content: { confirm: true } });
    try {
      const result = await client.callTool({ name: 'start_compliance_scan', arguments: { resource_types: ['all'], force_refresh: era === 'legacy' } }) as CallToolResult;
      expect(result.isError).toBeFalsy();
      expect(asked).toHaveLength(1);
      expect(asked[0]).toMatch(/^start_compliance_scan would scan every resource type in all 3 accounts .*111111111111, 222222222222, 333333333333/);
      const scanId = (result.structuredContent as { scan_id: string }).scan_id;
      const described = await stack.deps.temporal.workflow.getHandle(scanId).describe();
      expect(described.status.name).toBe('RUNNING');
      await stack.deps.temporal.workflow.getHandle(scanId).terminate('test done');
      // Newest first. A tool that changes state writes `started` before it runs (fail-closed audit).
      // The asking round and the resumed call are calls of their own, in both eras (the SDK's 2025
      // shim elicits, then runs the call again with the answer).
      const all = await auditOf('start_compliance_scan');
      expect(all.slice(0, all.length - before)).toEqual(['ok', 'started', 'input_required', 'started']);
    } finally {
      await client.close();
    }
  });

  it('a declined confirmation starts nothing and says how to narrow the scope', async () => {
    const { client, asked } = await connect('modern', { action: 'decline' });
    try {
      const running = async () => {
        let n = 0;
        for await (const _ of stack.deps.temporal.workflow.list({ query: "ExecutionStatus = 'Running'" })) n++;
        return n;
      };
      const before = await running();
      const result = await client.callTool({ name: 'check_tag_compliance', arguments: { resource_types: ['all'], wait_seconds: 0 } }) as CallToolResult;
      expect(result.isError).toBe(true);
      expect(asked).toHaveLength(1);
      expect((result.content[0] as { text: string }).text).toMatch(/^check_tag_compliance did not scan: .* Name accounts or resource_types to scan less/);
      expect(await running()).toBe(before);
      // Narrow scopes are not asked about.
      const narrow = await client.callTool({ name: 'start_compliance_scan', arguments: { resource_types: ['ec2:instance'], accounts: ['111111111111'] } }) as CallToolResult;
      expect(narrow.isError).toBeFalsy();
      expect(asked).toHaveLength(1);
      await stack.deps.temporal.workflow.getHandle((narrow.structuredContent as { scan_id: string }).scan_id).terminate('test done');
    } finally {
      await client.close();
    }
  });
});
