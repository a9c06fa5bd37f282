// generate_terraform_policy and generate_config_rules behind a real MCP client, over a scan stored
// in a real PostgreSQL (written through the store with the scope hash the tools compute, so they
// answer from it without Temporal). The artefacts go through the engines: python-hcl2, cfn-lint.
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../config/index.js';
import { createLogger } from '../../config/logger.js';
import { complianceScore } from '../../core/compliance/index.js';
import { scopeHash } from '../../core/scan-id.js';
import type { TaggingPolicyInput } from '../../core/policy/index.js';
import { normaliseScope } from '../../core/scope.js';
import type { ScanResourceRow } from '../../core/scan.js';
import type { ToolDefinition } from '../../mcp-gateway/context.js';
import { createMcpServer } from '../../mcp-gateway/server.js';
import { generateConfigRulesTool } from '../../mcp-gateway/tools/generate-config-rules.js';
import { generateTerraformPolicyTool } from '../../mcp-gateway/tools/generate-terraform-policy.js';
import { createStore, migrate, openDb, type Db, type Store } from '../../store/index.js';
import { createTestDatabase } from '../support/databases.js';
import { cfnLint, hclResources, parseHcl } from '../support/guardrail-engines.js';

const TOOLS = [generateTerraformPolicyTool, generateConfigRulesTool] as unknown as ToolDefinition[];
const ENV_VALUE = 'prod "${x}"'; // a value Terraform would interpolate if written bare

const POLICY: TaggingPolicyInput = {
  version: '4.0',
  required_tags: [
    { name: 'Owner', description: 'who to call' },
    { name: 'CostCenter', allowed_values: ['cc-1', 'cc-2'], applies_to: ['ec2:instance', 's3:bucket'] },
    ...Array.from({ length: 6 }, (_, i) => ({ name: `Extra${i}`, applies_to: ['ec2:instance', 's3:bucket'] })),
    { name: 'env', allowed_values: [ENV_VALUE, 'dev'], clouds: ['aws', 'azure'] },
    { name: 'team', allowed_values: ['data', 'web'], clouds: ['gcp'], applies_to: ['gcp:compute/instance'] },
  ],
};

const missing = (tag: string) => ({ kind: 'missing_required_tag', tag, severity: 'error', message: `Required tag "${tag}" is missing.` });

/** 2,100 AWS rows (more than one page of the reader), plus Azure and GCP ones; every third compliant. */
function estate(): ScanResourceRow[] {
  const rows: ScanResourceRow[] = [];
  for (let i = 0; i < 2100; i++) {
    const type = i % 2 ? 'ec2:instance' : 's3:bucket';
    const ok = i % 3 === 0;
    rows.push({
      resourceId: `arn:aws:${type.split(':')[0]}:us-east-1:111111111111:r-${String(i).padStart(5, '0')}`, cloud: 'aws', account: '111111111111',
      region: 'us-east-1', resourceType: type, tags: ok ? { Owner: 'a' } : {}, compliant: ok,
      violations: ok ? [] : [missing('Owner'), ...(i % 5 === 0 ? [{ kind: 'invalid_value', tag: 'CostCenter', severity: 'error' }] : [])],
    });
  }
  rows.push({
    resourceId: '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1',
    cloud: 'azure', account: '00000000-0000-0000-0000-000000000001', region: 'westeurope', resourceType: 'azure:compute/virtualmachines',
    tags: {}, compliant: false, violations: [missing('Owner'), missing('env')],
  });
  rows.push({
    resourceId: '//compute.googleapis.com/projects/p/zones/z/instances/i1', cloud: 'gcp', account: 'p', region: 'z',
    resourceType: 'gcp:compute/instance', tags: {}, compliant: false, violations: [missing('team')],
  });
  return rows;
}

describe('guardrail tools over a stored scan', () => {
  let db: Db;
  let release: () => Promise<void>;
  let store: Store;
  let client: McpClient;
  let scanWorkflowId: string;
  let policyVersionId: number;
  const rows = estate();

  async function call(name: string, args: Record<string, unknown>) {
    const result = await client.callTool({ name, arguments: args }) as CallToolResult;
    const text = (result.content[0] as { text: string }).text;
    if (result.isError) throw new Error(`${name} failed: ${text}`);
    return { structured: result.structuredContent as Record<string, any>, text }; // eslint-disable-line @typescript-eslint/no-explicit-any
  }

  beforeAll(async () => {
    const database = await createTestDatabase();
    release = () => database.drop();
    db = await openDb({ databaseUrl: database.url, poolMax: 4 });
    await migrate(db);
    store = createStore(db);
    policyVersionId = (await store.savePolicyVersion({ source: 'inline', document: POLICY })).id;
    const scope = normaliseScope({ clouds: ['aws', 'azure', 'gcp'], resource_types: ['all'] });
    const hash = scopeHash(scope);
    scanWorkflowId = `scan-adhoc-${hash}-20260101T0000Z`;
    const id = `${scanWorkflowId}.run1`;
    await store.createScan({ id, workflowId: scanWorkflowId, trigger: 'adhoc', scope, scopeHash: hash, policyVersionId, storeSnapshot: false });
    await store.upsertScanResources(id, rows);
    const totals = await store.scanTotals(id);
    await store.completeScan(id, { status: 'completed', totals: { ...totals, score: complianceScore(totals.compliant, totals.total) }, dataQuality: { status: 'complete', missing: [] } });

    const temporal = new TemporalClient({ connection: Connection.lazy({ address: '127.0.0.1:1' }) }); // never reached: the scan is stored
    const server = createMcpServer({ config: configSchema.parse({ logLevel: 'silent' }), store, temporal, logger: createLogger('silent') },
      { sessionId: 'guardrails' }, TOOLS);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    client = new McpClient({ name: 'guardrail-tools-test', version: '1.0.0' });
    await server.connect(serverSide);
    await client.connect(clientSide);
    await client.listTools(); // the client checks structuredContent against the listed output schemas
  });

  afterAll(async () => {
    await client?.close();
    await db?.close();
    await release?.();
  });

  it('generate_terraform_policy: HCL that parses, built from the scan\'s policy and violations', async () => {
    const { structured: s, text } = await call('generate_terraform_policy', { cloud: 'all' });
    expect(s.status).toBe('completed');
    expect(s.scan_id).toBe(scanWorkflowId);
    expect(s.policy_version_id).toBe(policyVersionId);
    const violating = rows.filter((r) => !r.compliant);
    expect(s.violating_resources).toBe(violating.length);
    const ownerMissingAws = violating.filter((r) => r.cloud === 'aws').length;
    expect(s.violations_by_tag).toContainEqual({ cloud: 'aws', tag: 'Owner', missing: ownerMissingAws, invalid: 0 });
    expect(s.violations_by_tag).toContainEqual({
      cloud: 'aws', tag: 'CostCenter', missing: 0, invalid: violating.filter((r) => (r.violations as { tag: string }[]).some((v) => v.tag === 'CostCenter')).length,
    });
    expect(text).toContain(`${violating.length} violating`);

    const doc = await parseHcl(s.terraform);
    const tagPolicies = [...hclResources(doc, 'aws_organizations_policy').values()];
    expect(tagPolicies).toHaveLength(s.counts.aws_tag_policies);
    const tags = Object.assign({}, ...tagPolicies.map((p) => JSON.parse(p.content as string).tags)) as Record<string, Record<string, { '@@assign': unknown }>>;
    // Owner applies to every type: reported for the AWS types the scan found violating.
    expect(tags.owner!.report_required_tag_for!['@@assign']).toEqual([...new Set(violating.filter((r) => r.cloud === 'aws').map((r) => r.resourceType))].sort());
    expect(tags.owner!.enforced_for).toBeUndefined(); // dry run by default
    expect(tags.env!.tag_value!['@@assign']).toEqual([ENV_VALUE, 'dev']);
    expect(tags.team).toBeUndefined(); // a GCP-only rule

    // 9 AWS-required keys: 6 share ec2+s3 scope with CostCenter (7 keys -> 2 rules), Owner and env are unscoped (1 rule).
    const rules = [...hclResources(doc, 'aws_config_config_rule').values()];
    expect(rules).toHaveLength(3);
    expect(s.counts.aws_config_rules).toBe(3);
    const keys = rules.flatMap((r) => Object.entries(JSON.parse(r.input_parameters as string) as Record<string, string>).filter(([k]) => k.endsWith('Key')).map(([, v]) => v));
    expect(keys.sort()).toEqual(POLICY.required_tags!.filter((t) => !t.clouds || t.clouds.includes('aws')).map((t) => t.name).sort());

    expect(hclResources(doc, 'azurerm_policy_definition').size).toBe(s.counts.azure_definitions);
    const constraints = [...hclResources(doc, 'google_org_policy_custom_constraint').values()];
    expect(constraints.map((c) => c.resource_types)).toEqual([['compute.googleapis.com/Instance']]);
    expect(constraints[0]!.condition).toContain("resource.labels['team'] in ['data', 'web']");
  });

  it('generate_terraform_policy: target_tags and dry_run false narrow and enforce', async () => {
    const { structured: s } = await call('generate_terraform_policy', { cloud: 'all', target_tags: ['costcenter'], dry_run: false });
    const doc = await parseHcl(s.terraform);
    const [tagPolicy] = [...hclResources(doc, 'aws_organizations_policy').values()];
    const tags = JSON.parse(tagPolicy!.content as string).tags;
    expect(Object.keys(tags)).toEqual(['costcenter']);
    expect(tags.costcenter.enforced_for['@@assign']).toEqual(['ec2:instance', 's3:bucket']);
    expect(s.counts).toEqual({ aws_tag_policies: 1, aws_config_rules: 1, azure_definitions: 0, gcp_constraints: 0 });
  });

  it('generate_config_rules: a template cfn-lint accepts, Azure definitions and GCP YAML', async () => {
    const { structured: s } = await call('generate_config_rules', { cloud: 'all', format: 'json', dry_run: false, gcp_organization_id: '42' });
    const lint = await cfnLint(s.aws_cloudformation, 'json');
    expect(lint.stdout + lint.stderr).toBe('');
    expect(lint.code).toBe(0);
    expect(Object.keys(JSON.parse(s.aws_cloudformation).Resources)).toHaveLength(s.aws_config_rules);
    expect(s.aws_config_rules).toBe(3);

    const defs = JSON.parse(s.azure_policy_definitions) as { name: string; properties: { parameters: Record<string, { defaultValue: unknown }> } }[];
    expect(defs).toHaveLength(s.azure_definitions);
    const env = defs.find((d) => d.name.startsWith('require-tag-env-'))!;
    expect(env.properties.parameters.allowedValues!.defaultValue).toEqual([ENV_VALUE, 'dev']);
    expect(env.properties.parameters.effect!.defaultValue).toBe('Deny');

    const docs = parseAllDocuments(s.gcp_constraints).map((d) => d.toJS() as Record<string, unknown>);
    expect(docs.map((d) => d.name)).toEqual([
      'organizations/42/customConstraints/custom.requireLabelsComputeInstance',
      'organizations/42/policies/custom.requireLabelsComputeInstance',
    ]);
    expect(docs[1]).toHaveProperty('spec');
  });

  it('reads an explicit scan_id from the store', async () => {
    const { structured: s } = await call('generate_config_rules', { cloud: 'gcp', scan_id: scanWorkflowId });
    expect(s.scan_id).toBe(scanWorkflowId);
    expect(s.aws_cloudformation).toBeNull();
    expect(s.gcp_constraint_count).toBe(1);
    expect(s.violations_by_tag).toEqual([{ cloud: 'gcp', tag: 'team', missing: 1, invalid: 0 }]);
  });

  it('refuses a malformed scan id with a clear message', async () => {
    const result = await client.callTool({ name: 'generate_config_rules', arguments: { scan_id: 'not-a-scan' } }) as CallToolResult;
    expect(result.isError).toBe(true);
    expect((result.content[0] as { text: string }).text).toMatch(/scan id/);
  });
});
