// suggest_tags behind a real MCP client, over scans seeded straight into a real database (as
// gateway-reports.test.ts does): one resource by ARN or Azure id, the newest scan that saw it,
// the bulk pages of a scan's non-compliant resources, and the errors a model can act on.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../config/index.js';
import { createLogger } from '../../config/logger.js';
import { complianceScore, evaluate } from '../../core/compliance/index.js';
import { compilePolicy, parsePolicy } from '../../core/policy/index.js';
import type { ScanResourceRow } from '../../core/scan.js';
import type { ToolDefinition } from '../../mcp-gateway/context.js';
import { createMcpServer } from '../../mcp-gateway/server.js';
import { clearSuggestionModels, suggestionModel, TRAINING_PAGE } from '../../mcp-gateway/suggestions/model-cache.js';
import { applyCalibration, trainModel } from '../../core/suggest/index.js';
import { BENCH_POLICY, generateOrg } from '../../bench/suggest/org.js';
import { suggestTagsTool } from '../../mcp-gateway/tools/suggest-tags.js';
import { exportForAutomationTool } from '../../mcp-gateway/tools/export-for-automation.js';
import { createStore, migrate, type Db, type Store } from '../../store/index.js';
import { STORE_BACKENDS } from '../support/databases.js';
import { PAYMENTS, row, SEARCH, SHARED, SUGGEST_POLICY, suggestInventory } from '../support/suggest-inventory.js';

const compiled = compilePolicy(parsePolicy(SUGGEST_POLICY));

/** A row as a shard writes it: compliant and violations from the policy. */
function evaluated(r: ScanResourceRow): ScanResourceRow {
  const { compliant, findings } = evaluate(compiled, { cloud: r.cloud, id: r.resourceId, type: r.resourceType, account: r.account, region: r.region, tags: r.tags });
  return { ...r, compliant, violations: findings };
}

const PROBE = row({ account: PAYMENTS.account, vpc: PAYMENTS.vpc, name: 'checkout-prod-api-99', tags: {} });
const MIXED = row({ account: SHARED.account, vpc: SHARED.vpc, name: 'shared-svc-99', tags: {} });
const LONER = row({ account: '999999999999', vpc: 'vpc-zzz', name: 'qwerty-zzz', tags: {} });
const INVALID = row({ account: SEARCH.account, vpc: SEARCH.vpc, name: 'search-stg-web-99', tags: { ...SEARCH.tags, Environment: 'stg' } });
const AZURE_VM: ScanResourceRow = {
  resourceId: '/subscriptions/5f0c2b1e-0000-4000-8000-000000000001/resourceGroups/rg-checkout-prod/providers/Microsoft.Compute/virtualMachines/vm-1',
  cloud: 'azure', account: '5f0c2b1e-0000-4000-8000-000000000001', region: 'eastus', resourceType: 'azure:compute/virtualmachines',
  name: 'vm-1', tags: {}, compliant: false, violations: [],
};
const ROWS = [...suggestInventory(), PROBE, MIXED, LONER, INVALID, AZURE_VM].map(evaluated);


let serial = 0;

async function storeScan(store: Store, rows: ScanResourceRow[]): Promise<{ id: string; workflowId: string }> {
  const workflowId = `scan-adhoc-0123456789ab-2026010${++serial}T0000Z`;
  const id = `${workflowId}.run${serial}`;
  await store.createScan({ id, workflowId, trigger: 'adhoc', scope: { clouds: ['aws'], resourceTypes: ['all'] } as never, storeSnapshot: false });
  await store.upsertScanResources(id, rows);
  const totals = await store.scanTotals(id);
  await store.completeScan(id, { status: 'completed', totals: { ...totals, score: complianceScore(totals.compliant, totals.total) },
    dataQuality: { status: 'complete', missing: [] } });
  return { id, workflowId };
}

describe.each(STORE_BACKENDS)('suggest_tags on $kind', (backend) => {
  let db: Db;
  let release: () => Promise<void>;
  let store: Store;
  let policyDir: string;
  let latest: { id: string; workflowId: string };
  const clients: McpClient[] = [];

  async function connect(): Promise<McpClient> {
    const server = createMcpServer({
      config: configSchema.parse({ logLevel: 'silent', policy: { path: path.join(policyDir, 'policy.json') } }), store,
      temporal: new TemporalClient({ connection: Connection.lazy({ address: '127.0.0.1:1' }) }), logger: createLogger('silent'),
    }, { sessionId: 'test' }, [suggestTagsTool, exportForAutomationTool] as unknown as ToolDefinition[]);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const client = new McpClient({ name: 'suggest-tags-test', version: '1.0.0' });
    await server.connect(serverSide);
    await client.connect(clientSide);
    await client.listTools(); // the client validates structuredContent against the listed output schema
    clients.push(client);
    return client;
  }

  async function call(client: McpClient, args: Record<string, unknown>) {
    const result = await client.callTool({ name: 'suggest_tags', arguments: args }) as CallToolResult;
    const text = (result.content[0] as { text: string }).text;
    if (result.isError) throw new Error(`suggest_tags failed: ${text}`);
    return { structured: result.structuredContent as Record<string, any>, text }; // eslint-disable-line @typescript-eslint/no-explicit-any
  }

  async function callError(client: McpClient, args: Record<string, unknown>): Promise<string> {
    const result = await client.callTool({ name: 'suggest_tags', arguments: args }) as CallToolResult;
    expect(result.isError).toBe(true);
    return (result.content[0] as { text: string }).text;
  }

  beforeAll(async () => {
    clearSuggestionModels();
    policyDir = await mkdtemp(path.join(os.tmpdir(), 'suggest-policy-'));
    await writeFile(path.join(policyDir, 'policy.json'), JSON.stringify(SUGGEST_POLICY));
    ({ db, release } = await backend.provision());
    await migrate(db);
    store = createStore(db);
    // An older scan that also saw PROBE, when payments used another cost center: the newer one must answer.
    const older = await storeScan(store, ROWS.map((r) => (r.tags.CostCenter === 'CC-1010' ? { ...r, tags: { ...r.tags, CostCenter: 'CC-9999' } } : r)));
    await db.query('update scans set finished_at = now() - interval \'1 day\' where id = $1', [older.id]);
    latest = await storeScan(store, ROWS);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await db?.close();
    await release?.();
    if (policyDir) await rm(policyDir, { recursive: true, force: true });
  });

  it('keeps the network context the listers saw, and rows without one read back without it', async () => {
    const [stored] = await store.listScanResources(latest.id, { limit: 1, after: PROBE.resourceId.slice(0, -1) });
    expect(stored).toMatchObject({ resourceId: PROBE.resourceId, context: PROBE.context });
    const azure = (await store.listScanResources(latest.id, { limit: 10_000 })).find((r) => r.resourceId === AZURE_VM.resourceId);
    expect(azure).toBeDefined();
    expect(azure!.context).toBeUndefined();
  });

  it('suggests values for one resource from the newest scan that saw it, with evidence', async () => {
    const client = await connect();
    const { structured: s, text } = await call(client, { resource_arn: PROBE.resourceId });
    expect(s.scan_id).toBe(latest.workflowId);
    expect(s.resources).toHaveLength(1);
    const byTag = Object.fromEntries(s.resources[0].suggestions.map((x: { tag: string }) => [x.tag, x]));
    for (const tag of ['Environment', 'CostCenter', 'Owner']) {
      expect(byTag[tag]).toMatchObject({ status: 'suggested', reason: 'missing', value: PAYMENTS.tags[tag] });
      expect(byTag[tag].confidence).toBeGreaterThanOrEqual(0.7);
    }
    const inVpc = ROWS.filter((r) => r.context?.vpc === PAYMENTS.vpc && r.tags.CostCenter);
    const agreeing = inVpc.filter((r) => r.tags.CostCenter === 'CC-1010');
    expect(byTag.CostCenter.evidence).toContain(`${agreeing.length} of ${inVpc.length} tagged resources in ${PAYMENTS.vpc} have CostCenter=CC-1010`);
    // Trained on every row with at least one tag the policy accepts, counted here by evaluation.
    const accepted = ROWS.filter((r) => compiled.rulesFor(r.cloud, r.resourceType).some((rule) => {
      const value = r.tags[rule.name];
      return value !== undefined && !evaluated({ ...r, tags: { [rule.name]: value } }).violations
        .some((v) => (v as { tag: string; kind: string }).tag === rule.name && (v as { kind: string }).kind !== 'missing_required_tag');
    }));
    expect(s.model.trained_on).toBe(accepted.length);
    expect(text).toContain(`3 of 3 tag value(s) suggested`);
  });

  it('replaces a rejected value, holds back under mixed evidence and gives no guess without neighbours', async () => {
    const client = await connect();
    const invalid = (await call(client, { resource_arn: INVALID.resourceId })).structured.resources[0].suggestions;
    expect(invalid).toEqual([expect.objectContaining({ tag: 'Environment', reason: 'invalid', current_value: 'stg', status: 'suggested', value: 'staging' })]);
    const mixed = (await call(client, { resource_arn: MIXED.resourceId })).structured.resources[0].suggestions;
    for (const m of mixed) {
      expect(m).toMatchObject({ status: 'no_confident_suggestion', value: null });
      expect(m.confidence).toBeLessThan(0.7);
      expect([PAYMENTS.tags[m.tag], SEARCH.tags[m.tag]]).toContain(m.best_guess);
    }
    const loner = (await call(client, { resource_arn: LONER.resourceId })).structured.resources[0].suggestions;
    expect(loner.map((l: { tag: string }) => l.tag).sort()).toEqual(['CostCenter', 'Environment', 'Owner']);
    for (const l of loner) expect(l).toMatchObject({ status: 'no_confident_suggestion', value: null, confidence: null, evidence: [] });
  });

  it('finds an Azure resource by its id and learns from the words of its resource group', async () => {
    const client = await connect();
    const { structured: s } = await call(client, { resource_arn: AZURE_VM.resourceId, scan_id: latest.workflowId });
    const byTag = Object.fromEntries(s.resources[0].suggestions.map((x: { tag: string }) => [x.tag, x]));
    expect(Object.keys(byTag).sort()).toEqual(['CostCenter', 'Owner']); // Environment's rules cover AWS types only
    expect(byTag.CostCenter).toMatchObject({ status: 'suggested', value: 'CC-1010' });
    expect(byTag.CostCenter.evidence.join('\n')).toMatch(/contains "checkout"/);
  });

  it('pages through every non-compliant resource of a scan', async () => {
    const client = await connect();
    const nonCompliant = ROWS.filter((r) => !r.compliant).map((r) => r.resourceId).sort();
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const { structured: s } = await call(client, { scan_id: latest.workflowId, limit: 2, ...(cursor ? { cursor } : {}) });
      expect(s.total_non_compliant).toBe(nonCompliant.length);
      expect(s.resources.length).toBeLessThanOrEqual(2);
      for (const r of s.resources) {
        seen.push(r.resource_id);
        expect(r.suggestions.length).toBeGreaterThan(0);
      }
      cursor = s.next_cursor ?? undefined;
      if (!cursor) break;
    }
    expect(cursor).toBeUndefined();
    expect(seen).toEqual(nonCompliant);
  });

  it('trains from pages of a big scan exactly as from the rows in memory, once per scan and policy', async () => {
    const rows = generateOrg(TRAINING_PAGE + 700, 9).map((o) => o.row);
    const scan = await storeScan(store, rows);
    const policy = compilePolicy(parsePolicy(BENCH_POLICY));
    const paged = await suggestionModel(store, scan.id, 'bench-policy', policy);
    const inMemory = trainModel(policy, [...rows].sort((a, b) => (a.resourceId < b.resourceId ? -1 : 1)));
    expect(paged.resources).toBe(inMemory.resources);
    for (const [tag, model] of inMemory.tags) {
      expect(paged.tags.get(tag)!.counts).toEqual(model.counts);
      // jsonb returns tag keys in its own order, so sums of the same terms may differ in the last bits.
      const calibration = paged.tags.get(tag)!.calibration;
      expect(calibration.kind).toBe(model.calibration.kind);
      expect(calibration.samples).toBe(model.calibration.samples);
      for (const score of [-2, 0, 1, 3, 8, 20]) {
        expect(applyCalibration(calibration, score)).toBeCloseTo(applyCalibration(model.calibration, score), 6);
      }
    }
    expect(await suggestionModel(store, scan.id, 'bench-policy', policy)).toBe(paged);
    expect(await suggestionModel(store, scan.id, 'another-policy', policy)).not.toBe(paged);
  });

  it('says what to do with bad input', async () => {
    const client = await connect();
    expect(await callError(client, {})).toMatch(/give resource_arn .* or scan_id/);
    for (const args of [{ resource_arn: 'arn:aws:ec2:us-east-1:1:instance/i-\u0000' }, { scan_id: 'scan-\u0000' }]) {
      // Refused by the input schema (a protocol error or an error result), never an internal error.
      const reply = await client.callTool({ name: 'suggest_tags', arguments: args }).then((r) => JSON.stringify(r), (err: Error) => err.message);
      expect(reply).toMatch(/control characters/);
    }
    expect(await callError(client, { resource_arn: 'arn:aws:ec2:us-east-1:111111111111:instance/i-nothere' }))
      .toMatch(/no completed scan has seen .*check_tag_compliance/);
    expect(await callError(client, { scan_id: 'scan-adhoc-ffffffffffff-20260101T0000Z' })).toMatch(/no completed scan .*list_scans/);
    const { structured } = await call(client, { scan_id: latest.workflowId, limit: 1 });
    expect(await callError(client, { scan_id: latest.workflowId, cursor: structured.next_cursor, min_confidence: 0.5 }))
      .toMatch(/another min_confidence or policy version/);
    expect(await callError(client, { scan_id: latest.workflowId, cursor: 'garbage!' })).toMatch(/invalid cursor/);
  });

  it('feeds its confident suggestions to the remediation artefacts, and only the confident ones', async () => {
    const client = await connect();
    const exported = async (useSuggestions: boolean) => {
      const result = await client.callTool({ name: 'export_for_automation',
        arguments: { scan_id: latest.workflowId, use_suggestions: useSuggestions, limit: 500 } }) as CallToolResult;
      if (result.isError) throw new Error((result.content[0] as { text: string }).text);
      const lines = ((result.structuredContent as { jsonl: string }).jsonl).trimEnd().split('\n')
        .map((l) => JSON.parse(l) as { resource_id: string; tags_to_set: Record<string, string> });
      return new Map(lines.map((l) => [l.resource_id, l.tags_to_set]));
    };
    const withModel = await exported(true);
    expect(withModel.get(PROBE.resourceId)).toEqual(PAYMENTS.tags);
    // No neighbours: every value stays a placeholder to fill in.
    expect(withModel.get(LONER.resourceId)).toEqual({ Environment: '<set Environment>', CostCenter: '<set CostCenter>', Owner: '<set Owner>' });
    // Mixed evidence in the shared VPC: the cost center and owner are a coin toss, so not written.
    expect(withModel.get(MIXED.resourceId)).toMatchObject({ CostCenter: '<set CostCenter>', Owner: '<set Owner>' });
    const without = await exported(false);
    expect(without.get(PROBE.resourceId)).toEqual({ Environment: '<set Environment>', CostCenter: '<set CostCenter>', Owner: '<set Owner>' });
  });
});
