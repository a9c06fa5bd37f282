// The reporting tools behind a real MCP client, over stored scans in a real database: scans and
// resources written through the store API with the scope hash a tool computes, so resolveScan
// answers from the cache and never needs Temporal.
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../config/index.js';
import { createLogger } from '../../config/logger.js';
import { complianceScore } from '../../core/compliance/index.js';
import { periodOf } from '../../core/report/index.js';
import { scopeHash } from '../../core/scan-id.js';
import { normaliseScope, type ScopeInput } from '../../core/scope.js';
import type { ToolDefinition } from '../../mcp-gateway/context.js';
import { createMcpServer } from '../../mcp-gateway/server.js';
import { findUntaggedResources } from '../../mcp-gateway/tools/find-untagged-resources.js';
import { generateComplianceReport } from '../../mcp-gateway/tools/generate-compliance-report.js';
import { getViolationHistory } from '../../mcp-gateway/tools/get-violation-history.js';
import { createStore, migrate, openDb, type Db, type Store } from '../../store/index.js';
import type { DataQuality, ScanResourceRow } from '../../core/scan.js';
import { createTestDatabase, createTestPglite } from '../support/databases.js';

const TOOLS = [findUntaggedResources, generateComplianceReport, getViolationHistory] as unknown as ToolDefinition[];
const A1 = '111111111111';
const A2 = '222222222222';
const DAY_MS = 86_400_000;

// ---- fixtures ------------------------------------------------------------------------------

const missing = (tag: string) => ({ kind: 'missing_required_tag', tag, severity: 'error', message: `Required tag "${tag}" is missing.` });

/**
 * 200 resources in five kinds, i % 5:
 * 0 compliant ($10) · 1 no tags at all ($20) · 2 missing CostCenter (cost unknown) ·
 * 3 Environment "Production" not allowed ($5) · 4 compliant with a key-case warning ($1);
 * plus one untagged resource of a type no rule covers ($3), compliant.
 */
function estate(): ScanResourceRow[] {
  const rows: ScanResourceRow[] = [];
  for (let i = 0; i < 200; i++) {
    const type = i % 2 === 0 ? 'ec2:instance' : 's3:bucket';
    const account = i % 4 < 2 ? A1 : A2;
    const region = i % 3 === 0 ? 'eu-west-1' : 'us-east-1';
    // Mixed case ids: keyset pages must follow byte order (uppercase first).
    const id = type === 'ec2:instance'
      ? `arn:aws:ec2:${region}:${account}:instance/i-${String(i).padStart(4, '0')}`
      : `arn:aws:s3:::${i % 3 === 0 ? 'Bucket' : 'bucket'}-${String(i).padStart(4, '0')}`;
    const base = { resourceId: id, cloud: 'aws' as const, account, region, resourceType: type, name: `res-${i}`, state: 'running',
      createdAt: new Date(Date.now() - (i + 1) * DAY_MS).toISOString() };
    switch (i % 5) {
      case 0:
        rows.push({ ...base, tags: { Owner: 'a@x.com', CostCenter: 'cc-1', Environment: 'production' }, compliant: true, violations: [], monthlyCost: 10 });
        break;
      case 1:
        rows.push({ ...base, tags: {}, compliant: false, monthlyCost: 20,
          violations: [missing('Owner'), missing('CostCenter'), missing('Environment')] });
        break;
      case 2:
        rows.push({ ...base, tags: { Owner: 'b@x.com', Environment: 'staging' }, compliant: false, monthlyCost: null,
          violations: [missing('CostCenter')] });
        break;
      case 3:
        rows.push({ ...base, tags: { Owner: 'c@x.com', CostCenter: 'cc-2', Environment: 'Production' }, compliant: false, monthlyCost: 5,
          violations: [{ kind: 'invalid_value', tag: 'Environment', severity: 'error', value: 'Production', allowed: ['production', 'staging'],
            suggestion: 'production', message: 'Value "Production" of tag "Environment" is not allowed.' }] });
        break;
      default:
        rows.push({ ...base, tags: { Owner: 'd@x.com', costcenter: 'cc-3', Environment: 'staging' }, compliant: true, monthlyCost: 1,
          violations: [{ kind: 'key_case_mismatch', tag: 'CostCenter', severity: 'warning', foundKey: 'costcenter',
            message: 'Tag key "costcenter" matches "CostCenter" ignoring case.' }] });
    }
  }
  rows.push({ resourceId: 'arn:aws:lambda:us-east-1:111111111111:function:orphan', cloud: 'aws', account: A1, region: 'us-east-1',
    resourceType: 'lambda:function', name: 'orphan', tags: {}, state: null, createdAt: null, compliant: true, violations: [], monthlyCost: 3 });
  return rows;
}

const isUntagged = (r: ScanResourceRow) => Object.keys(r.tags).length === 0 ||
  (r.violations as { kind: string }[]).some((v) => v.kind === 'missing_required_tag');

const ESTATE_ARGS = { resource_types: ['s3:bucket', 'ec2:instance', 'lambda:function'], accounts: [A2, A1] };
const HISTORY_EC2 = { resource_types: ['ec2:instance'], accounts: [A1] };
const HISTORY_S3 = { resource_types: ['s3:bucket'], accounts: [A1] };

/** The scope a tool computes from these arguments, as the workflow stores it. */
function scopeOfArgs(args: { resource_types: string[]; accounts?: string[] }) {
  const scope = normaliseScope({ clouds: ['aws'], ...args } as ScopeInput);
  return { scope, hash: scopeHash(scope) };
}

let serial = 0;

async function storeScan(store: Store, args: { resource_types: string[]; accounts?: string[] }, opts: {
  rows?: ScanResourceRow[]; snapshot?: boolean; totals?: { total: number; compliant: number };
  dataQuality?: DataQuality;
} = {}): Promise<{ id: string; workflowId: string }> {
  const { scope, hash } = scopeOfArgs(args);
  // As the workflow names them: the store id is the workflow id plus its first run; tools show the workflow id.
  const workflowId = `scan-adhoc-${hash}-2026010${++serial % 10}T0000Z`;
  const id = `${workflowId}.${Math.random().toString(16).slice(2, 10)}`;
  await store.createScan({ id, workflowId, trigger: opts.snapshot ? 'scheduled' : 'adhoc', scope, scopeHash: hash, storeSnapshot: opts.snapshot ?? false });
  if (opts.rows) await store.upsertScanResources(id, opts.rows);
  const sql = await store.scanTotals(id);
  const totals = opts.totals ?? sql;
  await store.completeScan(id, {
    status: 'completed',
    totals: { ...sql, ...totals, nonCompliant: totals.total - totals.compliant, score: complianceScore(totals.compliant, totals.total) },
    dataQuality: opts.dataQuality ?? { status: 'complete', missing: [] },
  });
  return { id, workflowId };
}

/** Moves a scan's finish time: history needs snapshots from past days, and completeScan stamps now(). */
async function finishedAt(db: Db, { id: scanId }: { id: string }, at: Date): Promise<void> {
  await db.query('update scans set finished_at = $2::timestamptz, started_at = $2::timestamptz - interval \'1 minute\' where id = $1', [scanId, at.toISOString()]);
}

function daysAgo(days: number, hourUtc: number): Date {
  const d = new Date(Date.now() - days * DAY_MS);
  d.setUTCHours(hourUtc, 0, 0, 0);
  return d;
}

// ---- backends ------------------------------------------------------------------------------

const backends = [
  {
    kind: 'postgres',
    async provision() {
      const database = await createTestDatabase();
      return { db: await openDb({ databaseUrl: database.url, poolMax: 4 }), release: () => database.drop() };
    },
  },
  {
    kind: 'pglite',
    async provision() {
      const dir = await createTestPglite();
      return { db: await openDb({ dataDir: dir.dataDir }), release: () => dir.cleanup() };
    },
  },
];

describe.each(backends)('reporting tools on $kind', (backend) => {
  let db: Db;
  let release: () => Promise<void>;
  let store: Store;
  let temporal: TemporalClient;
  const rows = estate();
  let estateScanId: string; // the workflow id tools report
  const clients: McpClient[] = [];

  /** A fresh MCP session (its own call budget and loop guard) on the tools under test. */
  async function connect(): Promise<McpClient> {
    const server = createMcpServer({
      config: configSchema.parse({ logLevel: 'silent' }), store, temporal, logger: createLogger('silent'),
    }, { sessionId: 'test' }, TOOLS);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const client = new McpClient({ name: 'gateway-reports-test', version: '1.0.0' });
    await server.connect(serverSide);
    await client.connect(clientSide);
    await client.listTools(); // the client validates structuredContent against the listed output schemas
    clients.push(client);
    return client;
  }

  async function call(client: McpClient, name: string, args: Record<string, unknown>) {
    const result = await client.callTool({ name, arguments: args }) as CallToolResult;
    const text = (result.content[0] as { text: string }).text;
    if (result.isError) throw new Error(`${name} failed: ${text}`);
    return { structured: result.structuredContent as Record<string, any>, text }; // eslint-disable-line @typescript-eslint/no-explicit-any
  }

  async function callError(client: McpClient, name: string, args: Record<string, unknown>): Promise<string> {
    const result = await client.callTool({ name, arguments: args }) as CallToolResult;
    expect(result.isError).toBe(true);
    return (result.content[0] as { text: string }).text;
  }

  beforeAll(async () => {
    ({ db, release } = await backend.provision());
    await migrate(db);
    store = createStore(db);
    // Never connected: a cached answer must not need Temporal.
    temporal = new TemporalClient({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
    ({ workflowId: estateScanId } = await storeScan(store, ESTATE_ARGS, {
      rows,
      dataQuality: { status: 'partial', missingTotal: 3, missing: [
        { account: A2, region: 'ap-south-1', errorType: 'AccessDenied', reason: 'not authorized with key AKIAABCDEFGHIJKLMNOP' },
      ] },
    }));
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await db?.close();
    await release?.();
  });

  it('lists the tools with their annotations and the peer\'s parameter names', async () => {
    const client = await connect();
    const { tools } = await client.listTools();
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(Object.keys(byName).sort()).toEqual(['find_untagged_resources', 'generate_compliance_report', 'get_violation_history']);
    expect(Object.keys(byName.find_untagged_resources!.inputSchema.properties!))
      .toEqual(expect.arrayContaining(['resource_types', 'regions', 'include_costs', 'min_cost_threshold', 'force_refresh', 'limit', 'cursor']));
    expect(Object.keys(byName.generate_compliance_report!.inputSchema.properties!))
      .toEqual(expect.arrayContaining(['resource_types', 'format', 'include_recommendations']));
    expect(Object.keys(byName.get_violation_history!.inputSchema.properties!)).toEqual(expect.arrayContaining(['days_back', 'group_by']));
    expect(byName.get_violation_history!.annotations).toMatchObject({ readOnlyHint: true, idempotentHint: true, openWorldHint: false });
    expect(byName.find_untagged_resources!.annotations).toMatchObject({ readOnlyHint: true, idempotentHint: true, openWorldHint: true });
  });

  describe('find_untagged_resources', () => {
    const untagged = rows.filter(isUntagged);

    it('answers from the stored scan with totals, tags, missing tags, age and data quality', async () => {
      const client = await connect();
      const { structured: s, text } = await call(client, 'find_untagged_resources', { ...ESTATE_ARGS, limit: 1000 });
      expect(s).toMatchObject({
        status: 'completed', scan_id: estateScanId, cached: true, total_untagged: 81, never_tagged: 41, resources_scanned: 201,
        below_cost_threshold: 0, next_cursor: null,
      });
      expect(s.costs).toBeUndefined();
      expect(s.resources.map((r: { arn: string }) => r.arn)).toEqual(untagged.map((r) => r.resourceId).sort());
      const first = untagged.find((r) => r.name === 'res-1')!;
      expect(s.resources.find((r: { arn: string }) => r.arn === first.resourceId)).toEqual({
        arn: first.resourceId, resource_type: first.resourceType, account: first.account, region: first.region, name: 'res-1',
        missing_tags: ['Owner', 'CostCenter', 'Environment'], tags: {}, state: 'running', age_days: 2,
      });
      expect(s.resources.find((r: { name: string }) => r.name === 'res-2').missing_tags).toEqual(['CostCenter']);
      expect(s.resources.find((r: { name: string }) => r.name === 'orphan')).toMatchObject({ missing_tags: [], age_days: null });
      expect(s.data_quality).toEqual({ status: 'partial', missing_total: 3, missing: [
        { account: A2, region: 'ap-south-1', resource_type: null, error_type: 'AccessDenied', reason: 'not authorized with key [redacted]' },
      ] });
      expect(text).toContain('81 untagged resource(s) (41 with no tags at all) out of 201');
      expect(text).toContain('Warning: data quality is partial');
    });

    it('pages with a keyset cursor: every untagged resource exactly once, in byte order', async () => {
      const client = await connect();
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const { structured: s }: { structured: Record<string, any> } = // eslint-disable-line @typescript-eslint/no-explicit-any
          await call(client, 'find_untagged_resources', { ...ESTATE_ARGS, limit: 17, ...(cursor ? { cursor } : {}) });
        expect(s.total_untagged).toBe(81);
        expect(s.resources.length).toBeLessThanOrEqual(17);
        seen.push(...s.resources.map((r: { arn: string }) => r.arn));
        cursor = s.next_cursor;
        pages++;
      } while (cursor && pages < 20);
      expect(pages).toBe(5); // 17 + 17 + 17 + 17 + 13
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(untagged.map((r) => r.resourceId).sort());
      expect(seen.findIndex((id) => id.includes('Bucket'))).toBeLessThan(seen.findIndex((id) => id.includes(':::bucket')));
    });

    it('adds costs and filters by min_cost_threshold, keeping resources of unknown cost', async () => {
      const client = await connect();
      const { structured: all } = await call(client, 'find_untagged_resources', { ...ESTATE_ARGS, include_costs: true, limit: 1000 });
      expect(all.costs).toEqual({ total_monthly_cost: 803, resources_with_cost: 41, resources_cost_unknown: 40 });
      expect(all.resources.find((r: { name: string }) => r.name === 'res-1').monthly_cost).toBe(20);
      expect(all.resources.find((r: { name: string }) => r.name === 'res-2').monthly_cost).toBeNull();

      const { structured: s, text } = await call(client, 'find_untagged_resources', { ...ESTATE_ARGS, min_cost_threshold: 15, limit: 1000 });
      expect(s).toMatchObject({ total_untagged: 80, below_cost_threshold: 1 });
      expect(s.costs).toEqual({ total_monthly_cost: 800, resources_with_cost: 40, resources_cost_unknown: 40 });
      expect(s.resources.some((r: { name: string }) => r.name === 'orphan')).toBe(false);
      expect(s.resources.every((r: { monthly_cost: number | null }) => r.monthly_cost === null || r.monthly_cost >= 15)).toBe(true);
      expect(text).toContain('1 left out below $15.00/month');
    });

    it('refuses a tampered cursor, or one reused with another threshold or scope', async () => {
      const client = await connect();
      const { structured: first } = await call(client, 'find_untagged_resources', { ...ESTATE_ARGS, limit: 10 });
      const cursor = first.next_cursor as string;
      expect(await callError(client, 'find_untagged_resources', { ...ESTATE_ARGS, cursor: `${cursor}x!` })).toContain('invalid cursor');
      expect(await callError(client, 'find_untagged_resources', { ...ESTATE_ARGS, cursor, min_cost_threshold: 1 }))
        .toContain('different min_cost_threshold');
      expect(await callError(client, 'find_untagged_resources', { ...HISTORY_EC2, cursor })).toContain('different scope');
    });
  });

  describe('generate_compliance_report', () => {
    it('returns the figures of the stored scan as structured content', async () => {
      const client = await connect();
      const { structured: s, text } = await call(client, 'generate_compliance_report', ESTATE_ARGS);
      expect(s).toMatchObject({ status: 'completed', scan_id: estateScanId, format: 'json', cached: true });
      expect(s.summary).toEqual({
        compliance_score: complianceScore(81, 201), total_resources: 201, compliant: 81, non_compliant: 120, never_tagged: 41,
        missing_required_tags: 80, findings: 40 * 3 + 40 + 40 + 40, resources_with_cost: 161, total_monthly_cost: 1443,
        non_compliant_monthly_cost: 1000,
      });
      expect(s.top_violations[0]).toEqual({
        tag: 'CostCenter', kind: 'missing_required_tag', severity: 'error', resources: 80, non_compliant_resources: 80, monthly_cost: 800,
      });
      expect(s.top_violations.map((v: { kind: string; tag: string; resources: number }) => `${v.kind}:${v.tag}:${v.resources}`)).toEqual(expect.arrayContaining([
        'missing_required_tag:Owner:40', 'missing_required_tag:Environment:40', 'invalid_value:Environment:40', 'key_case_mismatch:CostCenter:40',
      ]));
      expect(s.top_violations_by_cost.at(-1)).toMatchObject({ kind: 'invalid_value', tag: 'Environment', monthly_cost: 200 });
      expect(s.top_violations_by_cost.some((v: { kind: string }) => v.kind === 'key_case_mismatch')).toBe(false); // compliant: no gap
      const categories = s.recommendations.map((r: { category: string }) => r.category);
      expect(categories[0]).toBe('data_quality');
      expect(categories).toEqual(expect.arrayContaining(['missing_tag', 'tag_at_creation', 'allowed_values', 'key_case', 'cost']));
      const allowed = s.recommendations.find((r: { category: string }) => r.category === 'allowed_values');
      expect(allowed.message).toContain('Allowed values: production, staging');
      expect(allowed.message).toContain('"Production" → "production"');
      expect(s.recommendations.find((r: { category: string }) => r.category === 'missing_tag').message).toContain('"CostCenter" is missing on 80');

      const report = JSON.parse(s.report);
      const byType = Object.fromEntries(report.by_resource_type.map((b: { key: string }) => [b.key, b]));
      const count = (pred: (r: ScanResourceRow) => boolean) => rows.filter(pred).length;
      for (const type of ['ec2:instance', 's3:bucket', 'lambda:function']) {
        expect(byType[type]).toMatchObject({
          total: count((r) => r.resourceType === type), compliant: count((r) => r.resourceType === type && r.compliant),
        });
      }
      const byAccount = Object.fromEntries(report.by_account.map((b: { key: string }) => [b.key, b]));
      expect(byAccount[A2]).toMatchObject({ total: count((r) => r.account === A2), compliant: count((r) => r.account === A2 && r.compliant) });
      expect(report.by_region.map((b: { key: string }) => b.key).sort()).toEqual(['eu-west-1', 'us-east-1']);
      // 81 / 201 = 0.40299: rounded to 40.3%, not truncated to 40.29%.
      expect(text).toContain('Compliance 40.3%: 81 of 201');
      expect(text).toContain('Warning: data quality is partial');
    });

    it('renders markdown, csv and html with the same figures', async () => {
      const client = await connect();
      const pct = '40.3%';
      const md = (await call(client, 'generate_compliance_report', { ...ESTATE_ARGS, format: 'markdown' })).structured.report as string;
      expect(md).toContain(`| Compliance score | **${pct}** |`);
      expect(md).toContain('| 1 | CostCenter | missing_required_tag | error | 80 | 80 | $800.00 |');
      expect(md).toContain('> **Warning:** partial data');

      const csv = (await call(client, 'generate_compliance_report', { ...ESTATE_ARGS, format: 'csv' })).structured.report as string;
      const lines = csv.trimEnd().split('\r\n');
      expect(lines[0]).toBe('section,group,key,severity,total,compliant,non_compliant,compliance_score,monthly_cost,detail');
      expect(lines[1]).toMatch(new RegExp(`^summary,scan,${estateScanId},,201,81,120,${complianceScore(81, 201)},1000,`));
      expect(lines).toContain('violation_by_count,missing_required_tag,CostCenter,error,80,,80,,800,');
      expect(lines.some((l) => l.startsWith(`breakdown,account,${A1},`))).toBe(true);

      const html = (await call(client, 'generate_compliance_report', { ...ESTATE_ARGS, format: 'html', include_recommendations: false }))
        .structured.report as string;
      expect(html).toMatch(/^<!DOCTYPE html>/);
      expect(html).toContain(`<tr><td>Compliance score</td><td>${pct}</td></tr>`);
      expect(html).toContain('<td>CostCenter</td><td>missing_required_tag</td><td>error</td><td>80</td>');
      expect(html).not.toContain('<h2>Recommendations</h2>');
    });

    it('escapes hostile tag values in every format', async () => {
      const hostile = '<img src=x onerror=alert(1)>|=cmd()';
      const args = { resource_types: ['ec2:volume'], accounts: [A1] };
      await storeScan(store, args, { rows: [{
        resourceId: 'arn:aws:ec2:us-east-1:111111111111:volume/vol-1', cloud: 'aws', account: A1, region: 'us-east-1',
        resourceType: 'ec2:volume', tags: { Team: hostile }, compliant: false, monthlyCost: 2,
        violations: [{ kind: 'invalid_value', tag: hostile, severity: 'error', value: hostile, allowed: ['a'], message: 'x' }],
      }] });
      const client = await connect();
      const html = (await call(client, 'generate_compliance_report', { ...args, format: 'html' })).structured.report as string;
      expect(html).not.toContain('<img');
      expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;|=cmd()');
      const md = (await call(client, 'generate_compliance_report', { ...args, format: 'markdown' })).structured.report as string;
      expect(md).toContain('\\<img src=x onerror=alert(1)\\>\\|=cmd()');
      const csv = (await call(client, 'generate_compliance_report', { ...args, format: 'csv' })).structured.report as string;
      expect(csv).toContain(`violation_by_count,invalid_value,${hostile},error,1,,1,,2,`); // starts with <, not a formula
    });
  });

  describe('get_violation_history', () => {
    beforeAll(async () => {
      const snap = async (args: typeof HISTORY_EC2, compliant: number, at: Date) =>
        finishedAt(db, await storeScan(store, args, { snapshot: true, totals: { total: 100, compliant } }), at);
      await snap(HISTORY_EC2, 50, daysAgo(20, 12));
      await snap(HISTORY_EC2, 60, daysAgo(10, 9));
      await snap(HISTORY_EC2, 70, daysAgo(10, 18)); // the same day: the last one counts
      await snap(HISTORY_EC2, 80, daysAgo(2, 12));
      await snap(HISTORY_S3, 90, daysAgo(6, 12));
      await snap(HISTORY_S3, 50, daysAgo(5, 12));
      await snap(HISTORY_EC2, 5, daysAgo(100, 12)); // older than any days_back
      // Not a snapshot: ad-hoc results never enter history.
      await finishedAt(db, await storeScan(store, HISTORY_EC2, { totals: { total: 100, compliant: 1 } }), daysAgo(1, 12));
    });

    it('groups one scope\'s snapshots by day, last snapshot per day, with an improving trend', async () => {
      const client = await connect();
      const { structured: s, text } = await call(client, 'get_violation_history', { ...HISTORY_EC2, days_back: 30 });
      expect(s.points.map((p: Record<string, unknown>) => [p.period, p.compliance_score, p.violations, p.scans])).toEqual([
        [daysAgo(20, 12).toISOString().slice(0, 10), 0.5, 50, 1],
        [daysAgo(10, 12).toISOString().slice(0, 10), 0.7, 30, 2],
        [daysAgo(2, 12).toISOString().slice(0, 10), 0.8, 20, 1],
      ]);
      expect(s).toMatchObject({ trend: 'improving', change_points: 30, snapshots: 4, truncated: false, group_by: 'day', days_back: 30 });
      expect(s.points.every((p: { snapshot_id: string }) => p.snapshot_id.startsWith('scan-') && !p.snapshot_id.includes('.'))).toBe(true);
      expect(s.scopes).toEqual([{ resource_types: ['ec2:instance'], accounts: [A1], regions: null, snapshots: 4 }]);
      expect(text).toContain('Compliance went from 50%');
      expect(text).toContain('to 80%');
      expect(text).toContain('+30 points: improving');
    });

    it('shows a declining scope, and week and month groups that add up to the same snapshots', async () => {
      const client = await connect();
      const { structured: s3 } = await call(client, 'get_violation_history', { ...HISTORY_S3 });
      expect(s3).toMatchObject({ trend: 'declining', change_points: -40, snapshots: 2 });
      for (const group_by of ['week', 'month']) {
        const { structured: s } = await call(client, 'get_violation_history', { ...HISTORY_EC2, group_by, days_back: 30 });
        expect(s.points.reduce((n: number, p: { scans: number }) => n + p.scans, 0)).toBe(4);
        expect(s.points.at(-1)).toMatchObject({ compliance_score: 0.8, compliant: 80 });
        // The periods depend on today's date; the snapshots' own periods say how many there must be.
        const periods = new Set([20, 10, 2].map((d) => (group_by === 'week'
          ? periodOf(daysAgo(d, 12), 'week').period : daysAgo(d, 12).toISOString().slice(0, 7))));
        expect(s.points.map((p: { period: string }) => p.period)).toEqual([...periods]);
        expect(s.trend).toBe(periods.size > 1 ? 'improving' : 'stable');
      }
    });

    it('mixes every scope without a filter, and says so', async () => {
      const client = await connect();
      const { structured: s, text } = await call(client, 'get_violation_history', { days_back: 90 });
      expect(s.snapshots).toBe(6);
      expect(s.scopes).toHaveLength(2);
      expect(text).toContain('2 different scopes are mixed');
    });

    it('explains how to create snapshots when there are none', async () => {
      const client = await connect();
      const { structured: s, text } = await call(client, 'get_violation_history', { days_back: 1 });
      expect(s).toMatchObject({ points: [], trend: 'stable', change_points: null, snapshots: 0 });
      expect(text).toContain('store_snapshot: true');
    });

    it('validates its parameters', async () => {
      const client = await connect();
      expect(await callError(client, 'get_violation_history', { days_back: 91 })).toMatch(/days_back|91/);
      expect(await callError(client, 'get_violation_history', { accounts: ['12'] })).toContain('12-digit');
    });
  });
});
