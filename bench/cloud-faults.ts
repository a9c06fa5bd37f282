// Cloud faults suite: a scan of resources seeded in moto, run once through the fault proxy
// (test/support/fault-proxy.ts) with no faults (the baseline), then --trials times with each AWS
// request, independently, throttled (30%) or answered 500/503 (5%), seeded. Prints completion,
// totals against the baseline's, the requests each run sent and the retries per call (injected
// faults / requests that reached moto). Asserts nothing about time.
//
//   npm run bench:cloud-faults -- [--resources 400] [--trials 1] [--throttle 0.3] [--server-errors 0.05] [--seed 7]
//                                 [--sdk-attempts 3]
// --sdk-attempts sets the worker's clouds.aws.sdkMaxAttempts (the product's default is 3).
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateSecurityGroupCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { MANAGEMENT_ACCOUNT } from '../test/support/aws-seed.js';
import { createTestDatabase } from '../test/support/databases.js';
import { startFaultProxy } from '../test/support/fault-proxy.js';
import { awsClientConfig, MOTO_CREDENTIALS, startMoto } from '../test/support/moto.js';
import { startDevServer } from '../worker/dev-server.js';
import { findTemporalCli } from '../worker/temporal-cli.js';
import type { ComplianceScanResult } from '../workflows/types.js';
import { closeAllOnSignal, Teardown } from './scan/teardown.js';
import { benchConfig, fmt, machineRows, positiveInt, printRows, printTable, rowsOf, secs, startScan, WorkerPool } from './reliability/harness.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { values: args } = parseArgs({
  options: {
    resources: { type: 'string', default: '400' },
    trials: { type: 'string', default: '1' },
    throttle: { type: 'string', default: '0.3' },
    'server-errors': { type: 'string', default: '0.05' },
    seed: { type: 'string', default: '7' },
    'sdk-attempts': { type: 'string', default: '3' },
  },
});
const sdkAttempts = positiveInt('sdk-attempts', args['sdk-attempts']);
const N = positiveInt('resources', args.resources);
const trials = positiveInt('trials', args.trials);
const throttle = Number(args.throttle);
const serverError = Number(args['server-errors']);
const seed = positiveInt('seed', args.seed);
const REGIONS = ['us-east-1', 'eu-west-1'];
const TYPES = ['dynamodb:table', 'ec2:security-group'];
const POLICY = {
  version: 'bench-cloud-faults',
  required_tags: [{ name: 'Owner', validation_regex: '^[a-z0-9.]+@example\\.com$', applies_to: TYPES }],
  optional_tags: [],
  tag_naming_rules: { case_sensitivity: true, allow_special_characters: false, max_key_length: 128, max_value_length: 256 },
};
const ownerOf = (i: number) => (i % 3 === 0 ? 'nobody' : `owner${i % 7}@example.com`);

/** Half tables, half security groups, spread over the regions; `lanes` requests at a time. */
async function seed_(endpoint: string): Promise<void> {
  const jobs = Array.from({ length: N }, (_, i) => i);
  let next = 0;
  const clients = REGIONS.map((region) => ({ dynamodb: new DynamoDBClient(awsClientConfig(endpoint, region)), ec2: new EC2Client(awsClientConfig(endpoint, region)) }));
  try {
    await Promise.all(Array.from({ length: 16 }, async () => {
      for (let i = jobs[next++]; i !== undefined; i = jobs[next++]) {
        const { dynamodb, ec2 } = clients[Math.floor(i / 2) % REGIONS.length]!;
        if (i % 2 === 0) {
          await dynamodb.send(new CreateTableCommand({
            TableName: `faults-${i}`, AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
            KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST', Tags: [{ Key: 'Owner', Value: ownerOf(i) }],
          }));
        } else {
          await ec2.send(new CreateSecurityGroupCommand({
            GroupName: `faults-${i}`, Description: 'cloud faults bench',
            TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'Owner', Value: ownerOf(i) }] }],
          }));
        }
      }
    }));
  } finally {
    for (const c of clients) { c.dynamodb.destroy(); c.ec2.destroy(); }
  }
}

interface Run {
  label: string;
  seconds: number;
  result?: ComplianceScanResult;
  error?: string;
  rows: number;
  duplicates: number;
  forwarded: number;
  throttled: number;
  serverErrors: number;
}

closeAllOnSignal();
const teardown = new Teardown();
const problems: string[] = [];
try {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-cloud-faults-'));
  teardown.defer('temp dir', () => rm(dir, { recursive: true, force: true }));
  const policyPath = path.join(dir, 'policy.json');
  await writeFile(policyPath, JSON.stringify(POLICY));
  const [moto, temporal, database] = await Promise.all([
    startMoto(), startDevServer({ cliPath: findTemporalCli(process.env.TEMPORAL_CLI_PATH), headless: true }), createTestDatabase(),
  ]);
  teardown.defer('moto', () => moto.stop());
  teardown.defer('temporal', () => temporal.stop());
  teardown.defer('database', () => database.drop());
  console.error(`cloud faults suite: seeding ${fmt(N)} resources in moto ...`);
  await seed_(moto.endpoint);
  // A rule with no filter matches every AWS request the worker sends (STS included).
  const proxy = await startFaultProxy(moto.endpoint, []);
  teardown.defer('fault proxy', () => proxy.stop());

  const pool = new WorkerPool({
    TEMPORAL_ADDRESS: temporal.address, DATABASE_URL: database.url, POLICY_PATH: policyPath,
    AWS_ENDPOINT_URL: proxy.endpoint, AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1', SCAN_ACCOUNTS: MANAGEMENT_ACCOUNT, AWS_SDK_MAX_ATTEMPTS: String(sdkAttempts),
  });
  teardown.defer('workers', () => pool.stopAll());
  const connection = await Connection.connect({ address: temporal.address });
  teardown.defer('connection', () => connection.close());
  const client = new Client({ connection });
  const config = benchConfig(temporal.address, pool.taskQueue);
  const scope = { clouds: ['aws' as const], accounts: [MANAGEMENT_ACCOUNT], regions: REGIONS, resource_types: TYPES };

  async function run(label: string, faulty: boolean, trialSeed: number): Promise<Run> {
    await pool.ready(client, 1);
    proxy.setRules(faulty ? [{ name: 'aws', fault: { kind: 'random', throttle, serverError, seed: trialSeed } }] : []);
    const before = { forwarded: proxy.stats.forwarded, throttled: proxy.stats.injected['aws:throttle'] ?? 0, serverErrors: proxy.stats.injected['aws:5xx'] ?? 0 };
    const delta = () => ({
      forwarded: proxy.stats.forwarded - before.forwarded,
      throttled: (proxy.stats.injected['aws:throttle'] ?? 0) - before.throttled,
      serverErrors: (proxy.stats.injected['aws:5xx'] ?? 0) - before.serverErrors,
    });
    const start = performance.now();
    try {
      const { handle } = await startScan(client, config, scope);
      const result = await handle.result() as ComplianceScanResult;
      return { label, seconds: (performance.now() - start) / 1000, result, ...delta(), ...await rowsOf(database.url, result.scanId) };
    } catch (err) {
      return { label, seconds: (performance.now() - start) / 1000, error: (err as Error).message, rows: 0, duplicates: 0, ...delta() };
    } finally {
      proxy.setRules([]);
    }
  }

  console.error('baseline: no faults ...');
  const baseline = await run('no faults', false, seed);
  if (!baseline.result) throw new Error(`the baseline scan failed: ${baseline.error}`);
  const runs: Run[] = [];
  for (let t = 1; t <= trials; t++) {
    console.error(`trial ${t}/${trials}: ${throttle * 100}% throttled, ${serverError * 100}% 5xx ...`);
    runs.push(await run(`faults ${t}`, true, seed + t));
  }

  const completed = (r: Run) => r.result?.status === 'completed' && r.result.dataQuality.status === 'complete';
  const sameTotals = (r: Run) => r.result?.totals.total === baseline.result!.totals.total && r.result.totals.compliant === baseline.result!.totals.compliant;
  const rows: string[][] = [['run', 'scan s', 'completed', 'total', 'compliant', 'same totals', 'rows', 'dup rows', 'requests', 'throttled', '5xx', 'retries/call']];
  for (const r of [baseline, ...runs]) {
    const requests = r.forwarded + r.throttled + r.serverErrors;
    rows.push([r.label, secs(r.seconds), completed(r) ? 'yes' : `NO${r.error ? ` (${r.error.slice(0, 50)})` : ` (${r.result?.dataQuality.status})`}`,
      fmt(r.result?.totals.total ?? 0), fmt(r.result?.totals.compliant ?? 0), sameTotals(r) ? 'yes' : 'NO', fmt(r.rows), fmt(r.duplicates),
      fmt(requests), fmt(r.throttled), fmt(r.serverErrors), r.forwarded ? ((r.throttled + r.serverErrors) / r.forwarded).toFixed(2) : 'n/a']);
    if (!completed(r) || !sameTotals(r) || r.duplicates > 0) problems.push(`${r.label}: ${JSON.stringify({ totals: r.result?.totals, dataQuality: r.result?.dataQuality.status, error: r.error })}`);
  }
  console.log(`\ncloud faults suite: ${throttle * 100}% throttling and ${serverError * 100}% 5xx injected on every AWS request (moto behind the fault proxy)`);
  printTable(rows);
  console.log();
  printRows([
    ['retries/call', 'faults injected / requests that reached moto (SDK retries and Temporal activity retries together)'],
    ['N', `${fmt(N)} resources seeded (${TYPES.join(', ')}) in ${REGIONS.length} regions, 1 account; ${trials} fault run(s), seed ${seed}`],
    ['worker', `one worker process; SDK maxAttempts ${sdkAttempts} (clouds.aws.sdkMaxAttempts), then Temporal retries the shard from its checkpoint (12 attempts)`],
    ...machineRows(),
  ]);
} finally {
  await teardown.close();
}
for (const problem of problems) console.error(`CHECK FAILED ${problem}`);
if (problems.length > 0) process.exitCode = 1;
