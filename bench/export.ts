// Violations CSV export at scale: a scan with BENCH_N resources (default 60,000, about 150,000
// findings) seeded with COPY into a throwaway PostgreSQL database, then exported to a file through
// the server-side cursor and csv-stringify. Prints rows/s and this process's RSS sampled while the
// export runs (bounded memory: one fetch batch at a time). Prints figures only.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { DEFAULT_EXPORT_COLUMNS, EXPORT_COLUMNS } from '../core/remediation/csv-export.js';
import type { ScanResourceRow } from '../core/scan.js';
import { exportViolationsCsv } from '../mcp-gateway/exports/violations-csv.js';
import { createStore, encodeScanResourceRows, migrate, openDb } from '../store/index.js';
import { SCAN_RESOURCE_COLUMNS } from '../store/scan-resources-copy.js';
import { createTestDatabase } from '../test/support/databases.js';
import { cpuDescription } from './machine.js';

const N = Number(process.env.BENCH_N ?? 60_000);
// Seeding garbage is collected before each export, so RSS during it is the export's own (plain `tsx`, no --expose-gc).
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;
const CHUNK = 20_000;
const TYPES = ['ec2:instance', 'ec2:volume', 's3:bucket', 'rds:db', 'lambda:function'];

function row(i: number): ScanResourceRow {
  const type = TYPES[i % TYPES.length]!;
  const missing = (tag: string) => ({ kind: 'missing_required_tag', tag, severity: 'error', message: `Required tag "${tag}" is missing.` });
  const violations = [missing('Owner'), missing('CostCenter')];
  if (i % 2 === 0) {
    violations.push({ kind: 'invalid_value', tag: 'Environment', severity: 'error', value: i % 10 === 0 ? '=cmd()' : 'Prod',
      message: 'Value "Prod" of tag "Environment" is not allowed.', allowed: ['production', 'staging', 'development'], suggestion: 'production' } as never);
  }
  return {
    resourceId: `arn:aws:${type.split(':')[0]}:us-east-1:123456789012:res/${i.toString(36).padStart(8, '0')}`, cloud: 'aws',
    account: '123456789012', region: 'us-east-1', resourceType: type, name: `res-${i}`, tags: { Name: `res-${i}`, Environment: 'Prod' },
    compliant: false, violations, monthlyCost: (i % 100) + 0.5,
  };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mib = (bytes: number) => `${(bytes / 1_048_576).toFixed(0)} MiB`;

const database = await createTestDatabase();
const db = await openDb({ databaseUrl: database.url, poolMax: 2 });
const dir = await mkdtemp(path.join(os.tmpdir(), 'finops-export-bench-'));
try {
  await migrate(db);
  const store = createStore(db);
  const scanId = 'scan-adhoc-0123456789ab-20260101T0000Z';
  const id = `${scanId}.bench000`;
  await store.createScan({ id, workflowId: scanId, trigger: 'adhoc', scope: { resourceTypes: ['all'] } as never, storeSnapshot: false });
  for (let start = 0; start < N; start += CHUNK) {
    const rows: ScanResourceRow[] = [];
    for (let i = start; i < Math.min(N, start + CHUNK); i++) rows.push(row(i));
    await db.copyFrom(`scan_resources (${SCAN_RESOURCE_COLUMNS})`, encodeScanResourceRows(id, rows));
  }
  await db.exec('analyze scan_resources');

  const results: [string, string][] = [];
  for (const [label, columns] of [['default columns', DEFAULT_EXPORT_COLUMNS], ['every column', EXPORT_COLUMNS]] as const) {
    collectGarbage();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
    const t0 = performance.now();
    const outcome = await exportViolationsCsv(store, { scanId: id, scanLabel: scanId, columns, severity: null }, { directory: dir, inlineMaxRows: 500 });
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);
    if (outcome.delivery !== 'file') throw new Error('expected a file export');
    results.push(
      [`${label}: rows`, fmt(outcome.rows)],
      [`${label}: rows/s`, `${fmt(outcome.rows / seconds)}  (${seconds.toFixed(2)} s, ${mib(outcome.bytes)} file)`],
      [`${label}: RSS before / peak during`, `${mib(baseline)} / ${mib(peak)}  (+${mib(peak - baseline)})`],
    );
  }
  const rows: [string, string][] = [
    ['N resources', fmt(N)],
    ...results,
    ['peak RSS (whole process, seeding included)', mib(process.resourceUsage().maxRSS * 1024)],
    ['node', process.version],
    ['cpu', cpuDescription()],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [key, value] of rows) console.log(`${key.padEnd(width)}  ${value}`);
} finally {
  await db.close();
  await database.drop();
  await rm(dir, { recursive: true, force: true });
}
