// detect_tag_drift behind a real MCP client, over snapshots seeded straight into a real database
// (PostgreSQL and PGlite). Expected changes are computed here, in JS, from the seeded rows.
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../config/index.js';
import { createLogger } from '../../config/logger.js';
import type { ScanResourceRow } from '../../core/scan.js';
import type { ToolDefinition } from '../../mcp-gateway/context.js';
import { createMcpServer } from '../../mcp-gateway/server.js';
import { detectTagDrift } from '../../mcp-gateway/tools/detect-tag-drift.js';
import { createStore, migrate, type Db, type Store } from '../../store/index.js';
import { STORE_BACKENDS } from '../support/databases.js';

const DAY_MS = 86_400_000;
const ACCOUNTS = ['111111111111', '222222222222'];
const REGIONS = ['us-east-1', 'eu-west-1'];
const TYPES = ['ec2:instance', 's3:bucket', 'lambda:function'];

// Owner and Environment are required everywhere; CostCenter on EC2 only; Project is optional.
const POLICY = {
  version: 'drift-test',
  required_tags: [
    { name: 'Owner', applies_to: [] },
    { name: 'Environment', applies_to: [] },
    { name: 'CostCenter', applies_to: ['ec2:instance'] },
  ],
  optional_tags: [{ name: 'Project' }],
};
const requiredFor = (type: string) => new Set(['owner', 'environment', ...(type === 'ec2:instance' ? ['costcenter'] : [])]);

/** A small deterministic PRNG (mulberry32), so the estate is the same on every run. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function resource(i: number, tags: Record<string, string>): ScanResourceRow {
  const type = TYPES[i % 3]!;
  const account = ACCOUNTS[i % 2]!;
  const region = REGIONS[Math.floor(i / 2) % 2]!;
  // Mixed case: pages must follow byte order (uppercase before lowercase).
  const id = `arn:aws:${type.split(':')[0]}:${region}:${account}:${i % 7 === 0 ? 'R' : 'r'}-${String(i).padStart(4, '0')}`;
  return { resourceId: id, cloud: 'aws', account, region, resourceType: type, name: `res-${i}`, tags, compliant: true, violations: [] };
}

/** Older and newer estates: 150 resources each, 10 only in the older, 10 only in the newer, random tag edits. */
function estates(): { older: ScanResourceRow[]; newer: ScanResourceRow[] } {
  const rand = prng(13);
  const older: ScanResourceRow[] = [];
  const newer: ScanResourceRow[] = [];
  const keys = ['Owner', 'owner', 'Environment', 'CostCenter', 'Project', 'Team', 'Name'];
  for (let i = 0; i < 160; i++) {
    const before: Record<string, string> = {};
    for (const k of keys) if (rand() < 0.5) before[k] = `v${Math.floor(rand() * 3)}`;
    const after = { ...before };
    for (const k of keys) {
      const r = rand();
      if (r < 0.12) delete after[k];
      else if (r < 0.22) after[k] = `w${Math.floor(rand() * 3)}`; // a new value, or a tag added
    }
    if (i === 15) after['cost center (EU)'] = 'x'; // any key spelling is data
    if (i >= 10) older.push(resource(i, before));
    if (i < 150) newer.push(resource(i, after));
  }
  // Fixed cases for the severity rule: an EC2 instance and an S3 bucket each lose CostCenter and owner.
  for (const i of [300, 301]) {
    older.push(resource(i, { CostCenter: 'cc-1', owner: 'a@x.com', Project: 'p' }));
    newer.push(resource(i, { Project: 'p' }));
  }
  return { older, newer };
}

interface Change { resource_id: string; resource_type: string; account: string; region: string; key: string; change: string;
  old_value: string | null; new_value: string | null; severity: string }

function expectedChanges(older: ScanResourceRow[], newer: ScanResourceRow[]): Change[] {
  const before = new Map(older.map((r) => [r.resourceId, r]));
  const out: Change[] = [];
  for (const n of newer) {
    const o = before.get(n.resourceId);
    if (!o) continue;
    for (const key of new Set([...Object.keys(o.tags), ...Object.keys(n.tags)])) {
      const a = o.tags[key] ?? null;
      const b = n.tags[key] ?? null;
      if (a === b) continue;
      const change = a === null ? 'added' : b === null ? 'removed' : 'changed';
      const severity = change === 'added' ? 'info' : change === 'removed' && requiredFor(n.resourceType).has(key.toLowerCase()) ? 'critical' : 'warning';
      out.push({ resource_id: n.resourceId, resource_type: n.resourceType, account: n.account, region: n.region, key, change,
        old_value: a, new_value: b, severity });
    }
  }
  const byte = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return out.sort((x, y) => byte(x.resource_id, y.resource_id) || byte(x.key, y.key));
}

const count = (list: Change[], f: (c: Change) => boolean) => list.filter(f).length;


describe.each(STORE_BACKENDS)('detect_tag_drift on $kind', (backend) => {
  let db: Db;
  let release: () => Promise<void>;
  let store: Store;
  let client: McpClient;
  const { older, newer } = estates();
  const expected = expectedChanges(older, newer);
  const ids = { oldest: '', older: '', newer: '', adhoc: '', running: '' };
  let serial = 0;

  async function storeScan(rows: ScanResourceRow[], finished: Date,
    opts: { snapshot?: boolean; policyVersionId?: number; running?: boolean; bareTotals?: boolean } = {}) {
    const workflowId = `scan-scheduled-abcdefabcdef-2026010${++serial}T0000Z`;
    const id = `${workflowId}.${serial}0000000`;
    await store.createScan({ id, workflowId, trigger: 'scheduled', scope: { resourceTypes: ['all'] } as never, scopeHash: 'abcdefabcdef',
      storeSnapshot: opts.snapshot ?? true, policyVersionId: opts.policyVersionId ?? null });
    await store.upsertScanResources(id, rows);
    if (opts.running) return workflowId;
    // bareTotals: totals without breakdowns (older rows), so the tool reads the scan's types from its rows instead.
    const totals = opts.bareTotals ? { total: rows.length, compliant: rows.length } : await store.scanTotals(id);
    await store.completeScan(id, { status: 'completed', totals: totals as never, dataQuality: { status: 'complete', missing: [] } });
    await db.query('update scans set finished_at = $2 where id = $1', [id, finished.toISOString()]);
    return workflowId;
  }

  async function call(args: Record<string, unknown>) {
    const result = await client.callTool({ name: 'detect_tag_drift', arguments: args }) as CallToolResult;
    const text = (result.content[0] as { text: string }).text;
    if (result.isError) throw new Error(text);
    return { s: result.structuredContent as Record<string, any>, text }; // eslint-disable-line @typescript-eslint/no-explicit-any
  }

  async function callError(args: Record<string, unknown>): Promise<string> {
    const result = await client.callTool({ name: 'detect_tag_drift', arguments: args }) as CallToolResult;
    expect(result.isError).toBe(true);
    return (result.content[0] as { text: string }).text;
  }

  /** Every page, following next_cursor. */
  async function allPages(args: Record<string, unknown>, limit: number) {
    const changes: (Change & { cloud: string })[] = [];
    let cursor: string | null = null;
    let pages = 0;
    let first: Record<string, any> | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
    do {
      const { s } = await call({ ...args, limit, ...(cursor ? { cursor } : {}) });
      if (!first) first = s;
      else expect(s.summary).toBeUndefined();
      expect(s.changes.length).toBeLessThanOrEqual(limit);
      changes.push(...s.changes);
      cursor = s.next_cursor;
      pages++;
    } while (cursor && pages < 500);
    return { changes, pages, first: first! };
  }

  beforeAll(async () => {
    ({ db, release } = await backend.provision());
    await migrate(db);
    store = createStore(db);
    const policy = await store.savePolicyVersion({ source: 'inline', document: POLICY });
    const now = Date.now();
    ids.oldest = await storeScan(older.slice(0, 50), new Date(now - 20 * DAY_MS));
    ids.older = await storeScan(older, new Date(now - 8 * DAY_MS - 3_600_000));
    ids.newer = await storeScan(newer, new Date(now - DAY_MS), { policyVersionId: policy.id });
    ids.adhoc = await storeScan(older, new Date(now), { snapshot: false, bareTotals: true, policyVersionId: policy.id }); // never the default
    ids.running = await storeScan(newer, new Date(now), { running: true });
    const temporal = new TemporalClient({ connection: Connection.lazy({ address: '127.0.0.1:1' }) }); // never used
    const server = createMcpServer({ config: configSchema.parse({ logLevel: 'silent', gateway: { maxIdenticalCalls: 1000, sessionCallBudget: 100_000 } }), store, temporal,
      logger: createLogger('silent') }, { sessionId: 'drift-test' }, [detectTagDrift] as unknown as ToolDefinition[]);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    client = new McpClient({ name: 'drift-test', version: '1.0.0' });
    await server.connect(serverSide);
    await client.connect(clientSide);
    await client.listTools();
  });

  afterAll(async () => {
    await client?.close();
    await db?.close();
    await release?.();
  });

  it('compares the newest snapshot with the one lookback_days earlier: exact changes over every page, and the summary', async () => {
    expect(expected.length).toBeGreaterThan(100);
    expect(new Set(expected.map((c) => c.severity))).toEqual(new Set(['critical', 'warning', 'info']));
    const { changes, pages, first } = await allPages({ lookback_days: 7 }, 23);
    expect(first.from_scan.scan_id).toBe(ids.older);
    expect(first.to_scan.scan_id).toBe(ids.newer);
    expect(first.days_between).toBeCloseTo(7, 0);
    expect(pages).toBe(Math.ceil(expected.length / 23));
    expect(changes.map(({ cloud, ...c }) => (expect(cloud).toBe('aws'), c))).toEqual(expected);
    expect(first.summary).toMatchObject({
      changes: expected.length,
      resources_changed: new Set(expected.map((c) => c.resource_id)).size,
      by_severity: { critical: count(expected, (c) => c.severity === 'critical'), warning: count(expected, (c) => c.severity === 'warning'),
        info: count(expected, (c) => c.severity === 'info') },
      by_change: { added: count(expected, (c) => c.change === 'added'), removed: count(expected, (c) => c.change === 'removed'),
        changed: count(expected, (c) => c.change === 'changed') },
      distinct_keys: new Set(expected.map((c) => c.key)).size,
      resources_only_in_from: 10,
      resources_only_in_to: 10,
    });
    const owner = first.summary.top_keys.find((k: { key: string }) => k.key === 'Owner');
    expect(owner).toEqual({ key: 'Owner', total: count(expected, (c) => c.key === 'Owner'),
      critical: count(expected, (c) => c.key === 'Owner' && c.severity === 'critical'),
      warning: count(expected, (c) => c.key === 'Owner' && c.severity === 'warning'), info: count(expected, (c) => c.key === 'Owner' && c.severity === 'info') });
  });

  it('classifies severity from the newer scan\'s policy: required per type, keys matched ignoring case', async () => {
    const { s } = await call({ from_scan_id: ids.older, to_scan_id: ids.newer, tag_keys: ['CostCenter', 'owner'], limit: 1000 });
    const of = (i: number) => Object.fromEntries(s.changes.filter((c: Change) => c.resource_id === resource(i, {}).resourceId)
      .map((c: Change) => [c.key, `${c.change}/${c.severity}`]));
    expect(of(300)).toEqual({ CostCenter: 'removed/critical', owner: 'removed/critical' }); // ec2:instance requires CostCenter
    expect(of(301)).toEqual({ CostCenter: 'removed/warning', owner: 'removed/critical' }); // s3:bucket does not
  });

  it('goes further back with a longer lookback, and falls back to the oldest snapshot of the scope', async () => {
    expect((await call({ lookback_days: 10, limit: 1 })).s.from_scan.scan_id).toBe(ids.oldest);
    const { s } = await call({ lookback_days: 60, limit: 1 });
    expect(s.from_scan.scan_id).toBe(ids.oldest);
    expect(s.days_between).toBeCloseTo(19, 0);
  });

  it('filters by type, account, region, key and severity, in the page and the summary alike', async () => {
    const cases: [Record<string, unknown>, (c: Change) => boolean][] = [
      [{ resource_types: ['s3:bucket'] }, (c) => c.resource_type === 's3:bucket'],
      [{ resource_types: ['ec2:*', 'lambda:function'] }, (c) => c.resource_type !== 's3:bucket'],
      [{ accounts: [ACCOUNTS[1]], regions: ['eu-west-1'] }, (c) => c.account === ACCOUNTS[1] && c.region === 'eu-west-1'],
      [{ filters: { account_id: ACCOUNTS[0] } }, (c) => c.account === ACCOUNTS[0]],
      [{ tag_keys: ['Owner', 'Team'] }, (c) => c.key === 'Owner' || c.key === 'Team'],
      [{ severity: 'critical' }, (c) => c.severity === 'critical'],
      [{ severity: 'info', resource_types: ['ec2:instance'] }, (c) => c.severity === 'info' && c.resource_type === 'ec2:instance'],
    ];
    for (const [args, keep] of cases) {
      const want = expected.filter(keep);
      expect(want.length, JSON.stringify(args)).toBeGreaterThan(0);
      const { changes, first } = await allPages({ ...args, from_scan_id: ids.older, to_scan_id: ids.newer }, 40);
      expect(changes.map(({ cloud: _cloud, ...c }) => c), JSON.stringify(args)).toEqual(want);
      expect(first.summary.changes).toBe(want.length);
    }
  });

  it('compares two given scans, and says clearly what is wrong with bad scan ids', async () => {
    const { s } = await call({ from_scan_id: ids.oldest, to_scan_id: ids.adhoc, limit: 5 });
    expect([s.from_scan.scan_id, s.to_scan.scan_id]).toEqual([ids.oldest, ids.adhoc]);
    expect(s.summary.resources_only_in_to).toBe(older.length - 50);
    // The same severities whether the newer scan's types come from its totals or from its rows.
    const viaRows = await call({ from_scan_id: ids.older, to_scan_id: ids.adhoc, limit: 1 });
    expect(viaRows.s.summary.changes).toBe(0); // adhoc holds the older rows again
    // newer -> adhoc (the older rows again) is the drift reversed: removals become additions and back.
    const reversed = await allPages({ from_scan_id: ids.newer, to_scan_id: ids.adhoc }, 200);
    expect(reversed.changes.map(({ cloud: _cloud, ...c }) => c)).toEqual(expectedChanges(newer, older));

    expect(await callError({ from_scan_id: ids.newer, to_scan_id: ids.older })).toMatch(/finished after to_scan_id.*pass the older scan/);
    expect(await callError({ from_scan_id: 'scan-adhoc-000000000000-20260101T0000Z', to_scan_id: ids.newer }))
      .toMatch(/from_scan_id: no scan with id scan-adhoc-000000000000-20260101T0000Z/);
    expect(await callError({ from_scan_id: ids.older, to_scan_id: ids.running })).toMatch(/to_scan_id: scan .* is running; only completed scans/);
    expect(await callError({ from_scan_id: ids.older })).toMatch(/from_scan_id needs to_scan_id/);
    expect(await callError({ from_scan_id: ids.older, to_scan_id: ids.older })).toMatch(/the same scan/);
    expect(await callError({ to_scan_id: 'not-a-scan' })).toMatch(/scan id/i);
  });

  it('refuses a cursor from other filters, or a forged one', async () => {
    const { s } = await call({ lookback_days: 7, limit: 3 });
    expect(s.next_cursor).toBeTruthy();
    expect(await callError({ lookback_days: 7, limit: 3, severity: 'critical', cursor: s.next_cursor })).toMatch(/other filters/);
    expect(await callError({ lookback_days: 7, limit: 3, cursor: 'bm90LWEtY3Vyc29y' })).toMatch(/invalid cursor/);
  });
});
