// generate_compliance_report as a printable page and as PDF, behind a real MCP client over a
// stored scan (PGlite): the html page carries the dashboard's inline SVG charts and print CSS; pdf
// is printed by the machine's headless Chromium into the export directory, and without Chromium
// the call fails saying what to install.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../config/index.js';
import { createLogger } from '../../config/logger.js';
import { complianceScore } from '../../core/compliance/index.js';
import { scopeHash } from '../../core/scan-id.js';
import type { ToolDefinition } from '../../mcp-gateway/context.js';
import { createMcpServer } from '../../mcp-gateway/server.js';
import { scopeOf } from '../../mcp-gateway/scans/params.js';
import { generateComplianceReport } from '../../mcp-gateway/tools/generate-compliance-report.js';
import { createStore, migrate, openDb, type Db, type Store } from '../../store/index.js';
import { createTestPglite, type TestPglite } from '../support/databases.js';
import { ACCOUNTS, latestRows, XSS_VALUE } from '../support/dashboard-seed.js';

const ARGS = { resource_types: ['ec2:instance', 's3:bucket'], accounts: ACCOUNTS };
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let dir: TestPglite;
let db: Db;
let store: Store;
let exportsDir: string;
const clients: McpClient[] = [];

async function connect(chromiumPath: string): Promise<McpClient> {
  const config = configSchema.parse({ logLevel: 'silent', exports: { directory: exportsDir }, reports: { chromiumPath } });
  // Never connected: a stored scan answers without Temporal.
  const temporal = new TemporalClient({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
  const server = createMcpServer({ config, store, temporal, logger: createLogger('silent') }, { sessionId: 'pdf' },
    [generateComplianceReport] as unknown as ToolDefinition[]);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new McpClient({ name: 'report-pdf-test', version: '1.0.0' });
  await server.connect(serverSide);
  await client.connect(clientSide);
  await client.listTools();
  clients.push(client);
  return client;
}

async function call(client: McpClient, args: Record<string, unknown>) {
  const result = await client.callTool({ name: 'generate_compliance_report', arguments: { ...ARGS, ...args } }) as CallToolResult;
  return { isError: result.isError === true, text: (result.content[0] as { text: string }).text, structured: result.structuredContent as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

beforeAll(async () => {
  dir = await createTestPglite();
  db = await openDb({ dataDir: dir.dataDir });
  await migrate(db);
  store = createStore(db);
  exportsDir = mkdtempSync(path.join(os.tmpdir(), 'report-pdf-'));
  const scope = scopeOf(generateComplianceReport.inputSchema.parse(ARGS));
  const id = 'scan-adhoc-pdf-20260101T0000Z.run1';
  await store.createScan({ id, workflowId: 'scan-adhoc-pdf-20260101T0000Z', trigger: 'adhoc', scope, scopeHash: scopeHash(scope), storeSnapshot: false });
  await store.upsertScanResources(id, latestRows());
  const totals = await store.scanTotals(id);
  await store.completeScan(id, { status: 'completed', totals: { ...totals, score: complianceScore(totals.compliant, totals.total) }, dataQuality: { status: 'complete', missing: [] } });
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await db?.close();
  await dir?.cleanup();
});

describe('generate_compliance_report html and pdf', () => {
  it('renders a self-contained printable page with inline SVG charts and escaped values', async () => {
    const { structured: s } = await call(await connect(CHROMIUM), { format: 'html' });
    const html = s.report as string;
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('@media print');
    expect(html.match(/<svg /g)!.length).toBe(4); // by cloud, type, account and region
    for (const title of ['Score by cloud', 'Score by resource type', 'Score by account', 'Score by region']) expect(html).toContain(title);
    for (const row of s.by_cloud as { key: string }[]) expect(html).toContain(`data-label="${row.key}"`);
    expect(html).not.toMatch(/<script|src=|href=/i); // nothing to load, nothing to run
    expect(html).not.toContain(XSS_VALUE);
  });

  it('prints the page to a PDF in the export directory', async () => {
    const { structured: s, text, isError } = await call(await connect(CHROMIUM), { format: 'pdf' });
    expect(isError).toBe(false);
    expect(s.format).toBe('pdf');
    expect(s.report).toBeUndefined();
    expect(s.report_file).toMatchObject({ media_type: 'application/pdf' });
    expect(path.dirname(s.report_file.path)).toBe(path.resolve(exportsDir));
    expect(s.report_file.file_name).toMatch(/^compliance-report-\d{8}T\d{6}Z-[0-9a-f]{12}\.pdf$/);
    const bytes = readFileSync(s.report_file.path);
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(bytes.length).toBe(s.report_file.bytes);
    expect(bytes.length).toBeGreaterThan(5000);
    expect(text).toContain(s.report_file.path);
    expect(s.summary.total_resources).toBe(60);
  }, 120_000);

  it('says what to install when no Chromium is there', async () => {
    const missing = path.join(exportsDir, 'no-chromium-here');
    const { isError, text } = await call(await connect(missing), { format: 'pdf' });
    expect(isError).toBe(true);
    expect(text).toContain(`none is installed at ${missing}`);
    expect(text).toContain('apt-get install chromium');
    expect(text).toContain('format html');
  });
});
