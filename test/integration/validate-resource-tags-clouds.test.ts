// validate_resource_tags for Azure resource ids and GCP full resource names, through a real MCP
// client: the real Azure SDK (ARM tags at scope) against the HTTPS ARM fake, the real Cloud Asset
// client against the GCP fake, PostgreSQL for the policy version. Expected verdicts come from a
// small oracle over the seeded tags, not from the engine. Temporal and AWS are never reached.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Client, Connection } from '@temporalio/client';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGcpClients } from '../../cloud/gcp/clients.js';
import { createGcpScanner } from '../../cloud/gcp/scanner.js';
import { configSchema, type Config } from '../../config/index.js';
import { createLogger } from '../../config/logger.js';
import type { GatewayDeps, ToolDefinition } from '../../mcp-gateway/context.js';
import { createMcpServer } from '../../mcp-gateway/server.js';
import { validateResourceTags } from '../../mcp-gateway/tools/validate-resource-tags.js';
import { createStore, migrate, openDb, type Db } from '../../store/index.js';
import { aSubscription, startAzureFake, type AzureFake } from '../support/azure-fake.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { startGcpFake, type FakeAsset, type GcpFake } from '../support/gcp-fake.js';

const SUB_A = 'aaaaaaaa-2222-4000-8000-00000000000a';
const SUB_B = 'bbbbbbbb-2222-4000-8000-00000000000b';
const TOKEN = 'validate-gcp-token';
const ENVIRONMENTS = ['Production', 'Staging'];

// Owner everywhere; Environment from a list (GCP spells it `environment`, values lowercased);
// CostCenter on GCP instances, with no GCP spelling: a key no label can carry.
const POLICY = {
  version: 'validate-clouds-1',
  required_tags: [
    { name: 'Owner', description: '', allowed_values: null, validation_regex: null, applies_to: [] },
    {
      name: 'Environment', description: '', allowed_values: ENVIRONMENTS, validation_regex: null, applies_to: [],
      cloud_spellings: { gcp: { keys: ['environment'], values: { Production: 'production', Staging: 'staging' } } },
    },
    { name: 'CostCenter', description: '', allowed_values: null, validation_regex: null, applies_to: ['gcp:compute/instance'] },
  ],
  optional_tags: [],
  tag_naming_rules: { case_sensitivity: true, allow_special_characters: false, max_key_length: 128, max_value_length: 256 },
};

/** Azure: keys match ignoring case (whatever case_sensitivity says); values exactly. */
function azureCompliant(tags: Record<string, string>): boolean {
  const lower = Object.fromEntries(Object.entries(tags).map(([k, v]) => [k.toLowerCase(), v]));
  return !!lower.owner && ENVIRONMENTS.includes(lower.environment ?? '');
}

/** GCP: `owner` and `environment` labels, values in the GCP spelling; an instance can never carry CostCenter. */
function gcpCompliant(asset: FakeAsset): boolean {
  const labels = asset.labels ?? {};
  return !!labels.owner && ['production', 'staging'].includes(labels.environment ?? '') && asset.assetType !== 'compute.googleapis.com/Instance';
}

const AZURE_TAGS: Record<string, string>[] = [
  { owner: 'team-a', ENVIRONMENT: 'Production' }, { Owner: 'team-b' }, { Owner: 'team-c', Environment: 'prod' }, {},
  { OWNER: 'x', environment: 'Staging' }, { Environment: 'Staging' },
];

const GCP_ASSETS: FakeAsset[] = [
  { name: '//storage.googleapis.com/projects/_/buckets/logs-1', assetType: 'storage.googleapis.com/Bucket', project: 'projects/p1', location: 'us', labels: { owner: 'a', environment: 'production' } },
  { name: '//storage.googleapis.com/projects/_/buckets/logs-2', assetType: 'storage.googleapis.com/Bucket', project: 'projects/p1', location: 'eu', labels: { owner: 'a', environment: 'prod' } },
  { name: '//compute.googleapis.com/projects/p1/zones/us-central1-a/instances/vm-1', assetType: 'compute.googleapis.com/Instance', project: 'projects/p1', location: 'us-central1-a', labels: { owner: 'b', environment: 'staging' } },
  { name: '//compute.googleapis.com/projects/p1/zones/us-central1-a/instances/vm-2', assetType: 'compute.googleapis.com/Instance', project: 'projects/p1', location: 'us-central1-a', labels: {} },
];

interface Item { arn: string; cloud: string; resource_type: string; account: string; region: string; compliant: boolean; violations: { kind: string; tag: string }[]; tags: Record<string, string> }
interface Reply { results: Item[]; errors: { arn: string; error: string }[]; summary: { checked: number; compliant: number; non_compliant: number; errors: number } }

describe('validate_resource_tags on Azure and GCP', () => {
  let azure: AzureFake;
  let gcp: GcpFake;
  let database: TestDatabase;
  let db: Db;
  let dir: string;
  let config: Config;
  let temporal: Client;
  const clients: McpClient[] = [];
  let mcp: McpClient;
  const subscription = aSubscription(SUB_A, 2, 3, (i) => AZURE_TAGS[i % AZURE_TAGS.length]!);

  async function connect(deps: GatewayDeps): Promise<McpClient> {
    const server = createMcpServer(deps, { sessionId: `validate-clouds-${clients.length}`, actor: 'test' }, [validateResourceTags as unknown as ToolDefinition]);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new McpClient({ name: 'validate-clouds-test', version: '0.0.0' });
    await client.connect(clientSide);
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    [azure, gcp, database] = await Promise.all([
      startAzureFake([subscription, aSubscription(SUB_B, 1, 1, () => ({ Owner: 'b' }))]),
      startGcpFake({ 'projects/p1': GCP_ASSETS, 'projects/p2': [] }, TOKEN),
      createTestDatabase(),
    ]);
    dir = mkdtempSync(path.join(os.tmpdir(), 'validate-clouds-'));
    writeFileSync(path.join(dir, 'policy.json'), JSON.stringify(POLICY));
    config = configSchema.parse({
      policy: { path: path.join(dir, 'policy.json') },
      database: { url: database.url },
      logLevel: 'silent',
      clouds: {
        azure: { subscriptions: [SUB_A], tenantId: azure.tenantId, clientId: azure.clientId, clientSecret: azure.clientSecret, endpoint: azure.url, authorityHost: azure.url, caFile: azure.caFile, sdkMaxRetries: 0 },
        gcp: { scopes: ['projects/p1'], apiEndpoint: '127.0.0.1', port: gcp.port, protocol: 'http' },
      },
    });
    db = await openDb({ databaseUrl: database.url });
    await migrate(db);
    temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
    const auth = new OAuth2Client();
    auth.setCredentials({ access_token: TOKEN });
    // Azure's scanner is built by the tool from config; GCP's is given (a static token stands in for ADC).
    mcp = await connect({
      config, store: createStore(db), temporal, logger: createLogger('silent'),
      liveTags: { gcp: createGcpScanner(createGcpClients(config.clouds.gcp, auth), config.clouds.gcp) },
    });
  }, 60_000);

  afterAll(async () => {
    for (const client of clients) await client.close();
    await temporal?.connection.close().catch(() => {});
    await db?.close();
    await Promise.all([azure?.close(), gcp?.close()]);
    await database?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    azure.requests.length = 0;
    gcp.requests.length = 0;
  });

  async function call(client: McpClient, args: Record<string, unknown>): Promise<CallToolResult> {
    return await client.callTool({ name: 'validate_resource_tags', arguments: args }) as CallToolResult;
  }

  async function validate(ids: string[], client = mcp): Promise<Reply> {
    const reply = await call(client, { resource_arns: ids });
    expect(reply.isError, JSON.stringify(reply.content)).toBeFalsy();
    return reply.structuredContent as unknown as Reply;
  }

  it('reads Azure tags at scope through the SDK and evaluates keys ignoring case', async () => {
    const resources = subscription.resources;
    // An id in another case is the same resource to Azure.
    const ids = resources.map((r, i) => (i === 1 ? r.id.replace('resourceGroups', 'RESOURCEGROUPS') : r.id));
    const reply = await validate(ids);
    expect(reply.errors).toEqual([]);
    expect(reply.results.map((r) => r.arn)).toEqual(ids);
    for (const [i, r] of resources.entries()) {
      const item = reply.results[i]!;
      expect(item).toMatchObject({ cloud: 'azure', account: SUB_A, tags: r.tags, compliant: azureCompliant(r.tags ?? {}) });
      expect(item.resource_type).toBe(`azure:${r.type.toLowerCase().replace(/^microsoft\./, '')}`);
      // Keys in another case are the key on Azure: no case finding, whatever case_sensitivity says.
      expect(item.violations.filter((v) => v.kind === 'wrong_key_case' || v.kind === 'key_case_mismatch')).toEqual([]);
    }
    const expectedCompliant = resources.filter((r) => azureCompliant(r.tags ?? {})).length;
    expect(expectedCompliant).toBeGreaterThan(0);
    expect(reply.summary).toEqual({ checked: resources.length, compliant: expectedCompliant, non_compliant: resources.length - expectedCompliant, errors: 0 });
    // One tags-at-scope GET per resource, with the SDK's api-version.
    const tagCalls = azure.requests.filter((r) => r.path.toLowerCase().endsWith('/providers/microsoft.resources/tags/default'));
    expect(tagCalls).toHaveLength(resources.length);
    for (const c of tagCalls) expect(c.query['api-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('reads GCP labels by exact name and applies the label rules', async () => {
    const reply = await validate(GCP_ASSETS.map((a) => a.name));
    expect(reply.errors).toEqual([]);
    for (const [i, asset] of GCP_ASSETS.entries()) {
      const item = reply.results[i]!;
      expect(item).toMatchObject({ arn: asset.name, cloud: 'gcp', account: 'p1', region: asset.location, tags: asset.labels, compliant: gcpCompliant(asset) });
      const kinds = item.violations.map((v) => `${v.kind}:${v.tag}`);
      // CostCenter cannot be a label: a label-rule finding on instances, never "missing".
      expect(kinds.includes('gcp_label_rule:CostCenter')).toBe(asset.assetType === 'compute.googleapis.com/Instance');
      expect(kinds.includes('missing_required_tag:CostCenter')).toBe(false);
    }
    expect(gcp.requests.map((r) => [r.path, r.query.get('query')])).toEqual(
      GCP_ASSETS.map((a) => ['/v1/projects/p1:searchAllResources', `name="${a.name}"`]));
  });

  it('reports malformed and unknown ids one by one, beside the good ones', async () => {
    const good = subscription.resources[0]!.id;
    const gone = `/subscriptions/${SUB_A}/resourceGroups/rg-0/providers/Microsoft.Compute/virtualMachines/gone`;
    const reply = await validate([good, gone, `/subscriptions/${SUB_A}/oops`, '//not-google/x', `${GCP_ASSETS[0]!.name}-gone`]);
    expect(reply.results.map((r) => r.arn)).toEqual([good]);
    const errors = new Map(reply.errors.map((e) => [e.arn, e.error]));
    expect(errors.get(gone)).toMatch(/not found/i);
    expect(errors.get(`/subscriptions/${SUB_A}/oops`)).toMatch(/not an Azure resource id/);
    expect(errors.get('//not-google/x')).toMatch(/not a GCP full resource name/);
    expect(errors.get(`${GCP_ASSETS[0]!.name}-gone`)).toMatch(/not found/);
  });

  it('refuses the whole call for a subscription or project outside the configured ones, reading nothing', async () => {
    const outsideAzure = `/subscriptions/${SUB_B}/resourceGroups/rg-0/providers/Microsoft.Compute/virtualMachines/res-0`;
    const refused = await call(mcp, { resource_arns: [subscription.resources[0]!.id, outsideAzure] });
    expect(refused.isError).toBe(true);
    expect((refused.content[0] as { text: string }).text).toMatch(new RegExp(`${SUB_B}.*not configured`));
    const outsideGcp = '//compute.googleapis.com/projects/p2/zones/z/instances/vm';
    const refusedGcp = await call(mcp, { resource_arns: [GCP_ASSETS[0]!.name, outsideGcp] });
    expect(refusedGcp.isError).toBe(true);
    expect((refusedGcp.content[0] as { text: string }).text).toMatch(/p2.*not within the configured GCP scopes/);
    expect(azure.requests.filter((r) => !r.path.includes('oauth2'))).toEqual([]);
    expect(gcp.requests).toEqual([]);
  });

  it('keeps ids of another cloud out when cloud_provider names one', async () => {
    const reply = await call(mcp, { resource_arns: [GCP_ASSETS[0]!.name, subscription.resources[0]!.id], cloud_provider: 'gcp' });
    const body = reply.structuredContent as unknown as Reply;
    expect(body.results.map((r) => r.arn)).toEqual([GCP_ASSETS[0]!.name]);
    expect(body.errors).toEqual([{ arn: subscription.resources[0]!.id, error: expect.stringMatching(/not a gcp resource id/) }]);
  });

  it('without Azure credentials reports each Azure id with what to set, and still reads GCP', async () => {
    const bare = configSchema.parse({ ...config, clouds: { ...config.clouds, azure: { subscriptions: [SUB_A] } } });
    const auth = new OAuth2Client();
    auth.setCredentials({ access_token: TOKEN });
    const client = await connect({
      config: bare, store: createStore(db), temporal, logger: createLogger('silent'),
      liveTags: { gcp: createGcpScanner(createGcpClients(bare.clouds.gcp, auth), bare.clouds.gcp) },
    });
    const id = subscription.resources[0]!.id;
    const reply = await validate([id, GCP_ASSETS[0]!.name], client);
    expect(reply.results.map((r) => r.arn)).toEqual([GCP_ASSETS[0]!.name]);
    expect(reply.errors).toEqual([{ arn: id, error: expect.stringMatching(/no Azure credentials configured.*AZURE_TENANT_ID/) }]);
    expect(azure.requests).toEqual([]);
  });
});
