// Temporal restart suite: a scan of N synthetic resources (default 50k) with two workers, during
// which the Temporal dev server, file-backed (`temporal server start-dev --db-filename`), is
// SIGKILLed and started again on the same port and file after --down seconds. Prints per trial:
// completed, identical totals (against the inventory's known answer), rows, duplicate rows, workers
// that died meanwhile, and the time lost against a no-restart baseline. Asserts nothing about time.
//
//   npm run bench:temporal-restart -- [--trials 3] [--resources 50000] [--accounts 10] [--regions 4]
//                                     [--down 5] [--seed 7]
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { createTestDatabase } from '../test/support/databases.js';
import { freePort, startDevServer, type DevServer } from '../worker/dev-server.js';
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
    trials: { type: 'string', default: '3' },
    resources: { type: 'string', default: '50000' },
    accounts: { type: 'string', default: '10' },
    regions: { type: 'string', default: '4' },
    down: { type: 'string', default: '5' },
    seed: { type: 'string', default: '7' },
  },
});
const trials = positiveInt('trials', args.trials);
const downSeconds = positiveInt('down', args.down);
const random = seededRandom(positiveInt('seed', args.seed));
const inventory = new Inventory({ n: positiveInt('resources', args.resources), accounts: positiveInt('accounts', args.accounts), regions: positiveInt('regions', args.regions) });
const N = inventory.shape.n;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Trial {
  label: string;
  restartAt?: number;
  seconds: number;
  result?: ComplianceScanResult;
  error?: string;
  rows: number;
  duplicates: number;
  workersDied: number;
}

closeAllOnSignal();
const teardown = new Teardown();
const problems: string[] = [];
try {
  console.error(`temporal restart suite: ${fmt(N)} resources, ${trials} trials, server down ${downSeconds} s; computing the expected answer ...`);
  const expectedCompliant = inventory.expectedCompliant();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-temporal-restart-'));
  teardown.defer('temp dir', () => rm(dir, { recursive: true, force: true }));
  const policyPath = path.join(dir, 'policy.json');
  await writeFile(policyPath, JSON.stringify(BENCH_POLICY));
  const cliPath = findTemporalCli(process.env.TEMPORAL_CLI_PATH);
  const port = await freePort();
  const dbFile = path.join(dir, 'temporal.db');
  const startServer = () => startDevServer({ cliPath, headless: true, port, dbFile });
  let server: DevServer;
  const [endpoint, firstServer, database] = await Promise.all([startEndpointProcess(inventory.shape), startServer(), createTestDatabase()]);
  server = firstServer;
  teardown.defer('endpoint', endpoint.stop);
  teardown.defer('temporal', () => server.stop());
  teardown.defer('database', () => database.drop());

  const pool = new WorkerPool({
    TEMPORAL_ADDRESS: server.address, DATABASE_URL: database.url, POLICY_PATH: policyPath,
    AWS_ENDPOINT_URL: endpoint.url, AWS_ACCESS_KEY_ID: BASE_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: BASE_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1', AWS_MANAGEMENT_ACCOUNT_ID: BASE_ACCOUNT, SCAN_ACCOUNTS: inventory.accounts.join(','),
  });
  teardown.defer('workers', () => pool.stopAll());
  const connection = await Connection.connect({ address: server.address });
  teardown.defer('connection', () => connection.close());
  const client = new Client({ connection });
  const config = benchConfig(server.address, pool.taskQueue);
  const scope = { clouds: ['aws' as const], accounts: inventory.accounts, regions: inventory.regions, resource_types: RESOURCE_TYPES };

  /** The scan's result, asked again while the server is away (the long poll fails when it dies). */
  async function resultOf(workflowId: string, firstExecutionRunId: string): Promise<ComplianceScanResult> {
    for (;;) {
      try {
        return await client.workflow.getHandle(workflowId, undefined, { firstExecutionRunId }).result() as ComplianceScanResult;
      } catch (err) {
        const message = (err as Error).message;
        // The workflow's own failure is an answer; a lost connection is not.
        if (/WorkflowFailed|workflow execution failed|terminated|cancelled/i.test(`${(err as Error).name} ${message}`)) throw err;
        await sleep(1000);
      }
    }
  }

  async function run(label: string, restartAfter?: number): Promise<Trial> {
    await pool.ready(client, 2);
    const before = pool.workers.length;
    const start = performance.now();
    const { handle, workflowId } = await startScan(client, config, scope);
    let restartAt: number | undefined;
    let restarted: Promise<void> = Promise.resolve();
    const timer = restartAfter === undefined ? undefined : setTimeout(() => {
      restartAt = (performance.now() - start) / 1000;
      restarted = (async () => {
        server.process.kill('SIGKILL');
        await sleep(downSeconds * 1000);
        server = await startServer();
      })();
    }, restartAfter * 1000);
    try {
      const result = await resultOf(workflowId, handle.firstExecutionRunId);
      const seconds = (performance.now() - start) / 1000;
      await restarted;
      // A worker that gave up while the server was away is replaced, and counted.
      const died = pool.workers.slice(0, before).filter((w) => w.child.exitCode !== null || w.child.signalCode !== null).length;
      return { label, restartAt, seconds, result, workersDied: died, ...await rowsOf(database.url, result.scanId) };
    } catch (err) {
      await restarted;
      return { label, restartAt, seconds: (performance.now() - start) / 1000, error: (err as Error).message, rows: 0, duplicates: 0, workersDied: 0 };
    } finally {
      clearTimeout(timer);
    }
  }

  // The first scan on fresh workers pays for warm-up (JIT, sessions, connections): not a baseline.
  console.error('warm-up scan ...');
  await run('warm-up');
  console.error('baseline: no restart ...');
  const baseline = await run('baseline');
  if (!baseline.result) throw new Error(`the baseline scan failed: ${baseline.error}`);
  const runs: Trial[] = [];
  for (let t = 1; t <= trials; t++) {
    const restartAfter = baseline.seconds * (0.2 + 0.6 * random());
    console.error(`trial ${t}/${trials}: SIGKILL the Temporal server after ${secs(restartAfter)} s, restart it ${downSeconds} s later ...`);
    runs.push(await run(String(t), restartAfter));
  }

  const completed = (r: Trial) => r.result?.status === 'completed' && r.result.dataQuality.status === 'complete';
  const identical = (r: Trial) => r.result?.totals.total === N && r.result.totals.compliant === expectedCompliant;
  const rows: string[][] = [['trial', 'restart at s', 'scan s', 'completed', 'identical totals', 'rows', 'duplicate rows', 'workers died', 'time lost s']];
  for (const r of [baseline, ...runs]) {
    rows.push([r.label, r.restartAt === undefined ? '-' : secs(r.restartAt), secs(r.seconds), completed(r) ? 'yes' : `NO${r.error ? ` (${r.error.slice(0, 60)})` : ''}`,
      identical(r) ? 'yes' : 'NO', fmt(r.rows), fmt(r.duplicates), String(r.workersDied), r === baseline ? '-' : secs(r.seconds - baseline.seconds)]);
    if (!completed(r) || !identical(r) || r.duplicates > 0 || r.rows !== N) problems.push(`trial ${r.label}: ${JSON.stringify({ totals: r.result?.totals, rows: r.rows, error: r.error })}`);
  }
  const lost = runs.map((r) => r.seconds - baseline.seconds);
  console.log(`\ntemporal restart suite: SIGKILL and restart the file-backed dev server mid-scan (${fmt(N)} resources, 2 workers)`);
  printTable(rows);
  console.log();
  printRows([
    ['completed', `${runs.filter(completed).length} of ${runs.length}`],
    ['identical totals', `${runs.filter(identical).length} of ${runs.length} (total ${fmt(N)}, compliant ${fmt(expectedCompliant)})`],
    ['time lost per restart', `median ${secs(median(lost))} s, max ${secs(Math.max(...lost))} s (server down ${downSeconds} s; baseline ${secs(baseline.seconds)} s)`],
    ['N', `${fmt(N)} resources, ${inventory.shape.accounts} accounts x ${inventory.shape.regions} regions, ${trials} trials, seed ${args.seed}`],
    ['server', `temporal server start-dev --db-filename (SQLite file), same port after restart`],
    ...machineRows(),
  ]);
} finally {
  await teardown.close();
}
for (const problem of problems) console.error(`CHECK FAILED ${problem}`);
if (problems.length > 0) process.exitCode = 1;
