// Crash suite: a scan of N synthetic resources (default 50k) with two worker processes, one of
// them SIGKILLed at a random point of each trial (seeded) and replaced at once, as an
// orchestrator restarts a crashed pod. Prints, per trial and in sum: completed, identical totals
// (against the inventory's known answer), rows and duplicate rows (SQL over scan_resources), and
// the time lost to the kill (the trial's wall time minus a no-kill baseline of the same scan).
// The resources come from the synthetic Tagging API endpoint of bench/scan (no moto seeding: 50k
// resources in moto take longer to create than to scan). Asserts nothing about time.
//
//   npm run bench:crash -- [--trials 10] [--resources 50000] [--accounts 10] [--regions 4]
//                          [--heartbeat 20] [--seed 7]
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { createTestDatabase } from '../test/support/databases.js';
import { startDevServer } from '../worker/dev-server.js';
import { findTemporalCli } from '../worker/temporal-cli.js';
import type { ComplianceScanResult } from '../workflows/types.js';
import { BASE_ACCOUNT, BASE_CREDENTIALS } from './scan/aws-endpoint.js';
import { startEndpointProcess } from './scan/endpoint-process.js';
import { BENCH_POLICY, Inventory, RESOURCE_TYPES } from './scan/inventory.js';
import { closeAllOnSignal, Teardown } from './scan/teardown.js';
import {
  benchConfig, fmt, machineRows, median, positiveInt, printRows, printTable, rowsOf, secs, seededRandom, startScan, WorkerPool,
} from './reliability/harness.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { values: args } = parseArgs({
  options: {
    trials: { type: 'string', default: '10' },
    resources: { type: 'string', default: '50000' },
    accounts: { type: 'string', default: '10' },
    regions: { type: 'string', default: '4' },
    heartbeat: { type: 'string', default: '20' },
    seed: { type: 'string', default: '7' },
  },
});
const trials = positiveInt('trials', args.trials);
const heartbeat = positiveInt('heartbeat', args.heartbeat);
const random = seededRandom(positiveInt('seed', args.seed));
const inventory = new Inventory({ n: positiveInt('resources', args.resources), accounts: positiveInt('accounts', args.accounts), regions: positiveInt('regions', args.regions) });
const N = inventory.shape.n;

interface Trial {
  label: string;
  killAt?: number;
  seconds: number;
  result?: ComplianceScanResult;
  error?: string;
  rows: number;
  duplicates: number;
}

closeAllOnSignal();
const teardown = new Teardown();
const problems: string[] = [];
try {
  console.error(`crash suite: ${fmt(N)} resources, ${trials} trials, 2 workers; computing the expected answer ...`);
  const expectedCompliant = inventory.expectedCompliant();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-crash-'));
  teardown.defer('temp dir', () => rm(dir, { recursive: true, force: true }));
  const policyPath = path.join(dir, 'policy.json');
  await writeFile(policyPath, JSON.stringify(BENCH_POLICY));
  const [endpoint, temporal, database] = await Promise.all([
    startEndpointProcess(inventory.shape),
    startDevServer({ cliPath: findTemporalCli(process.env.TEMPORAL_CLI_PATH), headless: true }),
    createTestDatabase(),
  ]);
  teardown.defer('endpoint', endpoint.stop);
  teardown.defer('temporal', () => temporal.stop());
  teardown.defer('database', () => database.drop());

  const pool = new WorkerPool({
    TEMPORAL_ADDRESS: temporal.address, DATABASE_URL: database.url, POLICY_PATH: policyPath,
    AWS_ENDPOINT_URL: endpoint.url, AWS_ACCESS_KEY_ID: BASE_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: BASE_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1', AWS_MANAGEMENT_ACCOUNT_ID: BASE_ACCOUNT, SCAN_ACCOUNTS: inventory.accounts.join(','),
  });
  teardown.defer('workers', () => pool.stopAll());
  const connection = await Connection.connect({ address: temporal.address });
  teardown.defer('connection', () => connection.close());
  const client = new Client({ connection });
  const config = benchConfig(temporal.address, pool.taskQueue);
  const scope = { clouds: ['aws' as const], accounts: inventory.accounts, regions: inventory.regions, resource_types: RESOURCE_TYPES };

  let respawned: Promise<unknown> = Promise.resolve();
  async function run(label: string, killAfter?: number): Promise<Trial> {
    await respawned;
    await pool.ready(client, 2);
    const start = performance.now();
    const { handle } = await startScan(client, config, scope, heartbeat);
    let timer: NodeJS.Timeout | undefined;
    let killAt: number | undefined;
    if (killAfter !== undefined) {
      timer = setTimeout(() => {
        const alive = pool.alive();
        const victim = alive[Math.floor(random() * alive.length)]!;
        killAt = (performance.now() - start) / 1000;
        respawned = victim.kill('SIGKILL').then(() => pool.spawn()); // the orchestrator restarts it
      }, killAfter * 1000);
    }
    try {
      const result = await handle.result() as ComplianceScanResult;
      const seconds = (performance.now() - start) / 1000;
      return { label, killAt, seconds, result, ...await rowsOf(database.url, result.scanId) };
    } catch (err) {
      return { label, killAt, seconds: (performance.now() - start) / 1000, error: (err as Error).message, rows: 0, duplicates: 0 };
    } finally {
      clearTimeout(timer);
    }
  }

  // The first scan on fresh workers pays for warm-up (JIT, sessions, connections): not a baseline.
  console.error('warm-up scan ...');
  await run('warm-up');
  console.error('baseline: no kill ...');
  const baseline = await run('baseline');
  if (!baseline.result) throw new Error(`the baseline scan failed: ${baseline.error}`);
  const runs: Trial[] = [];
  for (let t = 1; t <= trials; t++) {
    // Anywhere from 5% to 90% of the baseline's wall time: early, mid-shard and near the end.
    const killAfter = baseline.seconds * (0.05 + 0.85 * random());
    console.error(`trial ${t}/${trials}: SIGKILL a worker after ${secs(killAfter)} s ...`);
    runs.push(await run(String(t), killAfter));
  }

  const completed = (r: Trial) => r.result?.status === 'completed' && r.result.dataQuality.status === 'complete';
  const identical = (r: Trial) => r.result?.totals.total === N && r.result.totals.compliant === expectedCompliant;
  const rows: string[][] = [['trial', 'kill at s', 'scan s', 'completed', 'identical totals', 'rows', 'duplicate rows', 'time lost s']];
  for (const r of [baseline, ...runs]) {
    rows.push([r.label, r.killAt === undefined ? '-' : secs(r.killAt), secs(r.seconds), completed(r) ? 'yes' : `NO${r.error ? ` (${r.error.slice(0, 60)})` : ''}`,
      identical(r) ? 'yes' : 'NO', fmt(r.rows), fmt(r.duplicates), r === baseline ? '-' : secs(r.seconds - baseline.seconds)]);
    if (!completed(r) || !identical(r) || r.duplicates > 0 || r.rows !== N) problems.push(`trial ${r.label}: ${JSON.stringify({ totals: r.result?.totals, rows: r.rows, duplicates: r.duplicates, error: r.error })}`);
  }
  // A scan that finished before its kill point lost nothing to a kill: it is shown, not counted.
  const killed = runs.filter((r) => r.killAt !== undefined && r.killAt < r.seconds);
  const lost = killed.map((r) => r.seconds - baseline.seconds);
  console.log(`\ncrash suite: SIGKILL one of two workers at a random point of a ${fmt(N)}-resource scan`);
  printTable(rows);
  console.log();
  printRows([
    ['completed', `${runs.filter(completed).length} of ${runs.length}`],
    ['identical totals', `${runs.filter(identical).length} of ${runs.length} (total ${fmt(N)}, compliant ${fmt(expectedCompliant)})`],
    ['duplicate rows', fmt(runs.reduce((s, r) => s + r.duplicates, 0))],
    ['time lost per kill', `median ${secs(median(lost))} s, max ${secs(Math.max(...lost))} s over ${killed.length} kills mid-scan (baseline ${secs(baseline.seconds)} s; shard heartbeat timeout ${heartbeat} s)`],
    ['N', `${fmt(N)} resources, ${inventory.shape.accounts} accounts x ${inventory.shape.regions} regions, ${trials} trials, seed ${args.seed}`],
    ['source', 'synthetic Tagging API endpoint (bench/scan), worker from sources or dist/ as bin/ picks'],
    ...machineRows(),
  ]);
} finally {
  await teardown.close();
}
for (const problem of problems) console.error(`CHECK FAILED ${problem}`);
if (problems.length > 0) process.exitCode = 1;
