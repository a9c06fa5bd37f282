// export_violations_csv behind a real MCP client, over a scan seeded into a real database
// (PostgreSQL and PGlite); every CSV is parsed back with csv-parse and compared with rows
// computed here from the seeded findings.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../config/index.js';
import { createLogger } from '../../config/logger.js';
import type { ScanResourceRow } from '../../core/scan.js';
import { scopeHash } from '../../core/scan-id.js';
import { normaliseScope } from '../../core/scope.js';
import type { ToolDefinition } from '../../mcp-gateway/context.js';
import { createMcpServer } from '../../mcp-gateway/server.js';
import { exportViolationsCsvTool } from '../../mcp-gateway/tools/export-violations-csv.js';
import { createStore, migrate, type Db, type Store } from '../../store/index.js';
import { STORE_BACKENDS } from '../support/databases.js';

const A1 = '111111111111';
const A2 = '222222222222';
const INLINE_MAX = 40;
const TYPES = ['ec2:instance', 's3:bucket', 'lambda:function'];
/** Values a spreadsheet would run as formulas, and harmless look-alikes. */
const HOSTILE = ['=HYPERLINK("http://x","y")', '+1+1', '-2+3', '@SUM(A1)', '\tcmd', '\r=1', 'a=b', ' =padded'];

interface Finding { kind: string; tag: string; severity: string; message: string; value?: string; foundKey?: string; allowed?: string[]; suggestion?: string }

function estate(): ScanResourceRow[] {
  const rows: ScanResourceRow[] = [];
  for (let i = 0; i < 90; i++) {
    const type = TYPES[i % 3]!;
    const account = i % 2 ? A2 : A1;
    const region = i % 4 < 2 ? 'us-east-1' : 'eu-west-1';
    const findings: Finding[] = [];
    if (i % 5 === 1) findings.push({ kind: 'missing_required_tag', tag: 'Owner', severity: 'error', message: 'Required tag "Owner" is missing.' });
    if (i % 3 === 1) {
      findings.push({ kind: 'invalid_value', tag: 'Environment', severity: 'error', value: HOSTILE[i % HOSTILE.length]!,
        allowed: ['production', 'staging'], suggestion: i % 2 ? 'production' : '=evil()', message: 'Value "x", not allowed; "quoted"' });
    }
    if (i % 4 === 3) findings.push({ kind: 'key_case_mismatch', tag: 'CostCenter', severity: 'warning', foundKey: 'costcenter', message: 'case\nline two' });
    rows.push({
      resourceId: `arn:aws:${type.split(':')[0]}:${region}:${account}:${i % 6 === 0 ? 'X' : 'x'}-${String(i).padStart(3, '0')}`,
      cloud: 'aws', account, region, resourceType: type, name: i % 7 === 0 ? null : `res-${i}`, state: 'running',
      tags: { Name: `res-${i}`, ...(i % 8 === 0 ? { Note: '=1+2' } : {}) }, compliant: !findings.some((f) => f.severity === 'error'),
      violations: findings, monthlyCost: i % 3 === 0 ? null : i * 1.5,
    });
  }
  return rows;
}

const neutralised = (v: string) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v);
const byte = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

/** The CSV records the tool should produce, as csv-parse returns them (every cell a string). */
function expectedRecords(rows: ScanResourceRow[], keep: (r: ScanResourceRow, f: Finding) => boolean, scanId: string) {
  const out: Record<string, string>[] = [];
  for (const r of [...rows].sort((a, b) => byte(a.resourceId, b.resourceId))) {
    for (const f of r.violations as Finding[]) {
      if (!keep(r, f)) continue;
      out.push({
        scan_id: scanId, resource_id: r.resourceId, resource_type: r.resourceType, cloud: r.cloud, account: r.account, region: r.region,
        name: r.name ?? '', state: r.state ?? '', compliant: String(r.compliant), tag: f.tag, kind: f.kind, severity: f.severity,
        message: f.message, value: neutralised(f.value ?? ''), found_key: f.foundKey ?? '', allowed_values: f.allowed?.join('|') ?? '',
        suggestion: neutralised(f.suggestion ?? ''), monthly_cost: r.monthlyCost == null ? '' : String(r.monthlyCost), tags: JSON.stringify(r.tags),
      });
    }
  }
  return out;
}

const pick = (records: Record<string, string>[], columns: string[]) =>
  records.map((r) => Object.fromEntries(columns.map((c) => [c, r[c]!])));

const DEFAULT_COLUMNS = ['resource_id', 'resource_type', 'account', 'region', 'name', 'tag', 'kind', 'severity', 'value', 'allowed_values',
  'suggestion', 'monthly_cost', 'message'];


describe.each(STORE_BACKENDS)('export_violations_csv on $kind', (backend) => {
  let db: Db;
  let release: () => Promise<void>;
  let store: Store;
  let client: McpClient;
  let exportDir: string;
  let scanId: string;
  const rows = estate();
  const all = () => expectedRecords(rows, () => true, scanId);

  async function call(args: Record<string, unknown>) {
    const result = await client.callTool({ name: 'export_violations_csv', arguments: args }) as CallToolResult;
    const text = (result.content[0] as { text: string }).text;
    if (result.isError) throw new Error(text);
    return { s: result.structuredContent as Record<string, any>, text }; // eslint-disable-line @typescript-eslint/no-explicit-any
  }

  async function callError(args: Record<string, unknown>): Promise<string> {
    const result = await client.callTool({ name: 'export_violations_csv', arguments: args }) as CallToolResult;
    expect(result.isError).toBe(true);
    return (result.content[0] as { text: string }).text;
  }

  /** The CSV of a reply, inline or from its file, parsed back. */
  async function records(s: Record<string, any>): Promise<{ header: string[]; records: Record<string, string>[]; raw: string }> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const raw = s.delivery === 'inline' ? s.csv as string : await readFile(s.path as string, 'utf8');
    const [header] = parse(raw, { to_line: 1 }) as string[][];
    return { header: header!, records: parse(raw, { columns: true }) as Record<string, string>[], raw };
  }

  beforeAll(async () => {
    ({ db, release } = await backend.provision());
    await migrate(db);
    store = createStore(db);
    exportDir = await mkdtemp(path.join(os.tmpdir(), 'finops-exports-'));
    // Stored under the scope hash the tool computes for resource_types ['all'], so it answers without Temporal.
    const scope = normaliseScope({ clouds: ['aws'], resource_types: ['all'] });
    scanId = 'scan-adhoc-abcdefabcdef-20260101T0000Z';
    const id = `${scanId}.00000001`;
    await store.createScan({ id, workflowId: scanId, trigger: 'adhoc', scope, scopeHash: scopeHash(scope), storeSnapshot: false });
    await store.upsertScanResources(id, rows);
    await store.completeScan(id, { status: 'completed', totals: await store.scanTotals(id) as never, dataQuality: { status: 'complete', missing: [] } });
    // The same rows as the recent scan of a narrower scope (lambda functions of A1), for a call without scan_id.
    const narrow = normaliseScope({ clouds: ['aws'], resource_types: ['lambda:function'], filters: { account_id: A1 } });
    await store.createScan({ id: 'scan-adhoc-fedcbafedcba-20260101T0000Z.00000002', workflowId: 'scan-adhoc-fedcbafedcba-20260101T0000Z',
      trigger: 'adhoc', scope: narrow, scopeHash: scopeHash(narrow), storeSnapshot: false });
    await store.upsertScanResources('scan-adhoc-fedcbafedcba-20260101T0000Z.00000002', rows);
    await store.completeScan('scan-adhoc-fedcbafedcba-20260101T0000Z.00000002', { status: 'completed', totals: await store.scanTotals(id) as never,
      dataQuality: { status: 'complete', missing: [] } });
    const temporal = new TemporalClient({ connection: Connection.lazy({ address: '127.0.0.1:1' }) }); // never used
    const config = configSchema.parse({ logLevel: 'silent', exports: { directory: exportDir, inlineMaxRows: INLINE_MAX },
      gateway: { maxIdenticalCalls: 1000 } });
    const server = createMcpServer({ config, store, temporal, logger: createLogger('silent') }, { sessionId: 'export-test' },
      [exportViolationsCsvTool] as unknown as ToolDefinition[]);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    client = new McpClient({ name: 'export-test', version: '1.0.0' });
    await server.connect(serverSide);
    await client.connect(clientSide);
    await client.listTools();
  });

  afterAll(async () => {
    await client?.close();
    await db?.close();
    await release?.();
    if (exportDir) await rm(exportDir, { recursive: true, force: true });
  });

  it('writes a large export to a file of ours inside the export directory, every finding once, in resource order', async () => {
    const want = all();
    expect(want.length).toBeGreaterThan(INLINE_MAX);
    const { s, text } = await call({ scan_id: scanId });
    expect(s).toMatchObject({ status: 'completed', scan_id: scanId, delivery: 'file', rows: want.length, columns: DEFAULT_COLUMNS });
    expect(s.csv).toBeUndefined();
    expect(path.dirname(s.path)).toBe(path.resolve(exportDir));
    expect(path.relative(exportDir, s.path).startsWith('..')).toBe(false);
    expect(s.file_name).toMatch(/^violations-\d{8}T\d{6}Z-[0-9a-f]{12}\.csv$/);
    expect(await readdir(exportDir)).toContain(s.file_name); // renamed from .partial once complete
    const { header, records: got, raw } = await records(s);
    expect(header).toEqual(DEFAULT_COLUMNS);
    expect(got).toEqual(pick(want, DEFAULT_COLUMNS));
    expect(raw).toContain('\r\n');
    expect(s.bytes).toBe(Buffer.byteLength(raw));
    expect(text).toContain(s.path);
  });

  it('returns a small export inline; the scope picks the stored scan when no scan_id is given', async () => {
    const want = expectedRecords(rows, (r) => r.resourceType === 'lambda:function' && r.account === A1, 'scan-adhoc-fedcbafedcba-20260101T0000Z');
    expect(want.length).toBeGreaterThan(0);
    expect(want.length).toBeLessThanOrEqual(INLINE_MAX);
    const { s } = await call({ resource_types: ['lambda:function'], filters: { account_id: A1 } });
    expect(s).toMatchObject({ delivery: 'inline', rows: want.length, scan_id: 'scan-adhoc-fedcbafedcba-20260101T0000Z' });
    expect((await records(s)).records).toEqual(pick(want, DEFAULT_COLUMNS));
  });

  it('selects and orders columns, and refuses unknown or repeated ones clearly', async () => {
    const columns = ['severity', 'resource_id', 'tags', 'compliant', 'found_key', 'scan_id', 'cloud', 'state'];
    const { s } = await call({ scan_id: scanId, columns, severity: 'warnings_only' });
    const { header, records: got } = await records(s);
    expect(header).toEqual(columns);
    const want = expectedRecords(rows, (_r, f) => f.severity === 'warning', scanId);
    // tags is the stored JSON object (jsonb's own spacing and key order): compared as parsed JSON.
    const parsedTags = (list: Record<string, string>[]) => list.map((r) => ({ ...r, tags: JSON.parse(r.tags!) as unknown }));
    expect(parsedTags(got)).toEqual(parsedTags(pick(want, columns)));

    const unknown = await callError({ scan_id: scanId, columns: ['resource_id', 'bogus'] });
    expect(unknown).toContain('unknown column "bogus"');
    expect(unknown).toContain('resource_type');
    expect(await callError({ scan_id: scanId, columns: ['tag', 'tag'] })).toMatch(/lists a column twice/);
  });

  it('filters by severity, type, account and region', async () => {
    const cases: [Record<string, unknown>, (r: ScanResourceRow, f: Finding) => boolean][] = [
      [{ severity: 'errors_only' }, (_r, f) => f.severity === 'error'],
      [{ resource_types: ['s3:*'] }, (r) => r.resourceType === 's3:bucket'],
      [{ accounts: [A2], regions: ['eu-west-1'] }, (r) => r.account === A2 && r.region === 'eu-west-1'],
      [{ filters: { region: 'us-east-1' }, severity: 'warnings_only' }, (r, f) => r.region === 'us-east-1' && f.severity === 'warning'],
    ];
    for (const [args, keep] of cases) {
      const want = expectedRecords(rows, keep, scanId);
      const { s } = await call({ scan_id: scanId, ...args });
      expect(s.rows, JSON.stringify(args)).toBe(want.length);
      expect((await records(s)).records, JSON.stringify(args)).toEqual(pick(want, DEFAULT_COLUMNS));
    }
  });

  it('neutralises cells a spreadsheet would evaluate', async () => {
    const { s } = await call({ scan_id: scanId, columns: ['resource_id', 'value', 'suggestion', 'tags', 'message'] });
    const { records: got, raw } = await records(s);
    const values = got.map((r) => r.value!).filter(Boolean);
    for (const hostile of HOSTILE.filter((v) => /^[=+\-@\t\r]/.test(v))) expect(values).toContain(`'${hostile}`);
    expect(values).toContain('a=b');
    expect(values).toContain(' =padded');
    expect(got.map((r) => r.suggestion)).toContain('\'=evil()');
    // No cell, quoted or not, starts with a formula character.
    const cells = (parse(raw, { relax_quotes: false }) as string[][]).flat();
    expect(cells.filter((c) => /^[=+\-@\t\r]/.test(c))).toEqual([]);
    expect(got.some((r) => r.message === 'case\nline two')).toBe(true);
  });

  it('refuses scans that cannot be exported', async () => {
    expect(await callError({ scan_id: 'scan-adhoc-000000000000-20260101T0000Z' })).toMatch(/no scan with id/);
    expect(await callError({ scan_id: '../../etc/passwd' })).toMatch(/scan id/i);
    expect(await callError({ scan_id: scanId, severity: 'critical' })).toMatch(/severity/);
  });
});
