// The scan side of the cost model at scale: how long the SQL aggregates and the model take for a
// scan of N resources (BENCH_RESOURCES, default 200 000) on the local PostgreSQL. Prints a table;
// asserts nothing. Cost Explorer itself is not called (its answers are cached and few).
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { buildCostModel, computeGap, modelRates, EC2_COMPUTE, EC2_OTHER, RDS } from '../core/cost/index.js';
import { createStore, migrate, openDb } from '../store/index.js';
import { createTestDatabase } from '../test/support/databases.js';

const N = Number(process.env.BENCH_RESOURCES ?? 200_000);
const ACCOUNTS = ['111111111111', '222222222222', '333333333333', '444444444444'];
const TYPES = ['ec2:instance', 'ec2:volume', 'rds:db', 's3:bucket', 'lambda:function'];

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const out = await fn();
  return [out, performance.now() - t];
}

async function main(): Promise<void> {
  const database = await createTestDatabase();
  const db = await openDb({ databaseUrl: database.url, poolMax: 4 });
  try {
    await migrate(db);
    const store = createStore(db);
    const id = 'scan-bench-cost';
    await store.createScan({ id, workflowId: id, trigger: 'adhoc', scope: { clouds: ['aws'], resourceTypes: ['all'] }, scopeHash: 'bench', storeSnapshot: false });
    const [, seedMs] = await timed(async () => {
      for (let from = 0; from < N; from += 20_000) {
        await store.upsertScanResources(id, Array.from({ length: Math.min(20_000, N - from) }, (_, j) => {
          const i = from + j;
          const type = TYPES[i % TYPES.length]!;
          const account = ACCOUNTS[i % ACCOUNTS.length]!;
          const compliant = i % 3 !== 0;
          return {
            resourceId: `arn:aws:${type.split(':')[0]}:us-east-1:${account}:${type.split(':')[1]}/r-${String(i).padStart(9, '0')}`,
            cloud: 'aws' as const, account, region: i % 2 ? 'us-east-1' : 'eu-west-1', resourceType: type,
            tags: (compliant ? { Owner: 'a@x.com' } : {}) as Record<string, string>,
            state: i % 7 === 0 ? 'stopped' : 'running', compliant,
            violations: compliant ? [] : [{ kind: 'missing_required_tag', tag: 'Owner', severity: 'error', message: 'Owner is missing' }],
          };
        }));
      }
    });
    const services = ACCOUNTS.flatMap((account) => [EC2_COMPUTE, EC2_OTHER, RDS, 'Amazon Simple Storage Service', 'AWS Lambda']
      .map((service, k) => ({ account, service, amount: 1000 * (k + 1) })));
    const keys = Array.from({ length: 2000 }, (_, i) => `r-${String(i * 5).padStart(9, '0')}`);
    const [groups, groupsMs] = await timed(() => store.costGroups(id));
    const [keyed, keyedMs] = await timed(() => store.keyedCostResources(id, keys));
    const t = performance.now();
    const model = buildCostModel({ period: { start: '2026-11-01', end: '2026-12-01' }, resourceTypes: ['all'], services,
      resources: keys.map((k) => ({ service: EC2_COMPUTE, resourceKey: k, amount: 1 })), keyed, groups });
    const gap = computeGap(model, groups, keyed, 'resource_type', ['aws']);
    const modelMs = performance.now() - t;
    const tables = modelRates(model, groups);
    const [, pageMs] = await timed(() => store.listUntaggedByModelCost(id, tables, { minMonthlyCost: 1, limit: 100 }));
    const [, totalsMs] = await timed(() => store.untaggedTotalsByModelCost(id, tables, { minMonthlyCost: 1 }));
    const [, findingsMs] = await timed(() => store.findingCostGroups(id));
    const rows: [string, string][] = [
      ['machine', `${os.cpus()[0]?.model ?? 'unknown'} x${os.cpus().length}, PostgreSQL local`],
      ['resources (N)', String(N)],
      ['seed', `${(seedMs / 1000).toFixed(1)} s`],
      ['costGroups (SQL)', `${groupsMs.toFixed(0)} ms -> ${groups.length} groups`],
      ['keyedCostResources (SQL, 2000 keys)', `${keyedMs.toFixed(0)} ms -> ${keyed.length} rows`],
      ['model + gap (pure)', `${modelMs.toFixed(1)} ms (gap $${gap.gap.toFixed(2)} of $${gap.attributableSpend.toFixed(2)})`],
      ['untagged page by model cost (100 rows)', `${pageMs.toFixed(0)} ms`],
      ['untagged totals by model cost', `${totalsMs.toFixed(0)} ms`],
      ['findingCostGroups (SQL)', `${findingsMs.toFixed(0)} ms`],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [key, value] of rows) console.log(`${key.padEnd(width)}  ${value}`);
  } finally {
    await db.close();
    await database.drop();
  }
}

await main();
