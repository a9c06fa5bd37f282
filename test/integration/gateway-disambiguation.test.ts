// Intent disambiguation through the real gateway and a real MCP client: a region, resource type or
// account that does not exist, that the policy does not cover, or that is outside the allowed set
// is refused with candidates (text and `_meta.candidates`), audited, and nothing is started.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Disambiguation } from '../../core/scope-intent.js';
import { createHttpGateway } from '../../mcp-gateway/http.js';
import { startGatewayStack, TEST_POLICY, type GatewayStack } from '../support/http-gateway.js';

const ACCOUNTS = ['111111111111', '222222222222', '123456789012'];
// The policy covers two AWS types and the compute types of Azure.
const POLICY = { ...TEST_POLICY, version: 'disambiguation-1',
  required_tags: [{ ...TEST_POLICY.required_tags[0]!, applies_to: ['ec2:instance', 's3:bucket', 'azure:compute/*'] }] };

describe('intent disambiguation through the gateway', () => {
  let stack: GatewayStack;
  let client: Client;

  beforeAll(async () => {
    stack = await startGatewayStack('gateway-disambiguation');
    const policyPath = path.join(mkdtempSync(path.join(os.tmpdir(), 'disambiguation-')), 'policy.json');
    writeFileSync(policyPath, JSON.stringify(POLICY));
    const base = stack.deps.config;
    const config = { ...base, policy: { ...base.policy, path: policyPath },
      clouds: { ...base.clouds, aws: { ...base.clouds.aws, accounts: ACCOUNTS } } };
    const app = await createHttpGateway({ ...stack.deps, config }, { dbKind: stack.store.db.kind });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const close = stack.close;
    stack.close = async () => { await app.close(); await close(); };
    client = new Client({ name: 'disambiguation', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    await stack?.close();
  });

  async function running(): Promise<number> {
    let n = 0;
    for await (const _ of stack.deps.temporal.workflow.list({ query: "ExecutionStatus = 'Running'" })) n++;
    return n;
  }

  async function refused(tool: string, args: Record<string, unknown>) {
    const result = await client.callTool({ name: tool, arguments: tool === 'check_tag_compliance' ? { wait_seconds: 0, ...args } : args }) as CallToolResult;
    expect(result.isError).toBe(true);
    const meta = result._meta as { candidates?: Disambiguation; correlation_id: string };
    return { text: (result.content[0] as { text: string }).text, candidates: meta.candidates, correlationId: meta.correlation_id };
  }

  it('answers a malformed or unknown region with the nearest real ones, and starts nothing', async () => {
    const before = await running();
    const malformed = await refused('check_tag_compliance', { resource_types: ['ec2:instance'], regions: ['us-east1'] });
    expect(malformed.text).toMatch(/^unknown region "us-east1"; did you mean us-east-1/);
    expect(malformed.text).toMatch(/ valid regions: af-south-1, .*us-east-1, .*us-west-2\. Ask the user which one they meant/);
    expect(malformed.candidates!.unresolved[0]).toMatchObject({ field: 'regions', value: 'us-east1', reason: 'unknown' });
    expect(malformed.candidates!.unresolved[0]!.did_you_mean[0]).toBe('us-east-1');

    const unknown = await refused('start_compliance_scan', { resource_types: ['ec2:instance'], accounts: ['111111111111'], regions: ['us-east-1', 'eu-west-9'] });
    expect(unknown.text).toMatch(/^unknown region "eu-west-9"; did you mean eu-west-1, eu-west-2 or eu-west-3\?/);
    expect(unknown.candidates!.unresolved).toHaveLength(1);

    const filtered = await refused('check_tag_compliance', { resource_types: ['ec2:instance'], filters: { region: 'eu-wset-1' } });
    expect(filtered.candidates!.unresolved[0]!.did_you_mean[0]).toBe('eu-west-1');
    expect(await running()).toBe(before);

    await stack.deps.store.flushAudit();
    const row = (await stack.deps.store.listAudit({ limit: 50 })).find((a) => a.correlationId === unknown.correlationId);
    expect(row).toMatchObject({ tool: 'start_compliance_scan', outcome: 'refused' });
  });

  it('answers an unknown resource type with the closest known types', async () => {
    const { text, candidates } = await refused('check_tag_compliance', { resource_types: ['ec2:instances'], accounts: ['111111111111'] });
    expect(text).toMatch(/^unknown resource type "ec2:instances"; did you mean ec2:instance/);
    expect(candidates!.unresolved[0]!.did_you_mean[0]).toBe('ec2:instance');
  });

  it('refuses a real type the policy does not cover, naming the policy\'s types', async () => {
    const { text, candidates } = await refused('start_compliance_scan', { resource_types: ['lambda:function', 'ec2:instance'], accounts: ['111111111111'] });
    expect(text).toMatch(/^resource type "lambda:function" is not covered by the tagging policy/);
    expect(candidates!.unresolved.map((u) => u.value)).toEqual(['lambda:function']);
    expect(candidates!.valid.resource_types!.values).toEqual(['azure:compute/*', 'ec2:instance', 's3:bucket']);
  });

  it('keeps the allowed-set refusal of an account and adds the nearest allowed ids', async () => {
    const { text, candidates } = await refused('start_compliance_scan', { resource_types: ['ec2:instance'], accounts: ['123456789021'] });
    expect(text).toMatch(/^account 123456789021 is not in the allowed set \(3 accounts: SCAN_ACCOUNTS/);
    expect(text).toMatch(/Did you mean 123456789012 \(for 123456789021\)\?/);
    expect(candidates!.unresolved[0]).toMatchObject({ field: 'accounts', reason: 'not_allowed', did_you_mean: ['123456789012'] });
    expect(candidates!.valid.accounts!.values).toEqual([...ACCOUNTS].sort());
  });

  it('starts a scan whose regions, types and accounts are all known', async () => {
    const result = await client.callTool({ name: 'start_compliance_scan',
      arguments: { resource_types: ['ec2:instance', 's3:*'], accounts: ['111111111111'], regions: ['eu-west-1'] } }) as CallToolResult;
    expect(result.isError).toBeFalsy();
    await stack.deps.temporal.workflow.getHandle((result.structuredContent as { scan_id: string }).scan_id).terminate('test done');
  });
});
