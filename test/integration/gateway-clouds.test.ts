// The scan tools over a stored scan of three clouds, behind a real MCP client, on PostgreSQL:
// totals by cloud, the cross-cloud consistency section (aggregated by SQL, checked against the
// in-memory check over the same resources), Azure's "inheritable from resource group" hint, and
// scope fields naming Azure subscriptions or GCP scopes outside the configuration. Rows are
// evaluated by the real engine and written through the store with the scope hash a tool computes,
// so resolveScan answers from the cache and never needs Temporal.
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../config/index.js';
import { createLogger } from '../../config/logger.js';
import { complianceScore, crossCloudConsistency, evaluate, RESOURCE_GROUP_TYPE } from '../../core/compliance/index.js';
import { compilePolicy, parsePolicy } from '../../core/policy/index.js';
import type { Resource } from '../../core/resource.js';
import type { ScanResourceRow } from '../../core/scan.js';
import { scopeHash } from '../../core/scan-id.js';
import { normaliseScope, type ScopeInput } from '../../core/scope.js';
import type { ToolDefinition } from '../../mcp-gateway/context.js';
import { createMcpServer } from '../../mcp-gateway/server.js';
import { checkTagCompliance } from '../../mcp-gateway/tools/check-tag-compliance.js';
import { generateComplianceReport } from '../../mcp-gateway/tools/generate-compliance-report.js';
import { createStore, migrate, openDb, type Db, type Store } from '../../store/index.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

const TOOLS = [checkTagCompliance, generateComplianceReport] as unknown as ToolDefinition[];
const SUB = 'cccccccc-3333-4000-8000-00000000000c';
const OTHER_SUB = 'dddddddd-3333-4000-8000-00000000000d';
const POLICY = parsePolicy({
  version: 'clouds-1',
  required_tags: [
    { name: 'Owner', description: '', allowed_values: null, validation_regex: null, applies_to: [] },
    {
      name: 'Environment', description: '', allowed_values: ['Production', 'Staging'], validation_regex: null, applies_to: [],
      cloud_spellings: { gcp: { keys: ['environment'], values: { Production: 'production', Staging: 'staging' } } },
    },
    { name: 'CostCenter', description: '', allowed_values: null, validation_regex: null, applies_to: [], cloud_spellings: { gcp: { keys: ['cost-center'] } } },
  ],
  optional_tags: [],
  tag_naming_rules: { case_sensitivity: false, allow_special_characters: false, max_key_length: 128, max_value_length: 256 },
});
const compiled = compilePolicy(POLICY);

// ---- fixtures: builders over three clouds ---------------------------------------------------

function awsResources(n: number): Resource[] {
  const tagsOf = (i: number): Record<string, string> => (i % 3 === 0 ? { Owner: 'a', Environment: 'prod', CostCenter: 'CC-1' }
    : i % 3 === 1 ? { Owner: 'a', Environment: 'Production', CostCenter: 'CC-1' } : { Environment: 'Staging' });
  return Array.from({ length: n }, (_, i) => ({ cloud: 'aws', account: '111111111111', region: 'us-east-1', type: 'ec2:instance',
    id: `arn:aws:ec2:us-east-1:111111111111:instance/i-${String(i).padStart(4, '0')}`, tags: tagsOf(i) }));
}

function gcpResources(n: number): Resource[] {
  return Array.from({ length: n }, (_, i) => ({ cloud: 'gcp', account: 'p1', region: 'us-central1', type: 'gcp:compute/instance',
    id: `//compute.googleapis.com/projects/p1/zones/us-central1-a/instances/vm-${i}`,
    tags: (i % 2 === 0 ? { owner: 'a', environment: 'production', cost_center: 'cc-1' } : { owner: 'b', environment: 'staging', 'cost-center': 'cc-2' }) as Record<string, string> }));
}

const groupId = (g: number) => `/subscriptions/${SUB}/resourceGroups/rg-${g}`;
const GROUP_TAGS: Record<string, string>[] = [{ Owner: 'rg-owner', Environment: 'Production', CostCenter: 'CC-9' }, {}];

function azureResources(n: number): Resource[] {
  const groups: Resource[] = GROUP_TAGS.map((tags, g) => ({ cloud: 'azure', account: SUB, region: 'westeurope', type: RESOURCE_GROUP_TYPE, id: groupId(g), tags }));
  const tagsOf = (i: number): Record<string, string> => (i % 3 === 0 ? {} : i % 3 === 1 ? { owner: 'x', environment: 'Production', costcenter: 'CC-1' } : { Environment: 'Staging' });
  // Resource ids spell the group segment as ARM's resource list does, in any case.
  const resources: Resource[] = Array.from({ length: n }, (_, i) => ({ cloud: 'azure', account: SUB, region: 'westeurope', type: 'azure:compute/virtualmachines',
    id: `/subscriptions/${SUB}/${i % 4 === 2 ? 'resourcegroups' : 'resourceGroups'}/rg-${i % 2}/providers/Microsoft.Compute/virtualMachines/vm-${i}`, tags: tagsOf(i) }));
  return [...groups, ...resources];
}

function rowOf(r: Resource): ScanResourceRow {
  const { compliant, findings } = evaluate(compiled, r);
  return { resourceId: r.id, cloud: r.cloud, account: r.account, region: r.region, resourceType: r.type, tags: r.tags, compliant, violations: [...findings] };
}

const ALL_ARGS = { cloud_provider: 'all', resource_types: ['all'] };

function scopeOfArgs(input: ScopeInput) {
  const scope = normaliseScope(input);
  return { scope, hash: scopeHash(scope) };
}

async function storeScan(store: Store, input: ScopeInput, rows: ScanResourceRow[], policyVersionId: number, opts: { dropByCloud?: boolean } = {}) {
  const { scope, hash } = scopeOfArgs(input);
  const workflowId = `scan-adhoc-${hash}-20261205T0000Z`;
  const id = `${workflowId}.${Math.random().toString(16).slice(2, 10)}`;
  await store.createScan({ id, workflowId, trigger: 'adhoc', scope, scopeHash: hash, storeSnapshot: false, policyVersionId });
  await store.upsertScanResources(id, rows);
  const { byCloud, ...sql } = await store.scanTotals(id);
  // A row written before totals were split by cloud has no byCloud.
  const totals = { ...sql, ...(opts.dropByCloud ? {} : { byCloud }), score: complianceScore(sql.compliant, sql.total) };
  await store.completeScan(id, { status: 'completed', totals, dataQuality: { status: 'complete', missing: [] } });
  return { id, workflowId };
}

describe('scan tools over three clouds', () => {
  let database: TestDatabase;
  let db: Db;
  let store: Store;
  let temporal: TemporalClient;
  let mcp: McpClient;
  const resources = [...awsResources(12), ...gcpResources(8), ...azureResources(9)];
  const rows = resources.map(rowOf);

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await openDb({ databaseUrl: database.url });
    await migrate(db);
    store = createStore(db);
    const version = await store.savePolicyVersion({ source: 'inline', document: POLICY });
    await storeScan(store, { clouds: ['aws', 'azure', 'gcp'], resource_types: ['all'] }, rows, version.id);
    await storeScan(store, { clouds: ['aws'], resource_types: ['ec2:instance'] }, rows.filter((r) => r.cloud === 'aws'), version.id, { dropByCloud: true });
    temporal = new TemporalClient({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
    const config = configSchema.parse({ logLevel: 'silent', clouds: { azure: { subscriptions: [SUB] }, gcp: { scopes: ['projects/p1'] } } });
    const server = createMcpServer({ config, store, temporal, logger: createLogger('silent') }, { sessionId: 'clouds' }, TOOLS);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    mcp = new McpClient({ name: 'gateway-clouds-test', version: '1.0.0' });
    await server.connect(serverSide);
    await mcp.connect(clientSide);
    await mcp.listTools(); // the client validates structuredContent against the listed output schemas
  });

  afterAll(async () => {
    await mcp?.close();
    await temporal?.connection.close().catch(() => {});
    await db?.close();
    await database?.drop();
  });

  async function call(name: string, args: Record<string, unknown>) {
    const result = await mcp.callTool({ name, arguments: args }) as CallToolResult;
    const text = (result.content[0] as { text: string }).text;
    if (result.isError) throw new Error(`${name} failed: ${text}`);
    return { structured: result.structuredContent as Record<string, any>, text }; // eslint-disable-line @typescript-eslint/no-explicit-any
  }

  async function refusal(name: string, args: Record<string, unknown>): Promise<string> {
    const result = await mcp.callTool({ name, arguments: args }) as CallToolResult;
    expect(result.isError).toBe(true);
    return (result.content[0] as { text: string }).text;
  }

  function tally(of: ScanResourceRow[]): Record<string, { total: number; compliant: number }> {
    const out: Record<string, { total: number; compliant: number }> = {};
    for (const r of of) {
      const entry = (out[r.cloud] ??= { total: 0, compliant: 0 });
      entry.total++;
      if (r.compliant) entry.compliant++;
    }
    return out;
  }

  it('breaks check_tag_compliance totals down by cloud and says each cloud\'s score', async () => {
    const { structured, text } = await call('check_tag_compliance', { ...ALL_ARGS, confirm_scope: true, limit: 500 });
    const expected = tally(rows);
    expect(Object.keys(expected).sort()).toEqual(['aws', 'azure', 'gcp']);
    expect(structured.scan.by_cloud).toEqual(expected);
    expect(structured.scan.total_resources).toBe(rows.length);
    for (const cloud of ['aws', 'azure', 'gcp']) expect(text).toMatch(new RegExp(`${cloud} [0-9.]+% \\(${expected[cloud]!.compliant}/${expected[cloud]!.total}\\)`));
  });

  it('shows a stored row without byCloud by its one cloud', async () => {
    const { structured, text } = await call('check_tag_compliance', { resource_types: ['ec2:instance'] });
    expect(structured.scan.by_cloud).toEqual(tally(rows.filter((r) => r.cloud === 'aws')));
    expect(text).not.toMatch(/By cloud/);
  });

  it('hints that an Azure resource\'s missing tag is inheritable from its resource group', async () => {
    const { structured } = await call('check_tag_compliance', { ...ALL_ARGS, confirm_scope: true, limit: 500 });
    expect(structured.next_cursor).toBeNull();
    // Expected independently: a VM in rg-0 lacking (any case) a tag rg-0 carries.
    const expected = new Set<string>();
    for (const r of resources) {
      if (r.cloud !== 'azure' || r.type === RESOURCE_GROUP_TYPE || !/\/rg-0\//.test(r.id)) continue;
      const keys = Object.keys(r.tags).map((k) => k.toLowerCase());
      for (const tag of Object.keys(GROUP_TAGS[0]!)) if (!keys.includes(tag.toLowerCase())) expected.add(`${r.id}|${tag}`);
    }
    expect(expected.size).toBeGreaterThan(0);
    const hinted = (structured.violations as { resource_id: string; tag: string; kind: string; hint?: string; inheritable_from_resource_group?: { resource_group_id: string; value: string } }[])
      .filter((v) => v.inheritable_from_resource_group);
    expect(new Set(hinted.map((v) => `${v.resource_id}|${v.tag}`))).toEqual(expected);
    for (const v of hinted) {
      expect(v.kind).toBe('missing_required_tag');
      expect(v.hint).toMatch(/inheritable from resource group rg-0/);
      expect(v.inheritable_from_resource_group).toMatchObject({ resource_group_id: groupId(0), value: GROUP_TAGS[0]![v.tag] });
    }
  });

  it('reports cross-cloud consistency from SQL counts, the same as the check over the resources themselves', async () => {
    const { structured, text } = await call('check_tag_compliance', { ...ALL_ARGS, confirm_scope: true });
    const inMemory = crossCloudConsistency(compiled, resources);
    expect(inMemory.length).toBeGreaterThan(0);
    expect(structured.consistency.truncated).toBe(false);
    expect(structured.consistency.issues_total).toBe(inMemory.length);
    expect(structured.consistency.issues).toEqual(inMemory.map((i) => ({
      tag: i.tag, kind: i.kind, canonical: i.canonical ?? null, variants: i.variants, counts: i.counts, message: i.message,
    })));
    expect(text).toMatch(new RegExp(`${inMemory.length} cross-cloud consistency issue`));
    // And by hand: AWS spells Production "prod" on as many resources as the fixture says.
    const env = (structured.consistency.issues as { tag: string; kind: string; variants: { spelling: string; counts: Record<string, number> }[] }[])
      .find((i) => i.tag === 'Environment' && i.kind === 'value_spelling');
    expect(env?.variants.find((v) => v.spelling === 'prod')?.counts).toEqual({ aws: resources.filter((r) => r.tags.Environment === 'prod').length });
    const key = (structured.consistency.issues as { tag: string; kind: string; variants: { spelling: string; declared: boolean; counts: Record<string, number> }[] }[])
      .find((i) => i.tag === 'CostCenter' && i.kind === 'key_spelling');
    expect(key?.variants.find((v) => v.spelling === 'cost_center')).toEqual({ spelling: 'cost_center', declared: false,
      counts: { gcp: resources.filter((r) => 'cost_center' in r.tags).length } });
  });

  it('leaves consistency out of a one-cloud scope', async () => {
    const { structured } = await call('check_tag_compliance', { resource_types: ['ec2:instance'] });
    expect(structured.consistency).toBeUndefined();
  });

  it('puts by_cloud and consistency in the report, in json, markdown and csv', async () => {
    const expected = tally(rows);
    const json = await call('generate_compliance_report', { ...ALL_ARGS, format: 'json' });
    expect(Object.fromEntries((json.structured.by_cloud as { key: string; total: number; compliant: number }[]).map((b) => [b.key, { total: b.total, compliant: b.compliant }]))).toEqual(expected);
    const report = JSON.parse(json.structured.report as string) as { by_cloud: { key: string }[]; consistency: { issues_total: number } };
    expect(report.by_cloud.map((b) => b.key)).toEqual(['aws', 'azure', 'gcp']);
    expect(report.consistency.issues_total).toBe(crossCloudConsistency(compiled, resources).length);
    expect(json.text).toMatch(/By cloud: aws/);

    const md = (await call('generate_compliance_report', { ...ALL_ARGS, format: 'markdown' })).structured.report as string;
    expect(md).toMatch(/## By cloud/);
    expect(md).toMatch(new RegExp(`\\| azure \\| ${expected.azure!.total} \\| ${expected.azure!.compliant} \\|`));
    expect(md).toMatch(/## Cross-cloud consistency/);
    expect(md).toMatch(/cost_center \(undeclared\) \(gcp: \d+\)/);

    const csv = (await call('generate_compliance_report', { ...ALL_ARGS, format: 'csv' })).structured.report as string;
    const lines = csv.split('\r\n');
    expect(lines).toContain(`breakdown,cloud,gcp,,${expected.gcp!.total},${expected.gcp!.compliant},${expected.gcp!.total - expected.gcp!.compliant},` +
      `${complianceScore(expected.gcp!.compliant, expected.gcp!.total)},,`);
    expect(lines.filter((l) => l.startsWith('consistency,'))).toHaveLength(crossCloudConsistency(compiled, resources).length);
  });

  it('refuses subscriptions and GCP scopes outside the configured ones, and targets of a cloud not scanned', async () => {
    expect(await refusal('check_tag_compliance', { ...ALL_ARGS, confirm_scope: true, subscriptions: [OTHER_SUB] }))
      .toMatch(new RegExp(`${OTHER_SUB}.*not configured.*clouds\\.azure\\.subscriptions`));
    expect(await refusal('generate_compliance_report', { cloud_provider: 'gcp', resource_types: ['all'], gcp_scopes: ['projects/p1', 'folders/42'] }))
      .toMatch(/folders\/42.*not configured.*clouds\.gcp\.scopes/);
    expect(await refusal('check_tag_compliance', { resource_types: ['all'], subscriptions: [SUB] })).toMatch(/cloud_provider to azure or all/);
    expect(await refusal('check_tag_compliance', { cloud_provider: 'gcp', resource_types: ['all'], gcp_scopes: ['buckets/x'] })).toMatch(/gcp_scopes/);
  });
});
