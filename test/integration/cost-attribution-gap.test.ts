// get_cost_attribution_gap end to end over a real MCP client: Cost Explorer is moto (queued
// GetCostAndUsage results) behind a local fake that serves GetCostAndUsageWithResources and counts
// every request; scans are stored in a real PostgreSQL, so resolveScan answers from the cache.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsClients, awsClientsFrom } from '../../cloud/aws/clients.js';
import { configSchema, type Config } from '../../config/index.js';
import { createLogger } from '../../config/logger.js';
import { complianceScore } from '../../core/compliance/index.js';
import type { ScanResourceRow } from '../../core/scan.js';
import { scopeHash } from '../../core/scan-id.js';
import type { ToolDefinition } from '../../mcp-gateway/context.js';
import { createMcpServer } from '../../mcp-gateway/server.js';
import { scopeOf, type ScopeArgs } from '../../mcp-gateway/scans/params.js';
import { findUntaggedResources } from '../../mcp-gateway/tools/find-untagged-resources.js';
import { generateComplianceReport } from '../../mcp-gateway/tools/generate-compliance-report.js';
import { getCostAttributionGap } from '../../mcp-gateway/tools/get-cost-attribution-gap.js';
import { createStore, migrate, openDb, type Db, type Store } from '../../store/index.js';
import { queueCostAndUsage, startCeFake, type CeFake } from '../support/ce-fake.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { MOTO_CREDENTIALS, startMoto, type MotoServer } from '../support/moto.js';

const A1 = '111111111111';
const A2 = '222222222222';
const A3 = '333333333333';
const A4 = '444444444444';
const EC2 = 'Amazon Elastic Compute Cloud - Compute';
const RDS = 'Amazon Relational Database Service';
const S3 = 'Amazon Simple Storage Service';
const LAMBDA = 'AWS Lambda';
const TYPES = ['ec2:instance', 's3:bucket', 'rds:db', 'lambda:function'];
const ARGS = { resource_types: TYPES, accounts: [A1, A2] };
const DAY_MS = 86_400_000;

// ---- the estate and its spend ----------------------------------------------------------------

const missing = (tag: string) => ({ kind: 'missing_required_tag', tag, severity: 'error', message: `Required tag "${tag}" is missing.` });
const GOOD = { Owner: 'a@x.com', CostCenter: 'cc-1' };

function row(account: string, type: string, id: string, compliant: boolean, state: string | null = 'running'): ScanResourceRow {
  const region = 'us-east-1';
  const arn = type === 'ec2:instance' ? `arn:aws:ec2:${region}:${account}:instance/${id}`
    : type === 's3:bucket' ? `arn:aws:s3:::${id}`
      : type === 'rds:db' ? `arn:aws:rds:${region}:${account}:db:${id}` : `arn:aws:lambda:${region}:${account}:function:${id}`;
  return { resourceId: arn, cloud: 'aws', account, region, resourceType: type, name: id, state, tags: compliant ? GOOD : { Owner: 'b@x.com' },
    compliant, violations: compliant ? [] : [missing('CostCenter')] };
}

/** A1: four instances (one stopped, one priced by resource-level data), two buckets. A2: one instance, one database, one function. */
const ESTATE: ScanResourceRow[] = [
  row(A1, 'ec2:instance', 'i-a', true), row(A1, 'ec2:instance', 'i-b', false), row(A1, 'ec2:instance', 'i-c', false, 'stopped'),
  row(A1, 'ec2:instance', 'i-d', true), row(A1, 's3:bucket', 'bucket-ok', true), row(A1, 's3:bucket', 'bucket-bad', false),
  row(A2, 'ec2:instance', 'i-e', false), row(A2, 'rds:db', 'orders', true), row(A2, 'lambda:function', 'fn', false),
];

/** GetCostAndUsage by SERVICE, LINKED_ACCOUNT for the period, in two pages. */
const SPEND: [string, string, number][] = [
  [EC2, A1, 300], [S3, A1, 40], ['Tax', A1, 25], ['AWS Support (Business)', A1, 100],
  [EC2, A2, 90], [RDS, A2, 200], [LAMBDA, A2, 12], ['AWS Data Transfer', A2, 7], ['Amazon DynamoDB', A2, 50],
];
/** GetCostAndUsageWithResources over 14 days: i-d, the database (more than its service's month), and an instance not in the scan. */
const RESOURCE_SPEND = [
  { service: EC2, resourceId: 'i-d', amount: 28 },
  { service: RDS, resourceId: `arn:aws:rds:us-east-1:${A2}:db:orders`, amount: 280 },
  { service: EC2, resourceId: 'i-gone', amount: 10 },
];

function page(period: { Start: string; End: string }, groups: [string, string, number][], token?: string) {
  return {
    ResultsByTime: [{ TimePeriod: period, Total: {}, Estimated: false,
      Groups: groups.map(([a, b, amount]) => ({ Keys: b === '' ? [a] : [a, b], Metrics: { UnblendedCost: { Amount: String(amount), Unit: 'USD' } } })) }],
    DimensionValueAttributes: [],
    ...(token ? { NextPageToken: token } : {}),
  };
}

/** The last full month in UTC, computed apart from the code under test. */
function lastMonth(): { Start: string; End: string; days: number } {
  const now = new Date();
  const end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const start = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1);
  const iso = (t: number) => new Date(t).toISOString().slice(0, 10);
  return { Start: iso(start), End: iso(end), days: Math.round((end - start) / DAY_MS) };
}

let serial = 0;
async function storeScan(store: Store, args: ScopeArgs, rows: ScanResourceRow[]): Promise<string> {
  const scope = scopeOf(args);
  const hash = scopeHash(scope);
  const workflowId = `scan-adhoc-${hash}-2026010${++serial % 10}T0000Z`;
  const id = `${workflowId}.${Math.random().toString(16).slice(2, 10)}`;
  await store.createScan({ id, workflowId, trigger: 'adhoc', scope, scopeHash: hash, storeSnapshot: false });
  if (rows.length) await store.upsertScanResources(id, rows);
  const totals = await store.scanTotals(id);
  await store.completeScan(id, { status: 'completed', totals: { ...totals, score: complianceScore(totals.compliant, totals.total) },
    dataQuality: { status: 'complete', missing: [] } });
  return workflowId;
}

describe('get_cost_attribution_gap against moto and a resource-level fake', () => {
  let moto: MotoServer;
  let fake: CeFake;
  let database: TestDatabase;
  let db: Db;
  let store: Store;
  let aws: AwsClients;
  let config: Config;
  let dir: string;
  const clients: McpClient[] = [];
  const period = lastMonth();
  const env = { ...process.env };

  async function call(args: Record<string, unknown>, cfg: Config = config, name = 'get_cost_attribution_gap') {
    const server = createMcpServer({
      config: cfg, store, logger: createLogger('silent'), aws,
      temporal: new TemporalClient({ connection: Connection.lazy({ address: '127.0.0.1:1' }) }),
    }, { sessionId: `cost-${clients.length}` }, [getCostAttributionGap, findUntaggedResources, generateComplianceReport] as unknown as ToolDefinition[]);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const client = new McpClient({ name: 'cost-test', version: '1.0.0' });
    await server.connect(serverSide);
    await client.connect(clientSide);
    await client.listTools(); // the client checks structuredContent against the output schema
    clients.push(client);
    const result = await client.callTool({ name, arguments: args }) as CallToolResult;
    const text = (result.content[0] as { text: string }).text;
    if (result.isError) throw new Error(text);
    return { s: result.structuredContent as Record<string, any>, text }; // eslint-disable-line @typescript-eslint/no-explicit-any
  }

  beforeAll(async () => {
    [moto, database] = await Promise.all([startMoto(), createTestDatabase()]);
    fake = await startCeFake(moto.endpoint);
    process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    dir = mkdtempSync(path.join(os.tmpdir(), 'cost-gap-'));
    const policyPath = path.join(dir, 'policy.json');
    writeFileSync(policyPath, JSON.stringify({ version: '1.0', required_tags: [
      { name: 'Owner', description: 'owner', applies_to: [] }, { name: 'CostCenter', description: 'cost center', applies_to: [] },
    ] }));
    config = configSchema.parse({
      database: { url: database.url }, policy: { path: policyPath }, logLevel: 'silent',
      clouds: { aws: { endpoint: moto.endpoint, costExplorer: { endpoint: fake.endpoint } } },
    });
    db = await openDb({ databaseUrl: database.url, poolMax: 4 });
    await migrate(db);
    store = createStore(db);
    aws = awsClientsFrom(config);
    await storeScan(store, ARGS, ESTATE);
    // In the order the tool asks: services (two pages), then each required tag key in policy order.
    await queueCostAndUsage(moto.endpoint, [
      page(period, SPEND.slice(0, 5), 'page-2'),
      page(period, SPEND.slice(5)),
      page(period, [['Owner$a@x.com', '', 150], ['Owner$', '', 674]]),
      page(period, [['CostCenter$', '', 824]]),
    ]);
    fake.setResourceSpend(RESOURCE_SPEND);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    aws?.destroy();
    await db?.close();
    await fake?.stop();
    await moto?.stop();
    await database?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    process.env = env;
  });

  // Expected figures, worked out from SPEND, RESOURCE_SPEND and ESTATE by the rules in the README.
  const D = period.days;
  const iD = (28 / 14) * D; // i-d: 14 days of resource-level spend scaled to the period
  const a1Average = (300 - iD) / 2; // i-a and i-b share the rest; i-c is stopped ($0)
  const rds = 200; // 280/14*D overshoots the service's 200: scaled down to it
  const attributable = 300 + 40 + 90 + 200 + 12;
  const compliant = a1Average + iD + 20 + rds;
  const cents = (v: number) => Math.round(v * 100) / 100;

  it('computes attributable spend, compliant spend and the gap, excluding unattributable services', async () => {
    const { s, text } = await call({ ...ARGS });
    expect(s.status).toBe('completed');
    expect(s.time_period).toEqual({ Start: period.Start, End: period.End });
    expect(s.total_spend).toBe(cents(SPEND.reduce((t, [, , a]) => t + a, 0)));
    expect(s.attributable_spend).toBe(attributable);
    expect(s.compliant_spend).toBe(cents(compliant));
    expect(s.attribution_gap).toBe(cents(attributable - compliant));
    expect(s.attribution_gap_percent).toBe(cents(((attributable - compliant) / attributable) * 100));
    expect(s.unallocated_spend).toBe(0);
    expect(s.excluded_spend.total).toBe(132);
    expect(s.excluded_spend.services).toEqual(expect.arrayContaining([
      { service: 'AWS Support (Business)', category: 'support', amount: 100 }, { service: 'Tax', category: 'tax', amount: 25 },
      { service: 'AWS Data Transfer', category: 'data_transfer', amount: 7 },
    ]));
    expect(s.out_of_scope_spend).toBe(50); // DynamoDB: no requested type maps to it
    expect(s.figures).toEqual({ actual: 2, service_average: 6, estimated: 1, unknown: 0 });
    expect(text).toContain('1 stopped instance(s) counted at $0 compute');
    expect(s.resource_level.status).toBe('used');
    // Every figure per resource type.
    const byType = Object.fromEntries(s.breakdown.map((r: { key: string }) => [r.key, r]));
    expect(byType['ec2:instance']).toMatchObject({ attributable_spend: 390, compliant_spend: cents(a1Average + iD), gap: cents(390 - a1Average - iD),
      resources: 5, compliant_resources: 2, figures: { actual: 1, service_average: 3, estimated: 1, unknown: 0 } });
    expect(byType['s3:bucket']).toMatchObject({ attributable_spend: 40, compliant_spend: 20, gap: 20 });
    expect(byType['rds:db']).toMatchObject({ attributable_spend: 200, compliant_spend: 200, gap: 0, figures: { actual: 1, service_average: 0, estimated: 0, unknown: 0 } });
    expect(byType['lambda:function']).toMatchObject({ attributable_spend: 12, compliant_spend: 0, gap: 12, gap_percent: 100 });
    const svc = s.services.find((x: { service: string; account: string }) => x.service === EC2 && x.account === A1);
    expect(svc).toMatchObject({ spend: 300, resources: 3, actual_resources: 1, actual_spend: cents(iD) });
    expect(svc.average_per_resource).toBeCloseTo(a1Average, 3);
  });

  it('spend by tag key, and tags not activated explained', async () => {
    const { s } = await call({ ...ARGS });
    expect(s.spend_by_tag).toEqual([
      { key: 'Owner', tagged_spend: 150, untagged_spend: 674, activated: true, top_values: [{ value: 'a@x.com', amount: 150 }] },
      { key: 'CostCenter', tagged_spend: 0, untagged_spend: 824, activated: false, top_values: [] },
    ]);
    expect(s.explanations.map((e: { reason: string }) => e.reason)).toEqual(['tags_not_activated']);
  });

  it('breaks down by account (multi-account from the management account) and by cloud', async () => {
    const byAccount = (await call({ ...ARGS, group_by: 'account' })).s;
    const rows = Object.fromEntries(byAccount.breakdown.map((r: { key: string }) => [r.key, r]));
    expect(rows[A1]).toMatchObject({ attributable_spend: 340, compliant_spend: cents(a1Average + iD + 20) });
    expect(rows[A2]).toMatchObject({ attributable_spend: 302, compliant_spend: rds, gap: 102 });
    const byCloud = (await call({ ...ARGS, group_by: 'cloud' })).s;
    expect(byCloud.breakdown).toEqual([expect.objectContaining({ key: 'aws', attributable_spend: attributable })]);
  });

  it('answers a repeat from the cache: no Cost Explorer request reaches the endpoint', async () => {
    const before = { ...fake.calls };
    const { s } = await call({ ...ARGS, group_by: 'region' });
    expect(s.cost_explorer_calls).toEqual({ made: 0, saved_by_cache: 5 }); // 2 service pages + 2 tag keys + 1 resource level
    expect(fake.calls).toEqual(before);
    expect(s.attributable_spend).toBe(attributable);
  });

  it('made every request once, in pages, with resource-level data for EC2 and RDS over the last 14 days', () => {
    // Four calls so far, the first one twice cached: 2 service pages + 2 tag keys at moto, 1 resource-level at the fake.
    expect(fake.calls).toEqual({ GetCostAndUsage: 4, GetCostAndUsageWithResources: 1 });
    const req = fake.resourceRequests[0] as { TimePeriod: { Start: string; End: string }; Filter: unknown; Granularity: string };
    expect(Date.parse(req.TimePeriod.End) - Date.parse(req.TimePeriod.Start)).toBe(14 * DAY_MS);
    expect(req.Granularity).toBe('DAILY');
    expect(JSON.stringify(req.Filter)).toContain(EC2);
    expect(JSON.stringify(req.Filter)).toContain(RDS);
  });

  it('shows Azure and GCP as "no cost source"', async () => {
    const args = { ...ARGS, cloud_provider: 'all' as const };
    await storeScan(store, args, [...ESTATE, { resourceId: '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1',
      cloud: 'azure', account: '00000000-0000-0000-0000-000000000000', region: 'westeurope', resourceType: 'compute:virtualmachines', tags: {},
      compliant: false, violations: [missing('Owner')] }]);
    const { s } = await call({ ...args, group_by: 'cloud' });
    const rows = Object.fromEntries(s.breakdown.map((r: { key: string }) => [r.key, r]));
    expect(rows.aws.attributable_spend).toBe(attributable);
    expect(rows.azure).toMatchObject({ attributable_spend: null, gap: null, note: 'no cost source', resources: 1, figures: { unknown: 1 } });
    expect(rows.gcp).toMatchObject({ attributable_spend: null, note: 'no cost source', resources: 0 });
  });

  it('explains $0: no resources in scope, and free tier when Cost Explorer reports nothing', async () => {
    await storeScan(store, { resource_types: TYPES, accounts: [A3] }, []);
    const none = (await call({ resource_types: TYPES, accounts: [A3] })).s;
    expect(none).toMatchObject({ attributable_spend: 0, attribution_gap: 0, total_spend: 0 });
    expect(none.explanations.map((e: { reason: string }) => e.reason)).toContain('no_resources');
    await storeScan(store, { resource_types: TYPES, accounts: [A4] }, [row(A4, 'ec2:instance', 'i-free', false), row(A4, 's3:bucket', 'free-bucket', false)]);
    const free = (await call({ resource_types: TYPES, accounts: [A4] })).s;
    expect(free).toMatchObject({ attributable_spend: 0, attribution_gap: 0 });
    expect(free.explanations.map((e: { reason: string }) => e.reason)).toContain('free_tier');
  });

  it('find_untagged_resources prices, filters and totals its rows with the same model', async () => {
    const all = (await call({ ...ARGS, include_costs: true }, config, 'find_untagged_resources')).s;
    const byName = Object.fromEntries(all.resources.map((r: { name: string }) => [r.name, r]));
    expect(byName['i-b']).toMatchObject({ monthly_cost: cents(a1Average), cost_basis: 'service_average' });
    expect(byName['i-c']).toMatchObject({ monthly_cost: 0, cost_basis: 'estimated', state: 'stopped' });
    expect(byName['bucket-bad']).toMatchObject({ monthly_cost: 20, cost_basis: 'service_average' });
    expect(byName['i-e']).toMatchObject({ monthly_cost: 90 });
    expect(byName.fn).toMatchObject({ monthly_cost: 12 });
    expect(all.costs).toMatchObject({ source: 'cost_explorer', total_monthly_cost: cents(a1Average + 122), resources_with_cost: 5,
      resources_cost_unknown: 0, period: { Start: period.Start, End: period.End } });
    const dear = (await call({ ...ARGS, min_cost_threshold: 15 }, config, 'find_untagged_resources')).s;
    expect(dear.resources.map((r: { name: string }) => r.name).sort()).toEqual(['bucket-bad', 'i-b', 'i-e']);
    expect(dear).toMatchObject({ total_untagged: 3, below_cost_threshold: 2 });
    expect(dear.costs.total_monthly_cost).toBe(cents(a1Average + 110));
  });

  it('generate_compliance_report ranks violations by the same model\'s cost', async () => {
    const { s } = await call({ ...ARGS }, config, 'generate_compliance_report');
    expect(s.top_violations_by_cost).toEqual([
      { tag: 'CostCenter', kind: 'missing_required_tag', severity: 'error', resources: 5, non_compliant_resources: 5, monthly_cost: cents(a1Average + 122) },
    ]);
  });

  it('falls back to service averages when resource-level data is not enabled', async () => {
    fake.setResourceSpend({ error: 'AccessDeniedException', message: 'resource-level data is not enabled' });
    const noCache = configSchema.parse({ ...config, clouds: { ...config.clouds, aws: { ...config.clouds.aws,
      costExplorer: { ...config.clouds.aws.costExplorer, cacheTtlSeconds: 0 } } } });
    const { s } = await call({ ...ARGS }, noCache);
    expect(s.resource_level.status).toBe('unavailable');
    expect(s.figures.actual).toBe(0);
    // EC2 in A1 shared by its three running instances; RDS all on the one database.
    expect(s.compliant_spend).toBe(cents(300 / 3 * 2 + 20 + 200));
    expect(s.attributable_spend).toBe(attributable);
  });

  it('refuses a bad time_period with a clear error', async () => {
    await expect(call({ ...ARGS, time_period: { Start: '2026-02-30', End: '2026-03-01' } })).rejects.toThrow(/not a calendar date/);
    await expect(call({ ...ARGS, time_period: { Start: '2026-03-01', End: '2026-03-01' } })).rejects.toThrow(/must be after Start/);
  });
});
