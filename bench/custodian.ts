// Cloud Custodian side by side: one moto server seeded with a few thousand resources of the core
// types (EC2 instances and volumes, S3 buckets, RDS, Lambda, DynamoDB) over 2 accounts x 2
// regions, scanned by our product (Temporal + PostgreSQL + the worker process) and by
// `c7n-org run --dryrun` with the audit policies generate_custodian_policy's generator writes
// from the same tagging policy (test/fixtures/scan-policy.json) and its accounts file (one role
// assumed per account). Both reach moto through a request log, which counts their API requests.
// Prints both wall times, their ratio (target <= 0.33x), the requests each made, and whether the
// violating sets are identical, with the reason for each difference. Cache-free: a fresh scan, and
// Custodian with --cache-period 0. Asserts nothing about time.
//
//   npm run bench:custodian -- [--instances 40] [--buckets 4] [--volume-scale 60]
//     (per tagging variant, account and region: EC2 instances, S3 buckets; x5 tagged EBS volumes)
import { execFile, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { parse as parseYaml } from 'yaml';
import { startComplianceScan } from '../client/scans.js';
import { configSchema } from '../config/index.js';
import { callsPerThousand, totalCalls } from '../core/cloud-calls.js';
import { parsePolicyJson } from '../core/policy/schema.js';
import { generateCustodianPolicies } from '../core/remediation/custodian.js';
import { findingRows } from '../mcp-gateway/remediation/scan-source.js';
import { createStore, openDb } from '../store/index.js';
import { DEFAULT_ROLE_NAME, SCAN_POLICY_PATH, SEEDED_TYPES } from '../test/support/aws-seed.js';
import { createTestDatabase } from '../test/support/databases.js';
import { MOTO_CREDENTIALS, startMoto } from '../test/support/moto.js';
import { startRequestLog, type LoggedRequest } from '../test/support/request-log.js';
import { spawnWorker } from '../test/support/worker-process.js';
import { startDevServer } from '../worker/dev-server.js';
import { findTemporalCli, REPO_ROOT } from '../worker/temporal-cli.js';
import type { ComplianceScanResult } from '../workflows/types.js';
import { differences, readSelection } from './custodian/compare.js';
import { buildDist } from './dist.js';
import { seedInventory } from './custodian/seed.js';
import { waitForPollers, WORKER_NODE_OPTIONS } from './scan/full-scan.js';
import { closeAllOnSignal, Teardown } from './scan/teardown.js';
import { cpuDescription } from './machine.js';

const run = promisify(execFile);
const BIN = path.join(REPO_ROOT, '.venv-tools', 'bin');
const RATIO_TARGET = 0.33;
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values: args } = parseArgs({
  options: {
    instances: { type: 'string', default: '40' },
    buckets: { type: 'string', default: '4' },
    'volume-scale': { type: 'string', default: '60' },
  },
});
const int = (name: keyof typeof args): number => {
  const value = Number(args[name]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got ${String(args[name])}`);
  return value;
};

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;

/** `1,234 (tagging:GetResources 1,000, sts:AssumeRole 4, ...)` for the requests in a slice of the log. */
function byApi(entries: LoggedRequest[]): string {
  const counts = new Map<string, number>();
  for (const e of entries) {
    // REST APIs (S3, Lambda) carry no operation name in the request: counted by service.
    const key = `${e.service ?? '?'}:${e.operation ?? 'REST'}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].sort(([, a], [, b]) => b - a).slice(0, 12).map(([k, n]) => `${k} ${fmt(n)}`).join(', ');
}

async function main(): Promise<void> {
  const teardown = new Teardown();
  try {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-custodian-'));
    teardown.defer('temp dir', () => rm(dir, { recursive: true, force: true }));
    const [moto, temporal, database] = await Promise.all([
      startMoto(),
      startDevServer({ cliPath: findTemporalCli(process.env.TEMPORAL_CLI_PATH), headless: true }),
      createTestDatabase(),
    ]);
    teardown.defer('moto', () => moto.stop());
    teardown.defer('temporal dev server', () => temporal.stop());
    teardown.defer('database', () => database.drop());
    const log = await startRequestLog(moto.endpoint);
    teardown.defer('request log', () => log.stop());

    console.error('seeding moto ...');
    const seedStart = process.hrtime.bigint();
    const org = await seedInventory(moto.endpoint, { instancesPerVariant: int('instances'), bucketsPerVariant: int('buckets'), volumeScale: int('volume-scale') });
    const seedSeconds = seconds(seedStart);

    // ---- our scan, through Temporal, PostgreSQL and the worker process -------------------------
    const policyPath = path.join(REPO_ROOT, SCAN_POLICY_PATH);
    const taskQueue = `bench-custodian-${randomUUID().slice(0, 8)}`;
    const worker = spawnWorker({
      TEMPORAL_ADDRESS: temporal.address, TEMPORAL_TASK_QUEUE: taskQueue, DATABASE_URL: database.url, POLICY_PATH: policyPath,
      NODE_OPTIONS: WORKER_NODE_OPTIONS, AWS_ENDPOINT_URL: log.endpoint, AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey, AWS_REGION: 'us-east-1', SCAN_ACCOUNTS: org.accounts.join(','),
      // As bench:scan runs it: the per-account call budgets (default 20/s) are off, as Custodian has none.
      AWS_CALLS_PER_SECOND: '0',
    });
    teardown.defer('worker', () => worker.kill());
    const connection = await Connection.connect({ address: temporal.address });
    teardown.defer('temporal connection', () => connection.close());
    const client = new Client({ connection });
    await waitForPollers(client, taskQueue);
    const config = configSchema.parse({ temporal: { address: temporal.address, taskQueue } });
    console.error('our scan ...');
    const oursFrom = log.entries.length;
    const oursStart = process.hrtime.bigint();
    const { handle } = await startComplianceScan(client, config, {
      scope: { clouds: ['aws'], accounts: org.accounts, regions: org.regions, resource_types: [...SEEDED_TYPES] }, fresh: true,
    });
    const result = await handle.result() as ComplianceScanResult;
    const oursSeconds = seconds(oursStart);
    const oursRequests = log.entries.slice(oursFrom);

    // ---- the Custodian policy from our generator, and c7n-org over the same accounts ------------
    const db = await openDb({ databaseUrl: database.url, poolMax: 2 });
    teardown.defer('store', () => db.close());
    const store = createStore(db);
    const scanRow = await store.getScan(result.scanId);
    const policy = parsePolicyJson(await readFile(policyPath, 'utf8'));
    const artefact = await generateCustodianPolicies(policy, findingRows(store, result.scanId, { nonCompliantOnly: true }), {
      dryRun: true, graceDays: 7, notify: { to: ['resource-owner'], queue: 'https://sqs.{region}.amazonaws.com/{account_id}/cloud-custodian-mailer' },
      roleName: DEFAULT_ROLE_NAME, scanId: result.scanId,
    });
    const policyFile = path.join(dir, 'policy.yml');
    const accountsFile = path.join(dir, 'accounts.yml');
    await writeFile(policyFile, artefact.policyYaml);
    // Every account x region of the inventory, not only those with violations: Custodian must look everywhere we looked.
    const accountsDoc = { accounts: org.accounts.map((id) => ({ account_id: id, name: `account-${id}`, regions: org.regions,
      role: `arn:aws:iam::${id}:role/${DEFAULT_ROLE_NAME}` })) };
    await writeFile(accountsFile, JSON.stringify(accountsDoc));
    const generatedAccounts = (parseYaml(artefact.accountsYaml) as typeof accountsDoc).accounts;
    const out = path.join(dir, 'out');
    const awsEnv = { AWS_ENDPOINT_URL: log.endpoint, AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey, AWS_DEFAULT_REGION: 'us-east-1' };
    // The Python interpreter and c7n's imports, before any request: part of Custodian's wall time, printed apart.
    const startupStart = process.hrtime.bigint();
    await run(path.join(BIN, 'c7n-org'), ['run', '--help'], { env: { ...process.env, ...awsEnv } });
    const startupSeconds = seconds(startupStart);
    console.error(`c7n-org run --dryrun: ${artefact.policies.length} policies x ${org.accounts.length} accounts x ${org.regions.length} regions ...`);
    const custodianFrom = log.entries.length;
    const custodianStart = process.hrtime.bigint();
    await run(path.join(BIN, 'c7n-org'), ['run', '--dryrun', '--cache-period', '0', '-c', accountsFile, '-u', policyFile, '-s', out],
      { env: { ...process.env, ...awsEnv }, timeout: 900_000, maxBuffer: 64 * 1024 * 1024 });
    const custodianSeconds = seconds(custodianStart);
    const custodianRequests = log.entries.slice(custodianFrom);

    // ---- the violating sets --------------------------------------------------------------------
    const policies = new Map(artefact.policies.map((p) => [p.name, { resource: p.resource, resourceType: p.resourceType }]));
    const selection = await readSelection(out, new Map(accountsDoc.accounts.map((a) => [a.name, a.account_id])), policies);
    const scanned = new Set<string>();
    const ours = new Map<string, string>();
    for await (const row of findingRows(store, result.scanId)) {
      scanned.add(row.resourceId);
      if (!row.compliant) ours.set(row.resourceId, row.resourceType);
    }
    const covered = new Set(artefact.policies.map((p) => p.resourceType));
    const diff = differences(ours, selection.arns, scanned, covered);
    const n = result.totals.total;

    const rows: [string, string][] = [
      ['inventory', `${org.accounts.length} accounts x ${org.regions.length} regions, ${SEEDED_TYPES.join(', ')}; seeded in ${seedSeconds.toFixed(1)} s ` +
        `(--instances ${args.instances}, --buckets ${args.buckets}, --volume-scale ${args['volume-scale']})`],
      ['our scan', `${oursSeconds.toFixed(2)} s, ${fmt(n)} resources, ${fmt(result.totals.total - result.totals.compliant)} violating, ` +
        `status ${result.status}, data ${result.dataQuality.status}`],
      ['our requests', `${fmt(oursRequests.length)}, ${(oursRequests.length / n * 1000).toFixed(1)} per 1,000 resources  (${byApi(oursRequests)})`],
      ['our scan row calls', scanRow?.cloudCalls ? `${fmt(totalCalls(scanRow.cloudCalls))} (${callsPerThousand(scanRow.cloudCalls, n) ?? 'n/a'} per 1,000; the product's own count)` : 'not recorded'],
      ['Custodian', `${custodianSeconds.toFixed(2)} s (c7n-org run --dryrun --cache-period 0; ${selection.runs} policy runs; ` +
        `its start-up alone, c7n-org --help: ${startupSeconds.toFixed(2)} s)`],
      ['Custodian requests', `${fmt(custodianRequests.length)}, ${(custodianRequests.length / n * 1000).toFixed(1)} per 1,000 resources  (${byApi(custodianRequests)})`],
      ['ratio ours/Custodian', `${(oursSeconds / custodianSeconds).toFixed(2)}x  (target <= ${RATIO_TARGET}x: ${oursSeconds / custodianSeconds <= RATIO_TARGET ? 'met' : 'missed'}); ` +
        `requests ${(oursRequests.length / Math.max(1, custodianRequests.length)).toFixed(2)}x`],
      ['policies', `${artefact.policies.map((p) => `${p.resource} (${p.resourceType})`).join(', ')}; generated accounts file: ` +
        `${generatedAccounts.map((a) => `${a.account_id} ${a.regions.join('+')}`).join(', ')}`],
      ['violating sets', diff.length === 0 ? `identical: ${fmt(ours.size)} resources` :
        `${diff.length} differences (ours ${fmt(ours.size)}, Custodian ${fmt(selection.arns.size)})`],
      ['Custodian duplicates', `${selection.duplicates} records selected twice (one resource from two regions' runs), counted once`],
      ['worker flags', WORKER_NODE_OPTIONS],
      ['c7n', execFileSync(path.join(BIN, 'python'), ['-c', 'import c7n.version; print(c7n.version.version)'], { encoding: 'utf8' }).trim()],
      ['date', new Date().toISOString()],
      ['load average', os.loadavg().map((l) => l.toFixed(2)).join(' ') + '  (1, 5, 15 min; at the end)'],
      ['node', process.version],
      ['cpu', cpuDescription()],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
    const reasons = new Map<string, number>();
    for (const d of diff) reasons.set(`${d.side}, ${d.resourceType}: ${d.reason}`, (reasons.get(`${d.side}, ${d.resourceType}: ${d.reason}`) ?? 0) + 1);
    for (const [reason, count] of reasons) console.log(`  ${fmt(count)} ${reason}  (e.g. ${diff.find((d) => `${d.side}, ${d.resourceType}: ${d.reason}` === reason)!.arn})`);
    if (result.status !== 'completed') process.exitCode = 1;
  } finally {
    await teardown.close();
  }
}

closeAllOnSignal();
buildDist();
await main();
