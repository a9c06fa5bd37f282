// Both protocol eras on one HTTP gateway, through the SDK v2 client: pinned to 2026-07-28
// (stateless, server/discover) and pinned to 2025-11-25 (initialize, session); the same tool
// answers, structuredContent, correlation ids and audit rows in both, and the API key guardrail
// holds for both. Plus the 2026-07-28 conformance points the gateway owes: Mcp-Method / Mcp-Name
// header checks, the unsupported-version error, server/discover and resultType on results.
import { Client } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey, keyIdentity } from '../../mcp-gateway/auth.js';
import {
  INITIALIZE, modernRequest as rawModernRequest, raw, rpcMessageOf, startGatewayStack, type GatewayStack,
} from '../support/http-gateway.js';

const KEY = 'protocol-eras-key-0123456789abcdef';
const MODERN = '2026-07-28';
const LEGACY = '2025-11-25';

/** A raw 2026-07-28 request with this suite's API key. */
function modernRequest(method: string, params: Record<string, unknown>, headers: Record<string, string | undefined> = {}) {
  return rawModernRequest(method, params, { headers: { authorization: `Bearer ${KEY}`, ...headers } });
}

const messageOf = rpcMessageOf;

describe('gateway protocol eras (HTTP)', () => {
  let stack: GatewayStack;
  let url: string;

  beforeAll(async () => {
    stack = await startGatewayStack('gateway-protocol-eras');
    url = (await stack.start({ apiKeyHashes: [hashApiKey(KEY)] })).url;
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  async function connect(era: 'modern' | 'legacy', key: string | null = KEY): Promise<Client> {
    const client = new Client({ name: `eras-${era}`, version: '1.0.0' }, era === 'modern'
      ? { versionNegotiation: { mode: { pin: MODERN } } }
      : { supportedProtocolVersions: [LEGACY] });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
      requestInit: key ? { headers: { Authorization: `Bearer ${key}` } } : {},
    }));
    return client;
  }

  it.each(['modern', 'legacy'] as const)('serves the tools, structured results, correlation ids and audit rows to a %s client', async (era) => {
    const client = await connect(era);
    try {
      expect(client.getProtocolEra()).toBe(era);
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['check_tag_compliance', 'get_tagging_policy', 'start_compliance_scan']));
      const check = tools.find((t) => t.name === 'check_tag_compliance')!;
      expect(check.annotations).toMatchObject({ readOnlyHint: true });
      expect(check.outputSchema?.properties).toHaveProperty('violations');
      const result = await client.callTool({ name: 'get_tagging_policy', arguments: {} });
      expect(result.isError).toBeFalsy();
      expect((result.structuredContent as { policy: { required_tags: { name: string }[] } }).policy.required_tags[0]?.name).toBe('Owner');
      const correlationId = result._meta?.correlation_id as string;
      expect(correlationId).toMatch(/^[0-9a-f-]{36}$/);
      await stack.deps.store.flushAudit();
      const row = (await stack.deps.store.listAudit({ limit: 50 })).find((a) => a.correlationId === correlationId);
      expect(row).toMatchObject({ tool: 'get_tagging_policy', outcome: 'ok', actor: keyIdentity(hashApiKey(KEY)) });
      // 2026 requests carry no session; 2025 ones name theirs.
      if (era === 'modern') expect(row?.sessionId).toBeNull();
      else expect(row?.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await client.close();
    }
  });

  it.each(['modern', 'legacy'] as const)('refuses a %s client without an API key', async (era) => {
    // The 2026 pin reports the refused discover probe as a failed negotiation; the wire says 401.
    await expect(connect(era, null)).rejects.toThrow(era === 'legacy' ? /Unauthorized: missing API key/ : /Version negotiation failed/);
    const { body, headers } = modernRequest('tools/list', {}, { authorization: undefined });
    const reply = await raw(`${url}/mcp`, { method: 'POST', headers, body: era === 'modern' ? body : JSON.stringify(INITIALIZE) });
    expect(reply.status).toBe(401);
    expect(messageOf(reply.body).error?.message).toMatch(/^Unauthorized: missing API key/);
  });

  it.each(['modern', 'legacy'] as const)('audits arguments that fail the input schema from a %s client', async (era) => {
    const client = await connect(era);
    try {
      const result = await client.callTool({ name: 'list_scans', arguments: { limit: 'many' } });
      expect(result.isError).toBe(true);
      const text = JSON.stringify(result.content);
      const correlationId = /correlation id ([0-9a-f-]{36})/.exec(text)?.[1];
      expect(correlationId, text).toBeDefined();
      await stack.deps.store.flushAudit();
      const row = (await stack.deps.store.listAudit({ limit: 50 })).find((a) => a.correlationId === correlationId);
      expect(row).toMatchObject({ tool: 'list_scans', outcome: 'invalid', params: { limit: 'many' } });
    } finally {
      await client.close();
    }
  });

  it('answers server/discover with the supported versions, capabilities and the tasks extension', async () => {
    const { body, headers } = modernRequest('server/discover', {});
    const reply = await raw(`${url}/mcp`, { method: 'POST', headers, body });
    expect(reply.status).toBe(200);
    const { result } = messageOf(reply.body);
    expect(result).toMatchObject({ resultType: 'complete', _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'finops-tag-compliance' } } });
    expect(result?.supportedVersions).toEqual(expect.arrayContaining([MODERN]));
    expect(result?.capabilities).toMatchObject({ tools: {}, extensions: { 'io.modelcontextprotocol/tasks': {} } });
  });

  it('puts resultType on results (2026-07-28)', async () => {
    const list = modernRequest('tools/list', {});
    const listed = messageOf((await raw(`${url}/mcp`, { method: 'POST', headers: list.headers, body: list.body })).body);
    expect(listed.result).toMatchObject({ resultType: 'complete' });
    const call = modernRequest('tools/call', { name: 'get_tagging_policy', arguments: {} });
    const called = messageOf((await raw(`${url}/mcp`, { method: 'POST', headers: call.headers, body: call.body })).body);
    expect(called.result).toMatchObject({ resultType: 'complete', structuredContent: { policy: { version: 'http-gateway-test-1' } } });
  });

  it.each([
    ['no Mcp-Method header', { 'mcp-method': undefined }],
    ['an Mcp-Method header naming another method', { 'mcp-method': 'tools/list' }],
    ['no Mcp-Name header', { 'mcp-name': undefined }],
    ['an Mcp-Name header naming another tool', { 'mcp-name': 'list_scans' }],
  ])('answers a 2026-07-28 tools/call with %s with 400 and -32020 (header mismatch), and audits the refusal', async (_what, override) => {
    const before = (await stack.deps.store.listAudit({ limit: 1000 })).length;
    const { body, headers } = modernRequest('tools/call', { name: 'get_tagging_policy', arguments: {} }, override);
    const reply = await raw(`${url}/mcp`, { method: 'POST', headers, body });
    expect(reply.status).toBe(400);
    expect(messageOf(reply.body).error?.code).toBe(-32020);
    await stack.deps.store.flushAudit();
    const rows = await stack.deps.store.listAudit({ limit: 1000 });
    expect(rows.length).toBeGreaterThan(before);
    expect(rows[0]).toMatchObject({ outcome: 'refused', error: expect.stringMatching(/Mcp-(Method|Name)/i) });
  });

  it('refuses a tasks/get whose Mcp-Name header names another task with 400 and -32020', async () => {
    const { body, headers } = rawModernRequest('tasks/get', { taskId: 'scan-adhoc-000000000000-20200101T0000Z' },
      { headers: { authorization: `Bearer ${KEY}`, 'mcp-name': 'scan-adhoc-111111111111-20200101T0000Z' }, declareTasks: true });
    const reply = await raw(`${url}/mcp`, { method: 'POST', headers, body });
    expect(reply.status).toBe(400);
    expect(messageOf(reply.body).error).toMatchObject({ code: -32020, message: expect.stringMatching(/Mcp-Name header must be the taskId/) });
  });

  it('answers an unsupported protocol version with -32022 and every version it serves', async () => {
    const { body, headers } = modernRequest('tools/list', {}, { 'mcp-protocol-version': '2099-01-01' });
    const patched = body.replace(`"io.modelcontextprotocol/protocolVersion":"${MODERN}"`, '"io.modelcontextprotocol/protocolVersion":"2099-01-01"');
    const reply = await raw(`${url}/mcp`, { method: 'POST', headers, body: patched });
    expect(reply.status).toBe(400);
    const { error } = messageOf(reply.body);
    expect(error?.code).toBe(-32022);
    // The 2026 revision first, then the 2025 protocol this endpoint also serves (a client opens it with initialize).
    const { supported, requested } = error?.data as { supported: string[]; requested: string };
    expect(supported[0]).toBe(MODERN);
    expect(supported).toContain(LEGACY);
    expect(new Set(supported).size).toBe(supported.length);
    expect(requested).toBe('2099-01-01');
  });
});
