// Tag drift at scale: two snapshots of N resources (default 1,000,000) seeded with COPY into a
// throwaway PostgreSQL database, then the time to the first page of changes, to a later page, to
// the summary, and to a whole detect_tag_drift call; and this process's peak RSS (the work is SQL).
// Prints figures only. BENCH_N sets N; TEST_DATABASE_ADMIN_URL the server.
import { configSchema } from '../config/index.js';
import { createLogger } from '../config/logger.js';
import { requiredKeyMaps } from '../core/drift.js';
import { compilePolicy, parsePolicy } from '../core/policy/index.js';
import type { ScanResourceRow } from '../core/scan.js';
import type { ToolContext } from '../mcp-gateway/context.js';
import { detectTagDrift } from '../mcp-gateway/tools/detect-tag-drift.js';
import { createStore, encodeScanResourceRows, migrate, openDb } from '../store/index.js';
import { SCAN_RESOURCE_COLUMNS } from '../store/scan-resources-copy.js';
import { createTestDatabase } from '../test/support/databases.js';
import { cpuDescription } from './machine.js';

const N = Number(process.env.BENCH_N ?? 1_000_000);
const CHUNK = 50_000;
const DAY_MS = 86_400_000;
/** Share of resources whose tags differ between the snapshots. */
const DRIFT_SHARE = 0.05;

const POLICY = parsePolicy({
  version: 'bench',
  required_tags: [{ name: 'Owner', applies_to: [] }, { name: 'Environment', applies_to: [] }, { name: 'CostCenter', applies_to: ['ec2:*'] }],
  optional_tags: [{ name: 'Team' }],
});
const TYPES = ['ec2:instance', 'ec2:volume', 's3:bucket', 'rds:db', 'lambda:function'];
const ENVS = ['production', 'staging', 'development'];

function row(i: number, newer: boolean): ScanResourceRow {
  const type = TYPES[i % TYPES.length]!;
  const account = String(100000000000 + (i % 50));
  const region = i % 3 === 0 ? 'eu-west-1' : 'us-east-1';
  const tags: Record<string, string> = {
    Name: `res-${i}`, Owner: `owner${i % 5000}@example.com`, Environment: ENVS[i % 3]!, CostCenter: `CC-${1000 + (i % 9000)}`,
    Team: `team-${i % 40}`, Application: `app-${i % 300}`,
  };
  // A deterministic 5% drift, split between removals (Owner), value changes (Environment) and additions.
  const bucket = (i * 2654435761) % 1000;
  if (newer && bucket < DRIFT_SHARE * 1000) {
    if (bucket % 3 === 0) delete tags.Owner;
    else if (bucket % 3 === 1) tags.Environment = 'test';
    else tags.Ticket = `T-${i}`;
  }
  return { resourceId: `arn:aws:${type.split(':')[0]}:${region}:${account}:res/${i.toString(36).padStart(8, '0')}`, cloud: 'aws',
    account, region, resourceType: type, name: `res-${i}`, tags, compliant: true, violations: [], monthlyCost: null };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const result = await fn();
  return [result, performance.now() - t0];
}

const database = await createTestDatabase();
const db = await openDb({ databaseUrl: database.url, poolMax: 2 });
try {
  await migrate(db);
  const store = createStore(db);
  const policy = await store.savePolicyVersion({ source: 'inline', document: POLICY });
  const ids: string[] = [];
  const [, seedMs] = await timed(async () => {
    for (const [k, newer] of [[0, false], [1, true]] as const) {
      const workflowId = `scan-scheduled-0123456789ab-2026010${k + 1}T0200Z`;
      const id = `${workflowId}.bench000`;
      ids.push(workflowId);
      await store.createScan({ id, workflowId, trigger: 'scheduled', scope: { resourceTypes: ['all'] } as never, scopeHash: '0123456789ab',
        storeSnapshot: true, policyVersionId: policy.id });
      for (let start = 0; start < N; start += CHUNK) {
        const rows: ScanResourceRow[] = [];
        for (let i = start; i < Math.min(N, start + CHUNK); i++) rows.push(row(i, newer));
        await db.copyFrom(`scan_resources (${SCAN_RESOURCE_COLUMNS})`, encodeScanResourceRows(id, rows));
      }
      // As the completeScan activity does: totals by SQL over the stored rows (the tool reads the scan's types from them).
      const totals = await store.scanTotals(id);
      await store.completeScan(id, { status: 'completed', totals: { ...totals, score: 1 }, dataQuality: { status: 'complete', missing: [] } });
      await db.query('update scans set finished_at = $2 where id = $1', [id, new Date(Date.now() - (1 - k) * 7 * DAY_MS).toISOString()]);
    }
    await db.exec('analyze scan_resources');
  });

  const from = (await store.scanByWorkflowId(ids[0]!))!;
  const to = (await store.scanByWorkflowId(ids[1]!))!;
  // What a scan without breakdowns in its totals costs; the tool reads the types from the totals otherwise.
  const [required, mapsMs] = await timed(async () => requiredKeyMaps(compilePolicy(POLICY), await store.scanResourceTypes(to.id)));
  const query = { fromScanId: from.id, toScanId: to.id, required };
  const [firstPage, firstMs] = await timed(() => store.listTagDrift(query, { limit: 100 }));
  const middle = { resourceId: row(Math.floor(N / 2), true).resourceId, key: '' };
  const [, laterMs] = await timed(() => store.listTagDrift(query, { limit: 100, after: middle }));
  const [summary, summaryMs] = await timed(() => store.tagDriftSummary(query));

  const ctx = {
    config: configSchema.parse({ logLevel: 'silent' }), store, logger: createLogger('silent'), temporal: undefined as never,
    correlationId: 'bench', progress: async () => undefined,
  } as ToolContext;
  const input = detectTagDrift.inputSchema.parse({ lookback_days: 7, limit: 100 });
  const [tool, toolMs] = await timed(() => detectTagDrift.handler(ctx, input));
  const [, cursorMs] = await timed(() => detectTagDrift.handler(ctx, { ...input, cursor: tool.structured.next_cursor! }));

  const rows: [string, string][] = [
    ['N resources per snapshot', fmt(N)],
    ['seed (2 x COPY + analyze)', seconds(seedMs)],
    ['distinct types by SQL (fallback only)', seconds(mapsMs)],
    ['first page (100 changes)', `${seconds(firstMs)}  (${firstPage.length} rows)`],
    ['page from the middle (keyset)', seconds(laterMs)],
    ['summary (all changes, SQL)', seconds(summaryMs)],
    ['changes / resources changed', `${fmt(summary.changes)} / ${fmt(summary.resourcesChanged)}`],
    ['by severity', `critical ${fmt(summary.bySeverity.critical)}, warning ${fmt(summary.bySeverity.warning)}, info ${fmt(summary.bySeverity.info)}`],
    ['detect_tag_drift call (page + summary)', seconds(toolMs)],
    ['detect_tag_drift next page (cursor)', seconds(cursorMs)],
    ['peak RSS (this process)', `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`],
    ['node', process.version],
    ['cpu', cpuDescription()],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [key, value] of rows) console.log(`${key.padEnd(width)}  ${value}`);
} finally {
  await db.close();
  await database.drop();
}
