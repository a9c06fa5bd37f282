// What the cross-cloud views cost on a large scan: N stored resources over three clouds (a unique
// Owner per resource, so tag values are high-cardinality), then the SQL (cloud, type, key, value)
// aggregate behind `consistency`, the in-process check over its groups, and scanTotals with its
// by-cloud grouping set. Prints time, groups read and peak RSS; asserts nothing about time.
// Run: npx tsx bench/consistency.ts   (BENCH_RESOURCES, default 200000; TEST_DATABASE_ADMIN_URL)
import { consistencyKeyFolds, crossCloudConsistencyFromCounts } from '../core/compliance/index.js';
import { compilePolicy, parsePolicy } from '../core/policy/index.js';
import type { ScanResourceRow } from '../core/scan.js';
import { createStore, migrate, openDb } from '../store/index.js';
import { createTestDatabase } from '../test/support/databases.js';
import { cpuDescription } from './machine.js';

const N = Number(process.env.BENCH_RESOURCES ?? 200_000);
const BATCH = 5000;
const CLOUDS = ['aws', 'azure', 'gcp'] as const;
const TYPES = { aws: 'ec2:instance', azure: 'azure:compute/virtualmachines', gcp: 'gcp:compute/instance' };

const policy = compilePolicy(parsePolicy({
  version: 'bench',
  required_tags: [
    { name: 'Owner', description: '', allowed_values: null, validation_regex: null, applies_to: [], cloud_spellings: { gcp: { keys: ['owner'] } } },
    { name: 'Environment', description: '', allowed_values: ['Production', 'Staging'], validation_regex: null, applies_to: [],
      cloud_spellings: { gcp: { keys: ['environment'], values: { Production: 'production', Staging: 'staging' } } } },
    { name: 'CostCenter', description: '', allowed_values: null, validation_regex: null, applies_to: [], cloud_spellings: { gcp: { keys: ['cost-center'] } } },
  ],
  optional_tags: [],
  tag_naming_rules: { case_sensitivity: false, allow_special_characters: false, max_key_length: 128, max_value_length: 256 },
}));

function row(i: number): ScanResourceRow {
  const cloud = CLOUDS[i % 3]!;
  const gcp = cloud === 'gcp';
  const tags: Record<string, string> = gcp
    ? { owner: `user-${i}`, environment: i % 5 ? 'production' : 'staging', [i % 7 ? 'cost-center' : 'cost_center']: `cc-${i % 40}`, name: `vm-${i}` }
    : { Owner: `user${i}@example.com`, Environment: i % 4 ? 'Production' : 'prod', CostCenter: `CC-${i % 40}`, Name: `vm-${i}` };
  return { resourceId: `${cloud}-${String(i).padStart(9, '0')}`, cloud, account: `acct-${i % 10}`, region: 'r1', resourceType: TYPES[cloud], tags, compliant: i % 3 !== 0, violations: [] };
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await fn();
  return [value, performance.now() - start];
}

const database = await createTestDatabase();
const db = await openDb({ databaseUrl: database.url, poolMax: 2 });
try {
  await migrate(db);
  const store = createStore(db);
  const scanId = 'bench-consistency';
  await store.createScan({ id: scanId, workflowId: scanId, trigger: 'adhoc', scope: { clouds: [...CLOUDS], resourceTypes: ['all'] }, scopeHash: null, storeSnapshot: false });
  const [, seedMs] = await timed(async () => {
    for (let at = 0; at < N; at += BATCH) await store.upsertScanResources(scanId, Array.from({ length: Math.min(BATCH, N - at) }, (_, k) => row(at + k)));
  });
  await db.query('analyze scan_resources');
  const rssBefore = process.memoryUsage().rss;
  const [{ counts, truncated }, aggregateMs] = await timed(() => store.tagValueCounts(scanId, consistencyKeyFolds(policy), 50_000));
  const [issues, checkMs] = await timed(async () => crossCloudConsistencyFromCounts(policy, counts));
  const [totals, totalsMs] = await timed(() => store.scanTotals(scanId));
  const rows: [string, string, string][] = [
    ['resources stored', String(N), 'rows'],
    ['seed (COPY upserts)', (seedMs / 1000).toFixed(1), 's'],
    ['consistency: SQL aggregate', aggregateMs.toFixed(0), 'ms'],
    ['consistency: groups read (capped)', `${counts.length}${truncated ? ' (truncated)' : ''}`, 'groups'],
    ['consistency: check over groups', checkMs.toFixed(0), 'ms'],
    ['consistency: issues found', String(issues.length), 'issues'],
    ['scanTotals with by_cloud', totalsMs.toFixed(0), 'ms'],
    ['clouds in by_cloud', Object.keys(totals.byCloud).join(' '), ''],
    ['peak RSS (process)', (process.resourceUsage().maxRSS / 1024).toFixed(0), 'MB'],
    ['RSS growth over the views', ((process.memoryUsage().rss - rssBefore) / 1048576).toFixed(0), 'MB'],
  ];
  console.log(`bench/consistency on ${cpuDescription()}, PostgreSQL, N=${N}`);
  for (const [what, value, unit] of rows) console.log(`${what.padEnd(36)} ${value.padStart(14)} ${unit}`);
} finally {
  await db.close();
  await database.drop();
}
