// Which accounts a caller may reach, and whose credentials we hold, on real components: moto
// behind the fault proxy, a Temporal dev server, PostgreSQL, the worker as its own process, and
// the gateway's tools through a real MCP client. moto holds no organisation, so the gateway's
// allowed set (read through AWS) is the caller's own account; the worker's is SCAN_ACCOUNTS.
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { CreateTaskResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ApplicationFailure } from '@temporalio/common';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AwsClients, awsClientsFrom } from '../../cloud/aws/clients.js';
import { openStore, type StoreHandle } from '../../cli/runtime.js';
import { configSchema, type Config } from '../../config/index.js';
import { createLogger } from '../../config/logger.js';
import type { ToolDefinition } from '../../mcp-gateway/context.js';
import { COMPLIANCE_SCAN_TYPE, startComplianceScan } from '../../client/scans.js';
import { createMcpServer } from '../../mcp-gateway/server.js';
import { checkTagCompliance } from '../../mcp-gateway/tools/check-tag-compliance.js';
import { startComplianceScanTool } from '../../mcp-gateway/tools/start-compliance-scan.js';
import { validateResourceTags } from '../../mcp-gateway/tools/validate-resource-tags.js';
import type { ComplianceScanResult } from '../../workflows/types.js';
import { DEFAULT_ACCOUNTS, MANAGEMENT_ACCOUNT } from '../support/aws-seed.js';
import { MOTO_CREDENTIALS } from '../support/moto.js';
import { startMotoStack, type MotoStack } from '../support/moto-stack.js';

const FOREIGN = '999999999999';
/** Allowed on the worker; the proxy sends its AssumeRole to ELSEWHERE, as a misrouted role would. */
const TARGET = '333333333333';
const ELSEWHERE = '444444444444';
const CALLER_ONLY = "1 account: the caller's own account, outside any organisation";
const TOOLS = [startComplianceScanTool, checkTagCompliance, validateResourceTags] as unknown as ToolDefinition[];

describe('allowed accounts and session identity on moto', () => {
  let stack: MotoStack;
  let temporal: Client;
  let store: StoreHandle;
  let gatewayConfig: Config;
  let gatewayAws: AwsClients;
  const mcpClients: McpClient[] = [];
  const env = { ...process.env };

  beforeAll(async () => {
    stack = await startMotoStack({ name: 'allowed', workerEnv: { SCAN_ACCOUNTS: [...DEFAULT_ACCOUNTS, TARGET, ELSEWHERE].join(',') } });
    // The gateway reads its allowed set from AWS (no SCAN_ACCOUNTS) with the default credential chain.
    process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    gatewayConfig = configSchema.parse({ ...stack.config, clouds: { aws: { endpoint: stack.proxy.endpoint, sdkMaxAttempts: 1 } } });
    gatewayAws = awsClientsFrom(gatewayConfig);
    store = await openStore(stack.config, createLogger('silent'));
    temporal = new Client({ connection: await Connection.connect({ address: stack.temporalServer.address }) });
  });

  afterEach(() => stack.proxy.setRules([]));

  afterAll(async () => {
    process.env = env;
    await Promise.allSettled(mcpClients.map((c) => c.close()));
    gatewayAws?.destroy();
    await temporal?.connection.close();
    await store?.close();
    await stack?.stop();
  });

  async function gateway(config: Config = gatewayConfig): Promise<McpClient> {
    const deps = { config, store: store.store, temporal, logger: createLogger('silent'), aws: gatewayAws };
    const server = createMcpServer(deps, { sessionId: `allowed-${mcpClients.length}`, actor: 'test' }, TOOLS);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new McpClient({ name: 'allowed-test', version: '0.0.0' });
    await client.connect(clientSide);
    mcpClients.push(client);
    return client;
  }

  async function refusal(client: McpClient, name: string, args: Record<string, unknown>): Promise<string> {
    const reply = await client.callTool({ name, arguments: args }) as CallToolResult;
    expect(reply.isError, JSON.stringify(reply.content)).toBe(true);
    return (reply.content[0] as { text: string }).text;
  }

  async function scanWorkflows(): Promise<string[]> {
    const ids: string[] = [];
    for await (const wf of temporal.workflow.list({ query: `WorkflowType = '${COMPLIANCE_SCAN_TYPE}'` })) ids.push(wf.workflowId);
    return ids;
  }

  /** Counts matching requests without changing them (a zero delay). */
  const counter = (name: string, body: string) => ({ name, service: 'sts', body, fault: { kind: 'delay' as const, ms: 0 } });

  it('refuses a scope naming a foreign account before any workflow starts or any role is assumed', async () => {
    stack.proxy.setRules([counter('assume-foreign', `RoleArn=arn%3Aaws%3Aiam%3A%3A${FOREIGN}`)]);
    const client = await gateway();
    const expected = `account ${FOREIGN} is not in the allowed set (${CALLER_ONLY}); set SCAN_ACCOUNTS / clouds.aws.accounts to change it`;
    const scope = { resource_types: ['ec2:instance'], accounts: [MANAGEMENT_ACCOUNT, FOREIGN] };
    expect(await refusal(client, 'start_compliance_scan', scope)).toContain(expected);
    expect(await refusal(client, 'check_tag_compliance', { ...scope, force_refresh: true, wait_seconds: 0 })).toContain(expected);
    expect(await refusal(client, 'check_tag_compliance', { resource_types: ['ec2:instance'], filters: { account_id: FOREIGN }, wait_seconds: 0 }))
      .toContain(expected);
    // A task-augmented call is refused the same way, as a JSON-RPC error.
    await expect(client.request({ method: 'tools/call', params: { name: 'check_tag_compliance', arguments: scope } },
      CreateTaskResultSchema, { task: { ttl: 60_000 } })).rejects.toThrow(expected);
    expect(await refusal(client, 'validate_resource_tags', { resource_arns: [`arn:aws:ec2:us-east-1:${FOREIGN}:volume/vol-0123456789abcdef0`] }))
      .toContain(expected);
    expect(await scanWorkflows()).toEqual([]);
    expect(stack.proxy.stats.injected['assume-foreign']).toBeUndefined();

    // The same gateway starts a scan of an allowed account: the listing above could have seen one.
    const ok = await client.callTool({ name: 'start_compliance_scan', arguments: { resource_types: ['ec2:instance'], accounts: [MANAGEMENT_ACCOUNT], regions: ['us-east-1'] } }) as CallToolResult;
    expect(ok.isError, JSON.stringify(ok.content)).toBeFalsy();
    const scanId = (ok.structuredContent as { scan_id: string }).scan_id;
    const result = await temporal.workflow.getHandle(scanId).result() as ComplianceScanResult;
    expect(result.status).toBe('completed');
    expect(await scanWorkflows()).toEqual([scanId]);
  });

  it('refuses more accounts, regions or ARNs than a call may name, with the cap and how to stay under it', async () => {
    const client = await gateway();
    const many = Array.from({ length: 1001 }, (_, i) => String(100_000_000_000 + i));
    expect(await refusal(client, 'start_compliance_scan', { resource_types: ['all'], accounts: many })).toMatch(/at most 1000 accounts per call/);
    const regions = Array.from({ length: 41 }, (_, i) => `us-east-${i + 1}`);
    expect(await refusal(client, 'start_compliance_scan', { resource_types: ['all'], regions })).toMatch(/at most 40 regions per call/);

    // A configured cap lowers the hard one.
    const lowered = await gateway(configSchema.parse({ ...gatewayConfig, gateway: { ...gatewayConfig.gateway, maxAccountsPerCall: 2 } }));
    expect(await refusal(lowered, 'start_compliance_scan', { resource_types: ['all'], accounts: [...DEFAULT_ACCOUNTS, TARGET] }))
      .toMatch(/at most 2 accounts per call \(MAX_ACCOUNTS_PER_CALL\), got 3/);
    const arns = ['i-0aaaaaaaaaaaaaaaa', 'i-0bbbbbbbbbbbbbbbb'].map((id) => `arn:aws:ec2:us-east-1:${MANAGEMENT_ACCOUNT}:instance/${id}`);
    const fewArns = await gateway(configSchema.parse({ ...gatewayConfig, gateway: { ...gatewayConfig.gateway, maxArnsPerCall: 1 } }));
    expect(await refusal(fewArns, 'validate_resource_tags', { resource_arns: arns })).toMatch(/at most 1 ARNs per call \(MAX_ARNS_PER_CALL\), got 2/);
    expect(await scanWorkflows()).toHaveLength(1); // only the previous test's
  });

  it('fails a workflow started around the gateway in its account plan, without assuming a role', async () => {
    stack.proxy.setRules([counter('assume-foreign', `RoleArn=arn%3Aaws%3Aiam%3A%3A${FOREIGN}`)]);
    const { handle } = await startComplianceScan(temporal, stack.config, { scope: { resource_types: ['ec2:instance'], accounts: [FOREIGN] } });
    const err = await handle.result().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause?.cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
    expect((cause as Error).message).toMatch(`account ${FOREIGN} is not in the allowed set (4 accounts: SCAN_ACCOUNTS / clouds.aws.accounts)`);
    expect(stack.proxy.stats.injected['assume-foreign']).toBeUndefined();
    // The scan row opened before planning is closed, not left running.
    const scans = await store.store.listScans({ limit: 50 });
    const row = scans.find((s) => s.workflowId === handle.workflowId);
    expect(row).toMatchObject({ status: 'failed', dataQuality: { status: 'partial' } });
  });

  it('fails an account whose assumed credentials belong to another account, and reads nothing with them', async () => {
    stack.proxy.setRules([{ name: 'assume-elsewhere', service: 'sts', body: `RoleArn=arn%3Aaws%3Aiam%3A%3A${TARGET}`,
      fault: { kind: 'rewrite', from: TARGET, to: ELSEWHERE } }]);
    const { handle } = await startComplianceScan(temporal, stack.config, {
      scope: { resource_types: ['ec2:instance'], accounts: [TARGET], regions: ['us-east-1'] },
    });
    const result = await handle.result() as ComplianceScanResult;
    expect(result.status).toBe('completed');
    expect(result.dataQuality.status).toBe('partial');
    expect(result.dataQuality.missing).toEqual([expect.objectContaining({ account: TARGET, errorType: 'AccountMismatch' })]);
    expect(result.dataQuality.missing[0]!.reason)
      .toMatch(`account ${TARGET}: the credentials from sts:AssumeRole OrganizationAccountAccessRole belong to account ${ELSEWHERE}, not ${TARGET}`);
    expect(result.totals.total).toBe(0);
    expect(await store.store.countScanResources(result.scanId)).toBe(0);
    expect(stack.proxy.stats.injected['assume-elsewhere']).toBeGreaterThan(0);
  });

  it('checks each session\'s identity once, and a management account whose default credentials are another\'s', async () => {
    stack.proxy.setRules([counter('identity', 'Action=GetCallerIdentity'), counter('assume', 'Action=AssumeRole')]);
    const options = { endpoint: stack.proxy.endpoint, roleName: 'OrganizationAccountAccessRole', sessionDurationSeconds: 900, maxAttempts: 1 };
    const clients = new AwsClients(options);
    const misconfigured = new AwsClients({ ...options, managementAccountId: DEFAULT_ACCOUNTS[1]! });
    try {
      const member = DEFAULT_ACCOUNTS[1]!;
      expect(await clients.sessions.credentialsFor(member)).toBeDefined();
      expect(await clients.sessions.credentialsFor(member)).toBeDefined();
      // One identity call finds the home account, one checks the member's session; the second use is cached.
      expect(stack.proxy.stats.injected).toMatchObject({ identity: 2, assume: 1 });

      const err = await misconfigured.sessions.credentialsFor(member).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect(err).toMatchObject({ type: 'AccountMismatch', nonRetryable: true });
      expect((err as Error).message).toMatch(`belong to account ${MANAGEMENT_ACCOUNT}, not ${member}`);
    } finally {
      clients.destroy();
      misconfigured.destroy();
    }
  });
});
