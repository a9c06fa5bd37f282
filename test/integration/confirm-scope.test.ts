// The scope confirmation round trip through real SDK v2 clients and servers: a 2026-07-28 client
// gets `input_required`, answers the form and the call resumes; a 2025 session with elicitation
// gets the same form through the SDK's legacy shim; a client without elicitation gets the
// question as a tool result and confirms with confirm_scope: true; "no" scans nothing.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import {
  CLIENT_CAPABILITIES_META_KEY, createMcpHandler, InMemoryTransport, McpServer, type CallToolResult, type ElicitResult, type InputRequiredResult,
} from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../../config/index.js';
import { ToolError } from '../../mcp-gateway/errors.js';
import { scopeOf, scopeParams } from '../../mcp-gateway/scans/params.js';
import {
  canAnswerForm, confirmScope, confirmScopeParam, requestCapabilities, ScopeConfirmationRequired, SCOPE_CONFIRMATION_KEY,
} from '../../mcp-gateway/scans/confirm-scope.js';

const ACCOUNTS = ['333333333333', '111111111111', '222222222222'];
const config = loadConfig({ SCAN_ACCOUNTS: ACCOUNTS.join(','), SCAN_REGIONS: 'us-east-1,eu-west-1' } as NodeJS.ProcessEnv);

/** A server with one scanning tool wired as the gateway's two tools will be: confirm, then scan. */
function buildServer(scans: string[]) {
  const server = new McpServer({ name: 'confirm-test', version: '0' }, { capabilities: { tools: {} } });
  server.registerTool('start_compliance_scan', {
    description: 'test double of the scanning tool',
    inputSchema: z.object({ ...scopeParams, ...confirmScopeParam }),
  }, async (args, ctx): Promise<CallToolResult | InputRequiredResult> => {
    try {
      const decision = await confirmScope({ config }, {
        tool: 'start_compliance_scan', scope: scopeOf(args), confirmScope: args.confirm_scope,
        inputResponses: ctx.mcpReq.inputResponses,
        clientCapabilities: requestCapabilities(ctx.mcpReq.envelope, server.server.getClientCapabilities()),
      });
      if (decision.kind === 'ask') return decision.result;
      scans.push(JSON.stringify(args.resource_types));
      return { content: [{ type: 'text', text: 'scan started' }] };
    } catch (err) {
      if (err instanceof ToolError) return { isError: true, content: [{ type: 'text', text: err.message }] };
      throw err;
    }
  });
  return server;
}

const answers = (answer: ElicitResult) => {
  const asked: string[] = [];
  return { asked, handler: async (request: { params: { message: string } }) => { asked.push(request.params.message); return answer; } };
};

const open: { close(): Promise<void> }[] = [];
afterEach(async () => { for (const c of open.splice(0)) await c.close(); });

async function modernClient(scans: string[], capabilities: Record<string, unknown>) {
  const handler = createMcpHandler(() => buildServer(scans));
  const client = new Client({ name: 'test-2026', version: '0' }, { capabilities, versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(new StreamableHTTPClientTransport(new URL('http://gateway.test/mcp'), {
    fetch: (url, init) => handler.fetch(new Request(url, init)),
  }));
  open.push(client, handler);
  expect(client.getProtocolEra()).toBe('modern');
  return client;
}

async function legacySession(scans: string[], capabilities: Record<string, unknown>) {
  const server = buildServer(scans);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'test-2025', version: '0' }, { capabilities });
  await server.connect(serverSide);
  await client.connect(clientSide);
  open.push(client, server);
  expect(client.getProtocolEra()).toBe('legacy');
  return client;
}

const everything = { name: 'start_compliance_scan', arguments: { resource_types: ['all'] } };
const textOf = (r: unknown) => ((r as CallToolResult).content[0] as { text: string }).text;

describe('scope confirmation', () => {
  it('2026-07-28: input_required asks with the plan, the client answers yes, and the same call resumes and scans', async () => {
    const scans: string[] = [];
    const user = answers({ action: 'accept', content: { confirm: true } });
    const client = await modernClient(scans, { elicitation: { form: {} } });
    client.setRequestHandler('elicitation/create', user.handler);
    const result = await client.callTool(everything);
    expect(textOf(result)).toBe('scan started');
    expect(scans).toEqual(['["all"]']);
    expect(user.asked).toEqual(['start_compliance_scan would scan every resource type in all 3 accounts (configured in SCAN_ACCOUNTS): ' +
      '111111111111, 222222222222, 333333333333, across 2 regions eu-west-1, us-east-1. ' +
      'Confirm to scan all of it, or narrow the scope with accounts (or filters.account_id) and resource_types.']);
  });

  it('2026-07-28: a declined or unchecked answer scans nothing and says how to narrow the scope', async () => {
    for (const answer of [{ action: 'decline' }, { action: 'accept', content: { confirm: false } }] as ElicitResult[]) {
      const scans: string[] = [];
      const client = await modernClient(scans, { elicitation: {} }); // a bare elicitation capability implies forms
      client.setRequestHandler('elicitation/create', answers(answer).handler);
      const result = await client.callTool(everything);
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/^start_compliance_scan did not scan: the scope \(every resource type in all 3 allowed accounts\) was not confirmed/);
      expect(scans).toEqual([]);
    }
  });

  it('narrow scopes and confirm_scope: true scan at once, without a question', async () => {
    const scans: string[] = [];
    const user = answers({ action: 'accept', content: { confirm: true } });
    const client = await modernClient(scans, { elicitation: { form: {} } });
    client.setRequestHandler('elicitation/create', user.handler);
    for (const args of [{ resource_types: ['ec2:instance'] }, { resource_types: ['all'], accounts: ['111111111111'] },
      { resource_types: ['all'], confirm_scope: true }]) {
      expect(textOf(await client.callTool({ name: 'start_compliance_scan', arguments: args }))).toBe('scan started');
    }
    expect(scans).toHaveLength(3);
    expect(user.asked).toEqual([]);
  });

  it('2026-07-28 without elicitation: the question comes back as a tool result, and confirm_scope: true answers it', async () => {
    const scans: string[] = [];
    const client = await modernClient(scans, {});
    const asked = await client.callTool(everything);
    expect(asked.isError).toBe(true);
    expect(textOf(asked)).toMatch(/^start_compliance_scan would scan every resource type in all 3 accounts .* To confirm, call start_compliance_scan again with the same arguments and confirm_scope: true\.$/);
    expect(scans).toEqual([]);
    await client.callTool({ name: 'start_compliance_scan', arguments: { resource_types: ['all'], confirm_scope: true } });
    expect(scans).toEqual(['["all"]']);
  });

  it('2025-11-25 session with elicitation: the legacy shim asks with the same form and the call completes', async () => {
    const scans: string[] = [];
    const user = answers({ action: 'accept', content: { confirm: true } });
    const client = await legacySession(scans, { elicitation: { form: {} } });
    client.setRequestHandler('elicitation/create', user.handler);
    expect(textOf(await client.callTool(everything))).toBe('scan started');
    expect(user.asked).toHaveLength(1);
    expect(user.asked[0]).toContain('in all 3 accounts');
  });

  it('2025-11-25 session without elicitation: the plain question, and a confirmed retry scans', async () => {
    const scans: string[] = [];
    const client = await legacySession(scans, {});
    const asked = await client.callTool(everything);
    expect(textOf(asked)).toContain('confirm_scope: true');
    expect(scans).toEqual([]);
    await client.callTool({ name: 'start_compliance_scan', arguments: { resource_types: ['all'], confirm_scope: true } });
    expect(scans).toEqual(['["all"]']);
  });

  it('exposes the plan on the refusal for callers that want structured fields', async () => {
    const err = await confirmScope({ config }, { tool: 'check_tag_compliance', scope: scopeOf({ resource_types: ['all'] }) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScopeConfirmationRequired);
    expect((err as ScopeConfirmationRequired).question.plan).toMatchObject({ account_count: 3, accounts_not_shown: 0 });
    expect(SCOPE_CONFIRMATION_KEY).toBe('confirm_scope');
  });

  it('reads the capabilities a request declares before the session\'s, and forms only where declared', () => {
    expect(requestCapabilities({ [CLIENT_CAPABILITIES_META_KEY]: { elicitation: {} } } as never, { roots: {} })).toEqual({ elicitation: {} });
    expect(requestCapabilities(undefined, { roots: {} })).toEqual({ roots: {} });
    expect(requestCapabilities({} as never, undefined)).toBeUndefined();
    expect(canAnswerForm({ elicitation: {} })).toBe(true);
    expect(canAnswerForm({ elicitation: { form: {} } })).toBe(true);
    expect(canAnswerForm({ elicitation: { form: {}, url: {} } })).toBe(true);
    expect(canAnswerForm({ elicitation: { url: {} } })).toBe(false); // URL mode only: no form
    expect(canAnswerForm({ roots: {} })).toBe(false);
    expect(canAnswerForm(undefined)).toBe(false);
  });
});
